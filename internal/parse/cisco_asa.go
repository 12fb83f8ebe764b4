package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// ciscoASA parses Cisco ASA, Firepower Threat Defense, PIX and FWSM syslog
// messages: "%ASA-6-302013: Built inbound TCP connection ...". The tag may
// be anywhere in the message (a relay's timestamp or the ASA's own
// "Oct 03 2018 17:34:08:" may come first); the colon after it is optional.
//
// Fields: severity (0-7) and message_id ("302013"), then what the message
// text holds, under names shared by all message IDs (cisco_asa_msg.go reads
// ~45 message IDs one by one; cisco_asa_text.go has the endpoint and
// generic readers used for the others):
//
//	direction, protocol, connection_id,
//	src_interface, src_ip, src_port, src_mapped_ip, src_mapped_port, src_user, src_fqdn,
//	dst_interface, dst_ip, dst_port, dst_mapped_ip, dst_mapped_port, dst_user, dst_fqdn,
//	duration, bytes, reason, acl_id, hit_count, tcp_flags, icmp_type, icmp_code,
//	user, group, server, and a few message-specific ones (aaa_type, command, ...)
//
// An endpoint is written "interface:address/port", "address/port",
// "interface/address(port)" (106100) or "address", with IPv6 addresses
// ("outside:2001:db8::1/443"); "(mapped/port)" and "(user)" or
// "(LOCAL\user, sg)" may follow it. src_ip may hold a name when the ASA
// logs object names instead of addresses.
//
// ECS:
//
//	observer.vendor, observer.product   "Cisco", "ASA" | "FTD" | "PIX" | "FWSM"
//	event.code, event.severity, log.level  message_id, severity, its name (informational, ...)
//	event.kind, event.category, event.action, event.outcome  by message
//	network.direction, network.transport  inbound/outbound, protocol lower-cased
//	source.address/ip/port, source.nat.ip/port, source.domain  the initiating side
//	destination.address/ip/port, destination.nat.ip/port, destination.domain
//	observer.ingress.interface.name, observer.egress.interface.name  src_interface, dst_interface
//	rule.name         acl_id (or the IPS signature name, rule.id its number)
//	user.name         user, else src_user
//	network.bytes     bytes
//	message           the text after the tag
//
// "Built outbound" messages name the foreign (outside) side first: the
// parser swaps them so that src_* is always the initiator. Teardown
// messages do not say which side started, and keep the order written.
//
// ev.Time is set from the ASA's own timestamp ("Oct 03 2018 17:34:08",
// in loc) when it comes just before the tag.
type ciscoASA struct{}

var _ Parser = ciscoASA{}

var errNotCiscoASA = errors.New("cisco_asa: no %ASA-, %FTD-, %PIX- or %FWSM- tag in message")

func (ciscoASA) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	var m asaMsg
	at, ok := m.header(s)
	if !ok {
		return errNotCiscoASA
	}
	if t, ok := asaTimestamp(s[:at], loc); ok {
		ev.Time = t
	}
	m.read()
	m.emit(ev)
	return nil
}

// asaEndpoint is one side of a connection.
type asaEndpoint struct {
	iface, addr, port, mappedAddr, mappedPort, user, fqdn string
}

// asaMsg collects what one message says.
type asaMsg struct {
	product, severity, id, text string
	num                         int // id as a number

	kind, category, action, outcome string
	direction, proto, connID        string
	src, dst                        asaEndpoint
	duration, bytes, reason, acl    string
	hitCount, tcpFlags              string
	icmpType, icmpCode              string
	user, group, server             string
	ruleID, ruleName                string
	kv                              [16]asaPair
	nkv                             int
}

type asaPair struct{ k, v string }

// set records a message-specific field; empty values and fields beyond
// the table are dropped.
func (m *asaMsg) set(k, v string) {
	if v == "" || m.nkv == len(m.kv) {
		return
	}
	m.kv[m.nkv] = asaPair{k, v}
	m.nkv++
}

// header finds the tag and reads product, severity and message ID. It
// returns where the tag starts.
func (m *asaMsg) header(s string) (int, bool) {
	for i := 0; i < len(s); {
		p := strings.IndexByte(s[i:], '%')
		if p < 0 {
			return 0, false
		}
		p += i
		i = p + 1
		rest := s[p+1:]
		var product string
		switch {
		case strings.HasPrefix(rest, "ASA-"):
			product = "ASA"
		case strings.HasPrefix(rest, "FTD-"):
			product = "FTD"
		case strings.HasPrefix(rest, "PIX-"):
			product = "PIX"
		case strings.HasPrefix(rest, "FWSM-"):
			product = "FWSM"
		default:
			continue
		}
		rest = rest[len(product)+1:]
		if len(rest) < 3 || rest[0] < '0' || rest[0] > '7' || rest[1] != '-' {
			continue
		}
		j := 2
		for j < len(rest) && j < 10 && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j < 8 { // six digits
			continue
		}
		m.product, m.severity, m.id = product, rest[:1], rest[2:j]
		m.num, _ = smallUint(m.id)
		text := strings.TrimLeft(rest[j:], " ")
		if len(text) > 0 && text[0] == ':' {
			text = text[1:]
		}
		m.text = strings.TrimSpace(text)
		return p, true
	}
	return 0, false
}

