package parse

import (
	"fmt"
	"strings"

	"github.com/sekimori/sekimori/internal/event"
)

// Character classes for the scanners, as bits of charClass.
const (
	classKey    = 1 << iota // FortiGate key: letters, digits, '_', '-'
	classKVKey              // generic kv key: classKey plus '.'
	classCEFKey             // CEF extension key: classKVKey (letters, digits, '_', '-', '.')
	classSpace              // separator between pairs: ' ' and '\t'
)

// charClass is a read-only table of character classes.
var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			t[c] = classKey | classKVKey | classCEFKey
		case c == '.':
			t[c] = classKVKey | classCEFKey
		case c == ' ', c == '\t':
			t[c] = classSpace
		}
	}
	return t
}()

func isSpace(c byte) bool { return charClass[c]&classSpace != 0 }

// kvScanner walks the key=value pairs of a FortiGate-style message:
//
//   - a key is a run of key characters (keyClass) followed by '=';
//   - a value in double quotes may hold spaces, '=' and the escapes \" and \\
//     (other backslashes are kept as they are);
//   - an unquoted value ends at a space or tab, or at a comma followed by a
//     key (FortiOS's CSV format, "date=2024-05-13,time=11:45:04,...");
//   - text before the first pair is skipped (relay or syslog prefixes);
//   - words that are not pairs and follow an unquoted value belong to that
//     value (FortiOS 3.x writes "time=10: 13:03"); elsewhere they are skipped.
//
// Keys and values are substrings of s, except values with escapes.
type kvScanner struct {
	s        string
	i        int   // next position to read
	keyClass uint8 // classKey or classKVKey
	// eq caches the position of '=' for a key starting at i, found while
	// looking ahead after an unquoted value; -1 when unknown.
	eq int
}

func newKVScanner(s string, keyClass uint8) kvScanner {
	return kvScanner{s: s, keyClass: keyClass, eq: -1}
}

// keyEnd returns the position of the '=' ending a key that starts at p, or -1
// when no key starts at p.
func (sc *kvScanner) keyEnd(p int) int { return keyEnd(sc.s, p, sc.keyClass) }

// keyEnd returns the position of the '=' ending a run of class characters
// that starts at p in s, or -1 when there is none.
func keyEnd(s string, p int, class uint8) int {
	j := p
	for j < len(s) && charClass[s[j]]&class != 0 {
		j++
	}
	if j == p || j >= len(s) || s[j] != '=' {
		return -1
	}
	return j
}

// nextPair finds the first key at or after p: a non-empty run of key
// characters ending in '=' and not preceded by a key character. It returns
// the key's start and the position of its '=', or len(s), -1.
func (sc *kvScanner) nextPair(p int) (start, eq int) {
	s := sc.s
	for p < len(s) {
		k := strings.IndexByte(s[p:], '=')
		if k < 0 {
			break
		}
		eq := p + k
		b := eq
		for b > p && charClass[s[b-1]]&sc.keyClass != 0 {
			b--
		}
		if b < eq && (b == 0 || charClass[s[b-1]]&sc.keyClass == 0) {
			return b, eq
		}
		p = eq + 1
	}
	return len(s), -1
}

