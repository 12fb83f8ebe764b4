package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// yamahaRTX parses Yamaha RTX/NVR/FWX router messages. Yamaha routers
// often send only "<PRI>" and the message, without timestamp or hostname;
// the syslog layer hands over the message, and a "<PRI>" left in front
// (the whole line in tests) is skipped.
//
// Message kinds read, as the RTX command reference and its syslog
// examples write them:
//
//	LAN2 Rejected at IN(200030) filter: TCP 198.51.100.23:51234 > 203.0.113.10:23
//	PP[01] Passed at OUT(1000) filter: UDP 192.168.100.2:123 > 203.0.113.1:123
//	Rejected at IN(100) filter in LAN2: TCP 198.51.100.23:40980 > 203.0.113.10:80
//	[INSPECT] LAN2[out][101099] TCP 192.168.100.2:40980 > 203.0.113.5:80 (2012/06/19 10:10:44)
//	Login succeeded for TELNET: 192.168.100.2 / Login failed for SSH: ... / Logout from TELNET: 192.168.100.2
//	[TUNNEL] tunnel 1 connected / IP Tunnel[1] Up / PP[01] Disconnected, cause [LCP Echo Reply timeout]
//
// Fields (only those present):
//
//	module            the leading bracket tag without brackets (INSPECT, TUNNEL, IKE, L2TP, HTTPD, ...)
//	interface         LAN2, PP[01], TUNNEL[1], WAN1, ...
//	direction         IN or OUT (filters), in or out (INSPECT)
//	filter_action     Rejected or Passed
//	filter_number     the filter (or dynamic filter) number
//	protocol, src_ip, src_port, dst_ip, dst_port, icmp_info (text after " : " in ICMP lines)
//	start_time        the session time in parentheses of an INSPECT line
//	service           TELNET, SSH, HTTP, ... (logins); user
//	tunnel_id, state  tunnel number; up or down
//	cause             "cause [...]" of a disconnection
//
// ECS:
//
//	observer.vendor, observer.product  "Yamaha", "RTX"
//	event.category, event.action, event.outcome
//	                  filters: network, reject/pass, failure/success;
//	                  INSPECT: network, inspect, success;
//	                  logins: authentication, login/logout, success/failure;
//	                  tunnels and PP: network, connected/disconnected
//	network.direction  inbound (IN, in) or outbound (OUT, out)
//	observer.ingress.interface.name or observer.egress.interface.name  interface, by direction
//	source.ip/port, destination.ip/port, network.transport
//	rule.id           filter_number
//	user.name         user
//	message           the message
//
// Any other message is kept with module, interface and message only. Parse
// fails only on an empty message.
type yamahaRTX struct{}

var _ Parser = yamahaRTX{}

var errEmptyRTX = errors.New("yamaha_rtx: empty message")

func (yamahaRTX) Parse(msg []byte, _ *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	s = skipPRI(s)
	s = strings.TrimSpace(s)
	if s == "" {
		return errEmptyRTX
	}
	var m rtxMsg
	m.text = s
	m.read(s)
	m.emit(ev)
	return nil
}

// skipPRI removes a leading "<PRI>".
func skipPRI(s string) string {
	if len(s) > 2 && s[0] == '<' {
		if j := strings.IndexByte(s[:min(len(s), 5)], '>'); j > 1 && isDigits(s[1:j]) {
			return s[j+1:]
		}
	}
	return s
}

type rtxMsg struct {
	text, module, iface, direction, filterAction, filterNumber string
	proto, src, sport, dst, dport, icmp, start                 string
	service, user, tunnel, state, cause                        string
	category, action, outcome                                  string
}

func (m *rtxMsg) read(s string) {
	if strings.HasPrefix(s, "[") {
		if j := strings.IndexByte(s, ']'); j > 1 {
			m.module = s[1:j]
			s = strings.TrimLeft(s[j+1:], " ")
		}
	}
	switch {
	case m.module == "INSPECT":
		m.inspect(s)
		return
	case strings.Contains(s, " filter") && (strings.Contains(s, "Rejected at ") || strings.Contains(s, "Passed at ")):
		m.filter(s)
		return
	case strings.Contains(s, "Login succeeded") || strings.Contains(s, "Login failed") ||
		strings.HasPrefix(s, "Logout") || strings.Contains(s, " succeeded for ") || strings.Contains(s, " failed for "):
		m.login(s)
		return
	}
	m.link(s)
}

