package parse

import (
	"strings"
)

// Readers shared by the Cisco ASA message IDs: endpoints with their
// decorations, the "from A to B" and "src A dst B" shapes, and the generic
// reader for message IDs without their own.

// endpoint reads one endpoint and the "(mapped)" and "(user)" groups
// after it, glued to it or not, and returns the rest of s. A group that
// starts with "type " (ICMP type and code) ends the endpoint.
func endpoint(s string) (asaEndpoint, string) {
	var e asaEndpoint
	s = strings.TrimLeft(s, " ")
	if inner, rest, ok := paren(s); ok && !strings.ContainsAny(inner, " ,") {
		// 106016: "from (192.168.1.59) to ..."
		e.iface, e.addr, e.port = splitEndpoint(inner)
		return e, rest
	}
	end := strings.IndexAny(s, " (")
	if end < 0 {
		end = len(s)
	}
	tok, rest := s[:end], s[end:]
	tok = strings.TrimRight(tok, ",;.")
	if strings.IndexByte(tok, ':') < 0 && strings.IndexByte(tok, '/') > 0 && !strings.Contains(tok[strings.IndexByte(tok, '/')+1:], "/") &&
		strings.HasPrefix(rest, "(") && !isIP(tok[:strings.IndexByte(tok, '/')]) {
		// 106100: "inside/10.1.1.1(1234)": the port is in parentheses.
		if inner, r, ok := paren(rest); ok && isDigits(inner) {
			slash := strings.IndexByte(tok, '/')
			e.iface, e.addr, e.port = tok[:slash], tok[slash+1:], inner
			rest = r
		}
	}
	if e.addr == "" {
		e.iface, e.addr, e.port = splitEndpoint(tok)
	}
	for {
		inner, r, ok := paren(rest)
		if !ok || strings.HasPrefix(inner, "type ") {
			break
		}
		rest = r
		if _, a, p := splitEndpoint(inner); isIP(a) && e.mappedAddr == "" {
			e.mappedAddr, e.mappedPort = a, p
			continue
		}
		id := identity(inner)
		switch {
		case id == "":
		case strings.IndexByte(id, '.') > 0 && strings.IndexByte(id, '\\') < 0 && strings.IndexByte(id, '@') < 0:
			if e.fqdn == "" {
				e.fqdn = id
			}
		case e.user == "":
			e.user = id
		}
	}
	return e, rest
}

// identity reads a "(user)" decoration: "LOCAL\user", "user, sg_info",
// "idfw_user, FQDN". A lone number (an SGT) is not a user.
func identity(inner string) string {
	u, _, _ := strings.Cut(inner, ",")
	u = strings.TrimSpace(u)
	if isDigits(u) || strings.IndexByte(u, '=') >= 0 {
		return ""
	}
	return u
}

// splitEndpoint splits "iface:addr/port", "addr/port", "iface/addr(port)",
// "iface:addr" or "addr" (IPv4 or IPv6, or a name).
func splitEndpoint(tok string) (iface, addr, port string) {
	tok = strings.Trim(tok, "[]{}")
	if tok == "" {
		return "", "", ""
	}
	// 106100: "inside/10.1.1.1(1234)".
	if strings.HasSuffix(tok, ")") {
		if open := strings.LastIndexByte(tok, '('); open > 0 {
			port = tok[open+1 : len(tok)-1]
			tok = tok[:open]
			if slash := strings.IndexByte(tok, '/'); slash >= 0 {
				return tok[:slash], tok[slash+1:], port
			}
			return "", tok, port
		}
	}
	a := tok
	if slash := strings.LastIndexByte(tok, '/'); slash >= 0 {
		a, port = tok[:slash], tok[slash+1:]
	}
	if isIP(a) {
		return "", a, port
	}
	if colon := strings.IndexByte(a, ':'); colon >= 0 {
		return a[:colon], strings.TrimSpace(a[colon+1:]), port
	}
	return "", a, port
}

// protoWord returns the first protocol name among the words of s.
func protoWord(s string) string {
	for s != "" {
		var w string
		w, s = word(s)
		switch w {
		case "TCP", "tcp", "UDP", "udp", "ICMP", "icmp", "ICMP6", "icmp6", "GRE", "gre",
			"ESP", "esp", "SCTP", "sctp", "IP", "ip":
			return w
		}
	}
	return ""
}

