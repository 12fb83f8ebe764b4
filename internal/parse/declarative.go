package parse

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// DeclarativeFormat is a format compiled from a YAML file (see
// CompileFormat). It is read-only after compilation and safe for
// concurrent use.
//
// Parse runs, in order:
//
//  1. the match rules: a line that fails them is an error ("not this
//     format");
//  2. the steps, each extracting fields from the message or from a field
//     an earlier step extracted (regex with named groups, key=value, CSV
//     with a column list, JSON); a step that does not fit is an error
//     unless it is optional, and stops the steps;
//  3. the version selector: the first version whose condition holds (a
//     field is present, and/or the message matches a regex) names
//     ev.FormatVersion and runs its own steps (a column list per firmware
//     release, say);
//  4. field types: ip, int and timestamp values are checked; a value of
//     the wrong type stays as it was written but is not copied to ECS, and
//     is reported as an error; the timestamp marked time: true sets
//     ev.Time;
//  5. observer constants and the ECS mapping.
//
// Extracted fields keep the names the file gives them, in the order found;
// extra CSV columns are kept as column_<n>. Fields whose names start with
// '_' are scratch values for later steps and are not kept. A format with
// versions where none matches the line is ErrNoVersion (a firmware the
// file does not know yet).
type DeclarativeFormat struct {
	name, description, file string
	observer                [3]string // vendor, product, type
	match                   declMatch
	steps                   []declStep
	versions                []declVersion
	fields                  []declField
	ecs                     []declECS
}

var (
	_ Parser   = (*DeclarativeFormat)(nil)
	_ Detector = (*DeclarativeFormat)(nil)
)

// Name returns the format's name.
func (f *DeclarativeFormat) Name() string { return f.name }

// File returns the file the format was compiled from.
func (f *DeclarativeFormat) File() string { return f.file }

// Description returns the file's description.
func (f *DeclarativeFormat) Description() string { return f.description }

type declMatch struct {
	programs []string
	prefix   string
	contains []string
	re       *condRE
	score    int
}

