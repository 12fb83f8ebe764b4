package logstore

import (
	"fmt"
	"net/netip"
	"slices"
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
//
// It also makes queries work over lean rows (see FieldDerived): when the
// filter or the pipes name a vendor field that lean rows do not store, it
// adds an unpack_logfmt pipe that reads those fields from the lines of lean
// rows, and moves the filter after it into a filter pipe, in front of which
// goes a prefilter that the engine can evaluate with its indexes: the
// filter's top-level conjuncts over stored fields, and for a conjunct on a
// derived field, the value as a phrase of _msg (a lean row's line holds
// each value verbatim). Likewise for the ECS copies that rows marked
// derivedKVA leave out (see ecsCopies): a format pipe sets each copy the
// query names from its vendor field, and the prefilter asks for the value
// in the copy or in the vendor field.
func Rewrite(q string) string { return rewrite(q, "") }

// rewrite is Rewrite for q followed by Sekimori's own pipes.
func rewrite(q, extra string) string {
	out, _ := rewritePlan(q, extra)
	return out
}

// rewritePlan is rewrite, also returning the fields that the query names
// and lean rows do not store: vendor fields they derive and ECS copies.
func rewritePlan(q, extra string) (string, []string) {
	q = strings.TrimSpace(q)
	if q == "" {
		q = "*"
	}
	filter, pipes := splitPipes(q)
	pipes += extra
	var b strings.Builder
	var derived []string // derived vendor field names, in order of appearance
	var copies []string  // ECS copies named, in order of appearance
	addDerived := func(name string) {
		if derivedName(name) && !slices.Contains(derived, name) {
			derived = append(derived, name)
		}
	}
	addCopy := func(name, vendor string) {
		if !slices.Contains(copies, name) {
			copies = append(copies, name)
			addDerived(vendor)
		}
	}
	note := func(name string) {
		if strings.HasSuffix(name, "*") {
			for _, c := range copiesCovered(name) {
				addCopy(c.ecs, c.vendor)
			}
		} else if vendor, ok := copySource(name); ok {
			addCopy(name, vendor)
			return
		}
		addDerived(name)
	}
	var pre []string // prefilter conjuncts
	prefilter := true
	depth := 0
	i := 0
	afterField := false // the previous token was "name:", so this one is its value
	negate := false     // the previous token was "not"
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
			afterField, negate = false, false
			if c == '(' {
				depth++
			} else {
				depth--
			}
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
		i = j
		out := tok
		if !afterField {
			out = rewriteToken(tok)
		}
		name, val, prefix, simple := splitFilterToken(strings.TrimLeft(tok, "-!"))
		if tok[0] == '-' || tok[0] == '!' {
			simple = false
		}
		if name != "" {
			note(name)
		}
		switch lower := strings.ToLower(tok); {
		case afterField:
		case lower == "or" && depth == 0:
			prefilter = false
		case lower == "and", lower == "or":
		case lower == "not", tok == "!", tok == "-": // "! x" and "- x" negate x too
			negate = true
			b.WriteString(out)
			afterField = false
			continue
		case depth == 0 && !negate && len(copiesCovered(name)) > 0:
			// A wildcard over names that rows marked derivedKVA leave out:
			// no prefilter.
		case depth == 0 && !negate && copyColumn(name) != "" && filterValue(out) != "":
			// The copy, or its vendor field where rows store that.
			pre = append(pre, fmt.Sprintf("(%s or %s:%s)", out, quoteField(copyColumn(name)), filterValue(out)))
		case depth == 0 && !negate && simple:
			_, copied := copySource(name)
			switch {
			case copied:
				pre = append(pre, fmt.Sprintf("(%s or _msg:%s)", out, msgFilter(val, prefix)))
			case name == "" || !derivedName(name):
				pre = append(pre, out)
			default:
				pre = append(pre, fmt.Sprintf("(not %s:%s or _msg:%s)", quoteField(FieldDerived), leanMarkers, msgFilter(val, prefix)))
			}
		case depth == 0 && !negate && out != tok:
			pre = append(pre, out) // an IP or Japanese term, rewritten to a filter of its own
		}
		negate = false
		b.WriteString(out)
		afterField = strings.HasSuffix(tok, ":")
	}
	inFilter := len(derived)+len(copies) > 0
	for _, name := range pipeNames(pipes) {
		note(name)
	}
	out := b.String()
	if len(derived)+len(copies) == 0 {
		return out + pipes, nil
	}
	var unpack strings.Builder
	if len(derived) > 0 {
		quoted := make([]string, len(derived))
		for k, n := range derived {
			if strings.HasSuffix(n, "*") {
				quoted[k] = n // a prefix filter, which quoting would make a name
			} else {
				quoted[k] = quoteField(n)
			}
		}
		fmt.Fprintf(&unpack, " | unpack_logfmt if (%s:%s) from _msg fields (%s) keep_original_fields", quoteField(FieldDerived), leanMarkers, strings.Join(quoted, ", "))
	}
	for _, name := range copies {
		vendor, _ := copySource(name)
		fmt.Fprintf(&unpack, " | format if (%s:=%s) \"<%s>\" as %s", quoteField(FieldDerived), derivedKVA, vendor, quoteField(name))
	}
	if pipes != "" {
		pipes = " " + strings.TrimLeft(pipes, " \t\n\r")
	}
	if !inFilter {
		out = strings.TrimRight(out, " \t\n\r")
		if strings.Contains(out, "#") {
			out += "\n"
		}
		return out + unpack.String() + pipes, append(derived, copies...)
	}
	head := "*"
	if prefilter && len(pre) > 0 {
		head = strings.Join(pre, " ")
	}
	return head + unpack.String() + " | filter " + strings.TrimRight(out, " \t\n\r") + "\n" + pipes, append(derived, copies...)
}

