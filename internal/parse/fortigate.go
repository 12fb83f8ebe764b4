package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// fortiGate parses FortiGate (FortiOS 3.x to 7.6) syslog payloads in the
// key=value form and in the CEF form.
//
// Key=value form (see kvScanner for the syntax): every pair becomes a field
// under its FortiGate name, in order; quoted values are unescaped; empty
// values count as absent; a repeated key keeps its first value; logid keeps
// its leading zeros. Text before the first pair (a relay's timestamp and
// address, a "<PRI>") is skipped.
//
// CEF form ("CEF:0|Fortinet|Fortigate|…|", FortiOS 5.x and later): the
// header becomes cef.* fields, FTNTFGT-prefixed extension keys lose the
// prefix (FTNTFGTlogid → logid) and the standard CEF keys that stand for a
// FortiGate field take its name (src → srcip, see cefFortiGateName); other
// keys keep their own names.
//
// Then come the ECS fields described in fortigate_ecs.go.
//
// ev.Time: eventtime (seconds, milliseconds, microseconds or nanoseconds
// since the epoch, told apart by magnitude) when present, else date and
// time in the zone tz ("+0900") when present, else in loc; for CEF without
// those, rt.
//
// ev.FormatVersion: major.minor from logver (702100863 → "7.2"), else from
// the CEF header's device version, else "5+" when there is a logid or devid
// (FortiOS 5.0 and later) and "3.x/4.x" when there is a log_id or device_id.
//
// The message must have a logid, log_id or type; else Parse reports that it
// is not a FortiGate log and adds no ECS fields.
type fortiGate struct{}

var _ Parser = fortiGate{}

var errNotFortiGate = errors.New("not a fortigate log: no logid, log_id or type field")

func (fortiGate) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	if isCEF(s) {
		return parseFortiGateCEF(s, loc, ev)
	}
	fs := newFieldSet(ev)
	var c fgCore
	var firstErr error
	pairs := 0
	sc := newKVScanner(s, classKey)
	for {
		k, v, ok, err := sc.next()
		if !ok {
			break
		}
		pairs++
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if fs.add(ev, k, v) {
			c.note(k, v)
		}
	}
	if pairs == 0 {
		return errors.New("key=value: no pairs in message")
	}
	return c.finish(ev, &fs, loc, firstErr)
}

// isCEF reports whether s is a CEF message: "CEF:" comes before any '='.
func isCEF(s string) bool {
	i := strings.Index(s, "CEF:")
	if i < 0 {
		return false
	}
	eq := strings.IndexByte(s, '=')
	return eq < 0 || i < eq
}

func parseFortiGateCEF(s string, loc *time.Location, ev *event.Event) error {
	h, ext, err := splitCEF(s)
	if err != nil {
		return err
	}
	fs := newFieldSet(ev)
	h.add(ev, &fs)
	c := fgCore{cefVersion: h.deviceVersion, dottedKeys: true}
	sc := cefScanner{s: s, i: ext}
	for {
		k, v, ok := sc.next()
		if !ok {
			break
		}
		name := cefFortiGateName(k)
		if fs.add(ev, name, v) {
			c.note(name, v)
		}
	}
	return c.finish(ev, &fs, loc, nil)
}

// cefFortiGateName gives the FortiGate name of a CEF extension key, as
// FortiOS maps them: FTNTFGTxxx is FortiGate field xxx; the standard keys
// below carry FortiGate fields. Other keys keep their names.
func cefFortiGateName(k string) string {
	if len(k) > len("FTNTFGT") && strings.HasPrefix(k, "FTNTFGT") {
		return k[len("FTNTFGT"):]
	}
	switch k {
	case "deviceExternalId":
		return "devid"
	case "dvchost":
		return "devname"
	case "src":
		return "srcip"
	case "spt":
		return "srcport"
	case "dst":
		return "dstip"
	case "dpt":
		return "dstport"
	case "deviceInboundInterface":
		return "srcintf"
	case "deviceOutboundInterface":
		return "dstintf"
	case "externalId":
		return "sessionid"
	case "act":
		return "action"
	case "app":
		return "service"
	case "sourceTranslatedAddress":
		return "transip"
	case "sourceTranslatedPort":
		return "transport"
	case "destinationTranslatedAddress":
		return "tranip"
	case "destinationTranslatedPort":
		return "tranport"
	case "out":
		return "sentbyte"
	case "in":
		return "rcvdbyte"
	case "suser":
		return "user"
	case "request":
		return "url"
	case "requestClientApplication":
		return "agent"
	case "requestMethod":
		return "httpmethod"
	case "dhost":
		return "hostname"
	case "shost":
		return "srcname"
	case "smac":
		return "srcmac"
	case "dmac":
		return "dstmac"
	case "outcome":
		return "status"
	case "fname":
		return "filename"
	case "fsize":
		return "filesize"
	}
	return k
}

// logverVersion turns a FortiOS logver into major.minor: 702100863 → "7.2"
// (major, two digits of minor, then patch and build), "56" → "5.6".
func logverVersion(v string) (string, bool) {
	if len(v) == 0 || len(v) > 12 {
		return "", false
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return "", false
		}
		n = n*10 + int(v[i]-'0')
	}
	switch {
	case len(v) == 2:
		return versionString(n/10, n%10)
	case len(v) >= 7:
		n /= 1000000
		return versionString(n/100, n%100)
	}
	return "", false
}

// deviceVersion reads major.minor from a version like "v7.0.4" or
// "7.2.8,build1639".
func deviceVersion(v string) (string, bool) {
	v = strings.TrimLeft(v, "vV")
	maj, i := leadingInt(v)
	if i == 0 || i >= len(v) || v[i] != '.' {
		return "", false
	}
	minor, j := leadingInt(v[i+1:])
	if j == 0 {
		return "", false
	}
	return versionString(maj, minor)
}

func leadingInt(s string) (n, width int) {
	for width < len(s) && width < 6 && s[width] >= '0' && s[width] <= '9' {
		n = n*10 + int(s[width]-'0')
		width++
	}
	return n, width
}

// versionNames holds "major.minor" for small versions so that naming a
// version does not allocate. Read-only.
var versionNames = func() (t [10][20]string) {
	const d = "0123456789"
	for maj := range t {
		for minor := range t[maj] {
			m := d[minor%10 : minor%10+1]
			if minor >= 10 {
				m = d[minor/10:minor/10+1] + m
			}
			t[maj][minor] = d[maj:maj+1] + "." + m
		}
	}
	return t
}()

func versionString(maj, minor int) (string, bool) {
	if maj <= 0 || minor < 0 || maj > 99 || minor > 99 {
		return "", false
	}
	if maj < len(versionNames) && minor < len(versionNames[0]) {
		return versionNames[maj][minor], true
	}
	b := make([]byte, 0, 5)
	if maj >= 10 {
		b = append(b, byte('0'+maj/10))
	}
	b = append(b, byte('0'+maj%10), '.')
	if minor >= 10 {
		b = append(b, byte('0'+minor/10))
	}
	b = append(b, byte('0'+minor%10))
	return string(b), true
}
