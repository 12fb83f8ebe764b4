package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// leef parses IBM's Log Event Extended Format, from any vendor:
//
//	LEEF:1.0|Vendor|Product|Version|EventID|key=value<TAB>key=value...
//	LEEF:2.0|Vendor|Product|Version|EventID|DelimiterCharacter|key=value^key=value...
//
// In LEEF 2.0 the delimiter is one character or its code in hex ("x09",
// "0x5E", "^"); when the field is missing or empty it is a tab, as in 1.0.
// A '|' in a header field is escaped with a backslash. An attribute is split
// at its first '=' and keeps its key; text before "LEEF:" (a syslog header)
// is skipped.
//
// Fields: leef.version, leef.vendor, leef.product, leef.product_version,
// leef.event_id (and leef.delimiter for 2.0), then the attributes, then ECS:
//
//	observer.vendor/product/version  header vendor, product, version
//	event.code        header event ID
//	event.severity    sev
//	event.action      action
//	source.ip/port, destination.ip/port  src, srcPort, dst, dstPort
//	source.nat.ip/port        srcPostNAT, srcPostNATPort
//	destination.nat.ip/port   dstPostNAT, dstPostNATPort
//	source.mac, destination.mac  srcMAC, dstMAC
//	source.bytes/packets, destination.bytes/packets  srcBytes, srcPackets, dstBytes, dstPackets
//	network.transport  proto (number or name)
//	user.name          usrName
//	url.original       url
//	host.name          identHostName
//
// ev.Time comes from devTime read with devTimeFormat (Java date pattern such
// as "MMM dd yyyy HH:mm:ss" or "yyyy-MM-dd HH:mm:ss.SSS", in loc unless it
// has a zone), or as epoch milliseconds when there is no devTimeFormat.
type leef struct{}

var _ Parser = leef{}

var errNotLEEF = errors.New(`leef: no "LEEF:" header in message`)

func (leef) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	start := strings.Index(s, "LEEF:")
	if start < 0 {
		return errNotLEEF
	}
	var h [6]string
	i := start + len("LEEF:")
	n := 0
	for n < 5 {
		j, esc := leefField(s, i)
		if j >= len(s) {
			return errors.New("leef: header has " + itoa(n+1) + " of 5 fields")
		}
		h[n] = s[i:j]
		if esc {
			h[n] = cefHeaderValue(h[n], true)
		}
		n++
		i = j + 1
	}
	version := strings.TrimSpace(h[0])
	delim := byte('\t')
	if strings.HasPrefix(version, "2") {
		// The delimiter field: "^|", "x09|", "0x5E|" or "|" (empty).
		if j, _ := leefField(s, i); j < len(s) && j-i <= 4 {
			if d, ok := leefDelimiter(s[i:j]); ok {
				h[5], delim = s[i:j], d
				i = j + 1
			}
		}
	}
	fs := newFieldSet(ev)
	fs.add(ev, "leef.version", version)
	fs.add(ev, "leef.vendor", h[1])
	fs.add(ev, "leef.product", h[2])
	fs.add(ev, "leef.product_version", h[3])
	fs.add(ev, "leef.event_id", h[4])
	fs.add(ev, "leef.delimiter", h[5])
	ev.FormatVersion = version

	var c leefCore
	attrs := s[i:]
	for attrs != "" {
		var a string
		if k := strings.IndexByte(attrs, delim); k >= 0 {
			a, attrs = attrs[:k], attrs[k+1:]
		} else {
			a, attrs = attrs, ""
		}
		key, value, ok := strings.Cut(a, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			continue
		}
		if fs.add(ev, key, value) {
			c.note(key, value)
		}
	}
	c.emit(ev, &h)
	if t, ok := c.time(loc); ok {
		ev.Time = t
	}
	return nil
}

// leefField returns the position of the '|' ending the header field that
// starts at i (len(s) when there is none) and whether it holds a backslash.
func leefField(s string, i int) (int, bool) {
	esc := false
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			esc = true
			j++
		case '|':
			return j, esc
		}
	}
	return len(s), esc
}

// leefDelimiter reads the LEEF 2.0 delimiter field.
func leefDelimiter(f string) (byte, bool) {
	switch {
	case f == "":
		return '\t', true
	case len(f) == 1:
		return f[0], true
	case (len(f) == 3 && (f[0] == 'x' || f[0] == 'X')) || (len(f) == 4 && f[0] == '0' && (f[1] == 'x' || f[1] == 'X')):
		h := f[len(f)-2:]
		v, ok1 := hexDigit(h[0])
		w, ok2 := hexDigit(h[1])
		if ok1 && ok2 && v*16+w != 0 {
			return byte(v*16 + w), true
		}
	}
	return 0, false
}