// filterValue returns what follows the field name of a positive field
// filter token ("=443" of "destination.port:=443"), or "".
func filterValue(tok string) string {
	if tok[0] == '-' || tok[0] == '!' {
		return ""
	}
	if k := fieldColon(tok); k >= 0 {
		return tok[k+1:]
	}
	return ""
}

// copyColumn returns, for an ECS copy whose vendor field rows marked
// derivedKVA store as a column, that vendor field; else "".
func copyColumn(name string) string {
	if vendor, ok := copySource(name); ok && !derivedName(vendor) {
		return vendor
	}
	return ""
}

// copiesCovered returns the ecsCopies entries that a wildcard name
// ("source.*") covers; none for other names.
func copiesCovered(name string) []ecsCopy {
	prefix, ok := strings.CutSuffix(name, "*")
	if !ok {
		return nil
	}
	var out []ecsCopy
	for _, c := range ecsCopies {
		if strings.HasPrefix(c.ecs, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// splitFilterToken splits a filter token into its field name ("" for the
// message) and value. simple is set for word, phrase, exact and prefix
// (prefix set) filters with a plain value (val, unquoted, without the
// trailing "*"): filters that match only rows whose line holds val, see
// msgFilter, when the field is read from the line.
func splitFilterToken(tok string) (name, val string, prefix, simple bool) {
	if tok == "" {
		return "", "", false, false
	}
	if _, err := netip.ParseAddr(tok); err == nil {
		return "", tok, false, true
	}
	val = tok
	if k := fieldColon(tok); k >= 0 {
		name, val = tok[:k], tok[k+1:]
		if name[0] == '"' || name[0] == '\'' || name[0] == '`' {
			u, err := unquote(name)
			if err != nil {
				return "", "", false, false
			}
			name = u
		}
	}
	val = strings.TrimPrefix(val, "=")
	prefix = strings.HasSuffix(val, "*")
	val = strings.TrimSuffix(val, "*")
	if val == "" {
		return name, "", false, false
	}
	if val[0] == '"' || val[0] == '\'' || val[0] == '`' {
		u, err := unquote(val)
		// A quote or backslash may stand escaped in the line.
		if err != nil || u == "" || strings.ContainsAny(u, "\"'`\\") {
			return name, "", false, false
		}
		return name, u, prefix, true
	}
	if strings.ContainsAny(val, "\"'`*()~<>=!:{}[],|\\ ") {
		return name, "", false, false
	}
	switch strings.ToLower(val) {
	case "and", "or", "not":
		return name, "", false, false
	}
	return name, val, prefix, true
}

// msgFilter is a filter on _msg that every line holding val matches, as a
// word or phrase (with prefix, the start of one), or for Japanese text,
// anywhere.
func msgFilter(val string, prefix bool) string {
	switch {
	case hasJapanese(val):
		return "*" + strconv.Quote(val) + "*"
	case prefix:
		return strconv.Quote(val) + "*"
	}
	return strconv.Quote(val)
}

// fieldColon returns the index of the ':' ending a token's field name, or
// -1 when the token has none.
func fieldColon(tok string) int {
	if tok[0] == '"' || tok[0] == '\'' || tok[0] == '`' {
		qp, err := strconv.QuotedPrefix(tok)
		if err != nil && tok[0] == '\'' {
			if k := strings.IndexByte(tok[1:], '\''); k >= 0 {
				qp = tok[:k+2]
				err = nil
			}
		}
		if err != nil || len(qp) >= len(tok) || tok[len(qp)] != ':' {
			return -1
		}
		return len(qp)
	}
	if c := tok[0]; c >= '0' && c <= '9' || c == '-' {
		return -1
	}
	for k := 0; k < len(tok); k++ {
		switch c := tok[k]; {
		case c == ':':
			if k == 0 {
				return -1
			}
			return k
		case c == '.' || c == '_' || c == '-' || c == '@' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		default:
			return -1
		}
	}
	return -1
}

// pipeNames returns the words of pipes that may name a field: identifiers
// (bare or quoted) that are not LogsQL keywords.
func pipeNames(pipes string) []string {
	var out []string
	for i := 0; i < len(pipes); {
		c := pipes[i]
		switch {
		case c == '"' || c == '`' || c == '\'':
			qp, err := strconv.QuotedPrefix(pipes[i:])
			if err != nil {
				k := strings.IndexByte(pipes[i+1:], c)
				if k < 0 {
					return out
				}
				qp = pipes[i : i+k+2]
			}
			if u, err := unquote(qp); err == nil {
				if isIdent(u) {
					out = append(out, u)
				} else {
					out = append(out, templateNames(u)...)
				}
			}
			i += len(qp)
		case isIdentByte(c):
			j := i
			for j < len(pipes) && (isIdentByte(pipes[j]) || pipes[j] == '.') {
				j++
			}
			if w := pipes[i:j]; isIdent(w) && !pipeKeywords[strings.ToLower(w)] {
				if j < len(pipes) && pipes[j] == '*' {
					w += "*" // a prefix of names, as in "fields src*"
				}
				out = append(out, w)
			}
			i = j
		default:
			i++
		}
	}
	return out
}

// templateNames returns the <name> placeholders of a format or extract
// pattern.
func templateNames(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return out
		}
		s = s[i+1:]
		j := strings.IndexByte(s, '>')
		if j < 0 {
			return out
		}
		if name := strings.TrimPrefix(s[:j], "q:"); isIdent(name) {
			out = append(out, name)
		}
		s = s[j+1:]
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isIdent reports whether w looks like a field name (not a number).
func isIdent(w string) bool {
	if w == "" || w[0] >= '0' && w[0] <= '9' {
		return false
	}
	for k := 0; k < len(w); k++ {
		if !isIdentByte(w[k]) && w[k] != '.' {
			return false
		}
	}
	return true
}

// pipeKeywords are LogsQL words that never name a field in a pipe.
var pipeKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`and or not by as if from fields field limit offset desc asc partition rank
		sort order stats count count_uniq count_uniq_hash count_empty sum sum_len min max avg median quantile uniq
		uniq_values values top first last head filter where rename mv copy cp delete del rm drop keep format
		extract extract_regexp unpack_json unpack_logfmt unpack_syslog unpack_words pack_json pack_logfmt math
		eval replace replace_regexp unroll sample facets field_names field_values blocks_count len join union
		split collapse_nums hits in with result_prefix keep_original_fields skip_empty_results running_stats
		total_stats json_values row_any row_min row_max rate rate_sum histogram decolorize time_add
		stream_context before after time_window set_stream_fields query_stats other hits_field`) {
		m[w] = true
	}
	return m
}()

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
		case c == '#': // a comment runs to the end of the line
			if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
				i += j
			} else {
				return q, ""
			}
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

// ipColumns are the fields a bare IP address is looked up in: IPFields,
// and the vendor fields that rows marked derivedKVA store in place of
// their ECS copies (srcip for source.ip).
var ipColumns = func() []string {
	out := slices.Clone(IPFields)
	for _, f := range IPFields {
		if vendor := copyColumn(f); vendor != "" {
			out = append(out, vendor)
		}
	}
	return out
}()

func ipFilter(ip string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, f := range ipColumns {
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