// filter reads "IFACE Rejected at IN(NNN) filter: PROTO a:p > b:p" and
// "Rejected at IN(NNN) filter in IFACE: PROTO ...".
func (m *rtxMsg) filter(s string) {
	m.category = "network"
	at := strings.Index(s, "Rejected at ")
	m.filterAction, m.action, m.outcome = "Rejected", "reject", "failure"
	if at < 0 {
		at = strings.Index(s, "Passed at ")
		m.filterAction, m.action, m.outcome = "Passed", "pass", "success"
	}
	if pre := strings.TrimSpace(s[:at]); pre != "" {
		m.iface = pre
	}
	rest := s[at+len(m.filterAction)+len(" at "):]
	dir, rest, _ := strings.Cut(rest, "(")
	m.direction = dir
	num, rest, _ := strings.Cut(rest, ")")
	m.filterNumber = num
	rest = strings.TrimLeft(rest, " ")
	rest, _ = cutWord(rest, "filter")
	if r, ok := cutWord(rest, "in"); ok {
		iface, r2, _ := strings.Cut(r, ":")
		m.iface = strings.TrimSpace(iface)
		rest = r2
	}
	rest = strings.TrimLeft(rest, ": ")
	m.packet(rest)
}

// packet reads "PROTO a[:p] > b[:p][ : icmp info]".
func (m *rtxMsg) packet(s string) {
	m.proto, s = word(s)
	a, s := word(s)
	if arrow, r := word(s); arrow == ">" {
		var b string
		b, s = word(r)
		m.dst, m.dport = rtxAddrPort(b)
	}
	m.src, m.sport = rtxAddrPort(a)
	if r, ok := cutWord(s, ":"); ok && r != "" {
		m.icmp = r
	}
}

// rtxAddrPort splits "192.0.2.1:80" or "[2001:db8::1]:80" or "2001:db8::1.80"
// (IPv6 with a dot before the port) or a bare address.
func rtxAddrPort(v string) (addr, port string) {
	if i := strings.IndexByte(v, ':'); i > 0 && isIPv4(v[:i]) {
		return v[:i], v[i+1:]
	}
	if isIP(v) {
		return v, ""
	}
	if strings.HasPrefix(v, "[") {
		if j := strings.Index(v, "]:"); j > 0 {
			return v[1:j], v[j+2:]
		}
	}
	if i := strings.LastIndexByte(v, ':'); i > 0 && isIP(v[:i]) {
		return v[:i], v[i+1:]
	}
	if i := strings.LastIndexByte(v, '.'); i > 0 && isIP(v[:i]) && strings.IndexByte(v[:i], ':') >= 0 {
		return v[:i], v[i+1:]
	}
	return v, ""
}

// inspect reads "IFACE[out][NNN] PROTO a:p > b:p (YYYY/MM/DD hh:mm:ss)".
func (m *rtxMsg) inspect(s string) {
	m.category, m.action, m.outcome = "network", "inspect", "success"
	head, rest := word(s)
	if i := strings.IndexByte(head, '['); i > 0 {
		m.iface = head[:i]
		// PP[01][out][NNN]: the interface may carry its own brackets.
		parts := head[i:]
		var groups [3]string
		n := 0
		for parts != "" && n < len(groups) {
			if parts[0] != '[' {
				break
			}
			j := strings.IndexByte(parts, ']')
			if j < 0 {
				break
			}
			groups[n] = parts[1:j]
			n++
			parts = parts[j+1:]
		}
		if n == 3 {
			m.iface = head[:i+len(groups[0])+2]
			m.direction, m.filterNumber = groups[1], groups[2]
		} else if n == 2 {
			m.direction, m.filterNumber = groups[0], groups[1]
		}
	}
	if open := strings.LastIndexByte(rest, '('); open >= 0 && strings.HasSuffix(rest, ")") {
		m.start = rest[open+1 : len(rest)-1]
		rest = strings.TrimSpace(rest[:open])
	}
	m.packet(rest)
}

