package parse

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/event"
)

// maxJSONDepth bounds the nesting of objects and arrays, so that parsing
// a hostile line cannot exhaust the stack.
const maxJSONDepth = 32

// jsonLines parses one JSON object per line (RFC 8259). Text before the
// first '{' is skipped (a "@cee: " cookie or a program tag).
//
// Nested objects are flattened with dots ({"a":{"b":1}} → a.b); arrays
// become their compact JSON text; numbers keep their literal text ("1e3"
// stays "1e3"); booleans are "true" and "false"; null, empty strings and
// empty objects add nothing. The first of a repeated name wins.
//
// ev.Time comes from the top-level "@timestamp", else "timestamp", else
// "time", when it is an RFC 3339 string.
//
// Past MaxFields fields, the rest of the line is checked but not kept: its
// members are skipped without building names or unescaping, and counted in
// ev.FieldsDropped, so a line of a million distinct keys costs no more
// memory than one of MaxFields. Names longer than MaxFieldNameBytes are
// dropped the same way, with everything nested under them. Objects or
// arrays nested deeper than 32 levels are an error; the fields read until
// then stay.
type jsonLines struct{}

var _ Parser = jsonLines{}

func (jsonLines) Parse(msg []byte, _ *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	start := strings.IndexByte(s, '{')
	if start < 0 {
		return fmt.Errorf("json: no object in message")
	}
	p := jsonFlattener{s: s, i: start, ev: ev, fs: newFieldSet(ev)}
	err := p.object("", 1)
	if err == nil {
		p.ws()
		if p.i < len(s) {
			err = p.errorf("unexpected data after object")
		}
	}
	for _, v := range p.times {
		if t, perr := time.Parse(time.RFC3339Nano, v); perr == nil {
			ev.Time = t
			break
		}
	}
	return err
}

type jsonFlattener struct {
	s        string
	i        int
	ev       *event.Event
	fs       fieldSet
	sawSpace bool
	// times holds the top-level @timestamp, timestamp and time strings.
	times [3]string
}

func (p *jsonFlattener) errorf(format string, args ...any) error {
	return fmt.Errorf("json at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

// ws skips insignificant white space.
func (p *jsonFlattener) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
			p.sawSpace = true
		default:
			return
		}
	}
}

func (p *jsonFlattener) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *jsonFlattener) emit(name, v string) error {
	p.fs.add(p.ev, name, v)
	return nil
}

func joinName(prefix, key string) string {
	if prefix == "" {
		return key
	}
	if key == "" {
		return prefix + "."
	}
	return prefix + "." + key
}

// object reads an object at p.i, flattening its members under prefix.
// Once the field set is full, or when a member's name would be too long,
// the member is dropped: checked, counted, not kept.
func (p *jsonFlattener) object(prefix string, depth int) error {
	if depth > maxJSONDepth {
		return p.errorf("objects nested deeper than %d", maxJSONDepth)
	}
	p.i++ // '{'
	p.ws()
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		p.ws()
		if p.peek() != '"' {
			return p.errorf("expected a string key")
		}
		// Once full, keys are only checked: no unescaping, no names built.
		drop := p.fs.full(p.ev)
		var key string
		var err error
		if drop {
			err = p.skipString()
		} else {
			key, err = p.str()
		}
		if err != nil {
			return err
		}
		p.ws()
		if p.peek() != ':' {
			return p.errorf("expected ':' after key")
		}
		p.i++
		p.ws()
		if drop || nameLen(prefix, key) > MaxFieldNameBytes {
			err = p.drop(depth)
		} else {
			err = p.value(joinName(prefix, key), depth, prefix == "")
		}
		if err != nil {
			return err
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return p.errorf("expected ',' or '}'")
		}
	}
}

// nameLen is len(joinName(prefix, key)) without building it.
func nameLen(prefix, key string) int {
	if prefix == "" {
		return len(key)
	}
	return len(prefix) + 1 + len(key)
}

// drop checks the value at p.i and counts in ev.FieldsDropped the fields
// it would have added, without adding them or allocating.
func (p *jsonFlattener) drop(depth int) error {
	switch c := p.peek(); {
	case c == '{':
		return p.skipObject(depth+1, p.drop) // counting the fields it holds
	case c == '"':
		raw, _, err := p.scanString()
		if err == nil && raw != "" {
			p.ev.FieldsDropped++
		}
		return err
	case c == 'n': // null adds nothing
		return p.skipAny(depth)
	default:
		if err := p.skipAny(depth); err != nil {
			return err
		}
		p.ev.FieldsDropped++
		return nil
	}
}

// value reads any value at p.i and adds it under name.
func (p *jsonFlattener) value(name string, depth int, top bool) error {
	switch c := p.peek(); {
	case c == '{':
		return p.object(name, depth+1)
	case c == '[':
		start := p.i
		p.sawSpace = false
		if err := p.skipArray(depth + 1); err != nil {
			return err
		}
		raw := p.s[start:p.i]
		if p.sawSpace {
			raw = compactJSON(raw)
		}
		return p.emit(name, raw)
	case c == '"':
		v, err := p.str()
		if err != nil {
			return err
		}
		if top {
			switch name {
			case "@timestamp":
				p.times[0] = v
			case "timestamp":
				p.times[1] = v
			case "time":
				p.times[2] = v
			}
		}
		return p.emit(name, v)
	case c == 't':
		return p.literal(name, "true")
	case c == 'f':
		return p.literal(name, "false")
	case c == 'n':
		return p.literal(name, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		v, err := p.number()
		if err != nil {
			return err
		}
		return p.emit(name, v)
	case p.i >= len(p.s):
		return p.errorf("unexpected end of input")
	default:
		return p.errorf("unexpected character %q", c)
	}
}

func (p *jsonFlattener) literal(name, lit string) error {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return p.errorf("invalid literal")
	}
	p.i += len(lit)
	if lit == "null" {
		return nil
	}
	return p.emit(name, lit)
}