// asaTimestamp reads the ASA's "logging timestamp" just before the tag:
// "Oct 03 2018 17:34:08" (optionally with a trailing colon, milliseconds
// or a hostname after it are not accepted).
func asaTimestamp(prefix string, loc *time.Location) (time.Time, bool) {
	p := strings.TrimRight(prefix, " :")
	if len(p) < 20 {
		return time.Time{}, false
	}
	p = p[len(p)-20:]
	// "Mmm dd yyyy hh:mm:ss": check the shape first, as a failed
	// time.Parse allocates its error.
	if p[3] != ' ' || p[6] != ' ' || p[11] != ' ' || p[14] != ':' || p[17] != ':' || !isDigits(p[7:11]) {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation("Jan 02 2006 15:04:05", p, loc)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// asaLevels names the syslog severities as the ASA does.
var asaLevels = [8]string{
	"emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging",
}

func (m *asaMsg) emit(ev *event.Event) {
	ev.Add("severity", m.severity)
	ev.Add("message_id", m.id)
	ev.Add("direction", m.direction)
	ev.Add("protocol", m.proto)
	ev.Add("connection_id", m.connID)
	m.src.emit(ev, "src_interface", "src_ip", "src_port", "src_mapped_ip", "src_mapped_port", "src_user", "src_fqdn")
	m.dst.emit(ev, "dst_interface", "dst_ip", "dst_port", "dst_mapped_ip", "dst_mapped_port", "dst_user", "dst_fqdn")
	ev.Add("duration", m.duration)
	ev.Add("bytes", m.bytes)
	ev.Add("reason", m.reason)
	ev.Add("acl_id", m.acl)
	ev.Add("hit_count", m.hitCount)
	ev.Add("tcp_flags", m.tcpFlags)
	ev.Add("icmp_type", m.icmpType)
	ev.Add("icmp_code", m.icmpCode)
	ev.Add("user", m.user)
	ev.Add("group", m.group)
	ev.Add("server", m.server)
	for _, p := range m.kv[:m.nkv] {
		ev.Add(p.k, p.v)
	}

	ev.Add("observer.vendor", "Cisco")
	ev.Add("observer.product", m.product)
	ev.Add("event.code", m.id)
	ev.Add("event.severity", m.severity)
	ev.Add("log.level", asaLevels[m.severity[0]-'0'])
	kind := m.kind
	if kind == "" {
		kind = "event"
	}
	ev.Add("event.kind", kind)
	ev.Add("event.category", m.category)
	ev.Add("event.action", m.action)
	ev.Add("event.outcome", m.outcome)
	switch m.direction {
	case "inbound", "outbound":
		ev.Add("network.direction", m.direction)
	}
	ev.Add("network.transport", asaTransport(m.proto))
	m.src.emitECS(ev, "source.address", "source.ip", "source.port", "source.nat.ip", "source.nat.port")
	ev.Add("source.domain", m.src.fqdn)
	m.dst.emitECS(ev, "destination.address", "destination.ip", "destination.port", "destination.nat.ip", "destination.nat.port")
	ev.Add("destination.domain", m.dst.fqdn)
	ev.Add("observer.ingress.interface.name", m.src.iface)
	ev.Add("observer.egress.interface.name", m.dst.iface)
	if m.ruleName != "" || m.ruleID != "" {
		ev.Add("rule.id", m.ruleID)
		ev.Add("rule.name", m.ruleName)
	} else {
		ev.Add("rule.name", m.acl)
	}
	ev.Add("user.name", firstOf(m.user, m.src.user))
	for _, p := range m.kv[:m.nkv] {
		if p.k == "url" {
			ev.Add("url.original", p.v)
		}
	}
	if isDigits(m.bytes) {
		ev.Add("network.bytes", m.bytes)
	}
	ev.Add("message", m.text)
}

func (e *asaEndpoint) emit(ev *event.Event, iface, addr, port, mappedAddr, mappedPort, user, fqdn string) {
	ev.Add(iface, e.iface)
	ev.Add(addr, e.addr)
	ev.Add(port, e.port)
	ev.Add(mappedAddr, e.mappedAddr)
	ev.Add(mappedPort, e.mappedPort)
	ev.Add(user, e.user)
	ev.Add(fqdn, e.fqdn)
}

func (e *asaEndpoint) emitECS(ev *event.Event, address, ip, port, natIP, natPort string) {
	ev.Add(address, e.addr)
	addIP(ev, ip, e.addr)
	addPort(ev, port, e.port)
	if e.mappedAddr != e.addr || e.mappedPort != e.port {
		addIP(ev, natIP, e.mappedAddr)
		addPort(ev, natPort, e.mappedPort)
	}
}

// asaTransport lower-cases a protocol word for network.transport; numbers
// map as for other vendors.
func asaTransport(p string) string {
	switch p {
	case "":
		return ""
	case "TCP", "tcp":
		return "tcp"
	case "UDP", "udp":
		return "udp"
	case "ICMP", "icmp":
		return "icmp"
	case "ICMP6", "icmp6", "ICMPv6", "icmpv6":
		return "ipv6-icmp"
	case "GRE", "gre":
		return "gre"
	case "ESP", "esp":
		return "esp"
	case "SCTP", "sctp":
		return "sctp"
	case "IP", "ip", "protocol":
		return ""
	}
	if isDigits(p) {
		return transportName(p)
	}
	return ""
}
