package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// sophos parses Sophos Firewall (XG Firewall, SFOS) key=value logs, both
// the format of SFOS 17 to 18.5:
//
//	device="SFW" date=2020-06-05 time=03:45:23 timezone="CEST" device_name="SF01V" device_id=... log_id=010101600001 log_type="Firewall" log_component="Firewall Rule" log_subtype="Allowed" status="Allow" ... src_ip=... dst_ip=... tran_src_ip=...
//
// and the one of SFOS 19 and later:
//
//	device_name="SFW" timestamp="2023-01-10T10:15:22+0900" device_model="XGS2100" device_serial_id="..." log_id=... log_type="Firewall" log_component="Firewall Rule" log_subtype="Allowed" log_version=1 severity="Information" ... src_trans_ip=...
//
// The key=value syntax is FortiGate's (see kvScanner): every pair becomes a
// field under its Sophos name, quoted values are unescaped, empty values
// are absent. Words after an unquoted value belong to it
// ("device_id=C44313350024- P29PUA", "ether_type=Unknown (0x0000)"). A
// line cut short inside a quoted value (seen when relays truncate long
// lines) keeps that value up to the end and is not an error.
//
// ev.FormatVersion is "19.0+" when the line has log_version, else
// "17.0-18.5".
//
// Sophos Anti-Virus logs are read too: the SAV for Linux/UNIX XML records
// (<log><category>savscan.log</category><level>INFO</level><domain>savscan</domain><msg>...</msg><time>1558570140</time><arg>...</arg></log>,
// FormatVersion "av-xml": category, level, domain, msg, time, arg1..argN)
// and the Windows endpoint text log ("20160806 050000<TAB>message",
// FormatVersion "av-text": message).
//
// ECS:
//
//	observer.vendor, observer.product  "Sophos", "Sophos Firewall"
//	observer.name, observer.serial_number, observer.type  device_name, device_id | device_serial_id, device_model
//	event.code        log_id
//	event.kind, event.category  by log_type: Firewall → network, Content Filtering → web,
//	                  IDP → alert/intrusion_detection, Anti-Virus, Anti-Spam, ATP,
//	                  Sandstorm → alert/malware, Event with an authentication
//	                  component → authentication
//	event.action, event.outcome  status | log_subtype (Allowed, Denied, Allow, Deny, ...)
//	log.level         priority | severity
//	source.ip/port/mac, destination.ip/port/mac  src_ip, src_port, src_mac, dst_…
//	source.nat.ip/port, destination.nat.ip/port  tran_src_ip | src_trans_ip, …
//	source.bytes/packets, destination.bytes/packets  sent_bytes | bytes_sent, recv_bytes | bytes_received, …
//	network.transport, network.application  protocol, application | app_name
//	observer.ingress/egress.interface.name  in_interface, out_interface
//	observer.ingress/egress.zone  srczone | src_zone, dstzone | dst_zone
//	rule.id, rule.name  fw_rule_id, fw_rule_name
//	user.name         user_name | user
//	url.original, url.domain  url, domain
//	message           message
//
// ev.Time: timestamp when present, else date and time in timezone when it
// is an offset ("+08", "+0530"), else in loc.
type sophos struct{}

var _ Parser = sophos{}

var errNotSophos = errors.New("sophos: no log_id, log_type or device_name key in message")

func (sophos) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	if i := strings.Index(s, "<log>"); i >= 0 {
		return sophosAVXML(s[i:], ev)
	}
	if d, c, text, ok := sophosAVText(s); ok {
		date := d[:4] + "-" + d[4:6] + "-" + d[6:8]
		clock := c[:2] + ":" + c[2:4] + ":" + c[4:6]
		ev.FormatVersion = "av-text"
		ev.Add("message", text)
		ev.Add("observer.vendor", "Sophos")
		ev.Add("observer.product", "Sophos Anti-Virus")
		ev.Add("event.kind", "event")
		if t, ok := localDateTime(date, clock, "", loc); ok {
			ev.Time = t
		}
		return nil
	}
	fs := newFieldSet(ev)
	var c sophosCore
	sc := newKVScanner(s, classKey)
	for {
		k, v, ok, _ := sc.next() // an unterminated quote ends the line: no error
		if !ok {
			break
		}
		if fs.add(ev, k, v) {
			c.note(k, v)
		}
	}
	if c.logID == "" && c.logType == "" && c.deviceName == "" {
		return errNotSophos
	}
	ev.FormatVersion = "17.0-18.5"
	if c.logVersion != "" {
		ev.FormatVersion = "19.0+"
	}
	c.emit(ev)
	if t, ok := c.eventTime(loc); ok {
		ev.Time = t
	}
	return nil
}