func hexDigit(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

type leefCore struct {
	sev, action, src, sport, dst, dport                  string
	natSrc, natSport, natDst, natDport, smac, dmac       string
	sbytes, dbytes, spkts, dpkts, proto, user, url, host string
	devTime, devTimeFormat                               string
}

func (c *leefCore) note(k, v string) {
	switch k {
	case "sev":
		c.sev = v
	case "action":
		c.action = v
	case "src":
		c.src = v
	case "srcPort":
		c.sport = v
	case "dst":
		c.dst = v
	case "dstPort":
		c.dport = v
	case "srcPostNAT":
		c.natSrc = v
	case "srcPostNATPort":
		c.natSport = v
	case "dstPostNAT":
		c.natDst = v
	case "dstPostNATPort":
		c.natDport = v
	case "srcMAC":
		c.smac = v
	case "dstMAC":
		c.dmac = v
	case "srcBytes":
		c.sbytes = v
	case "dstBytes":
		c.dbytes = v
	case "srcPackets":
		c.spkts = v
	case "dstPackets":
		c.dpkts = v
	case "proto":
		c.proto = v
	case "usrName":
		c.user = v
	case "url":
		c.url = v
	case "identHostName":
		c.host = v
	case "devTime":
		c.devTime = v
	case "devTimeFormat":
		c.devTimeFormat = v
	}
}

func (c *leefCore) emit(ev *event.Event, h *[6]string) {
	ev.Add("observer.vendor", h[1])
	ev.Add("observer.product", h[2])
	ev.Add("observer.version", h[3])
	ev.Add("event.code", h[4])
	ev.Add("event.severity", c.sev)
	ev.Add("event.action", c.action)
	ev.Add("event.outcome", actionOutcome(c.action))
	addIP(ev, "source.ip", c.src)
	addPort(ev, "source.port", c.sport)
	addIP(ev, "source.nat.ip", c.natSrc)
	addPort(ev, "source.nat.port", c.natSport)
	ev.Add("source.mac", c.smac)
	ev.Add("source.bytes", c.sbytes)
	ev.Add("source.packets", c.spkts)
	addIP(ev, "destination.ip", c.dst)
	addPort(ev, "destination.port", c.dport)
	addIP(ev, "destination.nat.ip", c.natDst)
	addPort(ev, "destination.nat.port", c.natDport)
	ev.Add("destination.mac", c.dmac)
	ev.Add("destination.bytes", c.dbytes)
	ev.Add("destination.packets", c.dpkts)
	ev.Add("network.transport", transportName(c.proto))
	ev.Add("user.name", c.user)
	ev.Add("url.original", c.url)
	ev.Add("host.name", c.host)
}

func (c *leefCore) time(loc *time.Location) (time.Time, bool) {
	if c.devTime == "" {
		return time.Time{}, false
	}
	if c.devTimeFormat == "" {
		if len(c.devTime) >= 12 && len(c.devTime) <= 13 {
			return epochTime(c.devTime)
		}
		return rfc3339Time(c.devTime)
	}
	layout, ok := javaLayout(c.devTimeFormat)
	if !ok {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(layout, c.devTime, loc)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// javaLayout turns a Java SimpleDateFormat pattern into a Go layout.
// Fractions of a second (S) are dropped: Go reads any fraction after the
// seconds. Patterns with letters it does not know are refused.
func javaLayout(p string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		j := i
		for j < len(p) && p[j] == c {
			j++
		}
		n := j - i
		switch c {
		case 'y':
			if n == 2 {
				b.WriteString("06")
			} else {
				b.WriteString("2006")
			}
		case 'M':
			switch {
			case n >= 4:
				b.WriteString("January")
			case n == 3:
				b.WriteString("Jan")
			case n == 2:
				b.WriteString("01")
			default:
				b.WriteString("1")
			}
		case 'd':
			if n == 2 {
				b.WriteString("02")
			} else {
				b.WriteString("2")
			}
		case 'H':
			b.WriteString("15")
		case 'h':
			if n == 2 {
				b.WriteString("03")
			} else {
				b.WriteString("3")
			}
		case 'm':
			b.WriteString("04")
		case 's':
			b.WriteString("05")
		case 'S':
			// Drop the fraction and the separator before it.
			s := b.String()
			if strings.HasSuffix(s, ".") || strings.HasSuffix(s, ",") {
				b.Reset()
				b.WriteString(s[:len(s)-1])
			}
		case 'a':
			b.WriteString("PM")
		case 'E':
			if n >= 4 {
				b.WriteString("Monday")
			} else {
				b.WriteString("Mon")
			}
		case 'z':
			b.WriteString("MST")
		case 'Z':
			b.WriteString("-0700")
		case 'X':
			if n >= 3 {
				b.WriteString("Z07:00")
			} else {
				b.WriteString("Z0700")
			}
		case '\'':
			// Quoted literal text.
			k := strings.IndexByte(p[i+1:], '\'')
			if k < 0 {
				return "", false
			}
			b.WriteString(p[i+1 : i+1+k])
			i += k + 2
			continue
		default:
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", false
			}
			b.WriteString(p[i:j])
		}
		i = j
	}
	return b.String(), true
}
