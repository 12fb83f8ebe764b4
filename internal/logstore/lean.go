package logstore

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/event"
)

// Lean rows.
//
// Most of a FortiGate line's ~45 vendor fields are key=value pairs of the
// line itself, and each stored column costs the engine CPU and disk
// (`go test ./internal/bench -bench StoreColumns`). So when an event's
// vendor fields are exactly the line's key=value pairs, read the way the
// engine's unpack_logfmt pipe reads them, Add stores the line, the fields
// Sekimori adds, every normalized (ECS, dotted) field and the vendor
// fields in leanKeep, and marks the row with FieldDerived. The other vendor
// fields are derived when needed: Search adds them to each row it returns
// (from _msg, with the same reading), and Rewrite adds an unpack_logfmt
// pipe for queries that name them, so that filters, stats and facets over
// them work as before, only slower. The check is exact and per line: a line
// whose fields differ in any way from its pairs (escapes, duplicate keys, a
// parser that renames or adds vendor fields) is stored whole.

// FieldDerived marks a lean row; its value names how the missing vendor
// fields are read from _msg.
const FieldDerived = "parse.derived"

// derivedKV is FieldDerived's value for key=value (logfmt) lines.
const derivedKV = "kv"

// derivedKVA is FieldDerived's value for key=value lines whose row also
// leaves out the normalized fields that copy a vendor field (ecsCopies).
const derivedKVA = "kva"

// leanMarkers is the LogsQL list of FieldDerived values whose rows derive
// vendor fields from _msg.
const leanMarkers = "in(" + derivedKV + "," + derivedKVA + ")"

// ecsCopies are the normalized (ECS) fields that hold a vendor field's value
// unchanged in FortiGate events (source.ip is srcip, ...). A lean row
// leaves them out too, and is marked derivedKVA, when every one of them
// holds exactly its vendor field's value, and is missing exactly where the
// vendor field is (checked per event by copiesHold): its copies are then
// the vendor fields' values, which the row stores or derives. Search adds
// them back to each row it returns, and Rewrite adds a format pipe that
// sets them for queries that name them. Copies that are cheap to store
// (few distinct values per device), that the IP search reads
// (source.nat.ip) or that analysts count and sum by most (user.name,
// url.domain, source.bytes, destination.bytes: a week's top users or top
// talkers would read every line, ~10 s at 5M lines, for ~1 and ~5 bytes
// per line saved) are left out of this list, as are copies that hold
// another field's value, or none, in some events (IPS logs hold the
// attack in rule.id and no rule.uuid).
//
// Changing this list needs a new FieldDerived value: rows marked
// derivedKVA leave out exactly these.
var ecsCopies = []ecsCopy{
	{"source.ip", "srcip"}, {"source.port", "srcport"}, {"source.nat.port", "transport"},
	{"destination.ip", "dstip"}, {"destination.port", "dstport"},
	{"event.code", "logid"}, {"event.action", "action"},
	{"log.level", "level"}, {"network.iana_number", "proto"},
	{"observer.ingress.interface.name", "srcintf"}, {"observer.egress.interface.name", "dstintf"},
	{"message", "msg"},
}

// ecsCopy is an ECS field and the vendor field it copies.
type ecsCopy struct{ ecs, vendor string }

// fieldRole is what lean rows do with a field of a name: keep it as a
// column (a leanKeep vendor field), or treat it as one side of an
// ecsCopies pair. Add looks each field's role up once (rolesOf) for both
// copiesHold and storesField.
type fieldRole struct {
	keep bool
	pair int8 // 1 + the pair's index in ecsCopies; 0 for none
	ecs  bool // the pair's copy (else its vendor field)
}

// maxCopies bounds len(ecsCopies), for copiesHold's arrays.
const maxCopies = 32

var fieldRoles = func() map[string]fieldRole {
	if len(ecsCopies) > maxCopies {
		panic("logstore: more ecsCopies than maxCopies")
	}
	m := map[string]fieldRole{}
	for k, c := range ecsCopies {
		m[c.ecs] = fieldRole{pair: int8(k + 1), ecs: true}
		m[c.vendor] = fieldRole{pair: int8(k + 1)}
	}
	for name := range leanKeep {
		r := m[name]
		r.keep = true
		m[name] = r
	}
	return m
}()

// rolesOf appends the role of each of fields to dst.
func rolesOf(dst []fieldRole, fields []event.Field) []fieldRole {
	for _, f := range fields {
		dst = append(dst, fieldRoles[f.Name])
	}
	return dst
}

