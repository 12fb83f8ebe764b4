package parse

import (
	"strings"
)

// Message texts of the Cisco ASA/FTD message IDs read one by one, as the
// "Cisco Secure Firewall ASA Series Syslog Messages" guide writes them:
//
//	302013/302015  Built {inbound|outbound} {TCP|UDP} connection id for A (mapped) [(user)] to B (mapped) [(user)]
//	302014/302016/302018  Teardown {TCP|UDP|GRE} connection id for A to B duration h:mm:ss bytes n [reason] [(user)]
//	302020/302021  {Built {in|out}bound|Teardown} ICMP connection for faddr F gaddr G laddr L [type t code c]
//	305011/305012  {Built|Teardown} {dynamic|static} PROTO translation from A to B [duration d]
//	106001  Inbound TCP connection denied from A to B flags f on interface i
//	106006/106007  Deny inbound UDP from A to B {on interface i | due to DNS {Response|Query}}
//	106014  Deny {inbound|outbound} icmp src i:a dst i:a (type t, code c)
//	106015  Deny TCP (no connection) from A to B flags f on interface i
//	106016/106017/106020/106021/106022  Deny ... from a to a [on interface i]
//	106023  Deny PROTO src i:a/p dst i:a/p [type t, code c] by access-group "acl" [h1, h2]
//	106100  access-list acl {permitted|denied|est-allowed} PROTO i/a(p) -> i/a(p) hit-cnt n {first hit|n-second interval} [h1, h2]
//	313001  Denied ICMP type=t, code=c from a on interface i
//	313004  Denied ICMP type=t, from laddr a on interface i to a: no matching session
//	313005  No matching connection for ICMP error message: icmp src i:a dst i:a (type t, code c) on i interface. Original IP payload: ...
//	710002-710005  {TCP|UDP} {access permitted|access denied by ACL|request discarded|...} from A to i:a/service
//	733100  [obj] drop rate id exceeded. Current burst rate is n per second, max configured rate is n; ...
//	111008/111009/111010  User 'u' executed the 'cmd' command / executed cmd:c / running 'app' from IP a, executed 'cmd'
//	113004/113005/113015  AAA user ... {Successful|Rejected}: ... server = a, User = u ...
//	113019  Group = g, Username = u, IP = a, Session disconnected. Session Type: t, Duration: d, Bytes xmt: n, Bytes rcv: n, Reason: r
//	113039, 716001, 716002, 722022, 722023, 722051  Group <g> User <u> IP <a> ...
//	611101/611102/611103  User authentication {succeeded|failed}: IP address: a, Uname: u / User logged out: Uname: u
//	605004/605005  Login {denied|permitted} from a/p to i:a/service for user "u"
//	734001  DAP: User u, Addr a, Connection c: The following DAP records were selected for this connection: r
//	751025  Local:a:p Remote:a:p Username:u ... (IKEv2 VPN session)
//	4000nn  IPS:id name from a to a on interface i
//	430001-430005 (FTD)  Key: value, Key: value, ...
//
// Other IDs go through the generic readers: "from A to B", "src A dst B",
// "Group <g> User <u> IP <a>", "Uname: u" and "Username = u".

// read fills m from m.text.
func (m *asaMsg) read() {
	t := m.text
	switch m.num {
	case 302013, 302015, 302017, 302303:
		m.built(t)
	case 302014, 302016, 302018, 302023, 302304:
		m.teardown(t)
	case 304001, 304002:
		m.url(t)
	case 302020, 302021:
		m.icmpConn(t)
	case 305011, 305012:
		m.translation(t)
	case 106023:
		m.deny106023(t)
	case 106100:
		m.accessList(t)
	case 313001, 313004:
		m.deniedICMP(t)
	case 313005:
		m.deny()
		m.srcDst(t)
	case 733100:
		m.dropRate(t)
	case 111008, 111009, 111010:
		m.command(t)
	case 113004, 113005, 113015, 113019, 113039:
		m.aaa(t)
	case 611101, 611102, 611103:
		m.userAuth(t)
	case 605004, 605005:
		m.login(t)
	case 716001, 716002, 722022, 722023, 722051:
		m.vpnSession(t)
	case 734001:
		m.dap(t)
	case 751025:
		m.ikev2(t)
	case 430001, 430002, 430003, 430004, 430005:
		m.ftdEvent(t)
	default:
		if m.num >= 400000 && m.num <= 400099 {
			m.ips(t)
			return
		}
		m.generic(t)
	}
}

