package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// checkPoint parses Check Point logs in two shapes:
//
//   - the Log Exporter "syslog" format: [key:"value"; key:"value"; ...],
//     usually after an RFC 5424-like header ("1 2019-05-15T16:25:50Z host
//     CheckPoint 19710 - [action:"Drop"; ...]"). In a value a backslash
//     escapes '"', ']' and '\'. A key written with a second colon
//     (ike::"...", scheme::"...") loses it. Lines cut short (no closing
//     bracket) keep the pairs read so far.
//   - the LEA / fw1-loggrabber form: key=value|key=value|... (time=...,
//     action=..., orig=..., i/f_dir=..., ...).
//
// Keys keep Check Point's names (src, dst, s_port, service, proto, action,
// rule_name, rule_uid, xlatesrc, origin, ifdir, ifname, loguid, ...); a key
// repeated in one log (layer_name, rule_name for each policy layer) keeps
// its first value. Empty values are absent.
//
// ECS:
//
//	observer.vendor, observer.product  "Check Point", product
//	observer.ip        origin (orig)
//	event.id           loguid
//	event.action, event.outcome  action (Accept, Drop, Reject, Block, Prevent, Detect, ...)
//	event.kind, event.category   with an attack or protection: alert/intrusion_detection;
//	                   with malware_action: alert/malware; else event/network
//	source.ip/port, destination.ip/port  src, s_port, dst, service (when a number)
//	source.nat.ip/port, destination.nat.ip/port  xlatesrc, xlatesport, xlatedst, xlatedport (0 left out)
//	network.iana_number, network.transport  proto
//	observer.ingress.interface.name or observer.egress.interface.name
//	                   ifname (i/f_name), by ifdir (i/f_dir) inbound or outbound
//	rule.name, rule.uuid, rule.id, rule.ruleset  rule_name, rule_uid, rule, layer_name
//	user.name          src_user_name, user
//	url.original       resource
//	network.application  appi_name
//	message            msg
//
// ev.Time is set from time: seconds since the epoch, or "2006-01-02
// 15:04:05" in loc.
type checkPoint struct{}

var _ Parser = checkPoint{}

var errNotCheckPoint = errors.New(`checkpoint: no [key:"value"; ...] list and no key=value|key=value| pairs in message`)

func (checkPoint) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	fs := newFieldSet(ev)
	var c cpCore
	pairs := 0
	add := func(k, v string) {
		pairs++
		if fs.add(ev, k, v) {
			c.note(k, v)
		}
	}
	if start := cpListStart(s); start >= 0 {
		c.format = "syslog"
		cpList(s[start:], add)
	} else {
		c.format = "lea"
		cpPipes(s, add)
		if pairs < 2 {
			pairs = 0
		}
	}
	if pairs == 0 {
		return errNotCheckPoint
	}
	ev.FormatVersion = c.format
	c.emit(ev)
	if t, ok := epochTime(c.time); ok && len(c.time) == 10 {
		ev.Time = t
	} else if date, clock, ok := strings.Cut(c.time, " "); ok {
		if t, ok := localDateTime(date, clock, "", loc); ok {
			ev.Time = t
		}
	}
	return nil
}

// cpListStart finds '[' followed by a key and ':"'.
func cpListStart(s string) int {
	for i := 0; i < len(s); {
		p := strings.IndexByte(s[i:], '[')
		if p < 0 {
			return -1
		}
		p += i
		i = p + 1
		j := p + 1
		for j < len(s) && cpKeyByte(s[j]) {
			j++
		}
		if j > p+1 && j+1 < len(s) && s[j] == ':' && (s[j+1] == '"' || (s[j+1] == ':' && j+2 < len(s) && s[j+2] == '"')) {
			return p
		}
	}
	return -1
}

func cpKeyByte(c byte) bool {
	return c > ' ' && c != ':' && c != '"' && c != ';' && c != '[' && c != ']' && c != '=' && c != '|'
}

// cpList reads key:"value" pairs after the '[' at s[0] until the ']' that
// ends the list, or the end of s.
func cpList(s string, add func(k, v string)) {
	i := 1
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == ';') {
			i++
		}
		if i >= len(s) || s[i] == ']' {
			return
		}
		j := i
		for j < len(s) && cpKeyByte(s[j]) {
			j++
		}
		if j == i || j+1 >= len(s) || s[j] != ':' {
			// Not a pair ("...", free text): skip to the next "; ".
			k := strings.Index(s[i:], "; ")
			if k < 0 {
				return
			}
			i += k + 2
			continue
		}
		key := s[i:j]
		v := j + 1
		if v < len(s) && s[v] == ':' {
			v++
		}
		if v >= len(s) || s[v] != '"' {
			i = v
			continue
		}
		e := v + 1
		escaped := false
		for e < len(s) && s[e] != '"' {
			if s[e] == '\\' {
				escaped = true
				e++
			}
			e++
		}
		if e > len(s) {
			e = len(s)
		}
		value := s[v+1 : e]
		if escaped {
			value = unescapeSD(value)
		}
		add(key, value)
		i = e + 1
	}
}

