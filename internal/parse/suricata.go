package parse

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// suricata parses Suricata EVE JSON (one object per line, any event_type).
//
// Every member becomes a field under its EVE name, flattened with dots as
// the json parser does (alert.signature_id, http.hostname, dns.rrname,
// flow.bytes_toserver; arrays as compact JSON text). Then come these ECS
// fields, each only when its source is present:
//
//	observer.vendor, observer.product   "OISF", "Suricata"
//	observer.hostname                   host (the sensor name, when configured)
//	observer.ingress.interface.name     in_iface
//	event.kind                          "alert" for event_type alert, else "event"
//	event.category                      alert → intrusion_detection; http → web; fileinfo → file;
//	                                    flow, netflow, dns, tls, ssh, anomaly, ... → network
//	event.action                        alert.action ("allowed", "blocked")
//	event.severity                      alert.severity (1 is the most severe)
//	rule.id, rule.name, rule.category   alert.signature_id, alert.signature, alert.category
//	rule.version                        alert.rev
//	source.ip, source.port              src_ip, src_port
//	destination.ip, destination.port    dest_ip, dest_port
//	source.bytes, source.packets        flow.bytes_toserver, flow.pkts_toserver
//	destination.bytes, .packets         flow.bytes_toclient, flow.pkts_toclient
//	network.transport                   proto, lower-cased ("TCP" → "tcp", "IPv6-ICMP" → "ipv6-icmp")
//	network.protocol                    app_proto (not "failed")
//	network.community_id                community_id
//	url.original, url.domain            http.url, http.hostname
//	http.request.method                 http.http_method
//	http.request.referrer               http.http_refer
//	http.response.status_code           http.status
//	http.response.body.bytes            http.length
//	http.version                        http.protocol without "HTTP/"
//	user_agent.original                 http.http_user_agent
//	dns.question.name, .type            dns.rrname, dns.rrtype (EVE v1/v2), else the first of
//	                                    dns.queries (EVE v3)
//	dns.response_code                   dns.rcode
//	tls.server_name                     tls.sni
//	tls.server.subject, .issuer         tls.subject, tls.issuerdn
//	tls.client.ja3, tls.server.ja3s     tls.ja3.hash, tls.ja3s.hash
//	file.name, file.size                fileinfo.filename, fileinfo.size
//
// ev.Time comes from timestamp ("2022-07-10T23:50:05.533101+0000" or RFC
// 3339). A JSON object without event_type is an error (not EVE); the fields
// read stay.
type suricata struct{}

var (
	_ Parser   = suricata{}
	_ Detector = suricata{}
)

var errNotEVE = errors.New("suricata: no event_type: not an EVE record")

// Detect: a JSON object with "event_type" and "flow_id", "src_ip" or
// "in_iface" is certain; with "event_type" only, likely.
func (suricata) Detect(msg []byte, _ string) int {
	if !looksLikeJSONObject(msg) || !bytes.Contains(msg, []byte(`"event_type"`)) {
		return 0
	}
	if bytes.Contains(msg, []byte(`"flow_id"`)) || bytes.Contains(msg, []byte(`"src_ip"`)) ||
		bytes.Contains(msg, []byte(`"in_iface"`)) {
		return ScoreCertain
	}
	return ScoreLikely
}

func (suricata) Parse(msg []byte, _ *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	start := strings.IndexByte(s, '{')
	if start < 0 {
		return errors.New("suricata: no JSON object in message")
	}
	first := len(ev.Fields)
	p := jsonFlattener{s: s, i: start, ev: ev, fs: newFieldSet(ev)}
	err := p.object("", 1)
	if err == nil {
		p.ws()
		if p.i < len(s) {
			err = p.errorf("unexpected data after object")
		}
	}
	if err != nil {
		err = fmt.Errorf("suricata: %w", err)
	}
	var c eveCore
	for _, f := range ev.Fields[first:] {
		c.note(f.Name, f.Value)
	}
	if c.eventType == "" {
		if err == nil {
			err = errNotEVE
		}
		return err
	}
	if t, ok := eveTime(c.timestamp); ok {
		ev.Time = t
	}
	c.emit(ev, &p.fs)
	return err
}

// eveTime reads an EVE timestamp: "2006-01-02T15:04:05.999999-0700" or
// RFC 3339.
func eveTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999-0700", v); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// eveCore holds the EVE fields that feed ECS.
type eveCore struct {
	timestamp, eventType, host, inIface                  string
	srcIP, srcPort, destIP, destPort, proto, appProto    string
	communityID                                          string
	action, sigID, signature, category, severity, rev    string
	bytesToServer, bytesToClient, pktsToServer, pktsToCl string
	httpHost, httpURL, httpMethod, httpStatus, httpUA    string
	httpRefer, httpProtocol, httpLength                  string
	dnsRRName, dnsRRType, dnsRCode, dnsQueries           string
	tlsSNI, tlsSubject, tlsIssuer, ja3, ja3s             string
	fileName, fileSize                                   string
}