// skipAny checks the value at p.i without adding fields (array members).
func (p *jsonFlattener) skipAny(depth int) error {
	switch c := p.peek(); {
	case c == '{':
		return p.skipObject(depth+1, p.skipAny)
	case c == '[':
		return p.skipArray(depth + 1)
	case c == '"':
		return p.skipString()
	case c == 't', c == 'f', c == 'n':
		for _, lit := range [...]string{"true", "false", "null"} {
			if strings.HasPrefix(p.s[p.i:], lit) {
				p.i += len(lit)
				return nil
			}
		}
		return p.errorf("invalid literal")
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := p.number()
		return err
	case p.i >= len(p.s):
		return p.errorf("unexpected end of input")
	default:
		return p.errorf("unexpected character %q", c)
	}
}

func (p *jsonFlattener) skipArray(depth int) error {
	if depth > maxJSONDepth {
		return p.errorf("arrays nested deeper than %d", maxJSONDepth)
	}
	p.i++ // '['
	p.ws()
	if p.peek() == ']' {
		p.i++
		return nil
	}
	for {
		p.ws()
		if err := p.skipAny(depth); err != nil {
			return err
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return p.errorf("expected ',' or ']'")
		}
	}
}

// skipObject passes over an object, handing each member's value to
// member (skipAny, or drop to count what it holds).
func (p *jsonFlattener) skipObject(depth int, member func(depth int) error) error {
	if depth > maxJSONDepth {
		return p.errorf("objects nested deeper than %d", maxJSONDepth)
	}
	p.i++ // '{'
	p.ws()
	if p.peek() == '}' {
		p.i++
		return nil
	}
	for {
		p.ws()
		if p.peek() != '"' {
			return p.errorf("expected a string key")
		}
		if err := p.skipString(); err != nil {
			return err
		}
		p.ws()
		if p.peek() != ':' {
			return p.errorf("expected ':' after key")
		}
		p.i++
		p.ws()
		if err := member(depth); err != nil {
			return err
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return p.errorf("expected ',' or '}'")
		}
	}
}

// scanString checks the string starting at p.i, moves past it and returns
// its contents without the quotes, and whether it has escapes.
func (p *jsonFlattener) scanString() (raw string, escaped bool, err error) {
	s := p.s
	start := p.i + 1
	j := start
	for j < len(s) {
		c := s[j]
		switch {
		case c == '"':
			p.i = j + 1
			return s[start:j], escaped, nil
		case c == '\\':
			escaped = true
			if j+1 >= len(s) {
				j++
				continue // unterminated
			}
			switch s[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(s) || !isHex4(s[j+2:j+6]) {
					p.i = j
					return "", false, p.errorf("invalid \\u escape")
				}
				j += 6
			default:
				p.i = j
				return "", false, p.errorf("invalid escape \\%c", s[j+1])
			}
		case c < 0x20:
			p.i = j
			return "", false, p.errorf("control character in string")
		default:
			j++
		}
	}
	p.i = len(s)
	return "", false, p.errorf("unterminated string")
}

func (p *jsonFlattener) skipString() error {
	_, _, err := p.scanString()
	return err
}

// str reads a string at p.i and returns its value.
func (p *jsonFlattener) str() (string, error) {
	raw, escaped, err := p.scanString()
	if err != nil || !escaped {
		return raw, err
	}
	return unescapeJSON(raw), nil
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func hex4(s string) rune {
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unescapeJSON decodes the escapes of a string already checked by
// scanString. Unpaired surrogates become U+FFFD.
func unescapeJSON(raw string) string {
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(raw[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2 = hex4(raw[i+3 : i+7])
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default: // '"', '\\', '/'
			b = append(b, raw[i])
		}
	}
	return string(b)
}

// number reads a number at p.i and returns its literal text.
func (p *jsonFlattener) number() (string, error) {
	s := p.s
	start := p.i
	j := start
	if j < len(s) && s[j] == '-' {
		j++
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case j < len(s) && s[j] >= '1' && s[j] <= '9':
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	default:
		p.i = j
		return "", p.errorf("invalid number")
	}
	if j < len(s) && s[j] == '.' {
		j++
		d := j
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == d {
			p.i = j
			return "", p.errorf("invalid number")
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		d := j
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == d {
			p.i = j
			return "", p.errorf("invalid number")
		}
	}
	p.i = j
	return s[start:j], nil
}

// compactJSON removes insignificant white space from valid JSON text.
func compactJSON(raw string) string {
	b := make([]byte, 0, len(raw))
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			b = append(b, c)
			switch c {
			case '\\':
				i++
				b = append(b, raw[i])
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		}
		b = append(b, c)
	}
	return string(b)
}
