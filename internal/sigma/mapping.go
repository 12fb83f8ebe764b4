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
	"firewall": {
		"src_ip":   {"source.ip", "src_ip"},
		"dst_ip":   {"destination.ip", "dst_ip"},
		"src_port": {"source.port", "src_port"},
		"dst_port": {"destination.port", "dst_port"},
		"action":   {"event.action", "action"},
		"username": {"user.name", "username"},
	},
}

var _ FieldMapper = FieldMap(nil)
var _ FieldMapper = FieldMapFunc(nil)
