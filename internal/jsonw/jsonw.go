// Package jsonw appends JSON text without reflection, for the hot paths
// that stream events as JSON lines.
package jsonw

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string: control characters, quotes and
// backslashes are escaped, and each byte that is not part of valid UTF-8
// becomes \ufffd (as encoding/json does), so that the output is always
// valid JSON (RFC 8259 §8.1) whatever a query pipe made of stored text.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	run := 0 // start of the bytes not yet appended, which need no escaping
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size > 1 {
				i += size // valid UTF-8 stays in the run
				continue
			}
		}
		dst = append(dst, s[run:i]...)
		switch {
		case c >= utf8.RuneSelf:
			dst = append(dst, `\ufffd`...)
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		i++
		run = i
	}
	dst = append(dst, s[run:]...)
	return append(dst, '"')
}

// plain marks the ASCII bytes that JSON strings hold as they are.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