// deny marks the message as a blocked connection.
func (m *asaMsg) deny() {
	m.category, m.action, m.outcome = "network", "deny", "failure"
}

func (m *asaMsg) built(t string) {
	m.category, m.action, m.outcome = "network", "connection-built", "success"
	rest, _ := cutWord(t, "Built")
	dir, r := word(rest)
	if dir == "inbound" || dir == "outbound" {
		m.direction, rest = dir, r
	}
	m.proto, rest = word(rest)
	rest, _ = cutWord(rest, "connection")
	if w, r := word(rest); w != "for" && w != "from" {
		m.connID, rest = w, r
	}
	var ok bool
	if rest, ok = cutWord(rest, "for"); !ok {
		rest, _ = cutWord(rest, "from")
	}
	a, rest := endpoint(rest)
	rest, _ = cutWord(rest, "to")
	b, rest := endpoint(rest)
	if inner, _, ok := paren(rest); ok && a.user == "" && b.user == "" {
		a.user = identity(inner)
	}
	if m.direction == "outbound" {
		a, b = b, a
	}
	m.src, m.dst = a, b
}

func (m *asaMsg) teardown(t string) {
	m.category, m.action, m.outcome = "network", "connection-teardown", "success"
	rest, _ := cutWord(t, "Teardown")
	rest, _ = cutWord(rest, "stub")
	m.proto, rest = word(rest)
	rest, _ = cutWord(rest, "connection")
	if w, r := word(rest); w != "for" && w != "from" {
		m.connID, rest = w, r
	}
	var ok bool
	if rest, ok = cutWord(rest, "for"); !ok {
		rest, _ = cutWord(rest, "from")
	}
	m.src, rest = endpoint(rest)
	rest, _ = cutWord(rest, "to")
	m.dst, rest = endpoint(rest)
	if r, ok := cutWord(rest, "duration"); ok {
		m.duration, rest = word(r)
	}
	if r, ok := cutWord(rest, "forwarded"); ok {
		rest = r
	}
	if r, ok := cutWord(rest, "bytes"); ok {
		m.bytes, rest = word(r)
	}
	rest = strings.TrimSpace(rest)
	if strings.HasSuffix(rest, ")") {
		if open := strings.LastIndexByte(rest, '('); open >= 0 {
			m.user = identity(rest[open+1 : len(rest)-1])
			rest = strings.TrimSpace(rest[:open])
		}
	}
	if r, ok := cutWord(rest, "reason"); ok {
		rest = r
	}
	m.reason = rest
}

func (m *asaMsg) icmpConn(t string) {
	if !strings.Contains(t, "faddr ") {
		// "Teardown ICMP connection 9 from A to B" (older releases).
		if strings.HasPrefix(t, "Built") {
			m.built(t)
		} else {
			m.teardown(t)
		}
		return
	}
	m.category, m.outcome = "network", "success"
	m.action = "connection-teardown"
	if strings.HasPrefix(t, "Built") {
		m.action = "connection-built"
	}
	if strings.Contains(t, "outbound") {
		m.direction = "outbound"
	} else if strings.Contains(t, "inbound") {
		m.direction = "inbound"
	}
	m.proto = "ICMP"
	var f, g, l asaEndpoint
	if i := strings.Index(t, "faddr "); i >= 0 {
		f, _ = endpoint(t[i+len("faddr "):])
	}
	if i := strings.Index(t, "gaddr "); i >= 0 {
		g, _ = endpoint(t[i+len("gaddr "):])
	}
	if i := strings.Index(t, "laddr "); i >= 0 {
		l, _ = endpoint(t[i+len("laddr "):])
	}
	if v, ok := valueAfter(t, " type ", " "); ok {
		m.icmpType = v
	}
	if v, ok := valueAfter(t, " code ", " "); ok {
		m.icmpCode = v
	}
	// faddr is the foreign host, laddr the local one and gaddr its
	// global (mapped) address.
	if m.direction == "outbound" {
		l.mappedAddr, l.mappedPort = g.addr, g.port
		m.src, m.dst = l, f
	} else {
		f2 := l
		f2.mappedAddr, f2.mappedPort = g.addr, g.port
		m.src, m.dst = f, f2
	}
}

