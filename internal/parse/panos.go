package parse

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// panOS parses Palo Alto Networks PAN-OS syslog in the default CSV format
// (PAN-OS 8.0 to 11.1): TRAFFIC, THREAT (including URL filtering),
// SYSTEM, CONFIG and GLOBALPROTECT logs get their documented column names
// (see panos_columns.go); other log types get the common header names and
// column_N for the rest.
//
// The CSV starts at the first field before ",YYYY/MM/DD hh:mm:ss,", so a
// syslog header the syslog layer could not read is skipped. A field in
// double quotes may hold commas, and "" stands for one quote. Empty fields
// are absent.
//
// The column list is chosen by the log type and the number of columns:
// each release appended columns, so a line with exactly a release's count
// gets its names and ev.FormatVersion is that release ("10.1"); a line
// between two releases gets the older release's names, column_N for the
// rest and a "+" ("10.1+": newer or custom format); a line shorter than the
// oldest list keeps the names of the columns it has and "<" ("<8.1").
// CONFIG lines are told apart by where the action flags ("0x...") are,
// since PAN-OS leaves the before and after change details out by default.
//
// ECS fields, after the native ones, each only when present and not N/A:
//
//	observer.vendor, observer.product  "Palo Alto Networks", "PAN-OS"
//	observer.serial_number, observer.name  serial, device_name
//	observer.version  the release in future_use2 (config version 0x0A01 =
//	                  2561 → "10.1"), when it holds one
//	event.kind        THREAT other than url: alert; else event
//	event.category    TRAFFIC network; THREAT intrusion_detection, malware
//	                  (virus, wildfire-virus), web (url); CONFIG
//	                  configuration; GLOBALPROTECT authentication
//	event.action      action (TRAFFIC, THREAT), eventid (SYSTEM,
//	                  GLOBALPROTECT), cmd (CONFIG)
//	event.outcome     from action, result (CONFIG) or status (GLOBALPROTECT)
//	event.code        eventid (SYSTEM, GLOBALPROTECT)
//	log.level         severity
//	source.ip/port, destination.ip/port          src, sport, dst, dport
//	source.nat.ip/port, destination.nat.ip/port  natsrc, natsport, natdst, natdport
//	network.transport, network.application       proto, app
//	source.bytes/packets, destination.bytes/packets, network.bytes/packets
//	observer.ingress/egress.interface.name       inbound_if, outbound_if
//	observer.ingress/egress.zone                 from, to
//	rule.name, rule.uuid   rule, rule_uuid (the security policy rule); for
//	                       THREAT other than url, the threat: rule.name is
//	                       the name and rule.id the number of threatid
//	                       ("Name(40015)"), and vulnerability.id the number
//	                       for subtype vulnerability
//	user.name         srcuser (TRAFFIC, THREAT, GLOBALPROTECT), admin (CONFIG)
//	destination.user.name  dstuser
//	url.original      misc for url, else the referer is left alone
//	file.name         misc for file, virus, wildfire, wildfire-virus
//	source.ip         public_ip (GLOBALPROTECT), host (CONFIG) when an IP
//	message           opaque (SYSTEM, GLOBALPROTECT description)
//
// ev.Time: high_res_timestamp (RFC 3339 with its offset) when present, else
// time_generated, else receive_time, in loc.
type panOS struct{}

var _ Parser = panOS{}

// panosMaxColumns bounds the columns of one line; the longest documented
// list has 130.
const panosMaxColumns = 256

var errNotPANOS = errors.New(`panos: no CSV log ("…,YYYY/MM/DD hh:mm:ss,serial,TYPE,…") in message`)

func (panOS) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	start, ok := panosStart(s)
	if !ok {
		return errNotPANOS
	}
	var cols [panosMaxColumns]string
	n, err := splitPANOS(s[start:], &cols)
	if n < 5 {
		if err == nil {
			err = fmt.Errorf("panos: %d columns, want at least 5", n)
		}
		return err
	}
	typ := cols[3]
	if typ == "" {
		return errors.New("panos: no log type in column 4")
	}
	layout := panosOther
	switch typ {
	case "TRAFFIC":
		layout = panosTraffic
	case "THREAT":
		layout = panosThreat
	case "SYSTEM":
		layout = panosSystem
	case "CONFIG":
		layout = panosConfig
		if n > 17 && !strings.HasPrefix(cols[15], "0x") && strings.HasPrefix(cols[17], "0x") {
			layout = panosConfigDetail
		}
	case "GLOBALPROTECT":
		layout = panosGlobalProtect
	}
	names := layout.columns
	if len(layout.versions) > 0 {
		ev.FormatVersion = panosVersionOf(layout, n)
	}
	for i := 0; i < n; i++ {
		name := panosColumnNames[i+1]
		if i < len(names) {
			name = names[i]
		}
		ev.Add(name, cols[i])
	}
	c := panosCore{typ: typ, cols: cols[:n], idx: &layout.idx}
	c.emit(ev)
	if t, ok := c.time(loc); ok {
		ev.Time = t
	}
	return err
}