// sophosCore collects the values with ECS names.
type sophosCore struct {
	logVersion, timestamp, date, clock, timezone            string
	deviceName, deviceID, deviceModel, logID, logType       string
	component, subtype, status, level                       string
	src, sport, smac, dst, dport, dmac                      string
	natSrc, natSport, natDst, natDport                      string
	sentBytes, recvBytes, sentPkts, recvPkts                string
	proto, app, inIf, outIf, srcZone, dstZone, ruleID, rule string
	user, url, domain, message                              string
}

func (c *sophosCore) note(k, v string) {
	switch k {
	case "log_version":
		c.logVersion = v
	case "timestamp":
		c.timestamp = v
	case "date":
		c.date = v
	case "time":
		c.clock = v
	case "timezone":
		c.timezone = v
	case "device_name":
		c.deviceName = v
	case "device_id", "device_serial_id":
		c.deviceID = firstOf(c.deviceID, v)
	case "device_model":
		c.deviceModel = v
	case "log_id":
		c.logID = v
	case "log_type":
		c.logType = v
	case "log_component":
		c.component = v
	case "log_subtype":
		c.subtype = v
	case "status":
		c.status = v
	case "priority", "severity":
		c.level = firstOf(c.level, v)
	case "src_ip":
		c.src = v
	case "src_port":
		c.sport = v
	case "src_mac":
		c.smac = v
	case "dst_ip":
		c.dst = v
	case "dst_port":
		c.dport = v
	case "dst_mac":
		c.dmac = v
	case "tran_src_ip", "src_trans_ip":
		c.natSrc = firstOf(c.natSrc, v)
	case "tran_src_port", "src_trans_port":
		c.natSport = firstOf(c.natSport, v)
	case "tran_dst_ip", "dst_trans_ip":
		c.natDst = firstOf(c.natDst, v)
	case "tran_dst_port", "dst_trans_port":
		c.natDport = firstOf(c.natDport, v)
	case "sent_bytes", "bytes_sent":
		c.sentBytes = firstOf(c.sentBytes, v)
	case "recv_bytes", "bytes_received":
		c.recvBytes = firstOf(c.recvBytes, v)
	case "sent_pkts", "packets_sent":
		c.sentPkts = firstOf(c.sentPkts, v)
	case "recv_pkts", "packets_received":
		c.recvPkts = firstOf(c.recvPkts, v)
	case "protocol":
		c.proto = v
	case "application", "app_name":
		c.app = firstOf(c.app, v)
	case "in_interface", "in_display_interface":
		c.inIf = firstOf(c.inIf, v)
	case "out_interface", "out_display_interface":
		c.outIf = firstOf(c.outIf, v)
	case "srczone", "src_zone":
		c.srcZone = firstOf(c.srcZone, v)
	case "dstzone", "dst_zone":
		c.dstZone = firstOf(c.dstZone, v)
	case "fw_rule_id":
		c.ruleID = v
	case "fw_rule_name":
		c.rule = v
	case "user_name", "user":
		c.user = firstOf(c.user, v)
	case "url":
		c.url = v
	case "domain":
		c.domain = v
	case "message":
		c.message = v
	}
}