// cpPipes reads key=value|key=value|... pairs; text before the first key
// (a syslog prefix) is skipped.
func cpPipes(s string, add func(k, v string)) {
	if strings.IndexByte(s, '|') < 0 {
		return
	}
	first := true
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, "|")
		eq := strings.IndexByte(part, '=')
		if eq <= 0 {
			continue
		}
		key := part[:eq]
		if first {
			// "<134>Jan  1 host time=..." : the key is the last word.
			if sp := strings.LastIndexByte(key, ' '); sp >= 0 {
				key = key[sp+1:]
			}
			first = false
		}
		if strings.IndexByte(key, ' ') >= 0 || key == "" {
			continue
		}
		add(key, part[eq+1:])
	}
}

// cpCore collects the fields with ECS names.
type cpCore struct {
	format                            string
	product, origin, loguid, action   string
	src, dst, sport, service, proto   string
	xsrc, xdst, xsport, xdport        string
	ifdir, ifname                     string
	ruleName, ruleUID, rule, layer    string
	user, resource, app, msg, time    string
	attack, protection, malwareAction string
}

func (c *cpCore) note(k, v string) {
	switch k {
	case "product":
		c.product = v
	case "origin", "orig":
		c.origin = firstOf(c.origin, v)
	case "loguid":
		c.loguid = v
	case "action":
		c.action = v
	case "src":
		c.src = v
	case "dst":
		c.dst = v
	case "s_port":
		c.sport = v
	case "service":
		c.service = v
	case "proto":
		c.proto = v
	case "xlatesrc":
		c.xsrc = v
	case "xlatedst":
		c.xdst = v
	case "xlatesport":
		c.xsport = v
	case "xlatedport":
		c.xdport = v
	case "ifdir", "i/f_dir":
		c.ifdir = firstOf(c.ifdir, v)
	case "ifname", "i/f_name":
		c.ifname = firstOf(c.ifname, v)
	case "rule_name":
		c.ruleName = v
	case "rule_uid":
		c.ruleUID = v
	case "rule":
		c.rule = v
	case "layer_name":
		c.layer = v
	case "src_user_name", "user":
		c.user = firstOf(c.user, v)
	case "resource":
		c.resource = v
	case "appi_name":
		c.app = v
	case "msg":
		c.msg = v
	case "time":
		c.time = v
	case "attack":
		c.attack = v
	case "protection_name":
		c.protection = v
	case "malware_action":
		c.malwareAction = v
	}
}

func (c *cpCore) emit(ev *event.Event) {
	ev.Add("observer.vendor", "Check Point")
	ev.Add("observer.product", c.product)
	addIP(ev, "observer.ip", c.origin)
	ev.Add("event.id", c.loguid)
	kind, category := "event", "network"
	switch {
	case c.malwareAction != "":
		kind, category = "alert", "malware"
	case c.attack != "" || c.protection != "":
		kind, category = "alert", "intrusion_detection"
	}
	ev.Add("event.kind", kind)
	ev.Add("event.category", category)
	ev.Add("event.action", c.action)
	ev.Add("event.outcome", actionOutcome(c.action))
	addIP(ev, "source.ip", c.src)
	addPort(ev, "source.port", c.sport)
	addIP(ev, "source.nat.ip", c.xsrc)
	addPort(ev, "source.nat.port", c.xsport)
	addIP(ev, "destination.ip", c.dst)
	addPort(ev, "destination.port", c.service)
	addIP(ev, "destination.nat.ip", c.xdst)
	addPort(ev, "destination.nat.port", c.xdport)
	if isDigits(c.proto) {
		ev.Add("network.iana_number", c.proto)
	}
	ev.Add("network.transport", transportName(c.proto))
	ev.Add("network.application", c.app)
	switch c.ifdir {
	case "inbound", "in":
		ev.Add("observer.ingress.interface.name", c.ifname)
	case "outbound", "out":
		ev.Add("observer.egress.interface.name", c.ifname)
	}
	ev.Add("rule.id", c.rule)
	ev.Add("rule.name", firstOf(c.ruleName, c.protection))
	ev.Add("rule.uuid", c.ruleUID)
	ev.Add("rule.ruleset", c.layer)
	ev.Add("user.name", c.user)
	ev.Add("url.original", c.resource)
	ev.Add("message", c.msg)
}