// panosVersionOf names the release whose column count matches n.
func panosVersionOf(l *panosLayout, n int) string {
	vs := l.versions
	if n < vs[0].n {
		return vs[0].before
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if n == vs[i].n {
			return vs[i].name
		}
		if n > vs[i].n {
			return vs[i].plus
		}
	}
	return vs[0].name
}

// panosStart finds where the CSV begins: the start of the field before the
// first comma that is followed by a receive time "YYYY/MM/DD hh:mm:ss,".
func panosStart(s string) (int, bool) {
	for i := 0; i < len(s) && i < 512; {
		c := strings.IndexByte(s[i:], ',')
		if c < 0 {
			return 0, false
		}
		c += i
		if isPANOSTime(s[c+1:]) {
			b := c
			for b > 0 && s[b-1] != ' ' && s[b-1] != ',' {
				b--
			}
			return b, true
		}
		i = c + 1
	}
	return 0, false
}

// isPANOSTime reports whether s starts with "YYYY/MM/DD hh:mm:ss,".
func isPANOSTime(s string) bool {
	const pat = "dddd/dd/dd dd:dd:dd,"
	if len(s) < len(pat) {
		return false
	}
	for i := 0; i < len(pat); i++ {
		if pat[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != pat[i] {
			return false
		}
	}
	return true
}

// splitPANOS splits one CSV line into cols and returns the number of
// columns. A quoted field ends at a quote not followed by another; text
// between its closing quote and the next comma is dropped. An error is
// reported for an unterminated quote (the field runs to the end) and for
// more columns than cols holds (the rest is dropped).
func splitPANOS(s string, cols *[panosMaxColumns]string) (int, error) {
	n, i := 0, 0
	for {
		if n == len(cols) {
			return n, fmt.Errorf("panos: more than %d columns", len(cols))
		}
		if i < len(s) && s[i] == '"' {
			j := i + 1
			doubled := false
			for {
				k := strings.IndexByte(s[j:], '"')
				if k < 0 {
					v := s[i+1:]
					if doubled {
						v = strings.ReplaceAll(v, `""`, `"`)
					}
					cols[n] = v
					return n + 1, fmt.Errorf("panos: column %d: unterminated quote", n+1)
				}
				j += k
				if j+1 < len(s) && s[j+1] == '"' {
					doubled = true
					j += 2
					continue
				}
				break
			}
			v := s[i+1 : j]
			if doubled {
				v = strings.ReplaceAll(v, `""`, `"`)
			}
			cols[n] = v
			n++
			k := strings.IndexByte(s[j+1:], ',')
			if k < 0 {
				return n, nil
			}
			i = j + 1 + k + 1
			continue
		}
		k := strings.IndexByte(s[i:], ',')
		if k < 0 {
			cols[n] = s[i:]
			return n + 1, nil
		}
		cols[n] = s[i : i+k]
		n++
		i += k + 1
	}
}

// panosCore finds columns for the ECS fields.
type panosCore struct {
	typ  string
	cols []string
	idx  *[pxCount]int
}

// get returns the column px (pxSrc, ...), or "" when the line has none.
func (c *panosCore) get(px int) string {
	if i := c.idx[px]; i >= 0 && i < len(c.cols) {
		return c.cols[i]
	}
	return ""
}

func (c *panosCore) emit(ev *event.Event) {
	subtype := c.get(pxSubtype)
	ev.Add("observer.vendor", "Palo Alto Networks")
	ev.Add("observer.product", "PAN-OS")
	addECS(ev, "observer.serial_number", c.get(pxSerial))
	addECS(ev, "observer.name", c.get(pxDeviceName))
	ev.Add("observer.version", configVersion(c.get(pxFutureUse2)))

	kind, category := "event", ""
	switch c.typ {
	case "TRAFFIC":
		category = "network"
	case "THREAT":
		switch subtype {
		case "url":
			category = "web"
		case "virus", "wildfire-virus":
			kind, category = "alert", "malware"
		default:
			kind, category = "alert", "intrusion_detection"
		}
	case "CONFIG":
		category = "configuration"
	case "GLOBALPROTECT":
		category = "authentication"
	}
	ev.Add("event.kind", kind)
	ev.Add("event.category", category)

	switch c.typ {
	case "TRAFFIC", "THREAT":
		c.session(ev, subtype)
	case "SYSTEM":
		addECS(ev, "event.action", c.get(pxEventID))
		addECS(ev, "event.code", c.get(pxEventID))
		addECS(ev, "log.level", c.get(pxSeverity))
		addECS(ev, "message", c.get(pxOpaque))
	case "CONFIG":
		addECS(ev, "event.action", c.get(pxCmd))
		ev.Add("event.outcome", actionOutcome(c.get(pxResult)))
		addECS(ev, "user.name", c.get(pxAdmin))
		addIP(ev, "source.ip", c.get(pxHost))
	case "GLOBALPROTECT":
		addECS(ev, "event.action", c.get(pxEventID))
		addECS(ev, "event.code", c.get(pxEventID))
		ev.Add("event.outcome", actionOutcome(c.get(pxStatus)))
		addIP(ev, "source.ip", c.get(pxPublicIP))
		addECS(ev, "user.name", c.get(pxSrcUser))
		addECS(ev, "message", c.get(pxOpaque))
	}
}

// session adds the ECS fields of TRAFFIC and THREAT logs.
func (c *panosCore) session(ev *event.Event, subtype string) {
	action := c.get(pxAction)
	addECS(ev, "event.action", action)
	o := actionOutcome(action)
	if o == "" && action != "" {
		o = "unknown"
	}
	ev.Add("event.outcome", o)
	addECS(ev, "log.level", c.get(pxSeverity))
	addIP(ev, "source.ip", c.get(pxSrc))
	addPort(ev, "source.port", c.get(pxSport))
	addIP(ev, "source.nat.ip", c.get(pxNatSrc))
	addPort(ev, "source.nat.port", c.get(pxNatSport))
	addECS(ev, "source.bytes", c.get(pxBytesSent))
	addECS(ev, "source.packets", c.get(pxPktsSent))
	addIP(ev, "destination.ip", c.get(pxDst))
	addPort(ev, "destination.port", c.get(pxDport))
	addIP(ev, "destination.nat.ip", c.get(pxNatDst))
	addPort(ev, "destination.nat.port", c.get(pxNatDport))
	addECS(ev, "destination.bytes", c.get(pxBytesReceived))
	addECS(ev, "destination.packets", c.get(pxPktsReceived))
	addECS(ev, "network.bytes", c.get(pxBytes))
	addECS(ev, "network.packets", c.get(pxPackets))
	ev.Add("network.transport", transportName(c.get(pxProto)))
	addECS(ev, "network.application", c.get(pxApp))
	addECS(ev, "observer.ingress.interface.name", c.get(pxInboundIf))
	addECS(ev, "observer.egress.interface.name", c.get(pxOutboundIf))
	addECS(ev, "observer.ingress.zone", c.get(pxFrom))
	addECS(ev, "observer.egress.zone", c.get(pxTo))
	if c.typ == "THREAT" && subtype != "url" {
		name, id := splitThreatID(c.get(pxThreatID))
		addECS(ev, "rule.id", id)
		addECS(ev, "rule.name", name)
		if subtype == "vulnerability" {
			addECS(ev, "vulnerability.id", id)
		}
	} else {
		addECS(ev, "rule.name", c.get(pxRule))
		addECS(ev, "rule.uuid", c.get(pxRuleUUID))
	}
	addECS(ev, "user.name", c.get(pxSrcUser))
	addECS(ev, "destination.user.name", c.get(pxDstUser))
	if c.typ == "THREAT" {
		misc := c.get(pxMisc)
		switch subtype {
		case "url":
			addECS(ev, "url.original", misc)
		case "file", "virus", "wildfire", "wildfire-virus":
			addECS(ev, "file.name", misc)
		}
	}
}

// splitThreatID splits "SSH Brute Force Attempt(40015)" into the name and
// the number; "(9999)" gives only the number, a value without a number
// only the name.
func splitThreatID(v string) (name, id string) {
	if strings.HasSuffix(v, ")") {
		if open := strings.LastIndexByte(v, '('); open >= 0 && isDigits(v[open+1:len(v)-1]) {
			return strings.TrimRight(v[:open], " "), v[open+1 : len(v)-1]
		}
	}
	return v, ""
}

// configVersion reads the release PAN-OS writes into the second
// FUTURE_USE column: major<<8 | minor (2561 → "10.1").
func configVersion(v string) string {
	n, ok := smallUint(v)
	if !ok || n < 6<<8 || n > 30<<8 {
		return ""
	}
	return releaseName(n>>8, n&0xff)
}

// releaseNames holds "major.minor" for majors up to 31 and minors up to
// 15, so that naming a release does not allocate. Read-only.
var releaseNames = func() (t [32][16]string) {
	for maj := range t {
		for minor := range t[maj] {
			t[maj][minor] = itoa(maj) + "." + itoa(minor)
		}
	}
	return t
}()

// releaseName returns "major.minor", or "" when out of the table.
func releaseName(maj, minor int) string {
	if maj <= 0 || maj >= len(releaseNames) || minor < 0 || minor >= len(releaseNames[0]) {
		return ""
	}
	return releaseNames[maj][minor]
}

func (c *panosCore) time(loc *time.Location) (time.Time, bool) {
	if hr := c.get(pxHighRes); hr != "" {
		if t, ok := rfc3339Time(hr); ok {
			return t, true
		}
	}
	for _, px := range [...]int{pxTimeGenerated, pxReceiveTime} {
		v := c.get(px)
		if date, clock, ok := strings.Cut(v, " "); ok {
			if t, ok := localDateTime(date, clock, "", loc); ok {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