func (m *asaMsg) translation(t string) {
	m.category, m.outcome = "network", "success"
	verb, rest := word(t)
	m.action = "translation-teardown"
	if verb == "Built" {
		m.action = "translation-built"
	}
	kind, rest := word(rest)
	m.set("translation_type", kind)
	m.proto, rest = word(rest)
	rest, _ = cutWord(rest, "translation")
	rest, _ = cutWord(rest, "from")
	// "inside(acl-name):10.1.1.1/1234": the ACL name sits on the interface.
	tok, r := word(rest)
	if open := strings.IndexByte(tok, '('); open > 0 {
		if close := strings.Index(tok[open:], "):"); close > 0 {
			m.acl = tok[open+1 : open+close]
			rest = tok[:open] + tok[open+close+1:] + " " + r
		}
	}
	a, rest := endpoint(rest)
	rest, _ = cutWord(rest, "to")
	b, rest := endpoint(rest)
	if r, ok := cutWord(rest, "duration"); ok {
		m.duration, _ = word(r)
	}
	a.mappedAddr, a.mappedPort = b.addr, b.port
	m.src = a
	m.dst.iface = b.iface
}

func (m *asaMsg) deny106023(t string) {
	m.deny()
	m.srcDst(t)
	if v, ok := valueAfter(t, "access-group ", " "); ok {
		m.acl = unquote(v)
	}
	m.hashCodes(t)
}

func (m *asaMsg) accessList(t string) {
	m.category = "network"
	rest, _ := cutWord(t, "access-list")
	m.acl, rest = word(rest)
	verdict, rest := word(rest)
	switch verdict {
	case "permitted":
		m.action, m.outcome = "permit", "success"
	case "denied":
		m.action, m.outcome = "deny", "failure"
	case "est-allowed":
		m.action, m.outcome = "est-allowed", "success"
	default:
		m.acl = ""
		m.generic(t)
		return
	}
	m.proto, rest = word(rest)
	m.src, rest = endpoint(rest)
	rest, _ = cutWord(rest, "->")
	m.dst, rest = endpoint(rest)
	if r, ok := cutWord(rest, "hit-cnt"); ok {
		m.hitCount, rest = word(r)
		if inner, _, ok := paren(rest); ok {
			m.set("interval", inner)
		}
	}
	m.hashCodes(t)
}

func (m *asaMsg) deniedICMP(t string) {
	m.deny()
	m.proto = "ICMP"
	m.icmpTypeCode(t)
	if v, ok := valueAfter(t, " from ", ""); ok {
		v, _ = cutWord(v, "laddr")
		m.src, _ = endpoint(v)
	}
	if v, ok := valueAfter(t, "on interface ", " "); ok {
		m.src.iface = v
	}
	if v, ok := valueAfter(t, " to ", ":"); ok {
		m.dst.addr = v
	}
	if _, r, ok := strings.Cut(t, ": "); ok && m.num == 313004 {
		m.reason = r
	}
}

func (m *asaMsg) dropRate(t string) {
	m.kind, m.category, m.action = "alert", "intrusion_detection", "threat-detection"
	if i := strings.Index(t, "drop rate"); i >= 0 {
		m.set("drop_rate_object", strings.TrimSpace(strings.Trim(strings.TrimSpace(t[:i]), "[]")))
		id, _ := word(t[i+len("drop rate"):])
		m.set("drop_rate_id", id)
	}
	if v, ok := valueAfter(t, "Current burst rate is ", " "); ok {
		m.set("burst_rate", v)
	}
	if i := strings.Index(t, "max configured rate is "); i >= 0 {
		v, _ := valueAfter(t[i:], "max configured rate is ", ";")
		m.set("burst_rate_max", v)
		if v, ok := valueAfter(t[i+1:], "max configured rate is ", ";"); ok {
			m.set("average_rate_max", v)
		}
	}
	if v, ok := valueAfter(t, "Current average rate is ", " "); ok {
		m.set("average_rate", v)
	}
	if v, ok := valueAfter(t, "Cumulative total count is ", " "); ok {
		m.set("total_count", v)
	}
	if v, ok := valueAfter(t, "Host: ", " "); ok {
		m.src.addr = v
	}
}

