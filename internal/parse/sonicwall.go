package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// sonicWall parses SonicWall (SonicOS) syslog in its default key=value
// format:
//
//	id=firewall sn=0017C5DFCEEC time="2024-05-13 11:45:04 UTC" fw=203.0.113.1 pri=6 c=262144 m=98 msg="Connection Opened" n=23419 src=10.1.100.11:60446:X0 dst=203.0.113.55:443:X1 proto=tcp/https
//
// Every pair becomes a field under its SonicWall name (id, sn, time, fw,
// pri, c, m, msg, n, src, dst, srcV6, dstV6, srcMac, dstMac, proto, note,
// rule, usr, sent, rcvd, natSrc, natDst, app, appName, fw_action, ...), with
// the kvScanner syntax. src and dst are "address:port:interface[:host]",
// where the port or the address may be empty ("10.1.1.1::X0",
// ":49702:X0-V514" with the IPv6 address in srcV6).
//
// ECS:
//
//	observer.vendor, observer.product  "SonicWall", "SonicOS"
//	observer.name, observer.serial_number, observer.ip  id, sn, fw
//	event.code        m (message ID)
//	log.level         pri
//	event.action, event.outcome  fw_action (drop, forward, ...)
//	source.ip/port, destination.ip/port  from src and dst (srcV6, dstV6 when the address is empty)
//	observer.ingress.interface.name, observer.egress.interface.name  interface part of src, dst
//	source.domain, destination.domain  host part of src, dst; dstname
//	source.mac, destination.mac  srcMac, dstMac
//	source.nat.ip/port, destination.nat.ip/port  natSrc, natDst ("address[:port]")
//	network.transport, network.protocol  proto before and after '/' ("tcp/https")
//	source.bytes, destination.bytes  sent, rcvd
//	rule.name         rule
//	user.name         usr | user
//	url.path          arg
//	network.application  appName
//	message           msg
//
// ev.Time: time ("2024-05-13 11:45:04[.000] [UTC]"), in loc without a zone.
type sonicWall struct{}

var _ Parser = sonicWall{}

var errNotSonicWall = errors.New("sonicwall: no id, sn or m key in message")

func (sonicWall) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	fs := newFieldSet(ev)
	var c swCore
	var firstErr error
	sc := newKVScanner(s, classKey)
	for {
		k, v, ok, err := sc.next()
		if !ok {
			break
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if fs.add(ev, k, v) {
			c.note(k, v)
		}
	}
	if c.id == "" && c.sn == "" && c.m == "" {
		if firstErr != nil {
			return firstErr
		}
		return errNotSonicWall
	}
	c.emit(ev)
	if t, ok := swTime(c.time, loc); ok {
		ev.Time = t
	}
	return firstErr
}

type swCore struct {
	id, sn, fw, time, pri, m, msg, action   string
	src, dst, srcV6, dstV6, srcMac, dstMac  string
	natSrc, natDst, proto, sent, rcvd, rule string
	user, arg, dstname, app                 string
}

func (c *swCore) note(k, v string) {
	switch k {
	case "id":
		c.id = v
	case "sn":
		c.sn = v
	case "fw":
		c.fw = v
	case "time":
		c.time = v
	case "pri":
		c.pri = v
	case "m":
		c.m = v
	case "msg":
		c.msg = v
	case "fw_action":
		c.action = strings.Trim(v, `"`)
	case "src":
		c.src = v
	case "dst":
		c.dst = v
	case "srcV6":
		c.srcV6 = v
	case "dstV6":
		c.dstV6 = v
	case "srcMac":
		c.srcMac = v
	case "dstMac":
		c.dstMac = v
	case "natSrc":
		c.natSrc = v
	case "natDst":
		c.natDst = v
	case "proto":
		c.proto = v
	case "sent":
		c.sent = v
	case "rcvd":
		c.rcvd = v
	case "rule":
		c.rule = v
	case "usr", "user":
		c.user = firstOf(c.user, v)
	case "arg":
		c.arg = v
	case "dstname":
		c.dstname = v
	case "appName":
		c.app = v
	}
}

