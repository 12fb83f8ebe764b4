package parse

import (
	"strings"
	"sync"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// FortiGate to ECS. After the native fields, the fortigate parser adds
// these ECS fields, in this order, each only when its source has a value
// other than "N/A". "a | b" takes the first present; names after a slash
// are the FortiOS 3.x/4.x spellings.
//
//	observer.vendor                  "Fortinet"
//	observer.product                 "FortiGate"
//	observer.name                    devname
//	observer.serial_number           devid / device_id
//	observer.version                 ev.FormatVersion ("7.2", "5+", "3.x/4.x")
//	event.code                       logid / log_id (string, leading zeros kept)
//	event.kind                       "alert" for utm ips, anomaly and virus logs and type=anomaly; else "event"
//	event.category                   traffic → network; utm ips/anomaly, anomaly → intrusion_detection;
//	                                 utm virus → malware; utm webfilter → web; other utm → network;
//	                                 event: login/logout/auth actions and subtype user → authentication,
//	                                 subtype vpn → network, with cfgpath → configuration
//	event.action                     action / status (3.x/4.x, where status is the policy action)
//	event.outcome                    from status, then action: accept, pass, passthrough, close,
//	                                 client-rst, server-rst, timeout, allow, permit, success → success;
//	                                 deny, denied, block, blocked, drop, dropped, reject, reset,
//	                                 clear_session, anything with "fail" → failure; else unknown
//	log.level                        level / pri
//	source.ip, source.port           srcip | remip, srcport | remport  (/ src, src_port)
//	source.nat.ip, source.nat.port   transip, transport  (/ tran_ip, tran_port)
//	source.bytes                     sentbyte  (/ sent)
//	destination.ip, destination.port dstip | locip, dstport | locport  (/ dst, dst_port)
//	destination.bytes                rcvdbyte  (/ rcvd)
//	network.iana_number              proto
//	network.transport                proto: 6 → tcp, 17 → udp, 1 → icmp, 58 → ipv6-icmp, 132 → sctp, …; else the number
//	network.protocol                 service, lower-cased, when it names an application protocol (HTTP, DNS, SSL, …)
//	observer.ingress.interface.name  srcintf  (/ src_int)
//	observer.egress.interface.name   dstintf  (/ dst_int)
//	rule.id, rule.name, rule.uuid    policyid, policyname, poluuid;
//	                                 for IPS and anomaly logs with an attack: attackid, attack, and rule.reference ref
//	user.name                        user
//	url.domain                       hostname
//	url.original                     url; when url is a path and hostname is known, scheme (from service
//	                                 HTTP/HTTPS) + hostname + url
//	file.name                        filename
//	message                          msg (not when the log has its own "message" key)
type fgCore struct {
	logver, cefVersion, logid, devid, devname, typ, subtype, cat string
	v5, v3                                                       bool
	eventtime, date, clock, tz, rt                               string
	level, action, status, cfgpath                               string
	srcip, srcport, remip, remport, transip, transport           string
	dstip, dstport, locip, locport                               string
	sentbyte, rcvdbyte, proto, service, srcintf, dstintf         string
	policyid, policyname, poluuid, attack, attackid, ref         string
	user, url, hostname, filename, msg                           string
	hasMessage                                                   bool
	// dottedKeys is set when native names may contain '.' (CEF keys), so
	// that ECS names must be checked against them.
	dottedKeys bool
}

// note records a native field. Each key arrives at most once (fieldSet);
// the 3.x/4.x aliases do not override a value already set.
func (c *fgCore) note(k, v string) {
	switch k {
	case "logver":
		c.logver = v
	case "logid":
		c.logid, c.v5 = v, true
	case "log_id":
		c.logid, c.v3 = firstOf(c.logid, v), true
	case "devid":
		c.devid, c.v5 = v, true
	case "device_id":
		c.devid, c.v3 = firstOf(c.devid, v), true
	case "devname":
		c.devname = v
	case "type":
		c.typ = v
	case "subtype":
		c.subtype = v
	case "cat":
		c.cat = v
	case "eventtime":
		c.eventtime = v
	case "date":
		c.date = v
	case "time":
		c.clock = v
	case "tz":
		c.tz = v
	case "rt":
		c.rt = v
	case "level", "pri":
		c.level = firstOf(c.level, v)
	case "action":
		c.action = v
	case "status":
		c.status = v
	case "cfgpath":
		c.cfgpath = v
	case "srcip", "src":
		c.srcip = firstOf(c.srcip, v)
	case "srcport", "src_port":
		c.srcport = firstOf(c.srcport, v)
	case "remip":
		c.remip = v
	case "remport":
		c.remport = v
	case "transip", "tran_ip":
		c.transip = firstOf(c.transip, v)
	case "transport", "tran_port":
		c.transport = firstOf(c.transport, v)
	case "dstip", "dst":
		c.dstip = firstOf(c.dstip, v)
	case "dstport", "dst_port":
		c.dstport = firstOf(c.dstport, v)
	case "locip":
		c.locip = v
	case "locport":
		c.locport = v
	case "sentbyte", "sent":
		c.sentbyte = firstOf(c.sentbyte, v)
	case "rcvdbyte", "rcvd":
		c.rcvdbyte = firstOf(c.rcvdbyte, v)
	case "proto":
		c.proto = v
	case "service":
		c.service = v
	case "srcintf", "src_int":
		c.srcintf = firstOf(c.srcintf, v)
	case "dstintf", "dst_int":
		c.dstintf = firstOf(c.dstintf, v)
	case "policyid":
		c.policyid = v
	case "policyname":
		c.policyname = v
	case "poluuid":
		c.poluuid = v
	case "attack":
		c.attack = v
	case "attackid":
		c.attackid = v
	case "ref":
		c.ref = v
	case "user":
		c.user = v
	case "url":
		c.url = v
	case "hostname":
		c.hostname = v
	case "filename":
		c.filename = v
	case "msg":
		c.msg = v
	case "message":
		c.hasMessage = true
	}
}

// finish sets the version and time and adds the ECS fields. err is an
// error already met while scanning; it wins over later ones.
func (c *fgCore) finish(ev *event.Event, fs *fieldSet, loc *time.Location, err error) error {
	if c.typ == "" && c.cat != "" {
		// CEF "cat=traffic:forward".
		typ, sub, _ := strings.Cut(c.cat, ":")
		c.typ, c.subtype = typ, firstOf(c.subtype, sub)
	}
	if c.logid == "" && c.typ == "" {
		if err == nil {
			err = errNotFortiGate
		}
		return err
	}

	version, ok := logverVersion(c.logver)
	if !ok {
		version, ok = deviceVersion(c.cefVersion)
	}
	if !ok {
		switch {
		case c.v5 || c.cefVersion != "":
			version = "5+"
		case c.v3:
			version = "3.x/4.x"
		}
	}
	ev.FormatVersion = version
	ev.Kind = lineKind(c.typ, c.subtype)

	if t, ok := epochTime(c.eventtime); ok {
		ev.Time = t
	} else if t, ok := localDateTime(c.date, c.clock, c.tz, loc); ok {
		ev.Time = t
	} else if t, ok := cefTime(c.rt, loc); ok {
		ev.Time = t
	}

	c.emit(ev, ecsAdder{fs: fs, check: c.dottedKeys}, version)
	return err
}

// lineKind is an event's Kind: "type/subtype" (or "type" without a
// subtype) when both are short lower-case tokens as FortiGate writes them,
// else "".
func lineKind(typ, subtype string) string {
	if !kindToken(typ) || subtype != "" && !kindToken(subtype) {
		return ""
	}
	if subtype == "" {
		return typ
	}
	key := [2]string{typ, subtype}
	kinds.mu.RLock()
	k, ok := kinds.m[key]
	kinds.mu.RUnlock()
	if ok {
		return k
	}
	k = typ + "/" + subtype
	kinds.mu.Lock()
	defer kinds.mu.Unlock()
	if len(kinds.m) < 4096 { // the kinds FortiOS writes are far fewer
		kinds.m[[2]string{strings.Clone(typ), strings.Clone(subtype)}] = k // not the line's memory
	}
	return k
}

// kinds holds the kinds made so far, so that a line's Kind costs no
// allocation.
var kinds = struct {
	mu sync.RWMutex
	m  map[[2]string]string
}{m: map[[2]string]string{}}

func kindToken(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ecsAdder adds ECS fields, skipping empty values and FortiGate's "N/A".
// Key=value names have no '.', so ECS names cannot repeat them and need no
// check, except in the CEF form.
type ecsAdder struct {
	fs    *fieldSet
	check bool
}

func (a ecsAdder) add(ev *event.Event, name, v string) {
	if v == "" || v == "N/A" {
		return
	}
	if a.check {
		a.fs.add(ev, name, v)
		return
	}
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

func (c *fgCore) emit(ev *event.Event, a ecsAdder, version string) {
	a.add(ev, "observer.vendor", "Fortinet")
	a.add(ev, "observer.product", "FortiGate")
	a.add(ev, "observer.name", c.devname)
	a.add(ev, "observer.serial_number", c.devid)
	a.add(ev, "observer.version", version)
	a.add(ev, "event.code", c.logid)
	kind, category := c.classify()
	a.add(ev, "event.kind", kind)
	a.add(ev, "event.category", category)
	action := c.action
	if action == "" && c.v3 {
		action = c.status
	}
	a.add(ev, "event.action", action)
	a.add(ev, "event.outcome", outcome(c.status, c.action))
	a.add(ev, "log.level", c.level)

	srcip, srcport := c.srcip, c.srcport
	if srcip == "" {
		srcip, srcport = c.remip, firstOf(srcport, c.remport)
	}
	a.add(ev, "source.ip", srcip)
	a.add(ev, "source.port", srcport)
	a.add(ev, "source.nat.ip", c.transip)
	a.add(ev, "source.nat.port", c.transport)
	a.add(ev, "source.bytes", c.sentbyte)
	dstip, dstport := c.dstip, c.dstport
	if dstip == "" {
		dstip, dstport = c.locip, firstOf(dstport, c.locport)
	}
	a.add(ev, "destination.ip", dstip)
	a.add(ev, "destination.port", dstport)
	a.add(ev, "destination.bytes", c.rcvdbyte)
	a.add(ev, "network.iana_number", c.proto)
	a.add(ev, "network.transport", transportName(c.proto))
	a.add(ev, "network.protocol", appProtocol(c.service))
	a.add(ev, "observer.ingress.interface.name", c.srcintf)
	a.add(ev, "observer.egress.interface.name", c.dstintf)

	if c.attack != "" && (c.typ == "anomaly" || c.subtype == "ips" || c.subtype == "anomaly") {
		a.add(ev, "rule.id", c.attackid)
		a.add(ev, "rule.name", c.attack)
		a.add(ev, "rule.reference", c.ref)
	} else {
		a.add(ev, "rule.id", c.policyid)
		a.add(ev, "rule.name", c.policyname)
		a.add(ev, "rule.uuid", c.poluuid)
	}
	a.add(ev, "user.name", c.user)
	a.add(ev, "url.domain", c.hostname)
	a.add(ev, "url.original", c.fullURL())
	a.add(ev, "file.name", c.filename)
	if !c.hasMessage {
		a.add(ev, "message", c.msg)
	}
}

// classify gives event.kind and event.category.
func (c *fgCore) classify() (kind, category string) {
	switch c.typ {
	case "traffic":
		return "event", "network"
	case "anomaly":
		return "alert", "intrusion_detection"
	case "utm":
		switch c.subtype {
		case "ips", "anomaly":
			return "alert", "intrusion_detection"
		case "virus":
			return "alert", "malware"
		case "webfilter":
			return "event", "web"
		}
		return "event", "network"
	case "event":
		switch {
		case strings.Contains(c.action, "login"), strings.Contains(c.action, "logout"),
			strings.Contains(c.action, "auth"), c.subtype == "user":
			return "event", "authentication"
		case c.subtype == "vpn":
			return "event", "network"
		case c.cfgpath != "":
			return "event", "configuration"
		}
	}
	return "event", ""
}

// outcome gives event.outcome from status, then action.
func outcome(status, action string) string {
	if o := outcomeOf(status); o != "" {
		return o
	}
	if o := outcomeOf(action); o != "" {
		return o
	}
	if status != "" || action != "" {
		return "unknown"
	}
	return ""
}

func outcomeOf(v string) string {
	switch v {
	case "":
		return ""
	case "accept", "pass", "passthrough", "close", "client-rst", "server-rst", "timeout",
		"allow", "permit", "success":
		return "success"
	case "deny", "denied", "block", "blocked", "drop", "dropped", "reject", "reset", "clear_session":
		return "failure"
	}
	if strings.Contains(v, "fail") {
		return "failure"
	}
	return ""
}

// appProtocol maps a FortiGate service name to ECS network.protocol when
// it names an application protocol; other services (ALL, PING, tcp/8080)
// give "".
func appProtocol(service string) string {
	switch service {
	case "HTTP", "http":
		return "http"
	case "HTTPS", "https":
		return "https"
	case "SSL", "ssl":
		return "ssl"
	case "DNS", "dns":
		return "dns"
	case "SSH", "ssh":
		return "ssh"
	case "FTP", "ftp":
		return "ftp"
	case "SMTP", "smtp":
		return "smtp"
	case "SMTPS", "smtps":
		return "smtps"
	case "POP3", "pop3":
		return "pop3"
	case "POP3S", "pop3s":
		return "pop3s"
	case "IMAP", "imap":
		return "imap"
	case "IMAPS", "imaps":
		return "imaps"
	case "NTP", "ntp":
		return "ntp"
	case "SNMP", "snmp":
		return "snmp"
	case "LDAP", "ldap":
		return "ldap"
	case "RDP", "rdp":
		return "rdp"
	case "SMB", "smb", "CIFS", "cifs", "SAMBA":
		return "smb"
	case "TELNET", "telnet":
		return "telnet"
	case "SIP", "sip":
		return "sip"
	case "DHCP", "dhcp":
		return "dhcp"
	case "SYSLOG", "syslog":
		return "syslog"
	case "KERBEROS", "kerberos":
		return "kerberos"
	case "QUIC", "quic":
		return "quic"
	case "RADIUS", "radius":
		return "radius"
	case "MYSQL", "mysql":
		return "mysql"
	case "MS-SQL", "MSSQL":
		return "mssql"
	}
	return ""
}

// fullURL gives url.original: the url field, with scheme and hostname in
// front when it is only a path.
func (c *fgCore) fullURL() string {
	if c.url == "" || c.url[0] != '/' || c.hostname == "" || c.hostname == "N/A" {
		return c.url
	}
	scheme := ""
	switch c.service {
	case "HTTP", "http":
		scheme = "http://"
	case "HTTPS", "https":
		scheme = "https://"
	}
	return scheme + c.hostname + c.url
}
