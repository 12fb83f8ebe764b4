package parse

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// juniperSRX parses Juniper SRX (Junos) security logs in the structured
// format (RFC 5424 with structured data):
//
//	<14>1 2024-05-13T11:45:04.815+09:00 srx-tky RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.129 source-address="10.1.100.11" ...] session created ...
//
// The syslog layer hands a parser only the MSG; it has already put the
// structured data and the MSGID on the event (log.syslog.structured_data,
// log.syslog.msgid, log.syslog.appname), and this parser reads them from
// there. When they are not on the event (a line relayed inside a BSD
// header, or a test giving the whole line) it finds the SD element
// "[name@enterprise ...]" in the message itself and takes the MSGID and
// APP-NAME from the words before it.
//
// Every SD-PARAM becomes a field under its Junos name (source-address,
// nat-source-port, policy-name, attack-name, url, ...), with the RFC 5424
// §6.3.3 escapes \" \\ \] undone; a name repeated in a later element keeps
// its first value. The tag (RT_FLOW_SESSION_CREATE) is the ECS event.code.
//
// Without structured data, the "brief" text form of RT_FLOW
// ("RT_FLOW_SESSION_CREATE: session created a/p->b/p service nat/p->b/p ...")
// is read into the same names: source-address, source-port,
// destination-address, destination-port, service-name, nat-source-address,
// nat-source-port, nat-destination-address, nat-destination-port,
// protocol-id, policy-name, source-zone-name, destination-zone-name,
// session-id-32 and, for closed sessions, reason.
//
// ECS:
//
//	observer.vendor, observer.product  "Juniper", "SRX"
//	event.code, event.provider   the tag, the APP-NAME (RT_FLOW, RT_IDP, RT_UTM, ...)
//	event.kind, event.category   flow: event/network; IDP and screen:
//	                             alert/intrusion_detection; AV: alert/malware;
//	                             web filter: event/web
//	event.action, event.outcome  the action parameter when there is one
//	                             (IDP, screen), else from the tag:
//	                             session-create, session-close, session-deny,
//	                             url-blocked, url-permitted, virus-detected
//	source.ip/port, destination.ip/port         source-address, source-port, destination-…
//	source.nat.ip/port, destination.nat.ip/port  nat-source-address, … (0.0.0.0 and port 0 left out)
//	network.iana_number, network.transport       protocol-id (or protocol-name)
//	network.application     application (not UNKNOWN)
//	observer.ingress.zone, observer.egress.zone  source-zone-name, destination-zone-name
//	observer.ingress.interface.name              packet-incoming-interface, interface-name
//	rule.name               policy-name; attack-name for IDP and screen logs
//	user.name               username
//	url.original            url
//	source.bytes/packets, destination.bytes/packets  bytes-from-client, packets-from-client, ...-server
//	message                 the free text after the structured data
//
// ev.Time is set from the embedded RFC 5424 timestamp when the syslog layer
// did not read the header, else from an IDP epoch-time.
type juniperSRX struct{}

var _ Parser = juniperSRX{}

var errNotJuniper = errors.New("juniper_srx: no structured data ([junos@...]) and no RT_FLOW text in message")

func (juniperSRX) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	var sd, tag, app string
	for _, f := range ev.Fields {
		switch f.Name {
		case "log.syslog.structured_data":
			sd = f.Value
		case "log.syslog.msgid":
			tag = f.Value
		case "log.syslog.appname":
			app = f.Value
		}
	}
	text := s
	var stamp string
	if sd == "" {
		if p, e := findSD(s); p >= 0 {
			sd, text = s[p:e], strings.TrimLeft(s[e:], " ")
			// "[TIMESTAMP HOST] APP PROCID MSGID [SD]"
			var head [5]string // the last five words, last first
			n := lastWords(s[:p], head[:])
			if n >= 3 {
				tag, app = nilDash(head[0]), nilDash(head[2])
				if n >= 5 {
					stamp = head[4]
				}
			}
		}
	}
	fs := newFieldSet(ev)
	var c srxCore
	if sd != "" {
		if err := parseSD(sd, func(k, v string) {
			if fs.add(ev, k, v) {
				c.note(k, v)
			}
		}); err != nil {
			return fmt.Errorf("juniper_srx: %w", err)
		}
	} else {
		t, rest, ok := briefTag(s)
		if !ok {
			return errNotJuniper
		}
		tag, text = t, rest
		if app == "" {
			// "RT_FLOW: RT_FLOW_SESSION_CREATE: ..." (the BSD TAG left in).
			before := strings.TrimRight(s[:strings.Index(s, t)], " ")
			if a, ok := strings.CutSuffix(before, ":"); ok {
				if i := strings.LastIndexByte(a, ' '); i >= 0 {
					a = a[i+1:]
				}
				if b, _, ok := strings.Cut(a, "["); ok {
					a = b
				}
				if isJunosTag(a) {
					app = a
				}
			}
		}
		readBrief(tag, text, func(k, v string) {
			if fs.add(ev, k, v) {
				c.note(k, v)
			}
		})
	}
	c.tag, c.app, c.text = tag, app, strings.TrimSpace(text)
	c.emit(ev)
	if t, ok := rfc3339Time(stamp); ok {
		ev.Time = t
	} else if t, ok := epochTime(c.epoch); ok {
		ev.Time = t
	}
	return nil
}

