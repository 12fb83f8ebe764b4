// Package parse turns the message part of a received log line into event
// fields: the vendor's own fields under the vendor's names, plus a normalized
// core under ECS names (source.ip, event.action, ...).
//
// Parsers are looked up by name in a fixed table ("fortigate", "kv", "json",
// "cef"). They keep no mutable state and may be called from any number of
// goroutines at once; each call works on its own *event.Event.
//
// Field values are substrings of one string holding the message, so parsing
// a line costs one string conversion (none when the message is the tail of
// ev.Raw, see Parser) plus an allocation for each value that has to be
// unescaped or built.
package parse

import (
	"fmt"
	"slices"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// Limits on what one Parse call adds, so that a hostile line (a million
// distinct JSON keys, kilobyte-long names) costs bounded memory and still
// fits the log store. Fields past them are counted in ev.FieldsDropped,
// not stored; ev.Raw keeps the whole line.
const (
	// MaxFields is the most fields one Parse call appends.
	MaxFields = 500
	// MaxFieldNameBytes is the longest field name kept: the log store
	// (VictoriaLogs) refuses rows with longer names.
	MaxFieldNameBytes = 128
)

// Parser turns the message part of a log line (the syslog MSG, or the whole
// line when it has no syslog header) into fields.
//
// Implementations are safe for concurrent use (no mutable state).
type Parser interface {
	// Parse appends vendor-native fields (under the vendor's own names) and
	// ECS fields to ev.Fields, sets ev.FormatVersion when it can tell, and
	// sets ev.Time when the payload carries the event time. loc is the
	// device's zone for payload times without a zone (nil means UTC).
	//
	// At most MaxFields fields are appended, with names of at most
	// MaxFieldNameBytes; the others are counted in ev.FieldsDropped. Going
	// past a limit is not an error.
	//
	// It returns an error (lower-case, saying what was wrong and where, e.g.
	// `key=value at byte 57: unterminated quote`) when the message is not in
	// this format; fields already appended may stay (partial parse: the
	// caller stores the event with parse.error set).
	//
	// Parse does not keep msg. When msg equals the tail of ev.Raw, the new
	// field values share ev.Raw's memory instead of a copy of msg.
	Parse(msg []byte, loc *time.Location, ev *event.Event) error
}

// registration is one row of the built-in parser table.
type registration struct {
	name   string
	parser Parser
}

// builtins is the table of built-in parsers. Add a row to add a format.
var builtins = newRegistry([]registration{
	{"fortigate", fortiGate{}},
	{"kv", kv{}},
	{"json", jsonLines{}},
	{"cef", cef{}},
	// Hosts, IDS and web servers (issue 3).
	{"suricata", suricata{}},
	{"linux", linux{}},
	{"iptables", iptables{}},
	{"apache", httpLog{server: "apache"}},
	{"nginx", httpLog{server: "nginx"}},
	{"windows", windows{}},
	{"auto", autoParser{}},
	// Firewall and network vendors (issue 3).
	{"panos", panOS{}},
	{"cisco_asa", ciscoASA{}},
	{"juniper_srx", juniperSRX{}},
	{"yamaha_rtx", yamahaRTX{}},
	{"checkpoint", checkPoint{}},
	{"sophos", sophos{}},
	{"sonicwall", sonicWall{}},
	{"leef", leef{}},
})

// registry maps a parser name to its parser; it is built once and never
// changed.
type registry struct {
	byName map[string]Parser
	names  []string
}

// newRegistry builds the table. An empty or repeated name is a programming
// error, so it panics (at package initialization).
func newRegistry(rows []registration) registry {
	r := registry{byName: make(map[string]Parser, len(rows))}
	for _, row := range rows {
		if row.name == "" || row.parser == nil {
			panic(fmt.Sprintf("parse: bad registration %q", row.name))
		}
		if _, dup := r.byName[row.name]; dup {
			panic(fmt.Sprintf("parse: parser %q registered twice", row.name))
		}
		r.byName[row.name] = row.parser
		r.names = append(r.names, row.name)
	}
	slices.Sort(r.names)
	return r
}

// Lookup returns the built-in parser registered under name ("fortigate",
// "kv", "json", "cef").
func Lookup(name string) (Parser, bool) {
	p, ok := builtins.byName[name]
	return p, ok
}

// Names returns the names of the built-in parsers, sorted. The caller owns
// the returned slice.
func Names() []string {
	return slices.Clone(builtins.names)
}

// messageString returns msg as a string, trimmed of a trailing CR/LF. When
// msg is the tail of ev.Raw it slices ev.Raw instead of copying.
func messageString(msg []byte, ev *event.Event) string {
	var s string
	if r := ev.Raw; len(msg) > 0 && len(r) >= len(msg) && r[len(r)-len(msg):] == string(msg) {
		s = r[len(r)-len(msg):]
	} else {
		s = string(msg)
	}
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
