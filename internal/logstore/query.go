package logstore

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode"
)

// IPFields are the ECS fields that a bare IP address in a query searches:
// every parser fills them, so one term finds an address in any role.
var IPFields = []string{
	"source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip",
	"client.ip", "server.ip", "host.ip", "observer.ip",
}

// Rewrite adapts a user's LogsQL to how Sekimori stores events, touching only
// the filter part (before the first pipe):
//
//   - a bare IP address becomes an exact match on every IP field (fast: the
//     store keeps IPs as typed columns), instead of a phrase search over
//     every line's text;
//   - a word or phrase containing Japanese (Han, Hiragana, Katakana) becomes
//     a substring filter, because LogsQL treats a run of Japanese characters
//     as one word and would otherwise not find 「ログイン」 inside
//     「管理者ログイン失敗」.
//
// Anything it does not recognise is passed through unchanged.
func Rewrite(q string) string {
	q = strings.TrimSpace(q)
	if q == "" {
		return "*"
	}
	filter, pipes := splitPipes(q)
	var b strings.Builder
	i := 0
	afterField := false // the previous token was "name:", so this one is its value
	for i < len(filter) {
		c := filter[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			b.WriteByte(c)
			i++
			continue
		}
		if c == '(' || c == ')' {
			b.WriteByte(c)
			i++
			afterField = false
			continue
		}
		if c == '#' { // a LogsQL comment runs to the end of the line
			j := strings.IndexByte(filter[i:], '\n')
			if j < 0 {
				j = len(filter) - i
			}
			b.WriteString(filter[i : i+j])
			i += j
			continue
		}
		j := tokenEnd(filter, i)
		tok := filter[i:j]
		if afterField {
			b.WriteString(tok)
		} else {
			b.WriteString(rewriteToken(tok))
		}
		afterField = strings.HasSuffix(tok, ":")
		i = j
	}
	return b.String() + pipes
}

func splitPipes(q string) (string, string) {
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '|':
			return q[:i], q[i:]
		}
	}
	return q, ""
}

// tokenEnd returns the end of the token starting at i: up to whitespace or a
// parenthesis outside quotes. A parenthesis right after "name" or "name:"
// (function calls such as in(...), i(...)) belongs to the token.
func tokenEnd(s string, i int) int {
	var quote byte
	depth := 0
	for ; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '\'', '`':
			quote = c
		case '(':
			if depth == 0 && i > 0 && s[i-1] != ' ' {
				depth++
				continue
			}
			if depth > 0 {
				depth++
				continue
			}
			return i
		case ')':
			if depth > 0 {
				depth--
				continue
			}
			return i
		case ' ', '\t', '\n', '\r', '#':
			if depth == 0 {
				return i
			}
		}
	}
	return min(i, len(s)) // a trailing backslash inside quotes skips past the end
}

func rewriteToken(tok string) string {
	switch strings.ToLower(tok) {
	case "and", "or", "not", "*":
		return tok
	}
	sign := ""
	if tok[0] == '-' || tok[0] == '!' {
		sign, tok = tok[:1], tok[1:]
		if tok == "" {
			return sign
		}
	}
	if ip, err := netip.ParseAddr(tok); err == nil {
		return sign + ipFilter(ip.String())
	}
	prefix, val := "", tok
	if tok[0] != '"' && tok[0] != '\'' && tok[0] != '`' {
		if k := strings.IndexByte(tok, ':'); k >= 0 {
			prefix, val = tok[:k+1], tok[k+1:]
		}
	}
	if val == "" || strings.ContainsAny(val[:1], "=~<>!*") || strings.ContainsAny(val, "*()") && val[0] != '"' {
		return sign + tok
	}
	if val[0] == '"' || val[0] == '\'' || val[0] == '`' {
		u, err := unquote(val)
		if err != nil {
			return sign + tok
		}
		val = u
	}
	if hasJapanese(val) {
		return sign + prefix + "*" + strconv.Quote(val) + "*"
	}
	return sign + tok
}

func unquote(s string) (string, error) {
	if s[0] == '\'' && len(s) >= 2 && s[len(s)-1] == '\'' {
		s = `"` + strings.ReplaceAll(s[1:len(s)-1], `"`, `\"`) + `"`
	}
	return strconv.Unquote(s)
}

func ipFilter(ip string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, f := range IPFields {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString(strconv.Quote(f))
		b.WriteString(":=")
		b.WriteString(strconv.Quote(ip))
	}
	b.WriteByte(')')
	return b.String()
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if r < 0x3000 {
			continue
		}
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー' {
			return true
		}
	}
	return false
}
