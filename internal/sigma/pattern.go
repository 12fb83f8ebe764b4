package sigma

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Sigma string is a sequence of tokens: literal text, the wildcards * and
// ?, a "dash" class produced by the windash modifier, and placeholders
// (%name%) recognised only under the expand modifier.

type tokKind uint8

const (
	tokLit tokKind = iota
	tokStar
	tokOne
	tokDash
	tokPlaceholder
)

type stok struct {
	kind tokKind
	s    string // literal text or placeholder name
}

type sstring []stok

// parseSigmaString applies the escape rules of the specification: a
// backslash escapes *, ? and itself; before any other character it is a
// plain backslash. With expand, %name% is a placeholder and \% a plain %.
func parseSigmaString(s string, expand bool) sstring {
	var out sstring
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, stok{kind: tokLit, s: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\' || (expand && s[i+1] == '%')):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			out = append(out, stok{kind: tokStar})
		case c == '?':
			flush()
			out = append(out, stok{kind: tokOne})
		case c == '%' && expand:
			end := strings.IndexByte(s[i+1:], '%')
			if end < 0 {
				lit.WriteByte(c)
				continue
			}
			flush()
			out = append(out, stok{kind: tokPlaceholder, s: s[i+1 : i+1+end]})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// plain reports whether s is literal text only, and returns that text.
func (s sstring) plain() (string, bool) {
	var b strings.Builder
	for _, t := range s {
		if t.kind != tokLit {
			return "", false
		}
		b.WriteString(t.s)
	}
	return b.String(), true
}

func (s sstring) hasPlaceholder() bool {
	for _, t := range s {
		if t.kind == tokPlaceholder {
			return true
		}
	}
	return false
}

// normalize merges adjacent literals and collapses runs of stars.
func (s sstring) normalize() sstring {
	out := make(sstring, 0, len(s))
	for _, t := range s {
		if t.kind == tokLit && t.s == "" {
			continue
		}
		if n := len(out); n > 0 {
			last := &out[n-1]
			if t.kind == tokLit && last.kind == tokLit {
				last.s += t.s
				continue
			}
			if t.kind == tokStar && last.kind == tokStar {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// String renders s back in Sigma syntax (for messages and tests).
func (s sstring) String() string {
	var b strings.Builder
	for _, t := range s {
		switch t.kind {
		case tokLit:
			for i := 0; i < len(t.s); i++ {
				if c := t.s[i]; c == '*' || c == '?' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(t.s[i])
			}
		case tokStar:
			b.WriteByte('*')
		case tokOne:
			b.WriteByte('?')
		case tokDash:
			b.WriteString("[-/–—―]")
		case tokPlaceholder:
			b.WriteString("%" + t.s + "%")
		}
	}
	return b.String()
}

// windash dash characters: hyphen-minus, slash, en dash, em dash, horizontal bar.
func isDash(r rune) bool {
	return r == '-' || r == '/' || r == '–' || r == '—' || r == '―'
}

// windash replaces every dash character of the literal text by a class
// token that matches any of them (instead of listing 5^n permutations).
func (s sstring) windash() sstring {
	var out sstring
	for _, t := range s {
		if t.kind != tokLit {
			out = append(out, t)
			continue
		}
		start := 0
		for i, r := range t.s {
			if isDash(r) {
				if i > start {
					out = append(out, stok{kind: tokLit, s: t.s[start:i]})
				}
				out = append(out, stok{kind: tokDash})
				start = i + utf8.RuneLen(r)
			}
		}
		if start < len(t.s) {
			out = append(out, stok{kind: tokLit, s: t.s[start:]})
		}
	}
	return out
}

type patKind uint8

const (
	patEq patKind = iota
	patPrefix
	patSuffix
	patContains
	patGlob
)

// pattern is a compiled Sigma string. Unless cased, its text is lower-case
// and it must be given lower-case input (see lowerInto).
type pattern struct {
	kind  patKind
	cased bool
	lit   string  // patEq, patPrefix, patSuffix, patContains
	toks  sstring // patGlob
	must  string  // patGlob: longest literal, a quick necessary check
}

func compilePattern(s sstring, cased bool) pattern {
	s = s.normalize()
	if !cased {
		low := make(sstring, len(s))
		for i, t := range s {
			if t.kind == tokLit {
				t.s = strings.ToLower(t.s)
			}
			low[i] = t
		}
		s = low
	}
	p := pattern{cased: cased}
	n := len(s)
	switch {
	case n == 0:
		p.kind, p.lit = patEq, ""
		return p
	case n == 1 && s[0].kind == tokLit:
		p.kind, p.lit = patEq, s[0].s
		return p
	case n == 1 && s[0].kind == tokStar:
		p.kind, p.lit = patPrefix, ""
		return p
	case n == 2 && s[0].kind == tokLit && s[1].kind == tokStar:
		p.kind, p.lit = patPrefix, s[0].s
		return p
	case n == 2 && s[0].kind == tokStar && s[1].kind == tokLit:
		p.kind, p.lit = patSuffix, s[1].s
		return p
	case n == 3 && s[0].kind == tokStar && s[1].kind == tokLit && s[2].kind == tokStar:
		p.kind, p.lit = patContains, s[1].s
		return p
	}
	p.kind, p.toks = patGlob, s
	for _, t := range s {
		if t.kind == tokLit && len(t.s) > len(p.must) {
			p.must = t.s
		}
	}
	return p
}

// match reports whether v matches. v must be lower-case unless p.cased.
func (p *pattern) match(v string) bool {
	switch p.kind {
	case patEq:
		return v == p.lit
	case patPrefix:
		return strings.HasPrefix(v, p.lit)
	case patSuffix:
		return strings.HasSuffix(v, p.lit)
	case patContains:
		return strings.Contains(v, p.lit)
	}
	if p.must != "" && !strings.Contains(v, p.must) {
		return false
	}
	return globMatch(p.toks, v)
}

// longestLiteral returns the longest piece of literal text that any match
// must contain, and whether the pattern is an exact value.
func (p *pattern) longestLiteral() (lit string, exact bool) {
	switch p.kind {
	case patEq:
		return p.lit, true
	case patGlob:
		return p.must, false
	}
	return p.lit, false
}

// globMatch matches tokens against s, backtracking only to the last star;
// that is enough because every other token has a fixed length in runes.
func globMatch(toks sstring, s string) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case tokStar:
				if ti == len(toks)-1 {
					return true
				}
				starTi, starSi = ti, si
				ti++
				continue
			case tokLit:
				if strings.HasPrefix(s[si:], t.s) {
					si += len(t.s)
					ti++
					continue
				}
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tokDash:
				if si < len(s) {
					r, n := utf8.DecodeRuneInString(s[si:])
					if isDash(r) {
						si += n
						ti++
						continue
					}
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		si, ti = starSi, starTi+1
	}
}

// lowerInto appends the lower-case form of s to dst, as strings.ToLower
// would produce it (rule text is lowered with strings.ToLower), without
// allocating beyond dst.
func lowerInto(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

// hasUpper reports whether lowerInto would change s.
func hasUpper(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unicode.ToLower(r) != r {
			return true
		}
		i += n
	}
	return false
}
