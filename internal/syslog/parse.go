package syslog

import (
	"bytes"
	"time"
)

// ParseOptions tells Parse how to read timestamps. The zero value works.
type ParseOptions struct {
	// Location is used for timestamps without a zone: RFC 3164
	// "Jan  2 15:04:05" and ISO 8601 ones without an offset. Nil means
	// Asia/Tokyo.
	Location *time.Location
	// Now is the receive time. RFC 3164 timestamps have no year; Parse
	// chooses the year that puts the timestamp closest to Now, so
	// "Dec 31 23:59:59" received at 00:00:05 on January 1st belongs to the
	// year before. Zero means time.Now().
	Now time.Time
}

// bom is the UTF-8 byte order mark that RFC 5424 §6.4 lets a MSG start with.
var bom = []byte{0xEF, 0xBB, 0xBF}

// Parse reads the syslog header of one received line. The line must not
// include its trailer (LF, CRLF or NUL): Scanner removes it, and TrimTrailer
// does it for a UDP datagram.
//
// Parse never fails on odd input: anything it cannot read as a header is
// body, returned with Format FormatNone and Msg the rest after the PRI (and
// the spaces that follow it). In particular a PRI directly followed by
// key=value pairs (FortiGate "<190>date=2024-08-28 time=...") is a PRI and a
// body: an RFC 3164 header needs a timestamp.
//
// Parse does not allocate apart from the strings of the returned Message.
// It is safe for concurrent use.
func Parse(line []byte, opts ParseOptions) Message {
	m := Message{Priority: -1, Facility: -1, Severity: -1}
	loc := opts.Location
	if loc == nil {
		loc = jst
	}
	rest := line
	if pri, n := parsePRI(line); n > 0 {
		m.Priority, m.Facility, m.Severity = pri, pri>>3, pri&7
		rest = line[n:]
		if parse5424(&m, rest, loc) {
			return m
		}
		// Yamaha RTX and others write "<13> [INSPECT] ...".
		for len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
	}
	if parse3164(&m, rest, loc, opts.Now) {
		return m
	}
	m.Msg = rest
	return m
}

// parsePRI reads "<PRIVAL>" (RFC 5424 §6.2.1: 1 to 3 digits, 0 to 191) at
// the start of b and returns the value and the bytes used, or n == 0 when b
// does not start with a PRI. Leading zeros, which RFC 3164 §4.1.1 forbids,
// are accepted.
func parsePRI(b []byte) (pri, n int) {
	if len(b) < 3 || b[0] != '<' {
		return -1, 0
	}
	v := 0
	for i := 1; i < len(b) && i <= 4; i++ {
		c := b[i]
		if c == '>' {
			if i == 1 || v > 191 {
				return -1, 0
			}
			return v, i + 1
		}
		if !isDigit(c) {
			return -1, 0
		}
		v = v*10 + int(c-'0')
	}
	return -1, 0
}

// parse5424 reads the RFC 5424 §6 header that follows the PRI:
//
//	VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
//
// It fills m and reports true only when the whole header is well formed.
// Field lengths (§6.2.4 to §6.2.7) are not enforced, and a field is any run
// of bytes other than SP, so that over-long or non-ASCII names from real
// senders are kept rather than turned into body.
func parse5424(m *Message, b []byte, loc *time.Location) bool {
	// VERSION = NONZERO-DIGIT 0*2DIGIT
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return false
	}
	i := 1
	for i < len(b) && i < 3 && isDigit(b[i]) {
		i++
	}
	if i >= len(b) || b[i] != ' ' {
		return false
	}
	b = b[i+1:]

	var ts time.Time
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	} else {
		t, n, ok := parseISO(b, loc)
		if !ok {
			return false
		}
		ts, b = t, b[n:]
	}
	if len(b) == 0 || b[0] != ' ' {
		return false
	}
	b = b[1:]

	var fields [4][]byte // HOSTNAME, APP-NAME, PROCID, MSGID
	for k := range fields {
		i := bytes.IndexByte(b, ' ')
		if i <= 0 {
			return false
		}
		fields[k], b = b[:i], b[i+1:]
	}

	sd, b, ok := structuredData(b)
	if !ok {
		return false
	}
	switch {
	case len(b) == 0:
	case b[0] == ' ':
		b = bytes.TrimPrefix(b[1:], bom)
	default:
		return false
	}

	m.Format = FormatRFC5424
	m.Timestamp = ts
	m.Hostname = nilValue(fields[0])
	m.AppName = nilValue(fields[1])
	m.ProcID = nilValue(fields[2])
	m.MsgID = nilValue(fields[3])
	m.StructuredData = nilValue(sd)
	m.Msg = b
	return true
}