// login reads "Login succeeded for TELNET: 192.0.2.1", "Login failed for
// SSH: 192.0.2.1", "Logout from TELNET: 192.0.2.1" and "'user' succeeded
// for HTTP: 192.0.2.1" (the user may also follow as "(user)" or "user: u").
func (m *rtxMsg) login(s string) {
	m.category = "authentication"
	switch {
	case strings.HasPrefix(s, "Logout"):
		m.action, m.outcome = "logout", "success"
	case strings.Contains(s, "failed"):
		m.action, m.outcome = "login", "failure"
	default:
		m.action, m.outcome = "login", "success"
	}
	if q := strings.IndexByte(s, '\''); q >= 0 {
		if e := strings.IndexByte(s[q+1:], '\''); e > 0 {
			m.user = s[q+1 : q+1+e]
		}
	}
	rest := s
	if _, r, ok := strings.Cut(s, " for "); ok {
		rest = r
	} else if _, r, ok := strings.Cut(s, " from "); ok {
		rest = r
	}
	svc, r, ok := strings.Cut(rest, ":")
	if !ok {
		return
	}
	m.service = strings.TrimSpace(svc)
	addr, r := word(r)
	m.src = strings.TrimRight(addr, ",")
	if v, ok := valueAfter(r, "user: ", " ,)"); ok && m.user == "" {
		m.user = v
	} else if inner, _, ok := paren(r); ok && m.user == "" {
		m.user = inner
	}
}

// link reads interface and tunnel state changes.
func (m *rtxMsg) link(s string) {
	w, rest := word(s)
	switch {
	case strings.HasPrefix(w, "PP[") || strings.HasPrefix(w, "TUNNEL[") || strings.HasPrefix(w, "LAN") ||
		strings.HasPrefix(w, "WAN") || strings.HasPrefix(w, "BRI") || strings.HasPrefix(w, "LOOPBACK"):
		m.iface = strings.TrimRight(w, ":,")
	case w == "IP" && strings.HasPrefix(rest, "Tunnel["):
		t, _ := word(rest)
		m.iface = t
	case w == "tunnel" || w == "Tunnel":
		n, _ := word(rest)
		m.tunnel = strings.TrimRight(n, ":,")
	}
	if m.tunnel == "" {
		if i := strings.Index(m.iface, "["); i >= 0 && strings.EqualFold(m.iface[:i], "tunnel") {
			m.tunnel = strings.TrimRight(m.iface[i+1:], "]")
		}
	}
	if v, ok := valueAfter(s, "cause [", "]"); ok {
		m.cause = v
	}
	lower := s
	switch {
	case strings.Contains(lower, "disconnected") || strings.Contains(lower, "Disconnected") ||
		strings.Contains(lower, "Disconnect") || strings.HasSuffix(lower, " Down") || strings.HasSuffix(lower, " down"):
		m.state, m.action = "down", "disconnected"
	case strings.Contains(lower, "connected") || strings.Contains(lower, "Connected") ||
		strings.Contains(lower, "Connect") || strings.HasSuffix(lower, " Up") || strings.HasSuffix(lower, " up"):
		m.state, m.action = "up", "connected"
	}
	if m.action != "" {
		m.category, m.outcome = "network", "success"
	}
}

func (m *rtxMsg) emit(ev *event.Event) {
	ev.Add("module", m.module)
	ev.Add("interface", m.iface)
	ev.Add("direction", m.direction)
	ev.Add("filter_action", m.filterAction)
	ev.Add("filter_number", m.filterNumber)
	ev.Add("protocol", m.proto)
	ev.Add("src_ip", m.src)
	ev.Add("src_port", m.sport)
	ev.Add("dst_ip", m.dst)
	ev.Add("dst_port", m.dport)
	ev.Add("icmp_info", m.icmp)
	ev.Add("start_time", m.start)
	ev.Add("service", m.service)
	ev.Add("user", m.user)
	ev.Add("tunnel_id", m.tunnel)
	ev.Add("state", m.state)
	ev.Add("cause", m.cause)

	ev.Add("observer.vendor", "Yamaha")
	ev.Add("observer.product", "RTX")
	ev.Add("event.kind", "event")
	ev.Add("event.category", m.category)
	ev.Add("event.action", m.action)
	ev.Add("event.outcome", m.outcome)
	switch m.direction {
	case "IN", "in":
		ev.Add("network.direction", "inbound")
		ev.Add("observer.ingress.interface.name", m.iface)
	case "OUT", "out":
		ev.Add("network.direction", "outbound")
		ev.Add("observer.egress.interface.name", m.iface)
	}
	addIP(ev, "source.ip", m.src)
	addPort(ev, "source.port", m.sport)
	addIP(ev, "destination.ip", m.dst)
	addPort(ev, "destination.port", m.dport)
	ev.Add("network.transport", transportName(m.proto))
	ev.Add("rule.id", m.filterNumber)
	ev.Add("user.name", m.user)
	ev.Add("message", m.text)
}
