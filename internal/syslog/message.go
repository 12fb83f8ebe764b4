// Package syslog reads syslog messages as devices send them: it splits a
// TCP or TLS stream into frames (RFC 6587) and parses the header of one
// received line (RFC 5424, RFC 3164 and the variants real devices and relays
// produce), leaving the payload to the vendor parsers.
//
// Parsing never fails: what cannot be read as a header is body. The parsed
// Message refers to the input line instead of copying it.
package syslog

import (
	"strconv"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// Format says which header a message had.
type Format uint8

const (
	// FormatNone means the line had only a PRI, or nothing recognisable:
	// the body is the rest of the line.
	FormatNone Format = iota
	// FormatRFC3164 means a BSD-style header: a timestamp (RFC 3164
	// "Mmm dd hh:mm:ss" or an ISO 8601 one), a hostname and an optional TAG.
	FormatRFC3164
	// FormatRFC5424 means an RFC 5424 header with VERSION 1 or later.
	FormatRFC5424
)

// String returns "none", "rfc3164" or "rfc5424".
func (f Format) String() string {
	switch f {
	case FormatNone:
		return "none"
	case FormatRFC3164:
		return "rfc3164"
	case FormatRFC5424:
		return "rfc5424"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Message is one parsed syslog line. Msg refers to the line given to Parse;
// the caller must keep that line unchanged for as long as it uses Msg.
type Message struct {
	Format Format
	// Priority is the PRI value, 0..191, or -1 when the line has none.
	Priority int
	// Facility and Severity are derived from Priority (RFC 5424 §6.2.1);
	// -1 when the line has no PRI.
	Facility, Severity int
	// Timestamp is the header's time; zero when the header had none.
	Timestamp time.Time
	// Hostname, AppName, ProcID and MsgID are "" when absent or when the
	// header held the NILVALUE "-". For RFC 3164 AppName and ProcID come
	// from the TAG ("sshd[123]:").
	Hostname, AppName, ProcID, MsgID string
	// StructuredData is the RFC 5424 STRUCTURED-DATA verbatim, escapes
	// included; "" when it was "-".
	StructuredData string
	// Msg is the MSG part: a suffix of the input line, not a copy. A UTF-8
	// BOM at the start of an RFC 5424 MSG is left out (RFC 5424 §6.4).
	Msg []byte
}

// HeaderFields appends an ECS field for each header value present in m
// and returns the extended slice. Numbers are decimal strings.
func (m Message) HeaderFields(dst []event.Field) []event.Field {
	if m.Priority >= 0 {
		dst = append(dst,
			event.Field{Name: "log.syslog.priority", Value: strconv.Itoa(m.Priority)},
			event.Field{Name: "log.syslog.facility.code", Value: strconv.Itoa(m.Facility)},
			event.Field{Name: "log.syslog.severity.code", Value: strconv.Itoa(m.Severity)},
		)
	}
	for _, f := range [...]event.Field{
		{Name: "log.syslog.hostname", Value: m.Hostname},
		{Name: "log.syslog.appname", Value: m.AppName},
		{Name: "log.syslog.procid", Value: m.ProcID},
		{Name: "log.syslog.msgid", Value: m.MsgID},
		{Name: "log.syslog.structured_data", Value: m.StructuredData},
	} {
		if f.Value != "" {
			dst = append(dst, f)
		}
	}
	return dst
}