// structuredData reads the RFC 5424 §6.3 STRUCTURED-DATA at the start of b:
// "-" or one or more SD-ELEMENTs
//
//	"[" SD-ID *(SP PARAM-NAME "=" %d34 PARAM-VALUE %d34) "]"
//
// In PARAM-VALUE a backslash escapes the byte after it (§6.3.3 requires it
// before '"', '\' and ']'), so an escaped '"' or ']' does not end anything.
// It returns the SD verbatim and what follows it.
func structuredData(b []byte) (sd, rest []byte, ok bool) {
	if len(b) > 0 && b[0] == '-' {
		return b[:1], b[1:], true
	}
	i := 0
	for i < len(b) && b[i] == '[' {
		i++
		if i = sdName(b, i); i < 0 {
			return nil, nil, false
		}
		for {
			if i >= len(b) {
				return nil, nil, false
			}
			if b[i] == ']' {
				i++
				break
			}
			if b[i] != ' ' {
				return nil, nil, false
			}
			if i = sdName(b, i+1); i < 0 {
				return nil, nil, false
			}
			if i+1 >= len(b) || b[i] != '=' || b[i+1] != '"' {
				return nil, nil, false
			}
			for i += 2; ; {
				if i >= len(b) {
					return nil, nil, false
				}
				c := b[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' {
					i++
				}
				i++
			}
		}
	}
	if i == 0 {
		return nil, nil, false
	}
	return b[:i], b[i:], true
}

// sdName reads an SD-NAME (RFC 5424 §6.3.2: PRINTUSASCII except '=', SP,
// ']' and '"') at b[i:] and returns the index after it, or -1 when there is
// none. The 32-character limit is not enforced.
func sdName(b []byte, i int) int {
	start := i
	for i < len(b) {
		c := b[i]
		if c < 33 || c > 126 || c == '=' || c == ']' || c == '"' {
			break
		}
		i++
	}
	if i == start {
		return -1
	}
	return i
}

// parse3164 reads a BSD-style header (RFC 3164 §4.1.2) at the start of b:
//
//	TIMESTAMP SP HOSTNAME SP [TAG] MSG
//
// TIMESTAMP is "Mmm dd hh:mm:ss" or an ISO 8601 timestamp, which many
// devices and relays write instead. TAG is "app:", "app[pid]:" or
// "app[pid]"; anything else after the hostname is the start of MSG. When
// the token after the timestamp is itself a TAG ending in ':' the sender
// left out the hostname, which real senders do.
//
// Without a timestamp there is no header: it reports false and leaves m
// alone, so that "<190>date=..." is not read as hostname "date=...".
func parse3164(m *Message, b []byte, loc *time.Location, now time.Time) bool {
	ts, n, ok := parseISO(b, loc)
	if !ok {
		if now.IsZero() {
			now = time.Now()
		}
		ts, n, ok = parseBSD(b, loc, now)
	}
	if !ok {
		return false
	}
	b = b[n:]
	if len(b) > 0 && b[0] != ' ' {
		return false
	}
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}

	var host, app, pid []byte
	tok, after := cutSpace(b)
	if a, p, ok := parseTag(tok); ok && tok[len(tok)-1] == ':' {
		app, pid, b = a, p, after
	} else {
		host, b = tok, after
		tok, after = cutSpace(b)
		if a, p, ok := parseTag(tok); ok {
			app, pid, b = a, p, after
		}
	}

	m.Format = FormatRFC3164
	m.Timestamp = ts
	m.Hostname = nilValue(host)
	m.AppName = string(app)
	m.ProcID = string(pid)
	m.Msg = b
	return true
}

// parseTag reads an RFC 3164 TAG token: "app:", "app[pid]:" or, when pid is
// a number, "app[pid]". app is 1 to 48 letters, digits or "-_./" (RFC 5424
// APP-NAME length); pid is 1 to 128 bytes without brackets.
func parseTag(tok []byte) (app, pid []byte, ok bool) {
	colon := len(tok) > 0 && tok[len(tok)-1] == ':'
	if colon {
		tok = tok[:len(tok)-1]
	}
	app = tok
	if len(tok) > 0 && tok[len(tok)-1] == ']' {
		open := bytes.IndexByte(tok, '[')
		if open < 0 {
			return nil, nil, false
		}
		app, pid = tok[:open], tok[open+1:len(tok)-1]
		if len(pid) == 0 || len(pid) > 128 || bytes.IndexByte(pid, '[') >= 0 || bytes.IndexByte(pid, ']') >= 0 {
			return nil, nil, false
		}
		if !colon {
			if _, ok := atoi(pid); !ok {
				return nil, nil, false
			}
		}
	} else if !colon {
		return nil, nil, false
	}
	if len(app) == 0 || len(app) > 48 {
		return nil, nil, false
	}
	for _, c := range app {
		if !isTagChar(c) {
			return nil, nil, false
		}
	}
	return app, pid, true
}

func isTagChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) ||
		c == '-' || c == '_' || c == '.' || c == '/'
}

// cutSpace splits b at its first SP. When there is none, tok is all of b
// and rest is the empty suffix of b.
func cutSpace(b []byte) (tok, rest []byte) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, b[len(b):]
}

// nilValue returns b as a string, or "" for the NILVALUE "-".
func nilValue(b []byte) string {
	if len(b) == 1 && b[0] == '-' {
		return ""
	}
	return string(b)
}
