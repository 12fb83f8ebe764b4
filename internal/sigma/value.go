package sigma

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// This file compiles one "field|modifier|...: value(s)" item into a
// fieldCond. Modifiers are applied in the order written, as the
// specification says; the result is a list of value matchers.

type cmpOp uint8

const (
	cmpNone cmpOp = iota
	cmpLT
	cmpLTE
	cmpGT
	cmpGTE
)

type timePart uint8

const (
	timeNone timePart = iota
	timeMinute
	timeHour
	timeDay
	timeWeek
	timeMonth
	timeYear
)

type vmKind uint8

const (
	vmPattern vmKind = iota
	vmRegex
	vmCIDR
	vmNumber   // numeric comparison, optionally of a time part
	vmFieldRef // compare with another field of the same event
)

// valueMatcher tests one value of a field.
type valueMatcher struct {
	kind   vmKind
	pat    pattern        // vmPattern
	re     *regexp.Regexp // vmRegex
	reLits []string       // vmRegex: one of these lower-case literals occurs in every match
	prefix netip.Prefix   // vmCIDR
	cmp    cmpOp          // vmNumber: cmpNone means equal
	num    float64        // vmNumber
	part   timePart       // vmNumber on a time part
	ref    string         // vmFieldRef: the other field (Sigma name)
	refPos patKind        // vmFieldRef: patEq, patPrefix, patSuffix, patContains
	cased  bool           // vmFieldRef
	// group is the index of the rule value this matcher came from: one
	// value may give several matchers (base64offset, expand), which the
	// all modifier treats as alternatives of one value.
	group int
}

type fcKind uint8

const (
	fcValues fcKind = iota // values linked by OR (AND with all)
	fcNull                 // field: null
	fcExists               // field|exists: bool
)

// fieldCond is one item of a selection map, or a keyword list (field "").
type fieldCond struct {
	field  string
	pos    Pos
	kind   fcKind
	all    bool
	neq    bool // the field exists and no value matches
	exists bool // fcExists
	// keyword (field-less) search: values match any field's value.
	keyword bool
	values  []valueMatcher
	// deferred expand: the values are compiled when placeholders are known.
	expand *expandItem
}

// expandItem keeps what is needed to compile an expand item later.
type expandItem struct {
	mods   []string
	values []*node
}

type modInfo struct {
	name string
	pos  Pos
}

var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true,
	"base64": true, "base64offset": true, "utf16le": true, "utf16be": true,
	"utf16": true, "wide": true, "windash": true, "re": true, "i": true,
	"m": true, "s": true, "cidr": true, "exists": true, "fieldref": true,
	"lt": true, "lte": true, "gt": true, "gte": true, "expand": true,
	"cased": true, "neq": true, "minute": true, "hour": true, "day": true,
	"week": true, "month": true, "year": true,
}

// compileItem builds the fieldCond for key (field|mods) and its value node.
// placeholders may be nil: an expand item is then checked and deferred.
func compileItem(key *node, val *node, placeholders map[string][]string) (*fieldCond, *Error) {
	parts := strings.Split(key.text, "|")
	fc := &fieldCond{field: parts[0], pos: key.pos}
	if fc.field == "" {
		fc.keyword = true
	}
	mods := parts[1:]
	if err := checkModifiers(key.pos, fc.keyword, mods); err != nil {
		return nil, err
	}
	return fc, fc.compileValues(key.pos, mods, val, placeholders)
}

func has(mods []string, m string) bool {
	for _, x := range mods {
		if x == m {
			return true
		}
	}
	return false
}

func indexOf(mods []string, m string) int {
	for i, x := range mods {
		if x == m {
			return i
		}
	}
	return -1
}