// lastWords fills words with the last space-separated words of s, the
// last one first, and returns how many it found.
func lastWords(s string, words []string) int {
	n := 0
	for n < len(words) {
		s = strings.TrimRight(s, " ")
		if s == "" {
			break
		}
		i := strings.LastIndexByte(s, ' ')
		words[n] = s[i+1:]
		n++
		s = s[:i+1]
	}
	return n
}

func nilDash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// findSD finds an RFC 5424 SD-ELEMENT in s whose SD-ID has an '@'
// (enterprise number, as Junos writes) followed by a parameter; it returns
// where the structured data starts and ends, or -1.
func findSD(s string) (start, end int) {
	for i := 0; i < len(s); {
		p := strings.IndexByte(s[i:], '[')
		if p < 0 {
			return -1, -1
		}
		p += i
		i = p + 1
		id := p + 1
		for id < len(s) && s[id] > ' ' && s[id] != '=' && s[id] != ']' && s[id] != '"' {
			id++
		}
		if id == p+1 || id >= len(s) || (s[id] != ' ' && s[id] != ']') || strings.IndexByte(s[p+1:id], '@') < 0 {
			continue
		}
		e := sdEnd(s, p)
		if e < 0 {
			// Unterminated: take the rest; parseSD reports it.
			return p, len(s)
		}
		// Further elements directly after this one.
		for e < len(s) && s[e] == '[' {
			n := sdEnd(s, e)
			if n < 0 {
				break
			}
			e = n
		}
		return p, e
	}
	return -1, -1
}

// sdEnd returns the index after the ']' closing the element at s[p], or -1.
func sdEnd(s string, p int) int {
	inQuote := false
	for i := p + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case ']':
			if !inQuote {
				return i + 1
			}
		}
	}
	return -1
}