func (m *declMatch) ok(s, app string) bool {
	if len(m.programs) > 0 {
		found := false
		for _, p := range m.programs {
			if p == app {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if m.prefix != "" && !strings.HasPrefix(s, m.prefix) {
		return false
	}
	for _, c := range m.contains {
		if !strings.Contains(s, c) {
			return false
		}
	}
	return m.re == nil || m.re.MatchString(s)
}

// okBytes is ok for a message not yet turned into a string.
func (m *declMatch) okBytes(b []byte, app string) bool {
	if len(m.programs) > 0 && !slices.Contains(m.programs, app) {
		return false
	}
	if m.prefix != "" && !bytes.HasPrefix(b, []byte(m.prefix)) {
		return false
	}
	for _, c := range m.contains {
		if !bytes.Contains(b, []byte(c)) {
			return false
		}
	}
	return m.re == nil || m.re.matchBytes(b)
}

// condRE is a regular expression used as a condition. An anchored
// literal ("^1,") is tested with a prefix comparison, which is much
// cheaper than running the regexp.
type condRE struct {
	re     *regexp.Regexp
	prefix string // set when the expression is ^literal
}

func newCondRE(src string) (*condRE, error) {
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	c := &condRE{re: re}
	if rest, ok := strings.CutPrefix(src, "^"); ok {
		if lit, err := regexp.Compile(rest); err == nil {
			if p, complete := lit.LiteralPrefix(); complete && p != "" {
				c.prefix = p
			}
		}
	}
	return c, nil
}

func (c *condRE) MatchString(s string) bool {
	if c.prefix != "" {
		return strings.HasPrefix(s, c.prefix)
	}
	return c.re.MatchString(s)
}

func (c *condRE) matchBytes(b []byte) bool {
	if c.prefix != "" {
		return bytes.HasPrefix(b, []byte(c.prefix))
	}
	return c.re.Match(b)
}

type stepKind uint8

const (
	stepRegex stepKind = iota
	stepKV
	stepCSV
	stepJSON
)

func (k stepKind) String() string {
	return [...]string{"regex", "kv", "csv", "json"}[k]
}

type declStep struct {
	kind        stepKind
	from        string
	optional    bool
	re          *regexp.Regexp
	litPrefix   string // what an anchored regex's matches start with
	sep, assign string
	quote       string
	columns     []string
	paths       map[string]string
}

type declVersion struct {
	name      string
	whenField string
	whenRE    *condRE
	steps     []declStep
}

type fieldType uint8

const (
	typeString fieldType = iota
	typeIP
	typeInt
	typeTimestamp
)

type declField struct {
	name   string
	typ    fieldType
	layout string
	zone   *time.Location // nil: the device zone
	time   bool
}

type declECS struct {
	name   string
	from   []string
	value  string
	values map[string]string
	def    *string // nil: values not in the table pass through
}

// Detect scores the match rules: the file's match.score when they hold.
func (f *DeclarativeFormat) Detect(msg []byte, app string) int {
	if f.match.okBytes(msg, app) {
		return f.match.score
	}
	return 0
}

func (f *DeclarativeFormat) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	if !f.match.ok(s, syslogAppName(ev)) {
		return fmt.Errorf("%s: line does not match the format's match rules", f.name)
	}
	first := len(ev.Fields)
	fs := newFieldSet(ev)
	err := f.run(f.steps, s, ev, &fs, first)
	matched := false
	for i := range f.versions {
		v := &f.versions[i]
		if v.whenField != "" && !fs.has(ev, v.whenField) {
			continue
		}
		if v.whenRE != nil && !v.whenRE.MatchString(s) {
			continue
		}
		ev.FormatVersion = v.name
		matched = true
		if err == nil {
			err = f.run(v.steps, s, ev, &fs, first)
		}
		break
	}
	if len(f.versions) > 0 && !matched && err == nil {
		err = fmt.Errorf("%s: %w", f.name, ErrNoVersion)
	}
	var buf [32]typedResult
	typed, terr := f.types(ev, first, loc, buf[:0])
	if err == nil {
		err = terr
	}
	add := func(name, v string) { fs.add(ev, name, v) }
	add("observer.vendor", f.observer[0])
	add("observer.product", f.observer[1])
	add("observer.type", f.observer[2])
	for i := range f.ecs {
		m := &f.ecs[i]
		if m.from == nil {
			add(m.name, m.value)
			continue
		}
		for _, src := range m.from {
			v, ok := typedValue(ev, first, typed, f.fields, src)
			if !ok {
				continue
			}
			if t, ok := m.values[v]; ok {
				v = t
			} else if m.def != nil {
				v = *m.def
			}
			add(m.name, v)
			break
		}
	}
	dropScratch(ev, first)
	return err
}

// ErrNoVersion is returned by a declarative format with versions when none
// of them matches the line: a firmware the file does not know yet.
var ErrNoVersion = errors.New("no version of the format matches the line")

// dropScratch removes the fields, from first on, whose names start with
// '_': values extracted only for later steps.
func dropScratch(ev *event.Event, first int) {
	out := first
	for i := first; i < len(ev.Fields); i++ {
		if strings.HasPrefix(ev.Fields[i].Name, "_") {
			continue
		}
		ev.Fields[out] = ev.Fields[i]
		out++
	}
	ev.Fields = ev.Fields[:out]
}

// run applies steps in order.
func (f *DeclarativeFormat) run(steps []declStep, msg string, ev *event.Event, fs *fieldSet, first int) error {
	for i := range steps {
		st := &steps[i]
		src := msg
		if st.from != "" {
			v, ok := fieldAfter(ev, first, st.from)
			if !ok {
				if st.optional {
					continue
				}
				return fmt.Errorf("%s: step %d (%s): no field %q to read", f.name, i+1, st.kind, st.from)
			}
			src = v
		}
		var ok bool
		switch st.kind {
		case stepRegex:
			ok = st.regex(src, ev, fs)
		case stepKV:
			ok = st.kv(src, ev, fs)
		case stepCSV:
			ok = st.csv(src, ev, fs)
		case stepJSON:
			ok = st.json(src, ev, fs)
		}
		if !ok && !st.optional {
			return fmt.Errorf("%s: step %d (%s) does not fit the line", f.name, i+1, st.kind)
		}
	}
	return nil
}

// fieldAfter returns the first field named name from ev.Fields[first:].
func fieldAfter(ev *event.Event, first int, name string) (string, bool) {
	for _, fl := range ev.Fields[first:] {
		if fl.Name == name {
			return fl.Value, true
		}
	}
	return "", false
}

func (st *declStep) regex(s string, ev *event.Event, fs *fieldSet) bool {
	if st.litPrefix != "" && !strings.HasPrefix(s, st.litPrefix) {
		return false // an anchored expression whose literal start is missing
	}
	m := st.re.FindStringSubmatchIndex(s)
	if m == nil {
		return false
	}
	for i, name := range st.re.SubexpNames() {
		if name != "" && m[2*i] >= 0 {
			fs.add(ev, name, s[m[2*i]:m[2*i+1]])
		}
	}
	return true
}

// kv reads key<assign>value pairs separated by sep (a space separator
// stands for any run of spaces). A value may be quoted, with a backslash
// escaping the quote. Text that is not a pair is skipped. It fits when at
// least one pair is found.
func (st *declStep) kv(s string, ev *event.Event, fs *fieldSet) bool {
	n := 0
	for s != "" {
		if st.sep == " " {
			s = strings.TrimLeft(s, " ")
		}
		a := strings.Index(s, st.assign)
		if a < 0 {
			break
		}
		next := strings.Index(s, st.sep)
		if next >= 0 && next < a {
			s = s[next+len(st.sep):] // a word without the assign: skip it
			continue
		}
		k := strings.TrimSpace(s[:a])
		rest := s[a+len(st.assign):]
		var v string
		if st.quote != "" && strings.HasPrefix(rest, st.quote) {
			end, escaped := closingQuoteOf(rest, 1, st.quote[0])
			v = rest[1:min(end, len(rest))]
			if escaped {
				v = unescapeBackslash(v, st.quote[0])
			}
			rest = rest[min(end+1, len(rest)):]
			if i := strings.Index(rest, st.sep); i >= 0 {
				rest = rest[i+len(st.sep):]
			} else {
				rest = ""
			}
		} else if i := strings.Index(rest, st.sep); i >= 0 {
			v, rest = rest[:i], rest[i+len(st.sep):]
		} else {
			v, rest = rest, ""
		}
		if k != "" {
			fs.add(ev, k, v)
			n++
		}
		s = rest
	}
	return n > 0
}

// closingQuoteOf finds the quote q that closes a value starting at i.
func closingQuoteOf(s string, i int, q byte) (int, bool) {
	escaped := false
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			escaped = true
			i++
		case q:
			return i, escaped
		}
	}
	return len(s), escaped
}