func (c *sophosCore) emit(ev *event.Event) {
	ev.Add("observer.vendor", "Sophos")
	ev.Add("observer.product", "Sophos Firewall")
	ev.Add("observer.name", c.deviceName)
	ev.Add("observer.serial_number", c.deviceID)
	ev.Add("observer.type", c.deviceModel)
	ev.Add("event.code", c.logID)
	kind, category := "event", ""
	switch c.logType {
	case "Firewall":
		category = "network"
	case "Content Filtering":
		category = "web"
	case "IDP":
		kind, category = "alert", "intrusion_detection"
	case "Anti-Virus", "Anti-Spam", "ATP", "Sandstorm", "Sandbox":
		kind, category = "alert", "malware"
	case "Event":
		if strings.Contains(c.component, "uthentication") {
			category = "authentication"
		}
	}
	ev.Add("event.kind", kind)
	ev.Add("event.category", category)
	action := firstOf(c.status, c.subtype)
	ev.Add("event.action", action)
	o := actionOutcome(c.status)
	if o == "" {
		o = actionOutcome(c.subtype)
	}
	ev.Add("event.outcome", o)
	ev.Add("log.level", c.level)
	addIP(ev, "source.ip", c.src)
	addPort(ev, "source.port", c.sport)
	addECS(ev, "source.mac", c.smac)
	addIP(ev, "source.nat.ip", c.natSrc)
	addPort(ev, "source.nat.port", c.natSport)
	addECS(ev, "source.bytes", c.sentBytes)
	addECS(ev, "source.packets", c.sentPkts)
	addIP(ev, "destination.ip", c.dst)
	addPort(ev, "destination.port", c.dport)
	addECS(ev, "destination.mac", c.dmac)
	addIP(ev, "destination.nat.ip", c.natDst)
	addPort(ev, "destination.nat.port", c.natDport)
	addECS(ev, "destination.bytes", c.recvBytes)
	addECS(ev, "destination.packets", c.recvPkts)
	ev.Add("network.transport", transportName(c.proto))
	ev.Add("network.application", c.app)
	ev.Add("observer.ingress.interface.name", c.inIf)
	ev.Add("observer.egress.interface.name", c.outIf)
	ev.Add("observer.ingress.zone", c.srcZone)
	ev.Add("observer.egress.zone", c.dstZone)
	ev.Add("rule.id", c.ruleID)
	ev.Add("rule.name", c.rule)
	ev.Add("user.name", c.user)
	ev.Add("url.original", c.url)
	ev.Add("url.domain", c.domain)
	ev.Add("message", c.message)
}

func (c *sophosCore) eventTime(loc *time.Location) (time.Time, bool) {
	if t, ok := rfc3339Time(c.timestamp); ok {
		return t, true
	}
	return localDateTime(c.date, c.clock, c.timezone, loc)
}

// sophosAVXML reads one SAV <log> record. Each child element becomes a
// field under its tag name; repeated <arg> elements are arg1, arg2, ...
// Entities are not decoded.
func sophosAVXML(s string, ev *event.Event) error {
	body, _, ok := strings.Cut(s[len("<log>"):], "</log>")
	if !ok {
		return errors.New("sophos: <log> record without </log>")
	}
	ev.FormatVersion = "av-xml"
	var c struct{ level, msg, clock, domain string }
	args := 0
	fs := newFieldSet(ev)
	for body != "" {
		open := strings.IndexByte(body, '<')
		if open < 0 {
			break
		}
		end := strings.IndexByte(body[open:], '>')
		if end < 0 {
			break
		}
		tag := body[open+1 : open+end]
		rest := body[open+end+1:]
		closeTag := strings.Index(rest, "</"+tag+">")
		if closeTag < 0 || strings.HasPrefix(tag, "/") || tag == "" {
			body = rest
			continue
		}
		v := rest[:closeTag]
		body = rest[closeTag+len(tag)+3:]
		name := tag
		if tag == "arg" {
			args++
			if fs.full(ev) {
				ev.FieldsDropped++
				continue
			}
			name = "arg" + itoa(args)
		}
		fs.add(ev, name, v)
		switch tag {
		case "level":
			c.level = v
		case "msg":
			c.msg = v
		case "time":
			c.clock = v
		case "domain":
			c.domain = v
		}
	}
	ev.Add("observer.vendor", "Sophos")
	ev.Add("observer.product", "Sophos Anti-Virus")
	kind := "event"
	if strings.Contains(c.msg, "THREAT") || strings.Contains(c.msg, "VIRUS") {
		kind = "alert"
	}
	ev.Add("event.kind", kind)
	ev.Add("event.provider", c.domain)
	ev.Add("log.level", c.level)
	ev.Add("message", c.msg)
	if t, ok := epochTime(c.clock); ok {
		ev.Time = t
	}
	return nil
}

// sophosAVText splits "20160806 050000<TAB>text" into "20160806",
// "050000" and the text, without allocating.
func sophosAVText(s string) (date, clock, text string, ok bool) {
	s = strings.TrimLeft(s, " ")
	if len(s) < 16 || s[8] != ' ' || s[15] != '\t' || !isDigits(s[:8]) || !isDigits(s[9:15]) {
		return "", "", "", false
	}
	return s[:8], s[9:15], s[16:], true
}