func (m *asaMsg) command(t string) {
	m.category, m.action, m.outcome = "configuration", "command", "success"
	rest, ok := cutWord(t, "User")
	if !ok {
		m.generic(t)
		return
	}
	switch m.num {
	case 111008:
		u, cmd, _ := strings.Cut(rest, " executed the ")
		m.user = unquote(strings.TrimSpace(u))
		cmd = strings.TrimSuffix(strings.TrimSpace(cmd), ".")
		if c, ok := strings.CutSuffix(cmd, " command"); ok {
			cmd = c
		} else {
			cmd = strings.TrimPrefix(cmd, "command ")
		}
		m.set("command", unquote(cmd))
	case 111009:
		u, cmd, _ := strings.Cut(rest, " executed cmd:")
		m.user = unquote(strings.TrimSpace(u))
		m.set("command", strings.TrimSuffix(strings.TrimSpace(cmd), "."))
	case 111010:
		u, r, _ := strings.Cut(rest, ", running ")
		m.user = unquote(strings.TrimSpace(u))
		app, r, _ := strings.Cut(r, " from IP ")
		m.set("application", unquote(strings.TrimSpace(app)))
		ip, cmd, _ := strings.Cut(r, ", executed ")
		m.src.addr = strings.TrimSpace(ip)
		m.set("command", unquote(strings.TrimSpace(cmd)))
	}
}

func (m *asaMsg) aaa(t string) {
	m.category, m.action = "authentication", "authentication"
	switch {
	case strings.Contains(t, "Successful"):
		m.outcome = "success"
	case strings.Contains(t, "Rejected"):
		m.outcome = "failure"
	}
	switch m.num {
	case 113004:
		if v, ok := valueAfter(t, "AAA user ", " "); ok {
			m.set("aaa_type", v)
		}
	case 113019:
		m.action, m.outcome = "session-end", "success"
	case 113039:
		m.action, m.outcome = "session-start", "success"
	}
	if v, ok := valueAfter(t, "reason = ", ":"); ok {
		m.reason = v
	}
	if v, ok := valueAfter(t, "Reason: ", ""); ok {
		m.reason = v
	}
	if v, ok := valueAfter(t, "server = ", ",:"); ok {
		m.server = v
	}
	for _, key := range [...]string{"User = ", "user = ", "Username = "} {
		if v, ok := valueAfter(t, key, ",:"); ok {
			m.user = v
			break
		}
	}
	if v, ok := valueAfter(t, "user IP = ", ",: "); ok {
		m.src.addr = v
	}
	if v, ok := valueAfter(t, "IP = ", ","); ok && m.src.addr == "" {
		m.src.addr = v
	}
	if v, ok := valueAfter(t, "Group = ", ","); ok {
		m.group = v
	}
	if v, ok := valueAfter(t, "Session Type: ", ","); ok {
		m.set("session_type", v)
	}
	if v, ok := valueAfter(t, "Duration: ", ","); ok {
		m.duration = v
	}
	if v, ok := valueAfter(t, "Bytes xmt: ", ","); ok {
		m.set("bytes_xmt", v)
	}
	if v, ok := valueAfter(t, "Bytes rcv: ", ","); ok {
		m.set("bytes_rcv", v)
	}
	if m.num == 113039 {
		m.groupUserIP(t)
	}
}

func (m *asaMsg) userAuth(t string) {
	m.category = "authentication"
	switch m.num {
	case 611101:
		m.action, m.outcome = "authentication", "success"
	case 611102:
		m.action, m.outcome = "authentication", "failure"
	case 611103:
		m.action, m.outcome = "logout", "success"
	}
	if v, ok := valueAfter(t, "Uname: ", ","); ok {
		m.user = v
	}
	if v, ok := valueAfter(t, "IP address: ", ","); ok {
		m.src.addr = v
	}
}

func (m *asaMsg) login(t string) {
	m.category = "authentication"
	m.action, m.outcome = "login", "success"
	if m.num == 605004 {
		m.outcome = "failure"
	}
	m.fromTo(t)
	if v, ok := valueAfter(t, "for user ", ""); ok {
		m.user = unquote(v)
	}
}

func (m *asaMsg) vpnSession(t string) {
	m.category = "authentication"
	m.groupUserIP(t)
	switch m.num {
	case 716001:
		m.action, m.outcome = "session-start", "success"
	case 716002:
		m.action, m.outcome = "session-end", "success"
		if v, ok := valueAfter(t, "terminated: ", ""); ok {
			m.reason = strings.TrimSuffix(v, ".")
		}
	case 722022:
		m.action, m.outcome = "svc-connection-established", "success"
	case 722023:
		m.action, m.outcome = "svc-connection-terminated", "success"
	case 722051:
		m.action, m.outcome = "address-assigned", "success"
		if v, ok := valueAfter(t, "IPv4 Address ", " "); ok {
			m.set("assigned_ip", unquote(v))
		} else if v, ok := valueAfter(t, "Address ", " "); ok {
			m.set("assigned_ip", unquote(v))
		}
		if v, ok := valueAfter(t, "IPv6 address ", " "); ok {
			m.set("assigned_ipv6", unquote(v))
		}
	}
	if m.num == 722022 || m.num == 722023 {
		if strings.Contains(t, " TCP SVC") {
			m.proto = "TCP"
		} else if strings.Contains(t, " UDP SVC") {
			m.proto = "UDP"
		}
	}
}

