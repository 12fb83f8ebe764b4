package parse

import (
	"fmt"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// cef parses ArcSight Common Event Format:
//
//	CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
//
// Header fields escape '|' and '\' with a backslash. The extension is a list
// of key=value pairs where a value runs until the next " key=" and escapes
// '=', '\' and newlines (\=, \\, \n, \r). Text before "CEF:" (a syslog
// prefix) is skipped.
//
// Fields: cef.version, cef.device_vendor, cef.device_product,
// cef.device_version, cef.signature_id, cef.name, cef.severity, then the
// extension keys under their own names, then ECS:
//
//	observer.vendor/product/version  header vendor, product, version
//	rule.id, rule.name               header signature id, name
//	event.severity                   header severity
//	source.ip/port                   src (sourceAddress), spt (sourcePort)
//	destination.ip/port              dst (destinationAddress), dpt (destinationPort)
//	source.nat.ip/port               sourceTranslatedAddress, sourceTranslatedPort
//	source.domain, destination.domain  shost, dhost
//	source.user.name                 suser (sourceUserName)
//	destination.user.name            duser (destinationUserName)
//	source.bytes, destination.bytes  out (bytesOut), in (bytesIn)
//	network.transport                proto (transportProtocol): names lower-cased, numbers by IANA
//	event.action                     act (deviceAction)
//	url.original                     request (requestUrl)
//	observer.hostname                dvchost (deviceHostName)
//	observer.ingress/egress.interface.name  deviceInboundInterface, deviceOutboundInterface
//	message                          msg (message)
//
// ev.Time comes from rt (receiptTime), else end, else start: milliseconds
// since the epoch or "Jan 02 2006 15:04:05[.000] [zone]" (loc when no zone).
type cef struct{}

var _ Parser = cef{}

func (cef) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	h, ext, err := splitCEF(s)
	if err != nil {
		return err
	}
	fs := newFieldSet(ev)
	h.add(ev, &fs)
	var c cefCore
	sc := cefScanner{s: s, i: ext}
	for {
		k, v, ok := sc.next()
		if !ok {
			break
		}
		if fs.add(ev, k, v) {
			c.note(k, v)
		}
	}
	if h.version != "" {
		ev.FormatVersion = h.version
	}
	c.emit(ev, &fs, &h)
	if t, ok := c.time(loc); ok {
		ev.Time = t
	}
	return nil
}

// cefHeader holds the seven header fields, unescaped.
type cefHeader struct {
	version, vendor, product, deviceVersion, signatureID, name, severity string
}

func (h *cefHeader) add(ev *event.Event, fs *fieldSet) {
	fs.add(ev, "cef.version", h.version)
	fs.add(ev, "cef.device_vendor", h.vendor)
	fs.add(ev, "cef.device_product", h.product)
	fs.add(ev, "cef.device_version", h.deviceVersion)
	fs.add(ev, "cef.signature_id", h.signatureID)
	fs.add(ev, "cef.name", h.name)
	fs.add(ev, "cef.severity", h.severity)
}

// splitCEF finds "CEF:" in s, reads the header and returns the position
// where the extension starts.
func splitCEF(s string) (h cefHeader, ext int, err error) {
	start := strings.Index(s, "CEF:")
	if start < 0 {
		return h, 0, fmt.Errorf("cef: no \"CEF:\" in message")
	}
	var parts [7]string
	i := start + len("CEF:")
	for n := range parts {
		j := i
		escaped := false
		for j < len(s) && s[j] != '|' {
			if s[j] == '\\' {
				escaped = true
				j++
			}
			j++
		}
		if j >= len(s) {
			if n == 6 && j == len(s) {
				// "…|Severity" with no extension and no closing pipe.
				parts[n] = cefHeaderValue(s[i:], escaped)
				return toHeader(parts), len(s), nil
			}
			return h, 0, fmt.Errorf("cef header at byte %d: found %d of 7 fields", start, n)
		}
		parts[n] = cefHeaderValue(s[i:j], escaped)
		i = j + 1
	}
	return toHeader(parts), i, nil
}