// checkModifiers validates the modifier chain alone.
func checkModifiers(p Pos, keyword bool, mods []string) *Error {
	seen := map[string]bool{}
	for _, m := range mods {
		if m == "" {
			return errAt(p, "empty modifier in %q", strings.Join(mods, "|"))
		}
		if !knownModifiers[m] {
			return errAt(p, "unknown modifier %q", m)
		}
		if seen[m] {
			return errAt(p, "modifier %q repeated", m)
		}
		seen[m] = true
	}
	count := func(names ...string) (n int, which []string) {
		for _, m := range names {
			if seen[m] {
				n++
				which = append(which, m)
			}
		}
		return
	}
	if n, w := count("contains", "startswith", "endswith"); n > 1 {
		return errAt(p, "modifiers %s cannot be combined", strings.Join(w, " and "))
	}
	if n, w := count("lt", "lte", "gt", "gte"); n > 1 {
		return errAt(p, "modifiers %s cannot be combined", strings.Join(w, " and "))
	}
	if n, w := count("utf16le", "utf16be", "utf16", "wide"); n > 1 {
		return errAt(p, "modifiers %s cannot be combined", strings.Join(w, " and "))
	}
	if n, w := count("minute", "hour", "day", "week", "month", "year"); n > 1 {
		return errAt(p, "modifiers %s cannot be combined", strings.Join(w, " and "))
	}
	if seen["base64"] && seen["base64offset"] {
		return errAt(p, "modifiers base64 and base64offset cannot be combined")
	}
	for _, sub := range []string{"i", "m", "s"} {
		if seen[sub] {
			if !seen["re"] {
				return errAt(p, "modifier %q is a sub-modifier of re and needs re before it", sub)
			}
			if indexOf(mods, sub) < indexOf(mods, "re") {
				return errAt(p, "modifier %q must follow re", sub)
			}
		}
	}
	// Modifiers that give the value a type of its own exclude the string ones.
	typed := []string{"re", "cidr", "exists", "fieldref", "lt", "lte", "gt", "gte", "minute", "hour", "day", "week", "month", "year"}
	stringMods := []string{"base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "windash", "expand"}
	for _, t := range typed {
		if !seen[t] {
			continue
		}
		for _, s := range stringMods {
			if seen[s] {
				return errAt(p, "modifier %s cannot be combined with %s", s, t)
			}
		}
	}
	exclusive := func(m string, allowed ...string) *Error {
		if !seen[m] {
			return nil
		}
		for _, x := range mods {
			if x == m {
				continue
			}
			ok := false
			for _, a := range allowed {
				if x == a {
					ok = true
				}
			}
			if !ok {
				return errAt(p, "modifier %s cannot be combined with %s", x, m)
			}
		}
		return nil
	}
	if err := exclusive("exists"); err != nil {
		return err
	}
	if err := exclusive("cidr", "all", "neq"); err != nil {
		return err
	}
	if err := exclusive("re", "i", "m", "s", "all", "neq"); err != nil {
		return err
	}
	if err := exclusive("fieldref", "contains", "startswith", "endswith", "cased", "all", "neq"); err != nil {
		return err
	}
	for _, t := range []string{"minute", "hour", "day", "week", "month", "year"} {
		if err := exclusive(t, "lt", "lte", "gt", "gte", "all", "neq"); err != nil {
			return err
		}
	}
	for _, c := range []string{"lt", "lte", "gt", "gte"} {
		if err := exclusive(c, "minute", "hour", "day", "week", "month", "year", "all"); err != nil {
			return err
		}
	}
	if seen["base64offset"] {
		i := indexOf(mods, "base64offset")
		if !has(mods[i+1:], "contains") {
			return errAt(p, "base64offset yields fragments of an encoded text and must be followed by contains")
		}
	}
	if seen["neq"] && seen["all"] {
		return errAt(p, "modifiers neq and all cannot be combined")
	}
	if keyword {
		for _, m := range []string{"exists", "fieldref", "neq"} {
			if seen[m] {
				return errAt(p, "modifier %s needs a field name", m)
			}
		}
	}
	return nil
}

// compileValues turns the value node(s) into matchers.
func (fc *fieldCond) compileValues(p Pos, mods []string, val *node, placeholders map[string][]string) *Error {
	var vals []*node
	switch val.kind {
	case kindSeq:
		if len(val.items) == 0 {
			return errAt(val.pos, "empty list of values for %q", fc.field)
		}
		for _, it := range val.items {
			if !it.scalar() {
				return errAt(it.pos, "a value must be a scalar, not a %s", it.kind)
			}
			if it.kind == kindNull {
				return errAt(it.pos, "null cannot be part of a list of values; use a separate selection with field: null")
			}
			vals = append(vals, it)
		}
	case kindMap:
		return errAt(val.pos, "value of %q must be a scalar or a list of scalars, not a map", fc.field)
	default:
		vals = []*node{val}
	}
	fc.all = has(mods, "all")
	fc.neq = has(mods, "neq")
	if fc.all && len(vals) == 1 {
		return errAt(p, "modifier all needs a list of at least two values (the specification forbids it on a single value)")
	}

	if len(vals) == 1 && vals[0].kind == kindNull {
		if len(mods) > 0 {
			return errAt(vals[0].pos, "null cannot take modifiers (%s)", strings.Join(mods, "|"))
		}
		if fc.keyword {
			return errAt(vals[0].pos, "a keyword cannot be null")
		}
		fc.kind = fcNull
		return nil
	}

	switch {
	case has(mods, "exists"):
		if len(vals) != 1 || vals[0].kind != kindBool {
			return errAt(vals[0].pos, "exists takes a single boolean, not %s", describe(vals[0]))
		}
		fc.kind = fcExists
		fc.exists = strings.EqualFold(vals[0].text, "true")
		return nil
	case has(mods, "re"):
		flags := ""
		for _, f := range []string{"i", "m", "s"} {
			if has(mods, f) {
				flags += f
			}
		}
		for gi, v := range vals {
			expr := v.text
			if c := unsupportedRegex(expr); c != "" {
				return errAt(v.pos, "regular expression %s uses %s, which the specification lists as unsupported", quoteShort(v.text), c)
			}
			if flags != "" {
				expr = "(?" + flags + ")" + expr
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return errAt(v.pos, "regular expression %s: %v", quoteShort(v.text), reError(err))
			}
			fc.values = append(fc.values, valueMatcher{kind: vmRegex, re: re, reLits: regexLiterals(expr), group: gi})
		}
		return nil
	case has(mods, "cidr"):
		for gi, v := range vals {
			pr, err := netip.ParsePrefix(strings.TrimSpace(v.text))
			if err != nil {
				return errAt(v.pos, "cidr %s: not an IPv4 or IPv6 network", quoteShort(v.text))
			}
			fc.values = append(fc.values, valueMatcher{kind: vmCIDR, prefix: pr.Masked(), group: gi})
		}
		return nil
	case has(mods, "fieldref"):
		pos := patEq
		switch {
		case has(mods, "contains"):
			pos = patContains
		case has(mods, "startswith"):
			pos = patPrefix
		case has(mods, "endswith"):
			pos = patSuffix
		}
		for gi, v := range vals {
			if v.kind != kindString || v.text == "" {
				return errAt(v.pos, "fieldref takes a field name, not %s", describe(v))
			}
			fc.values = append(fc.values, valueMatcher{kind: vmFieldRef, ref: v.text, refPos: pos, cased: has(mods, "cased"), group: gi})
		}
		return nil
	}

	part := timeNone
	for i, name := range []string{"minute", "hour", "day", "week", "month", "year"} {
		if has(mods, name) {
			part = timePart(i + 1)
		}
	}
	cmp := cmpNone
	for i, name := range []string{"lt", "lte", "gt", "gte"} {
		if has(mods, name) {
			cmp = cmpOp(i + 1)
		}
	}
	if part != timeNone || cmp != cmpNone {
		for gi, v := range vals {
			if v.kind != kindInt && v.kind != kindFloat {
				return errAt(v.pos, "%s needs a number, not %s", strings.Join(mods, "|"), describe(v))
			}
			f, err := parseNumber(v.text)
			if err != nil {
				return errAt(v.pos, "%s: %s is not a number", strings.Join(mods, "|"), v.text)
			}
			fc.values = append(fc.values, valueMatcher{kind: vmNumber, cmp: cmp, num: f, part: part, group: gi})
		}
		return nil
	}

	if has(mods, "expand") && placeholders == nil {
		// Check now, compile when the placeholders are known.
		some := false
		for _, v := range vals {
			some = some || parseSigmaString(v.text, true).hasPlaceholder()
		}
		if !some {
			return errAt(vals[0].pos, "expand on %s, which has no %%placeholder%%", quoteShort(vals[0].text))
		}
		if _, _, err := stringValues(mods, vals, func(string) ([]string, bool) { return []string{"x"}, true }); err != nil {
			return err
		}
		fc.expand = &expandItem{mods: mods, values: vals}
		return nil
	}
	lookup := func(name string) ([]string, bool) {
		v, ok := placeholders[name]
		return v, ok
	}
	strs, groups, err := stringValues(mods, vals, lookup)
	if err != nil {
		return err
	}
	cased := has(mods, "cased")
	implicitContains := fc.keyword && !has(mods, "contains") && !has(mods, "startswith") && !has(mods, "endswith")
	for i, s := range strs {
		if implicitContains {
			s = wrapStars(s, true, true)
		}
		fc.values = append(fc.values, valueMatcher{kind: vmPattern, pat: compilePattern(s, cased), group: groups[i]})
	}
	return nil
}

// stringValues applies the string modifiers in order to every value. It
// returns the resulting strings and, for each, the index of the value it
// came from.
func stringValues(mods []string, vals []*node, lookup func(string) ([]string, bool)) ([]sstring, []int, *Error) {
	expand := has(mods, "expand")
	type item struct {
		s     sstring
		pos   Pos
		group int
	}
	var cur []item
	for i, v := range vals {
		if v.kind == kindMap || v.kind == kindSeq {
			return nil, nil, errAt(v.pos, "a value must be a scalar")
		}
		cur = append(cur, item{parseSigmaString(v.text, expand), v.pos, i})
	}
	for _, m := range mods {
		var next []item
		for _, it := range cur {
			switch m {
			case "expand":
				outs, err := expandPlaceholders(it.s, it.pos, lookup)
				if err != nil {
					return nil, nil, err
				}
				for _, o := range outs {
					next = append(next, item{o, it.pos, it.group})
				}
			case "utf16le", "wide", "utf16be", "utf16", "base64", "base64offset":
				text, ok := it.s.plain()
				if !ok {
					return nil, nil, errAt(it.pos, "%s cannot encode %s: it contains wildcards (apply contains, startswith or endswith after the encoding)", m, quoteShort(it.s.String()))
				}
				for _, enc := range encode(m, text) {
					next = append(next, item{sstring{{kind: tokLit, s: enc}}, it.pos, it.group})
				}
			case "windash":
				next = append(next, item{it.s.windash(), it.pos, it.group})
			case "contains":
				next = append(next, item{wrapStars(it.s, true, true), it.pos, it.group})
			case "startswith":
				next = append(next, item{wrapStars(it.s, false, true), it.pos, it.group})
			case "endswith":
				next = append(next, item{wrapStars(it.s, true, false), it.pos, it.group})
			default: // all, cased, neq: flags handled by the caller
				next = append(next, it)
			}
		}
		cur = next
	}
	out := make([]sstring, len(cur))
	groups := make([]int, len(cur))
	for i, it := range cur {
		if it.s.hasPlaceholder() {
			return nil, nil, errAt(it.pos, "placeholder in %s needs the expand modifier to be used", quoteShort(it.s.String()))
		}
		out[i], groups[i] = it.s, it.group
	}
	return out, groups, nil
}

func wrapStars(s sstring, before, after bool) sstring {
	out := make(sstring, 0, len(s)+2)
	if before && (len(s) == 0 || s[0].kind != tokStar) {
		out = append(out, stok{kind: tokStar})
	}
	out = append(out, s...)
	if after && (len(s) == 0 || s[len(s)-1].kind != tokStar) {
		out = append(out, stok{kind: tokStar})
	}
	return out
}

// expandPlaceholders replaces each placeholder by each of its values
// (values are Sigma strings themselves, so they may hold wildcards).
func expandPlaceholders(s sstring, p Pos, lookup func(string) ([]string, bool)) ([]sstring, *Error) {
	outs := []sstring{nil}
	for _, t := range s {
		if t.kind != tokPlaceholder {
			for i := range outs {
				outs[i] = append(outs[i], t)
			}
			continue
		}
		vals, ok := lookup(t.s)
		if !ok {
			return nil, errAt(p, "placeholder %%%s%% has no values, and a rule whose placeholders cannot be resolved is refused", t.s)
		}
		if len(vals) == 0 {
			return nil, errAt(p, "placeholder %%%s%% has an empty list of values", t.s)
		}
		if len(outs)*len(vals) > 4096 {
			return nil, errAt(p, "placeholders expand to more than 4096 values")
		}
		var next []sstring
		for _, o := range outs {
			for _, v := range vals {
				n := append(append(sstring{}, o...), parseSigmaString(v, false)...)
				next = append(next, n)
			}
		}
		outs = next
	}
	return outs, nil
}

// encode applies an encoding modifier to plain text.
func encode(m, text string) []string {
	switch m {
	case "utf16le", "wide":
		return []string{string(utf16Bytes(text, binary.LittleEndian, false))}
	case "utf16be":
		return []string{string(utf16Bytes(text, binary.BigEndian, false))}
	case "utf16":
		return []string{string(utf16Bytes(text, binary.LittleEndian, true))}
	case "base64":
		return []string{base64.StdEncoding.EncodeToString([]byte(text))}
	case "base64offset":
		return base64Offsets([]byte(text))
	}
	return []string{text}
}

func utf16Bytes(s string, order binary.AppendByteOrder, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2*len(units)+2)
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range units {
		out = order.AppendUint16(out, u)
	}
	return out
}