func (m *asaMsg) dap(t string) {
	m.category, m.action, m.outcome = "authentication", "dap-records-selected", "success"
	if v, ok := valueAfter(t, "User ", ","); ok {
		m.user = v
	}
	if v, ok := valueAfter(t, "Addr ", ","); ok {
		m.src.addr = v
	}
	if v, ok := valueAfter(t, "Connection ", ":"); ok {
		m.set("connection_type", v)
	}
	if v, ok := valueAfter(t, "selected for this connection: ", ""); ok {
		m.set("dap_records", strings.TrimSuffix(v, "."))
	}
}

func (m *asaMsg) ikev2(t string) {
	m.category, m.action = "authentication", "vpn-session"
	if v, ok := valueAfter(t, "Remote:", " "); ok {
		m.src.addr, m.src.port = splitHostPort(v)
	}
	if v, ok := valueAfter(t, "Local:", " "); ok {
		m.dst.addr, m.dst.port = splitHostPort(v)
	}
	if v, ok := valueAfter(t, "Username:", " "); ok {
		m.user = v
	}
	if v, ok := valueAfter(t, "Group:", " "); ok {
		m.group = v
	}
	if v, ok := valueAfter(t, "IPv4 Address=", " "); ok {
		m.set("assigned_ip", v)
	}
	if v, ok := valueAfter(t, "Reason: ", ""); ok {
		m.reason = v
	}
}

func (m *asaMsg) ips(t string) {
	m.kind, m.category, m.action = "alert", "intrusion_detection", "ips"
	sig := t
	for _, p := range [...]string{"IPS:", "IDS:"} {
		if i := strings.Index(t, p); i >= 0 {
			sig = t[i+len(p):]
			break
		}
	}
	id, name := word(sig)
	if isDigits(id) {
		m.ruleID = id
		name, _, _ = strings.Cut(name, " from ")
		m.ruleName = strings.TrimSpace(name)
	}
	m.fromTo(t)
}

func (m *asaMsg) ftdEvent(t string) {
	m.category = "network"
	for t != "" {
		var part string
		part, t, _ = strings.Cut(t, ", ")
		k, v, ok := strings.Cut(part, ": ")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || strings.IndexByte(k, ' ') >= 0 {
			continue
		}
		switch k {
		case "SrcIP", "InitiatorIP":
			m.src.addr = v
		case "DstIP", "ResponderIP":
			m.dst.addr = v
		case "SrcPort", "InitiatorPort":
			m.src.port = v
		case "DstPort", "ResponderPort":
			m.dst.port = v
		case "Protocol":
			m.proto = v
		case "IngressInterface":
			m.src.iface = v
		case "EgressInterface":
			m.dst.iface = v
		case "User":
			if v != "No Authentication Required" {
				m.user = v
			}
		case "AccessControlRuleName":
			m.acl = v
		case "AccessControlRuleAction":
			m.action = v
			m.outcome = actionOutcome(v)
		default:
			m.set(k, v)
		}
	}
}

// url reads 304001 "a Accessed URL b:url" and 304002 "Access denied URL
// url SRC a DEST b on interface i".
func (m *asaMsg) url(t string) {
	m.category = "web"
	if m.num == 304001 {
		m.action, m.outcome = "url-accessed", "success"
		a, rest, _ := strings.Cut(t, " Accessed URL ")
		m.src.addr = strings.TrimSpace(a)
		dst, u, _ := strings.Cut(rest, ":")
		m.dst.addr = dst
		m.set("url", u)
		return
	}
	m.action, m.outcome = "url-denied", "failure"
	if v, ok := valueAfter(t, "URL ", " "); ok {
		m.set("url", v)
	}
	if v, ok := valueAfter(t, " SRC ", " "); ok {
		m.src.addr = v
	}
	if v, ok := valueAfter(t, " DEST ", " "); ok {
		m.dst.addr = v
	}
	if v, ok := valueAfter(t, "on interface ", " "); ok {
		m.src.iface = v
	}
}
