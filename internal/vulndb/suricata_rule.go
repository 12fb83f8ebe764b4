package vulndb

import (
	"errors"
	"fmt"
	"strings"
)

// Suricata rule syntax (https://docs.suricata.io/en/latest/rules/intro.html):
//
//	action proto src_addr src_port direction dst_addr dst_port (options)
//
// Options are "keyword;" or "keyword:value;". Inside a value a backslash
// escapes the next character (\; \" \\), and a ; inside double quotes does
// not end the value. Suricata itself only honours the escapes; the quotes
// are honoured here too, because a rule that forgot to escape a ; in its
// msg is still good knowledge. When the quotes do not balance, the value is
// read again honouring only the escapes.

// rule is one parsed rule.
type rule struct {
	Action, Proto string
	Src, SrcPort  string
	Dir           string // ->, <> or =>
	Dst, DstPort  string
	Options       []ruleOption
}

// ruleOption is one option; Value is as written (quotes and escapes kept,
// surrounding space trimmed).
type ruleOption struct {
	Name     string
	Value    string
	HasValue bool
}

// ruleActions are the actions a rule may start with.
var ruleActions = map[string]bool{
	"alert": true, "pass": true, "drop": true, "reject": true, "rejectsrc": true,
	"rejectdst": true, "rejectboth": true, "sdrop": true, "log": true,
	"activate": true, "dynamic": true,
}

// ruleAction returns the action word s starts with, if s starts like a
// rule.
func ruleAction(s string) (string, bool) {
	word, rest, ok := strings.Cut(s, " ")
	if !ok {
		word, rest, ok = strings.Cut(s, "\t")
	}
	if !ok || !ruleActions[word] || strings.TrimSpace(rest) == "" {
		return "", false
	}
	return word, true
}

// looksLikeRule tells whether a line (trimmed) is a rule, active or
// commented out, for Detect.
func looksLikeRule(line string) bool {
	line = strings.TrimLeft(line, "# \t")
	if _, ok := ruleAction(line); !ok {
		return false
	}
	return strings.Contains(line, "(") && (strings.Contains(line, "sid") || strings.Contains(line, "msg"))
}

// parseRule parses the text of one rule (continuation lines joined, any
// leading # of a commented-out rule removed).
func parseRule(s string) (rule, error) {
	open := strings.IndexByte(s, '(')
	closing := strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return rule{}, errors.New("no (options)")
	}
	if rest := strings.TrimSpace(s[closing+1:]); rest != "" {
		return rule{}, fmt.Errorf("text %q after options", clip(rest))
	}
	var r rule
	if err := r.parseHeader(s[:open]); err != nil {
		return rule{}, err
	}
	opts, err := parseOptions(s[open+1 : closing])
	if err != nil {
		return rule{}, err
	}
	r.Options = opts
	return r, nil
}

// parseHeader splits the header into its seven fields; address and port
// lists in brackets may contain spaces.
func (r *rule) parseHeader(h string) error {
	var f []string
	depth, start := 0, -1
	for i := 0; i <= len(h); i++ {
		c := byte(' ')
		if i < len(h) {
			c = h[i]
		}
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case (c == ' ' || c == '\t' || c == '\r' || c == '\n') && depth <= 0:
			if start >= 0 {
				f = append(f, h[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if len(f) != 7 {
		return fmt.Errorf("header %q: %d fields, want 7", clip(strings.TrimSpace(h)), len(f))
	}
	if !ruleActions[f[0]] {
		return fmt.Errorf("header: unknown action %q", clip(f[0]))
	}
	switch f[4] {
	case "->", "<>", "=>":
	default:
		return fmt.Errorf("header: bad direction %q", clip(f[4]))
	}
	r.Action, r.Proto, r.Src, r.SrcPort, r.Dir, r.Dst, r.DstPort = f[0], f[1], f[2], f[3], f[4], f[5], f[6]
	return nil
}

// parseOptions splits the text between the rule's parentheses into
// options. The last option may lack its ;.
func parseOptions(s string) ([]ruleOption, error) {
	var out []ruleOption
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return out, nil
		}
		start := i
		for i < len(s) && s[i] != ':' && s[i] != ';' {
			i++
		}
		name := strings.TrimSpace(s[start:i])
		if err := checkOptionName(name); err != nil {
			return nil, fmt.Errorf("option %d: %w", len(out)+1, err)
		}
		if i >= len(s) || s[i] == ';' {
			out = append(out, ruleOption{Name: name})
			i++
			continue
		}
		i++ // past ':'
		end, err := valueEnd(s, i, true)
		if err != nil {
			end, err = valueEnd(s, i, false)
		}
		if err != nil {
			return nil, fmt.Errorf("option %s: %w", name, err)
		}
		out = append(out, ruleOption{Name: name, Value: trimValue(s[i:end]), HasValue: true})
		i = end + 1
	}
}

// valueEnd returns the index of the ; that ends the value starting at i,
// or len(s) if the value runs to the end. With quotes, a ; between double
// quotes does not end it.
func valueEnd(s string, i int, quotes bool) (int, error) {
	inQuote := false
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return 0, errors.New("backslash at end of options")
			}
			i++
		case '"':
			if quotes {
				inQuote = !inQuote
			}
		case ';':
			if !inQuote {
				return i, nil
			}
		}
	}
	if inQuote {
		return 0, errors.New("unterminated quoted value")
	}
	return len(s), nil
}

// trimValue trims surrounding space from a value, but not a space escaped
// with a backslash.
func trimValue(v string) string {
	v = strings.TrimLeft(v, " \t\r\n")
	for len(v) > 0 && isSpace(v[len(v)-1]) {
		n := 0
		for n < len(v)-1 && v[len(v)-2-n] == '\\' {
			n++
		}
		if n%2 == 1 {
			break
		}
		v = v[:len(v)-1]
	}
	return v
}

func checkOptionName(name string) error {
	if name == "" {
		return errors.New("empty option name")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAlnum(c) && c != '_' && c != '.' && c != '-' {
			return fmt.Errorf("bad option name %q", clip(name))
		}
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// unquote returns an option value without its surrounding double quotes
// and with its backslash escapes undone.
func unquote(v string) string {
	if strings.HasPrefix(v, `"`) {
		v = v[1:]
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' {
				i++
			} else if v[i] == '"' {
				v = v[:i]
				break
			}
		}
	}
	if !strings.Contains(v, `\`) {
		return v
	}
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		sb.WriteByte(v[i])
	}
	return sb.String()
}

// clip shortens text quoted in an error message.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