// base64Offsets returns, for the value placed at byte offset 0, 1 and 2 of
// a longer text, the base64 characters that depend on the value alone.
// Character k encodes bits [6k, 6k+6) of the text; with the value at
// offset o it occupies bits [8o, 8(o+n)), so the characters fully inside
// are those with 6k >= 8o and 6k+6 <= 8(o+n).
func base64Offsets(v []byte) []string {
	var out []string
	for o := 0; o < 3; o++ {
		buf := make([]byte, o+len(v))
		copy(buf[o:], v)
		enc := base64.RawStdEncoding.EncodeToString(buf)
		first := (8*o + 5) / 6
		last := (8 * (o + len(v))) / 6 // exclusive
		if last > len(enc) {
			last = len(enc)
		}
		if first < last {
			out = append(out, enc[first:last])
		}
	}
	return out
}

func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, nil
	}
	i, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return 0, err
	}
	return float64(i), nil
}

// unsupportedRegex names a construct of expr that the modifiers appendix
// excludes from Sigma's regular expression flavour, or returns "".
func unsupportedRegex(expr string) string {
	for _, c := range []struct{ s, name string }{
		{"(?<=", "a positive lookbehind (?<=...)"},
		{"(?<!", "a negative lookbehind (?<!...)"},
		{"(?=", "a positive lookahead (?=...)"},
		{"(?!", "a negative lookahead (?!...)"},
		{"(?>", "an atomic group (?>...)"},
		{"[[:", "a POSIX character class [[:...:]]"},
	} {
		if i := strings.Index(expr, c.s); i >= 0 && (i == 0 || expr[i-1] != '\\') {
			return c.name
		}
	}
	return ""
}

// reError shortens regexp errors to the part that helps a rule author.
func reError(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// timeLayouts are tried in order to read a timestamp for the time modifiers.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (m *valueMatcher) matchNumber(v string) bool {
	var x float64
	if m.part != timeNone {
		t, ok := parseTime(strings.TrimSpace(v))
		if !ok {
			return false
		}
		switch m.part {
		case timeMinute:
			x = float64(t.Minute())
		case timeHour:
			x = float64(t.Hour())
		case timeDay:
			x = float64(t.Day())
		case timeWeek:
			_, w := t.ISOWeek()
			x = float64(w)
		case timeMonth:
			x = float64(t.Month())
		case timeYear:
			x = float64(t.Year())
		}
	} else {
		f, err := parseNumber(v)
		if err != nil {
			return false
		}
		x = f
	}
	switch m.cmp {
	case cmpLT:
		return x < m.num
	case cmpLTE:
		return x <= m.num
	case cmpGT:
		return x > m.num
	case cmpGTE:
		return x >= m.num
	}
	return x == m.num
}

func (m *valueMatcher) matchCIDR(v string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(v))
	if err != nil {
		return false
	}
	if m.prefix.Addr().Is4() {
		a = a.Unmap()
	}
	return m.prefix.Contains(a)
}