// next returns the next pair; ok is false when there are no more. err is set
// for an unterminated quote, in which case the value runs to the end of s.
func (sc *kvScanner) next() (key, value string, ok bool, err error) {
	s := sc.s
	i := sc.i
	eq := sc.eq
	sc.eq = -1
	if eq < 0 {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			sc.i = i
			return "", "", false, nil
		}
		if eq = sc.keyEnd(i); eq < 0 {
			if i, eq = sc.nextPair(i); eq < 0 {
				sc.i = i
				return "", "", false, nil
			}
		}
	}
	key = s[i:eq]
	v := eq + 1
	if v < len(s) && s[v] == '"' {
		e, escaped := closingQuote(s, v+1)
		if e >= len(s) {
			value = s[v+1:]
			if escaped {
				value = unescapeQuoted(value)
			}
			sc.i = len(s)
			return key, value, true, fmt.Errorf("key=value at byte %d: unterminated quote in value of %s", v, key)
		}
		value = s[v+1 : e]
		if escaped {
			value = unescapeQuoted(value)
		}
		// Text glued to the closing quote is not a pair unless it starts
		// one; the next call skips it.
		sc.i = e + 1
		return key, value, true, nil
	}
	e := v
	for e < len(s) && !isSpace(s[e]) {
		if s[e] == ',' {
			// FortiOS CSV format: key=value,key="value",...
			if neq := sc.keyEnd(e + 1); neq >= 0 {
				sc.i, sc.eq = e+1, neq
				return key, s[v:e], true, nil
			}
		}
		e++
	}
	next := e
	for next < len(s) && isSpace(s[next]) {
		next++
	}
	if next < len(s) {
		if neq := sc.keyEnd(next); neq >= 0 {
			sc.eq = neq
		} else {
			// Stray words: the value runs up to the next pair.
			var neq int
			next, neq = sc.nextPair(next)
			sc.eq = neq
			e = next
			for e > v && isSpace(s[e-1]) {
				e--
			}
		}
	}
	sc.i = next
	return key, s[v:e], true, nil
}

// closingQuote returns the position of the '"' that ends a quoted value
// starting at i (len(s) when there is none), and whether the value holds a
// backslash.
func closingQuote(s string, i int) (int, bool) {
	q := strings.IndexByte(s[i:], '"')
	if q < 0 {
		return len(s), strings.IndexByte(s[i:], '\\') >= 0
	}
	if strings.IndexByte(s[i:i+q], '\\') < 0 {
		return i + q, false
	}
	for e := i; e < len(s); e++ {
		switch s[e] {
		case '"':
			return e, true
		case '\\':
			e++
		}
	}
	return len(s), true
}

// unescapeQuoted undoes the escapes of a quoted FortiGate value: \" and \\.
// Other backslashes stay.
func unescapeQuoted(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\') {
			i++
			c = v[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// fieldSet keeps track of the names appended to an event since start, so
// that the first occurrence of a repeated name wins. A small bloom filter
// keeps the common case (a new name) from scanning the fields.
type fieldSet struct {
	start int
	bloom [16]uint64 // 1024 bits: a line of 100 names rarely scans
}

func newFieldSet(ev *event.Event) fieldSet {
	return fieldSet{start: len(ev.Fields)}
}

// nameHash mixes the length and a few bytes of name: enough to tell
// FortiGate's keys apart in the bloom filter, without reading every byte.
func nameHash(name string) uint32 {
	n := len(name)
	if n == 0 {
		return 0
	}
	h := uint32(n)*0x9e3779b1 ^ uint32(name[0]) ^ uint32(name[n-1])<<8 ^
		uint32(name[n/2])<<16 ^ uint32(name[(n-1)/3])<<24
	h ^= h >> 15
	h *= 0x2c1b3c6d
	h ^= h >> 12
	return h
}

// add appends name=value to ev unless value is empty or name was already
// added; it reports whether it appended. Past MaxFields, or with a name
// longer than MaxFieldNameBytes, the field is counted in ev.FieldsDropped
// instead (the count check comes first, so that a full set costs no scan).
func (fs *fieldSet) add(ev *event.Event, name, value string) bool {
	if value == "" || name == "" {
		return false
	}
	if len(name) > MaxFieldNameBytes || fs.full(ev) {
		ev.FieldsDropped++
		return false
	}
	h := nameHash(name)
	w, bit := (h>>6)&15, uint64(1)<<(h&63)
	if fs.bloom[w]&bit != 0 {
		for _, f := range ev.Fields[fs.start:] {
			if f.Name == name {
				return false
			}
		}
	}
	fs.bloom[w] |= bit
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: value})
	return true
}

// full reports whether MaxFields fields have been added.
func (fs *fieldSet) full(ev *event.Event) bool { return len(ev.Fields)-fs.start >= MaxFields }

// has reports whether name was added.
func (fs *fieldSet) has(ev *event.Event, name string) bool {
	h := nameHash(name)
	if fs.bloom[(h>>6)&15]&(uint64(1)<<(h&63)) == 0 {
		return false
	}
	for _, f := range ev.Fields[fs.start:] {
		if f.Name == name {
			return true
		}
	}
	return false
}