// copySource returns the vendor field whose value the ECS field name
// copies in rows marked derivedKVA.
func copySource(name string) (string, bool) {
	r := fieldRoles[name]
	if r.pair == 0 || !r.ecs {
		return "", false
	}
	return ecsCopies[r.pair-1].vendor, true
}

// copiesHold reports whether each of ecsCopies holds in fields (roles
// are theirs, from rolesOf): the copy and its vendor field are both
// missing (or empty), or both there, once, with the same value.
func copiesHold(fields []event.Field, roles []fieldRole) bool {
	var ecs, vendor [maxCopies]string
	for i, f := range fields {
		r := roles[i]
		if f.Value == "" || r.pair == 0 {
			continue
		}
		slot := &vendor[r.pair-1]
		if r.ecs {
			slot = &ecs[r.pair-1]
		}
		if *slot != "" {
			return false // twice: which one a copy would be is unclear
		}
		*slot = f.Value
	}
	return ecs == vendor
}

// leanKeep are vendor fields kept as columns in lean rows: the ones
// searches filter, count and chart by most (FortiGate's log type, action,
// addresses, port, service, policy, log id and VDOM; the ruleset audit
// counts policyid per vd). Filters on them use the engine's per-block
// indexes; filters on other vendor fields read each line.
//
// Rows marked FieldDerived "kv" hold exactly these: a query for one of them
// is not given the unpack step. Keeping another field later needs a new
// FieldDerived value for the rows that hold it, with queries still
// unpacking the field for "kv" rows.
var leanKeep = map[string]bool{
	"date": true, "type": true, "subtype": true, "level": true, "logid": true, "vd": true,
	"action": true, "srcip": true, "dstip": true, "dstport": true, "service": true, "policyid": true,
}

// storedAlways reports whether a field of this name is kept in every row:
// normalized fields (dotted ECS names and ECS "message") and the fields
// Sekimori adds. Only other names may be derived.
func storedAlways(name string) bool {
	if name == "" || name[0] == '_' || name == "message" || name == FieldDevice || name == FieldFormat {
		return true
	}
	for i := 0; i < len(name); i++ { // names are short: a loop beats a call
		if name[i] == '.' {
			return true
		}
	}
	return false
}

// derivedName reports whether a field of this name may be missing from a
// lean row and read from its line.
func derivedName(name string) bool {
	return !storedAlways(name) && !leanKeep[name]
}

// kvReader reads the name=value pairs of a line one at a time, exactly as
// the engine's logfmt parser (unpack_logfmt) reads them: names end at '='
// or ' ' (a name followed by ' ' has an empty value), values are either
// quoted (", ` or ', with Go escapes) or run to the next space; reading
// stops at a quoted value that does not end where a space follows or that
// cannot be unquoted. Names are trimmed of spaces.
type kvReader struct {
	s    string
	done bool
}

func (r *kvReader) next() (name, value string, ok bool) {
	if r.done {
		return "", "", false
	}
	s := r.s
	n := nameEnd(s)
	if n < 0 {
		r.done = true
		return strings.TrimSpace(s), "", true
	}
	name, ch := trimSpace(s[:n]), s[n]
	s = s[n+1:]
	if ch == ' ' {
		r.s = s
		return name, "", true
	}
	if s == "" {
		r.done = true
		return name, "", true
	}
	if v, k := unquotePrefix(s); k >= 0 {
		s = s[k:]
		if s == "" || s[0] != ' ' {
			r.done = true
		} else {
			r.s = s[1:]
		}
		return name, v, true
	}
	k := strings.IndexByte(s, ' ')
	if k < 0 {
		r.done = true
		return name, s, true
	}
	r.s = s[k+1:]
	return name, s[:k], true
}

// nameEnd returns the index of the first '=' or ' ' in s, or -1.
func nameEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' || s[i] == ' ' {
			return i
		}
	}
	return -1
}

// unquotePrefix unquotes a quoted string at the start of s, returning it
// and its length in s, or -1 when s does not start with one.
func unquotePrefix(s string) (string, int) {
	switch s[0] {
	case '"', '`':
		if s[0] == '"' {
			// Without escapes strconv takes the text up to the next quote
			// as it is when it has no newline and is valid UTF-8.
			ascii := true
			for k := 1; k < len(s); k++ {
				c := s[k]
				if c == '"' {
					if v := s[1:k]; ascii || utf8.ValidString(v) {
						return v, k + 1
					}
					break
				}
				if c == '\\' || c == '\n' {
					break
				}
				ascii = ascii && c < utf8.RuneSelf
			}
		}
		qp, err := strconv.QuotedPrefix(s)
		if err != nil {
			return "", -1
		}
		us, err := strconv.Unquote(qp)
		if err != nil {
			return "", -1
		}
		return us, len(qp)
	case '\'':
		var b []byte
		rest := s[1:]
		for !strings.HasPrefix(rest, "'") {
			ch, _, tail, err := strconv.UnquoteChar(rest, '\'')
			if err != nil {
				return "", -1
			}
			b = append(b, string(ch)...)
			rest = tail
		}
		return string(b), len(s) - len(rest) + 1
	}
	return "", -1
}