// srcDst reads "PROTO src i:a/p [(user)] dst i:a/p [(user)] [(type t, code c)]".
func (m *asaMsg) srcDst(t string) bool {
	i := strings.Index(t, "src ")
	if i < 0 {
		return false
	}
	if j := strings.LastIndex(t[:i], " "); j >= 0 {
		if p := protoWord(t[:i]); p != "" {
			m.proto = p
		} else {
			// "Deny inbound protocol 47 src ..."
			w := strings.TrimSpace(t[:i])
			if k := strings.LastIndexByte(w, ' '); k >= 0 && isDigits(w[k+1:]) {
				m.proto = w[k+1:]
			}
		}
	}
	if strings.Contains(t[:i], "inbound") {
		m.direction = "inbound"
	} else if strings.Contains(t[:i], "outbound") {
		m.direction = "outbound"
	}
	rest := t[i+len("src "):]
	m.src, rest = endpoint(rest)
	if r, ok := cutWord(rest, "dst"); ok {
		m.dst, _ = endpoint(r)
	}
	m.icmpTypeCode(t)
	return true
}

// icmpTypeCode reads "type 3, code 2" or "type=0, code=3".
func (m *asaMsg) icmpTypeCode(t string) {
	if v, ok := valueAfter(t, "type ", ",)"); ok && isDigits(v) {
		m.icmpType = v
	} else if v, ok := valueAfter(t, "type=", ", "); ok {
		m.icmpType = v
	}
	if v, ok := valueAfter(t, "code ", ",)"); ok && isDigits(v) {
		m.icmpCode = v
	} else if v, ok := valueAfter(t, "code=", ", "); ok {
		m.icmpCode = v
	}
}

// hashCodes reads the trailing "[0x8ed66b60, 0xf8852875]".
func (m *asaMsg) hashCodes(t string) {
	if i := strings.LastIndex(t, "[0x"); i >= 0 {
		if j := strings.IndexByte(t[i:], ']'); j > 0 {
			m.set("hash_codes", t[i+1:i+j])
		}
	}
}

// groupUserIP reads "Group <g> User <u> IP <a>" (angle brackets optional).
func (m *asaMsg) groupUserIP(t string) bool {
	rest, ok := cutWord(t, "Group")
	if !ok {
		return false
	}
	g, rest, ok := strings.Cut(rest, " User ")
	if !ok {
		return false
	}
	m.group = unquote(strings.TrimSpace(g))
	u, rest, ok := strings.Cut(rest, " IP ")
	m.user = unquote(strings.TrimSpace(u))
	if ok {
		ip, _ := word(rest)
		m.src.addr = unquote(strings.TrimRight(ip, ",:"))
	}
	return true
}

// splitHostPort splits "10.1.1.1:500" at the last colon when what is
// before it is an address.
func splitHostPort(v string) (addr, port string) {
	if i := strings.LastIndexByte(v, ':'); i > 0 && isIP(v[:i]) {
		return v[:i], v[i+1:]
	}
	return v, ""
}

// fromTo reads "from A [(user)] to B [(user)]" and "on interface i".
func (m *asaMsg) fromTo(t string) bool {
	i := strings.Index(t, " from ")
	if i < 0 {
		return false
	}
	if p := protoWord(t[:i]); p != "" {
		m.proto = p
	}
	if strings.Contains(t[:i], "inbound") || strings.HasPrefix(t, "Inbound") {
		m.direction = "inbound"
	} else if strings.Contains(t[:i], "outbound") || strings.HasPrefix(t, "Outbound") {
		m.direction = "outbound"
	}
	rest := t[i+len(" from "):]
	m.src, rest = endpoint(rest)
	if r, ok := cutWord(rest, "to"); ok {
		m.dst, rest = endpoint(r)
	}
	if v, ok := valueAfter(rest, "flags ", ""); ok {
		f, _, _ := strings.Cut(v, " on interface")
		m.tcpFlags = strings.TrimSpace(f)
	}
	if v, ok := valueAfter(rest, "on interface ", " "); ok && m.src.iface == "" {
		m.src.iface = strings.TrimRight(v, ".,")
	}
	if v, ok := valueAfter(rest, "due to ", ""); ok {
		m.reason = strings.TrimSuffix(v, ".")
	}
	return true
}