// parseSD reads RFC 5424 STRUCTURED-DATA (§6.3) and calls f for every
// PARAM-NAME and unescaped PARAM-VALUE, element by element.
func parseSD(sd string, f func(name, value string)) error {
	i := 0
	for i < len(sd) {
		if sd[i] != '[' {
			return errors.New("structured data: expected '[' at byte " + itoa(i))
		}
		i++
		for i < len(sd) && sd[i] != ' ' && sd[i] != ']' {
			i++
		}
		for {
			if i >= len(sd) {
				return errors.New("structured data: unterminated element")
			}
			if sd[i] == ']' {
				i++
				break
			}
			if sd[i] != ' ' {
				return errors.New("structured data: unexpected byte at " + itoa(i))
			}
			for i < len(sd) && sd[i] == ' ' {
				i++
			}
			if i < len(sd) && sd[i] == ']' {
				continue
			}
			eq := strings.IndexByte(sd[i:], '=')
			if eq <= 0 || i+eq+1 >= len(sd) || sd[i+eq+1] != '"' {
				return errors.New("structured data: bad parameter at byte " + itoa(i))
			}
			name := sd[i : i+eq]
			j := i + eq + 2
			escaped := false
			for j < len(sd) && sd[j] != '"' {
				if sd[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			if j >= len(sd) {
				return errors.New("structured data: unterminated value of " + name)
			}
			v := sd[i+eq+2 : j]
			if escaped {
				v = unescapeSD(v)
			}
			f(name, v)
			i = j + 1
		}
		for i < len(sd) && sd[i] == ' ' {
			i++
		}
	}
	return nil
}

// unescapeSD undoes \" \\ and \] (RFC 5424 §6.3.3); a backslash before
// anything else stays, as the RFC says.
func unescapeSD(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\' || v[i+1] == ']') {
			i++
			c = v[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// briefTag finds a Junos tag ("RT_FLOW_SESSION_CREATE:") in s and returns
// it and the text after it.
func briefTag(s string) (tag, rest string, ok bool) {
	for i := 0; i < len(s); {
		c := strings.Index(s[i:], ": ")
		if c < 0 {
			if strings.HasSuffix(s, ":") {
				c = len(s) - 1 - i
			} else {
				return "", "", false
			}
		}
		c += i
		b := c
		for b > 0 && s[b-1] != ' ' {
			b--
		}
		t := s[b:c]
		if isJunosTag(t) {
			rest := strings.TrimLeft(s[min(c+1, len(s)):], " ")
			// "RT_FLOW: RT_FLOW_SESSION_CREATE: ...": the first is the
			// BSD TAG, the second the event tag.
			if w, _ := word(rest); strings.HasSuffix(w, ":") && isJunosTag(w[:len(w)-1]) {
				i = c + 1
				continue
			}
			return t, rest, true
		}
		i = c + 1
	}
	return "", "", false
}

// isJunosTag reports whether t looks like RT_FLOW_SESSION_CREATE: upper
// case letters, digits and underscores, with at least one underscore.
func isJunosTag(t string) bool {
	if len(t) < 4 || t[0] < 'A' || t[0] > 'Z' || strings.IndexByte(t, '_') < 0 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// readBrief reads the text of brief RT_FLOW session logs.
func readBrief(tag, text string, f func(k, v string)) {
	words := strings.Fields(text)
	if len(words) < 3 || words[0] != "session" {
		return
	}
	i := 2
	if words[1] == "closed" {
		// "session closed REASON: a/p->b/p ...": the reason may have spaces.
		for j := 2; j < len(words); j++ {
			if strings.HasSuffix(words[j], ":") {
				f("reason", strings.TrimSuffix(strings.Join(words[2:j+1], " "), ":"))
				i = j + 1
				break
			}
		}
	}
	if i >= len(words) {
		return
	}
	src, sport, dst, dport, ok := flowPair(words[i])
	if !ok {
		return
	}
	f("source-address", src)
	f("source-port", sport)
	f("destination-address", dst)
	f("destination-port", dport)
	i++
	if i < len(words) && strings.HasPrefix(words[i], "0x") {
		i++ // connection tag
	}
	if i >= len(words) {
		return
	}
	f("service-name", words[i])
	i++
	if words[1] == "denied" {
		// "session denied a/p->b/p service proto(type) policy from to ..."
		if i+3 < len(words) {
			p, _, _ := strings.Cut(words[i], "(")
			f("protocol-id", p)
			f("policy-name", words[i+1])
			f("source-zone-name", words[i+2])
			f("destination-zone-name", words[i+3])
		}
		return
	}
	if i < len(words) {
		if nsrc, nsport, ndst, ndport, ok := flowPair(words[i]); ok {
			f("nat-source-address", nsrc)
			f("nat-source-port", nsport)
			f("nat-destination-address", ndst)
			f("nat-destination-port", ndport)
			i++
		}
	}
	// NAT rule types and names (two to four words) come next, then the
	// protocol number.
	for j := i; j < len(words) && j < i+7; j++ {
		if isDigits(words[j]) && j+4 < len(words) {
			f("protocol-id", words[j])
			f("policy-name", words[j+1])
			f("source-zone-name", words[j+2])
			f("destination-zone-name", words[j+3])
			f("session-id-32", words[j+4])
			return
		}
	}
}

// flowPair reads "10.1.1.1/1234->192.0.2.1/80" (IPv6 addresses too).
func flowPair(w string) (src, sport, dst, dport string, ok bool) {
	a, b, ok := strings.Cut(w, "->")
	if !ok {
		return "", "", "", "", false
	}
	i := strings.LastIndexByte(a, '/')
	j := strings.LastIndexByte(b, '/')
	if i < 0 || j < 0 {
		return "", "", "", "", false
	}
	return a[:i], a[i+1:], b[:j], b[j+1:], true
}

// srxCore collects the parameters with ECS names.
type srxCore struct {
	tag, app, text                                   string
	src, sport, dst, dport                           string
	natSrc, natSport, natDst, natDport               string
	proto, protoName, application                    string
	fromZone, toZone, iface                          string
	policy, attack, action, user, url, epoch         string
	bytesClient, bytesServer, pktsClient, pktsServer string
}

func (c *srxCore) note(k, v string) {
	switch k {
	case "source-address":
		c.src = v
	case "source-port":
		c.sport = v
	case "destination-address":
		c.dst = v
	case "destination-port":
		c.dport = v
	case "nat-source-address":
		c.natSrc = v
	case "nat-source-port":
		c.natSport = v
	case "nat-destination-address":
		c.natDst = v
	case "nat-destination-port":
		c.natDport = v
	case "protocol-id":
		c.proto = v
	case "protocol-name":
		c.protoName = v
	case "application":
		c.application = v
	case "source-zone-name", "source-zone":
		c.fromZone = firstOf(c.fromZone, v)
	case "destination-zone-name", "destination-zone":
		c.toZone = firstOf(c.toZone, v)
	case "packet-incoming-interface", "interface-name":
		c.iface = firstOf(c.iface, v)
	case "policy-name":
		c.policy = v
	case "attack-name":
		c.attack = v
	case "action":
		c.action = v
	case "username":
		c.user = v
	case "url":
		c.url = v
	case "epoch-time":
		c.epoch = v
	case "bytes-from-client":
		c.bytesClient = v
	case "bytes-from-server":
		c.bytesServer = v
	case "packets-from-client":
		c.pktsClient = v
	case "packets-from-server":
		c.pktsServer = v
	}
}

func (c *srxCore) emit(ev *event.Event) {
	ev.Add("observer.vendor", "Juniper")
	ev.Add("observer.product", "SRX")
	ev.Add("event.code", c.tag)
	ev.Add("event.provider", c.app)
	kind, category, action, outcome := "event", "", "", ""
	t := c.tag
	switch {
	case strings.Contains(t, "SESSION_CREATE"):
		category, action, outcome = "network", "session-create", "success"
	case strings.Contains(t, "SESSION_CLOSE"):
		category, action, outcome = "network", "session-close", "success"
	case strings.Contains(t, "SESSION_DENY"):
		category, action, outcome = "network", "session-deny", "failure"
	case strings.HasPrefix(t, "RT_FLOW") || strings.HasPrefix(t, "FLOW_"):
		category = "network"
	case strings.HasPrefix(t, "IDP_") || strings.HasPrefix(t, "RT_SCREEN") || strings.HasPrefix(t, "RT_IDS"):
		kind, category = "alert", "intrusion_detection"
	case strings.HasPrefix(t, "AV_") || strings.HasPrefix(t, "ANTIVIRUS"):
		kind, category, action = "alert", "malware", "virus-detected"
	case strings.HasPrefix(t, "WEBFILTER_URL_BLOCKED"), strings.HasPrefix(t, "WEBFILTER_URL_REDIRECTED"):
		category, action, outcome = "web", "url-blocked", "failure"
	case strings.HasPrefix(t, "WEBFILTER_URL_PERMITTED"):
		category, action, outcome = "web", "url-permitted", "success"
	case strings.HasPrefix(t, "WEBFILTER"), strings.HasPrefix(t, "CONTENT_FILTERING"):
		category = "web"
	}
	if c.action != "" {
		action = c.action
		outcome = actionOutcome(c.action)
	}
	ev.Add("event.kind", kind)
	ev.Add("event.category", category)
	addECS(ev, "event.action", action)
	ev.Add("event.outcome", outcome)
	addIP(ev, "source.ip", c.src)
	addPort(ev, "source.port", c.sport)
	addIP(ev, "source.nat.ip", c.natSrc)
	addPort(ev, "source.nat.port", c.natSport)
	addECS(ev, "source.bytes", c.bytesClient)
	addECS(ev, "source.packets", c.pktsClient)
	addIP(ev, "destination.ip", c.dst)
	addPort(ev, "destination.port", c.dport)
	addIP(ev, "destination.nat.ip", c.natDst)
	addPort(ev, "destination.nat.port", c.natDport)
	addECS(ev, "destination.bytes", c.bytesServer)
	addECS(ev, "destination.packets", c.pktsServer)
	if isDigits(c.proto) {
		ev.Add("network.iana_number", c.proto)
	}
	ev.Add("network.transport", transportName(firstOf(c.proto, c.protoName)))
	if c.application != "UNKNOWN" {
		addECS(ev, "network.application", c.application)
	}
	addECS(ev, "observer.ingress.zone", c.fromZone)
	addECS(ev, "observer.egress.zone", c.toZone)
	addECS(ev, "observer.ingress.interface.name", c.iface)
	if c.attack != "" && kind == "alert" {
		ev.Add("rule.name", c.attack)
	} else {
		addECS(ev, "rule.name", c.policy)
	}
	addECS(ev, "user.name", c.user)
	addECS(ev, "url.original", c.url)
	ev.Add("message", c.text)
}