func unescapeBackslash(v string, q byte) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && (v[i+1] == q || v[i+1] == '\\') {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// csv splits one line of delimiter-separated values (RFC 4180 quoting:
// a quoted value may hold the delimiter, and "" stands for a quote) and
// names them by the column list. Extra values are column_<n> (1-based).
// It fits when the line has at least one value.
func (st *declStep) csv(s string, ev *event.Event, fs *fieldSet) bool {
	d := st.sep[0]
	col := 0
	for i := 0; i <= len(s); col++ {
		var v string
		if st.quote != "" && i < len(s) && s[i] == st.quote[0] {
			q := st.quote[0]
			j := i + 1
			doubled := false
			for j < len(s) {
				if s[j] == q {
					if j+1 < len(s) && s[j+1] == q {
						doubled = true
						j += 2
						continue
					}
					break
				}
				j++
			}
			v = s[i+1 : min(j, len(s))]
			if doubled {
				v = strings.ReplaceAll(v, string([]byte{q, q}), string(q))
			}
			i = j + 1
			if i < len(s) && s[i] != d {
				// Text after the closing quote belongs to the value.
				k := strings.IndexByte(s[i:], d)
				if k < 0 {
					k = len(s) - i
				}
				v += s[i : i+k]
				i += k
			}
			i++ // the delimiter
		} else {
			k := strings.IndexByte(s[i:], d)
			if k < 0 {
				k = len(s) - i
			}
			v = s[i : i+k]
			i += k + 1
		}
		name := ""
		if col < len(st.columns) {
			name = st.columns[col]
		} else {
			name = fmt.Sprintf("column_%d", col+1)
		}
		if name != "-" && name != "" {
			fs.add(ev, name, v)
		}
	}
	return col > 0 && s != ""
}

// json flattens a JSON object (as the json format does) and keeps every
// member, or only the paths listed, under their new names.
func (st *declStep) json(s string, ev *event.Event, fs *fieldSet) bool {
	start := strings.IndexByte(s, '{')
	if start < 0 {
		return false
	}
	if st.paths == nil {
		p := jsonFlattener{s: s, i: start, ev: ev, fs: *fs}
		err := p.object("", 1)
		*fs = p.fs
		return err == nil
	}
	tmp := &event.Event{}
	p := jsonFlattener{s: s, i: start, ev: tmp, fs: newFieldSet(tmp)}
	err := p.object("", 1)
	for _, fl := range tmp.Fields {
		if name, ok := st.paths[fl.Name]; ok {
			fs.add(ev, name, fl.Value)
		}
	}
	return err == nil
}

// typedResult is a field's value after its type check.
type typedResult struct {
	v  string
	ok bool // present and of its type
}

// types checks the typed fields, sets ev.Time, and returns the checked
// values (aligned with f.fields) and the first type error.
func (f *DeclarativeFormat) types(ev *event.Event, first int, loc *time.Location, out []typedResult) ([]typedResult, error) {
	if len(f.fields) == 0 {
		return nil, nil
	}
	out = append(out[:0], make([]typedResult, len(f.fields))...)
	var err error
	for i := range f.fields {
		df := &f.fields[i]
		v, ok := fieldAfter(ev, first, df.name)
		if !ok {
			continue
		}
		tv, good := v, true
		switch df.typ {
		case typeIP:
			a, perr := netip.ParseAddr(v)
			good = perr == nil
			if good && a.Is4In6() {
				tv = a.Unmap().String()
			}
		case typeInt:
			good = isSignedInt(v)
		case typeTimestamp:
			var t time.Time
			t, good = df.parseTime(v, loc)
			if good && df.time {
				ev.Time = t
			}
		}
		if !good && err == nil {
			err = fmt.Errorf("%s: field %s: %q is not %s", f.name, df.name, v, df.typ)
		}
		out[i] = typedResult{v: tv, ok: good}
	}
	return out, err
}

func (t fieldType) String() string {
	return [...]string{"a string", "an IP address", "an integer", "a timestamp in the file's layout"}[t]
}

func isSignedInt(v string) bool {
	if v != "" && (v[0] == '-' || v[0] == '+') {
		v = v[1:]
	}
	return isDigitsOnly(v)
}

func (df *declField) parseTime(v string, loc *time.Location) (time.Time, bool) {
	if df.layout == "unix" {
		return epochTime(v)
	}
	z := df.zone
	if z == nil {
		z = locOrUTC(loc)
	}
	t, err := time.ParseInLocation(df.layout, v, z)
	return t, err == nil
}

// typedValue returns the value of field name for the ECS mapping: the
// type-checked value when the field has a type (absent when it failed the
// check), else the value as extracted.
func typedValue(ev *event.Event, first int, typed []typedResult, fields []declField, name string) (string, bool) {
	for i := range fields {
		if fields[i].name == name {
			if typed == nil || !typed[i].ok {
				return "", false
			}
			return typed[i].v, true
		}
	}
	return fieldAfter(ev, first, name)
}