// swEndpoint splits "address:port:interface[:host]". The address may be
// IPv6 (its colons are told apart by parsing) or empty.
func swEndpoint(v string) (addr, port, iface, host string) {
	rest := v
	if i := strings.IndexByte(v, ':'); i > 0 && isIPv4(v[:i]) {
		addr, rest = v[:i], v[i+1:]
	} else if i > 0 {
		// IPv6: the longest prefix before a colon that is an address.
		for i := len(v) - 1; i > 0; i-- {
			if v[i] == ':' && isIP(v[:i]) {
				addr, rest = v[:i], v[i+1:]
				break
			}
		}
	}
	if addr == "" {
		if isIP(v) {
			return v, "", "", ""
		}
		a, r, ok := strings.Cut(v, ":")
		if !ok {
			return v, "", "", ""
		}
		addr, rest = a, r
	}
	port, rest, _ = strings.Cut(rest, ":")
	iface, host, _ = strings.Cut(rest, ":")
	return addr, port, iface, host
}

func (c *swCore) emit(ev *event.Event) {
	ev.Add("observer.vendor", "SonicWall")
	ev.Add("observer.product", "SonicOS")
	ev.Add("observer.name", c.id)
	ev.Add("observer.serial_number", c.sn)
	addIP(ev, "observer.ip", c.fw)
	ev.Add("event.code", c.m)
	ev.Add("log.level", c.pri)
	addECS(ev, "event.action", c.action)
	ev.Add("event.outcome", actionOutcome(c.action))
	saddr, sport, siface, shost := swEndpoint(c.src)
	daddr, dport, diface, dhost := swEndpoint(c.dst)
	if saddr == "" {
		saddr = c.srcV6
	}
	if daddr == "" {
		daddr = c.dstV6
	}
	addIP(ev, "source.ip", saddr)
	addPort(ev, "source.port", sport)
	ev.Add("source.domain", shost)
	addECS(ev, "source.mac", c.srcMac)
	nsaddr, nsport, _, _ := swEndpoint(c.natSrc)
	addIP(ev, "source.nat.ip", nsaddr)
	addPort(ev, "source.nat.port", nsport)
	ev.Add("source.bytes", c.sent)
	addIP(ev, "destination.ip", daddr)
	addPort(ev, "destination.port", dport)
	ev.Add("destination.domain", firstOf(dhost, c.dstname))
	addECS(ev, "destination.mac", c.dstMac)
	ndaddr, ndport, _, _ := swEndpoint(c.natDst)
	addIP(ev, "destination.nat.ip", ndaddr)
	addPort(ev, "destination.nat.port", ndport)
	ev.Add("destination.bytes", c.rcvd)
	ev.Add("observer.ingress.interface.name", siface)
	ev.Add("observer.egress.interface.name", diface)
	transport, protocol, _ := strings.Cut(c.proto, "/")
	ev.Add("network.transport", transportName(transport))
	if !isDigits(protocol) {
		ev.Add("network.protocol", protocol)
	}
	ev.Add("network.application", c.app)
	ev.Add("rule.name", c.rule)
	ev.Add("user.name", c.user)
	ev.Add("url.path", c.arg)
	ev.Add("message", c.msg)
}

// swTime reads "2024-05-13 11:45:04", with optional fractional seconds and
// " UTC" (loc when there is no zone).
func swTime(v string, loc *time.Location) (time.Time, bool) {
	utc := false
	if t, ok := strings.CutSuffix(v, " UTC"); ok {
		v, utc = t, true
	}
	date, clock, ok := strings.Cut(v, " ")
	if !ok {
		return time.Time{}, false
	}
	if dot := strings.IndexByte(clock, '.'); dot >= 0 {
		clock = clock[:dot]
	}
	tz := ""
	if utc {
		tz = "UTC"
	}
	return localDateTime(date, clock, tz, loc)
}
