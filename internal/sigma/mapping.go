package sigma

import "strings"

// FieldMapper says where a field named in rules is found in events from a
// log source: it returns candidate event field names, tried in order (the
// first one the event has is used). Returning nil keeps the rule's name.
// A FieldMapper is called while an engine compiles the rules for a log
// source, never per event; it must be safe for concurrent use.
type FieldMapper interface {
	MapField(ls LogSource, field string) []string
}

// FieldMapFunc adapts a function to FieldMapper.
type FieldMapFunc func(ls LogSource, field string) []string

// MapField implements FieldMapper.
func (f FieldMapFunc) MapField(ls LogSource, field string) []string { return f(ls, field) }

// FieldMap is a table-driven FieldMapper: per log source category (or
// product, or service, in that order of preference), Sigma field name to
// candidate event fields. It is the hook for the taxonomy mapping that
// lets public rules fire on Sekimori's events.
type FieldMap map[string]map[string][]string

// MapField implements FieldMapper.
func (m FieldMap) MapField(ls LogSource, field string) []string {
	for _, key := range []string{ls.Category, ls.Product, ls.Service} {
		if key == "" || key == "*" {
			continue
		}
		if t, ok := m[strings.ToLower(key)]; ok {
			if c, ok := t[field]; ok {
				return c
			}
		}
	}
	return nil
}

// DefaultFieldMap maps the Sigma taxonomy's firewall fields to the ECS
// core every Sekimori event carries, falling back to the Sigma name. The
// full per-format taxonomy is a later piece of work; this is its shape.
var DefaultFieldMap = FieldMap{
	// Sigma's firewall taxonomy → the ECS core every firewall parser fills
	// (FortiGate, PAN-OS, ASA, SRX, Check Point, Sophos, SonicWall,
	// iptables), then the vendor's own spelling.
	"firewall": {
		"src_ip":   {"source.ip", "src_ip", "srcip"},
		"dst_ip":   {"destination.ip", "dst_ip", "dstip"},
		"src_port": {"source.port", "src_port", "srcport"},
		"dst_port": {"destination.port", "dst_port", "dstport"},
		"action":   {"event.action", "action"},
		"username": {"user.name", "username", "user"},
	},
	// Sigma's webserver taxonomy (W3C extended log names) → the ECS fields
	// of the Apache and Nginx parsers.
	"webserver": {
		"c-ip":            {"source.ip"},
		"c-uri":           {"url.original"},
		"c-uri-query":     {"url.query"},
		"c-uri-stem":      {"url.path"},
		"c-useragent":     {"user_agent.original"},
		"cs-method":       {"http.request.method"},
		"cs-referer":      {"http.request.referrer"},
		"cs-host":         {"url.domain", "host"},
		"cs-username":     {"user.name"},
		"sc-status":       {"http.response.status_code"},
		"cs-version":      {"http.version"},
		"sc-bytes":        {"http.response.body.bytes"},
		"cs-uri-query":    {"url.query"},
		"cs-uri-stem":     {"url.path"},
		"cs-user-agent":   {"user_agent.original"},
		"cs-cookie":       {"http.request.cookie"},
		"c-uri-extension": {"url.extension"},
	},
	// Linux auth (sshd, sudo, su): Sigma names → the linux parser's ECS.
	"sshd": {
		"src_ip":   {"source.ip"},
		"username": {"user.name"},
	},
}

var _ FieldMapper = FieldMap(nil)
var _ FieldMapper = FieldMapFunc(nil)