// generic tries the common shapes of message text.
func (m *asaMsg) generic(t string) {
	if v, ok := valueAfter(t, " src = ", ","); ok {
		// 209005 "src = a, dest = b, proto = p"
		m.src.addr = v
		if v, ok := valueAfter(t, " dest = ", ","); ok {
			m.dst.addr = v
		}
		if v, ok := valueAfter(t, " proto = ", ","); ok {
			m.proto = v
		}
		return
	}
	switch {
	case strings.HasPrefix(t, "Deny ") || strings.HasPrefix(t, "Denied ") ||
		strings.Contains(t, " denied ") || strings.Contains(t, " discarded ") ||
		strings.Contains(t, "Dropped ") || strings.Contains(t, " dropped") ||
		strings.Contains(t, "requested to drop") || strings.HasPrefix(t, "Shunned "):
		m.deny()
	case strings.Contains(t, " permitted "):
		m.category, m.action, m.outcome = "network", "permit", "success"
	}
	if si := strings.Index(t, " src "); si >= 0 {
		if i := strings.Index(t, " from "); i < 0 || si < i {
			m.srcDst(t)
			return
		}
	}
	if a, b, ok := strings.Cut(t, " ==> "); ok {
		// 401004 "Shunned packet: a ==> b on interface i"
		if i := strings.LastIndexByte(a, ' '); i >= 0 {
			a = a[i+1:]
		}
		m.src.addr = a
		m.dst, _ = endpoint(b)
		if v, ok := valueAfter(b, "on interface ", " "); ok {
			m.src.iface = v
		}
		return
	}
	if i := strings.Index(t, " from "); i >= 0 {
		// Only when what follows looks like an address, so that "reading
		// from device" or "username from VPN client" stay text.
		if e, _ := endpoint(t[i+len(" from "):]); looksLikeAddress(e.addr) {
			m.fromTo(t)
			if v, ok := valueAfter(t, "for user ", ""); ok {
				m.user = unquote(v)
			}
			return
		}
	}
	if m.groupUserIP(t) {
		return
	}
	if v, ok := valueAfter(t, "Uname: ", ", "); ok {
		m.user = v
		return
	}
	if v, ok := valueAfter(t, "Username = ", ","); ok {
		m.user = v
		if g, ok := valueAfter(t, "Group = ", ","); ok {
			m.group = g
		}
		if ip, ok := valueAfter(t, "IP = ", ","); ok {
			m.src.addr = ip
		}
	}
}

// looksLikeAddress reports whether a is an IP address or a dotted name.
func looksLikeAddress(a string) bool {
	return isIP(a) || (strings.IndexByte(a, '.') > 0 && !strings.ContainsAny(a, " <>"))
}

// Text helpers. They work on substrings and never allocate.

// word returns the first space-separated word of s and the rest after it.
func word(s string) (w, rest string) {
	s = strings.TrimLeft(s, " ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// cutWord removes w and the spaces around it from the start of s.
func cutWord(s, w string) (string, bool) {
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, w) {
		return s, false
	}
	rest := s[len(w):]
	if rest != "" && rest[0] != ' ' && rest[0] != ',' && rest[0] != ':' {
		return s, false
	}
	return strings.TrimLeft(rest, " "), true
}

// paren removes a leading "(...)" group from s and returns its inside.
func paren(s string) (inner, rest string, ok bool) {
	t := strings.TrimLeft(s, " ")
	if t == "" || t[0] != '(' {
		return "", s, false
	}
	depth := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return t[1:i], t[i+1:], true
			}
		}
	}
	return "", s, false
}

// unquote removes '...', "...", <...> or [...] around v.
func unquote(v string) string {
	if len(v) >= 2 {
		switch f, l := v[0], v[len(v)-1]; {
		case f == '\'' && l == '\'', f == '"' && l == '"', f == '<' && l == '>', f == '[' && l == ']':
			return v[1 : len(v)-1]
		}
	}
	return v
}

// valueAfter returns the text after key in s up to the first of the stop
// bytes (or the end), trimmed of spaces.
func valueAfter(s, key, stops string) (string, bool) {
	i := strings.Index(s, key)
	if i < 0 {
		return "", false
	}
	v := s[i+len(key):]
	if j := strings.IndexAny(v, stops); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSpace(v), true
}