// trimSpace is strings.TrimSpace without its call for the usual name that
// has no space around it.
func trimSpace(s string) string {
	if s != "" && s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimSpace(s)
}

// pairName is a pair's field name: the first pair of a syslog line carries
// the priority ("<189>date"), which is not part of the name.
func pairName(name string, first bool) string {
	if first && len(name) > 2 && name[0] == '<' {
		if k := strings.IndexByte(name, '>'); k > 1 {
			return name[k+1:]
		}
	}
	return name
}

// leanFirst reports whether ev can be stored lean: its vendor fields (the
// ones derivedName or leanKeep covers), in order and with their values, are
// exactly the non-empty key=value pairs of its line that are not stored
// always. first is the name of the first pair when the engine cannot read
// it (it carries the syslog priority): that field must be kept.
func leanFirst(ev *event.Event) (first string, ok bool) {
	if ev.ParseError != "" || ev.FieldsDropped > 0 || ev.Raw == "" || strings.IndexByte(ev.Raw, '=') < 0 {
		return "", false
	}
	fields := ev.Fields
	i, n := 0, 0
	r := kvReader{s: ev.Raw}
	for isFirst := true; ; isFirst = false {
		name, value, more := r.next()
		if !more {
			break
		}
		if value == "" {
			continue
		}
		pn := pairName(name, isFirst)
		if storedAlways(pn) {
			return "", false // a dotted pair: the engine would derive a field we store under that name
		}
		// The event's next vendor field must be this pair.
		for i < len(fields) && (fields[i].Value == "" || storedAlways(fields[i].Name)) {
			i++
		}
		if i == len(fields) || fields[i].Name != pn || fields[i].Value != value {
			return "", false
		}
		i++
		if pn != name {
			first = pn
		}
		n++
	}
	for ; i < len(fields); i++ {
		if fields[i].Value != "" && !storedAlways(fields[i].Name) {
			return "", false // a vendor field that is not a pair of the line
		}
	}
	return first, n > 0
}

// deriveRow adds to a lean row the vendor fields it does not store, read
// from its _msg, and for rows marked derivedKVA the ECS copies of vendor
// fields; it drops FieldDerived. Other rows are returned as they are. have
// is scratch space, reused across calls.
func deriveRow(row []event.Field, have map[string]int) []event.Field {
	msg, lean, copies := "", -1, false
	for i, f := range row {
		switch f.Name {
		case "_msg":
			msg = f.Value
		case FieldDerived:
			if f.Value == derivedKV || f.Value == derivedKVA {
				lean, copies = i, f.Value == derivedKVA
			}
		}
	}
	if lean < 0 || msg == "" {
		return row
	}
	row = append(row[:lean], row[lean+1:]...)
	clear(have)
	for i, f := range row {
		have[f.Name] = i
	}
	r := kvReader{s: msg}
	for isFirst := true; ; isFirst = false {
		name, value, more := r.next()
		if !more {
			break
		}
		name = pairName(name, isFirst)
		if value == "" || storedAlways(name) {
			continue
		}
		if _, ok := have[name]; !ok {
			have[name] = len(row)
			row = append(row, event.Field{Name: name, Value: value})
		}
	}
	if copies {
		for _, c := range ecsCopies {
			v, ok := have[c.vendor]
			if _, dup := have[c.ecs]; ok && !dup {
				row = append(row, event.Field{Name: c.ecs, Value: row[v].Value})
			}
		}
	}
	return row
}

// storesField reports whether a row keeps event field f (of role r) as a
// column: not the engine's own names or empty values, in a lean row
// (first set by leanFirst) not the vendor fields it derives, and in a row
// marked derivedKVA (copies set) not the ECS copies.
func storesField(f event.Field, r fieldRole, lean, copies bool, first string) bool {
	if f.Name == "" || f.Name[0] == '_' || f.Value == "" {
		return false // _msg, _time, _stream are ours; empty values are not stored
	}
	if !lean {
		return true
	}
	if storedAlways(f.Name) {
		return !copies || r.pair == 0 || !r.ecs
	}
	return r.keep || f.Name == first
}