func (c *eveCore) note(k, v string) {
	switch k {
	case "timestamp":
		c.timestamp = v
	case "event_type":
		c.eventType = v
	case "host":
		c.host = v
	case "in_iface":
		c.inIface = v
	case "src_ip":
		c.srcIP = v
	case "src_port":
		c.srcPort = v
	case "dest_ip":
		c.destIP = v
	case "dest_port":
		c.destPort = v
	case "proto":
		c.proto = v
	case "app_proto":
		c.appProto = v
	case "community_id":
		c.communityID = v
	case "alert.action":
		c.action = v
	case "alert.signature_id":
		c.sigID = v
	case "alert.signature":
		c.signature = v
	case "alert.category":
		c.category = v
	case "alert.severity":
		c.severity = v
	case "alert.rev":
		c.rev = v
	case "flow.bytes_toserver":
		c.bytesToServer = v
	case "flow.bytes_toclient":
		c.bytesToClient = v
	case "flow.pkts_toserver":
		c.pktsToServer = v
	case "flow.pkts_toclient":
		c.pktsToCl = v
	case "http.hostname":
		c.httpHost = v
	case "http.url":
		c.httpURL = v
	case "http.http_method":
		c.httpMethod = v
	case "http.status":
		c.httpStatus = v
	case "http.http_user_agent":
		c.httpUA = v
	case "http.http_refer":
		c.httpRefer = v
	case "http.protocol":
		c.httpProtocol = v
	case "http.length":
		c.httpLength = v
	case "dns.rrname":
		c.dnsRRName = v
	case "dns.rrtype":
		c.dnsRRType = v
	case "dns.rcode":
		c.dnsRCode = v
	case "dns.queries":
		c.dnsQueries = v
	case "tls.sni":
		c.tlsSNI = v
	case "tls.subject":
		c.tlsSubject = v
	case "tls.issuerdn":
		c.tlsIssuer = v
	case "tls.ja3.hash":
		c.ja3 = v
	case "tls.ja3s.hash":
		c.ja3s = v
	case "fileinfo.filename":
		c.fileName = v
	case "fileinfo.size":
		c.fileSize = v
	}
}

func (c *eveCore) emit(ev *event.Event, fs *fieldSet) {
	add := func(name, v string) { fs.add(ev, name, v) }
	add("observer.vendor", "OISF")
	add("observer.product", "Suricata")
	add("observer.hostname", c.host)
	add("observer.ingress.interface.name", c.inIface)
	kind, category := "event", "network"
	switch c.eventType {
	case "alert":
		kind, category = "alert", "intrusion_detection"
	case "http":
		category = "web"
	case "fileinfo":
		category = "file"
	case "stats":
		category = ""
	}
	add("event.kind", kind)
	add("event.category", category)
	add("event.action", c.action)
	add("event.severity", c.severity)
	add("rule.id", c.sigID)
	add("rule.name", c.signature)
	add("rule.category", c.category)
	add("rule.version", c.rev)
	add("source.ip", c.srcIP)
	add("source.port", c.srcPort)
	add("source.bytes", c.bytesToServer)
	add("source.packets", c.pktsToServer)
	add("destination.ip", c.destIP)
	add("destination.port", c.destPort)
	add("destination.bytes", c.bytesToClient)
	add("destination.packets", c.pktsToCl)
	add("network.transport", transportName(c.proto))
	if c.appProto != "failed" {
		add("network.protocol", lowerIfUpper(c.appProto))
	}
	add("network.community_id", c.communityID)
	add("url.original", c.httpURL)
	add("url.domain", c.httpHost)
	add("http.request.method", c.httpMethod)
	add("http.request.referrer", c.httpRefer)
	add("http.response.status_code", c.httpStatus)
	add("http.response.body.bytes", c.httpLength)
	add("http.version", strings.TrimPrefix(c.httpProtocol, "HTTP/"))
	add("user_agent.original", c.httpUA)
	name, typ := c.dnsRRName, c.dnsRRType
	if name == "" && c.dnsQueries != "" {
		name = jsonFirstString(c.dnsQueries, "rrname")
		typ = jsonFirstString(c.dnsQueries, "rrtype")
	}
	add("dns.question.name", name)
	add("dns.question.type", typ)
	add("dns.response_code", c.dnsRCode)
	add("tls.server_name", c.tlsSNI)
	add("tls.server.subject", c.tlsSubject)
	add("tls.server.issuer", c.tlsIssuer)
	add("tls.client.ja3", c.ja3)
	add("tls.server.ja3s", c.ja3s)
	add("file.name", c.fileName)
	add("file.size", c.fileSize)
}

// jsonFirstString returns the first string member named key in compact
// JSON text (an array of objects, as the json flattener keeps arrays), or
// "".
func jsonFirstString(raw, key string) string {
	pat := `"` + key + `":"`
	i := strings.Index(raw, pat)
	if i < 0 {
		return ""
	}
	p := jsonFlattener{s: raw, i: i + len(pat) - 1}
	v, err := p.str()
	if err != nil {
		return ""
	}
	return v
}

// lowerIfUpper lower-cases ASCII letters, without allocating when there are
// none to change.
func lowerIfUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
