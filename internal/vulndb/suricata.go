package vulndb

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Suricata (and Snort-style) rule files: one rule per line, a line ending
// in a backslash continues on the next, # starts a comment. A commented-out
// rule ("# alert …", as rule managers disable rules) is still knowledge: it
// is imported with Enabled false. A comment that does not parse as a rule
// is prose and ignored; an active line that does not parse is skipped with
// its line number.
//
// What a rule targets is read from:
//   - CVEs: reference:cve,…; metadata "cve CVE_2021_41773"; CVE ids in msg;
//   - products: every metadata affected_product (ET), as written;
//   - target: metadata attack_target (ET), mapped by attackTarget; without
//     a usable one, the rule's direction (see ruleDirection).

// parseSuricata reads a rule file.
func parseSuricata(data []byte, b *Bundle) error {
	text := string(trimBOM(data))
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimRight(lines[i], "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		commented := trimmed[0] == '#'
		if commented {
			trimmed = strings.TrimLeft(trimmed, "# \t")
			if _, ok := ruleAction(trimmed); !ok {
				continue // prose
			}
		}
		// Join continuation lines; those of a commented-out rule may carry
		// their own #.
		var sb strings.Builder
		for strings.HasSuffix(trimmed, `\`) && i+1 < len(lines) {
			sb.WriteString(trimmed[:len(trimmed)-1])
			i++
			next := strings.TrimRight(lines[i], "\r")
			if commented {
				next = strings.TrimLeft(strings.TrimLeft(next, " \t"), "#")
			}
			trimmed = strings.TrimRight(next, " \t")
		}
		sb.WriteString(trimmed)
		sig, err := suricataSignature(sb.String(), !commented)
		if err != nil {
			if !commented {
				if sid := ruleSID(sb.String()); sid != "" {
					b.skip("line %d (sid %s): %v", lineNo, sid, err)
				} else {
					b.skip("line %d: %v", lineNo, err)
				}
			}
			continue
		}
		b.Signatures = append(b.Signatures, sig)
	}
	return nil
}

// suricataSignature parses one rule and extracts its knowledge.
func suricataSignature(text string, enabled bool) (Signature, error) {
	r, err := parseRule(text)
	if err != nil {
		return Signature{}, err
	}
	sig := Signature{Vendor: "suricata", GID: 1, Action: r.Action, Enabled: enabled}
	var cves, targets []string
	flow := ""
	sidSeen := false
	for _, o := range r.Options {
		switch strings.ToLower(o.Name) {
		case "sid":
			if sidSeen {
				return Signature{}, errors.New("sid given twice")
			}
			sidSeen = true
			n, err := strconv.ParseUint(o.Value, 10, 32)
			if err != nil || n == 0 {
				return Signature{}, fmt.Errorf("bad sid %q", clip(o.Value))
			}
			sig.ID = strconv.FormatUint(n, 10)
		case "gid":
			n, err := strconv.ParseUint(o.Value, 10, 32)
			if err != nil {
				return Signature{}, fmt.Errorf("bad gid %q", clip(o.Value))
			}
			sig.GID = int(n)
		case "rev":
			n, err := strconv.ParseUint(o.Value, 10, 32)
			if err != nil {
				return Signature{}, fmt.Errorf("bad rev %q", clip(o.Value))
			}
			sig.Rev = int(n)
		case "msg":
			sig.Name = unquote(o.Value)
			cves = append(cves, findCVEs(sig.Name)...)
		case "classtype":
			sig.Classtype = o.Value
		case "flow":
			flow = o.Value
		case "reference":
			typ, val, _ := strings.Cut(unquote(o.Value), ",")
			if strings.EqualFold(strings.TrimSpace(typ), "cve") {
				if id, err := NormalizeCVE(val); err == nil {
					cves = append(cves, id)
				} else {
					cves = append(cves, findCVEs(val)...)
				}
			}
		case "metadata":
			for _, entry := range strings.Split(unquote(o.Value), ",") {
				key, val, _ := strings.Cut(strings.TrimSpace(entry), " ")
				val = strings.TrimSpace(val)
				switch strings.ToLower(key) {
				case "cve":
					if id, err := NormalizeCVE(val); err == nil {
						cves = append(cves, id)
					} else {
						cves = append(cves, findCVEs(val)...)
					}
				case "affected_product":
					sig.Products = append(sig.Products, val)
				case "attack_target":
					targets = append(targets, val)
				}
			}
		}
	}
	if !sidSeen {
		return Signature{}, errors.New("no sid")
	}
	sig.CVEs = sortedUnique(cves)
	sig.Products = uniqueInOrder(sig.Products)
	sig.Target, sig.TargetRaw = suricataTarget(uniqueInOrder(targets), &r, flow)
	return sig, nil
}

// suricataTarget decides the target from ET attack_target values or, when
// they say nothing usable, from the rule's direction.
func suricataTarget(targets []string, r *rule, flow string) (target, raw string) {
	if len(targets) > 0 {
		raw = strings.Join(targets, ",")
		known := false
		for _, t := range targets {
			m, ok := attackTarget(t)
			if !ok {
				continue
			}
			if known && m != target {
				return "", raw // targets disagree: both sides
			}
			known, target = true, m
		}
		if known {
			return target, raw
		}
	}
	if t, why := ruleDirection(r, flow); t != "" {
		return t, cmp.Or(raw, why)
	}
	return "", raw
}

// attackTarget maps an ET attack_target value to a target. ok is false for
// a value it does not know, so that the direction is used instead.
// Networking equipment and IoT devices are attacked through the services
// they offer, hence server.
func attackTarget(v string) (target string, ok bool) {
	l := strings.ToLower(v)
	switch {
	case l == "client_and_server" || l == "any":
		return "", true
	case strings.Contains(l, "server"):
		return TargetServer, true
	case strings.Contains(l, "client"), l == "mobile_device", l == "web_browser", l == "endpoint":
		return TargetClient, true
	case l == "networking_equipment", l == "iot", l == "ics", l == "scada", l == "plc",
		l == "firewall", l == "vpn", l == "router":
		return TargetServer, true
	}
	return "", false
}

// ruleDirection guesses the target from the rule itself, a weaker sign
// than attack_target (a rule watching a server's reply to an exploit flows
// to the client, yet targets the server):
//   - flow to_server or from_client → server; to_client or from_server →
//     client;
//   - otherwise, for a one-way rule, a specific destination port and any
//     source port → server; a specific source port and any destination
//     port → client.
//
// why says which sign was used.
func ruleDirection(r *rule, flow string) (target, why string) {
	for _, f := range strings.Split(flow, ",") {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "to_server", "from_client":
			return TargetServer, "flow:" + strings.TrimSpace(f)
		case "to_client", "from_server":
			return TargetClient, "flow:" + strings.TrimSpace(f)
		}
	}
	if r.Dir != "->" {
		return "", ""
	}
	srcAny, dstAny := r.SrcPort == "any", r.DstPort == "any"
	switch {
	case srcAny && !dstAny:
		return TargetServer, "ports:" + r.SrcPort + " -> " + r.DstPort
	case !srcAny && dstAny:
		return TargetClient, "ports:" + r.SrcPort + " -> " + r.DstPort
	}
	return "", ""
}

// ruleSID finds the sid of a rule that did not parse, to name it in the
// reason; "" if there is none to be seen.
func ruleSID(text string) string {
	for i := 0; ; {
		j := strings.Index(text[i:], "sid:")
		if j < 0 {
			return ""
		}
		i += j + len("sid:")
		if j > 0 && isAlnum(text[i-len("sid:")-1]) {
			continue // gid:, xsid:
		}
		rest := strings.TrimLeft(text[i:], " ")
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n > 0 {
			return rest[:n]
		}
	}
}
