// Package event defines the Event, the unit that flows from ingest through
// parsing into the log store. It imports nothing internal.
package event

import "time"

// Field is one named value of an event. Names are either the vendor's own
// field names (FortiGate "srcip", "logid") or ECS names ("source.ip").
// Values are always strings: a FortiGate logid "0100032002" keeps its
// leading zeros.
type Field struct {
	Name  string
	Value string
}

// Event is one received log line after parsing.
//
// An Event is owned by one goroutine at a time; parsers append to Fields and
// may set Time, FormatVersion and ParseError.
type Event struct {
	// Time is the event's own time: from the payload when it has one
	// (FortiGate eventtime), else from the syslog header, else the receive time.
	Time time.Time
	// Received is when Sekimori received the line.
	Received time.Time
	// Raw is the original line, byte for byte after character-set conversion
	// to UTF-8 (no trailing newline). It is stored as _msg.
	Raw string
	// Seq is the spool sequence number: unique per data directory, it makes
	// replays after a crash idempotent.
	Seq uint64
	// TenantID is the numeric tenant; 0 is the unassigned holding area.
	TenantID uint32
	// Device is the registered device name ("" when unassigned).
	Device string
	// Source is the address the line came from (IP for syslog, "http" or
	// "import:FILE" for other paths).
	Source string
	// Format and FormatVersion name the parser that produced Fields.
	Format        string
	FormatVersion string
	// Fields holds vendor-native and ECS fields, in the order they were found.
	Fields []Field
	// Kind names the kind of line within its format, for parsers that know
	// one (FortiGate "traffic/forward", "utm/ips"): lines of a kind look
	// alike, so the log store keeps each kind of a device's lines in blocks
	// of their own, where they compress better and filters skip the other
	// kinds' blocks. "" for formats without kinds. Parsers set it only to
	// short tokens from the vendor's own small set of values.
	Kind string
	// ParseError is set when the line could not be parsed; the event is
	// stored anyway.
	ParseError string
	// FieldsDropped counts fields left out because the line went past a
	// limit (fields per event, field-name length, the log store's row and
	// stream limits); Raw is kept whole all the same. Stored as
	// parse.truncated when not zero.
	FieldsDropped int
}

// Add appends a field; empty values are skipped.
func (e *Event) Add(name, value string) {
	if value == "" {
		return
	}
	e.Fields = append(e.Fields, Field{Name: name, Value: value})
}

// Get returns the value of the first field with the given name.
func (e *Event) Get(name string) (string, bool) {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// Reset clears e for reuse, keeping the capacity of Fields.
func (e *Event) Reset() {
	fields := e.Fields[:0]
	*e = Event{Fields: fields}
}