func toHeader(p [7]string) cefHeader {
	return cefHeader{
		version:       strings.TrimSpace(p[0]),
		vendor:        p[1],
		product:       p[2],
		deviceVersion: p[3],
		signatureID:   p[4],
		name:          p[5],
		severity:      p[6],
	}
}

// cefHeaderValue undoes \| and \\ in a header field.
func cefHeaderValue(v string, escaped bool) string {
	if !escaped {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) && (v[i+1] == '|' || v[i+1] == '\\') {
			i++
			c = v[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// cefScanner walks the extension pairs. A key is a run of key characters
// followed by '=' at the start of the extension or after a space; a value
// runs until the next such key, without the spaces before it.
type cefScanner struct {
	s string
	i int
}

// keyAt returns the position of the '=' ending a key starting at p, or -1.
func (sc *cefScanner) keyAt(p int) int { return keyEnd(sc.s, p, classCEFKey) }

// nextKey finds the next key at or after p that follows a space. An
// escaped '=' never ends a key, as '\' is not a key character.
func (sc *cefScanner) nextKey(p int) (start, eq int) {
	s := sc.s
	for p < len(s) {
		k := strings.IndexByte(s[p:], '=')
		if k < 0 {
			break
		}
		eq := p + k
		b := eq
		for b > p && charClass[s[b-1]]&classCEFKey != 0 {
			b--
		}
		if b < eq && b > 0 && s[b-1] == ' ' {
			return b, eq
		}
		p = eq + 1
	}
	return len(s), -1
}

func (sc *cefScanner) next() (key, value string, ok bool) {
	s := sc.s
	i := sc.i
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i >= len(s) {
		sc.i = i
		return "", "", false
	}
	eq := sc.keyAt(i)
	if eq < 0 {
		if i, eq = sc.nextKey(i); eq < 0 {
			sc.i = len(s)
			return "", "", false
		}
	}
	key = s[i:eq]
	v := eq + 1
	next, _ := sc.nextKey(v)
	e := next
	for e > v && (s[e-1] == ' ' || s[e-1] == '\t') {
		e--
	}
	value = s[v:e]
	if strings.IndexByte(value, '\\') >= 0 {
		value = cefExtValue(value)
	}
	sc.i = next
	return key, value, true
}

// cefExtValue undoes the extension escapes \=, \\, \n, \r and \|; other
// backslashes stay.
func cefExtValue(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) {
			switch v[i+1] {
			case '=', '\\', '|':
				i++
				c = v[i]
			case 'n':
				i++
				c = '\n'
			case 'r':
				i++
				c = '\r'
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// cefCore collects the extension values that have ECS names.
type cefCore struct {
	src, spt, dst, dpt, natIP, natPort, shost, dhost string
	suser, duser, out, in, proto, act, request       string
	dvchost, inIface, outIface, msg                  string
	rt, end, start                                   string
}

func (c *cefCore) note(k, v string) {
	switch k {
	case "src", "sourceAddress":
		c.src = firstOf(c.src, v)
	case "spt", "sourcePort":
		c.spt = firstOf(c.spt, v)
	case "dst", "destinationAddress":
		c.dst = firstOf(c.dst, v)
	case "dpt", "destinationPort":
		c.dpt = firstOf(c.dpt, v)
	case "sourceTranslatedAddress":
		c.natIP = v
	case "sourceTranslatedPort":
		c.natPort = v
	case "shost", "sourceHostName":
		c.shost = firstOf(c.shost, v)
	case "dhost", "destinationHostName":
		c.dhost = firstOf(c.dhost, v)
	case "suser", "sourceUserName":
		c.suser = firstOf(c.suser, v)
	case "duser", "destinationUserName":
		c.duser = firstOf(c.duser, v)
	case "out", "bytesOut":
		c.out = firstOf(c.out, v)
	case "in", "bytesIn":
		c.in = firstOf(c.in, v)
	case "proto", "transportProtocol":
		c.proto = firstOf(c.proto, v)
	case "act", "deviceAction":
		c.act = firstOf(c.act, v)
	case "request", "requestUrl":
		c.request = firstOf(c.request, v)
	case "dvchost", "deviceHostName":
		c.dvchost = firstOf(c.dvchost, v)
	case "deviceInboundInterface":
		c.inIface = v
	case "deviceOutboundInterface":
		c.outIface = v
	case "msg", "message":
		c.msg = firstOf(c.msg, v)
	case "rt", "receiptTime":
		c.rt = firstOf(c.rt, v)
	case "end", "endTime":
		c.end = firstOf(c.end, v)
	case "start", "startTime":
		c.start = firstOf(c.start, v)
	}
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (c *cefCore) emit(ev *event.Event, fs *fieldSet, h *cefHeader) {
	fs.add(ev, "observer.vendor", h.vendor)
	fs.add(ev, "observer.product", h.product)
	fs.add(ev, "observer.version", h.deviceVersion)
	fs.add(ev, "observer.hostname", c.dvchost)
	fs.add(ev, "rule.id", h.signatureID)
	fs.add(ev, "rule.name", h.name)
	fs.add(ev, "event.severity", h.severity)
	fs.add(ev, "event.action", c.act)
	fs.add(ev, "source.ip", c.src)
	fs.add(ev, "source.port", c.spt)
	fs.add(ev, "source.domain", c.shost)
	fs.add(ev, "source.nat.ip", c.natIP)
	fs.add(ev, "source.nat.port", c.natPort)
	fs.add(ev, "source.user.name", c.suser)
	fs.add(ev, "source.bytes", c.out)
	fs.add(ev, "destination.ip", c.dst)
	fs.add(ev, "destination.port", c.dpt)
	fs.add(ev, "destination.domain", c.dhost)
	fs.add(ev, "destination.user.name", c.duser)
	fs.add(ev, "destination.bytes", c.in)
	fs.add(ev, "network.transport", transportName(c.proto))
	fs.add(ev, "observer.ingress.interface.name", c.inIface)
	fs.add(ev, "observer.egress.interface.name", c.outIface)
	fs.add(ev, "url.original", c.request)
	fs.add(ev, "message", c.msg)
}

func (c *cefCore) time(loc *time.Location) (time.Time, bool) {
	for _, v := range [...]string{c.rt, c.end, c.start} {
		if t, ok := cefTime(v, loc); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// cefTimeLayouts are the CEF date formats other than epoch milliseconds.
// Zone abbreviations other than UTC and GMT are not read: Go would give an
// unknown one a zero offset.
var cefTimeLayouts = [...]string{
	"Jan 02 2006 15:04:05.000 -07:00",
	"Jan 02 2006 15:04:05 -07:00",
	"Jan 02 2006 15:04:05.000 -0700",
	"Jan 02 2006 15:04:05 -0700",
	"Jan 02 2006 15:04:05.000",
	"Jan 02 2006 15:04:05",
}

// cefTime reads a CEF timestamp: milliseconds since the epoch, or one of
// cefTimeLayouts (in loc when it names no zone, UTC when it ends in " UTC"
// or " GMT"). A date without a year is not accepted: it is ambiguous around
// New Year.
func cefTime(v string, loc *time.Location) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		if len(v) >= 12 && len(v) <= 13 {
			return epochTime(v)
		}
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	if t, ok := strings.CutSuffix(v, " UTC"); ok {
		v, loc = t, time.UTC
	} else if t, ok := strings.CutSuffix(v, " GMT"); ok {
		v, loc = t, time.UTC
	}
	for _, layout := range cefTimeLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// transportName maps an IP protocol number or name to the ECS
// network.transport keyword (IANA protocol keyword in lower case).
func transportName(p string) string {
	switch p {
	case "":
		return ""
	case "1", "ICMP", "icmp":
		return "icmp"
	case "2", "IGMP", "igmp":
		return "igmp"
	case "6", "TCP", "tcp":
		return "tcp"
	case "17", "UDP", "udp":
		return "udp"
	case "47", "GRE", "gre":
		return "gre"
	case "50", "ESP", "esp":
		return "esp"
	case "51", "AH", "ah":
		return "ah"
	case "58", "IPV6-ICMP", "ICMPV6", "ICMPv6", "ipv6-icmp", "icmpv6":
		return "ipv6-icmp"
	case "89", "OSPF", "ospf":
		return "ospf"
	case "132", "SCTP", "sctp":
		return "sctp"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(p)
		}
	}
	return p
}
