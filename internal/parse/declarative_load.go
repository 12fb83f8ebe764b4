package parse

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/syslog"
)

// Declarative formats: a format defined in a YAML file (formats/README.md
// describes the schema for operators). This file decodes and validates a
// file; declarative.go runs the compiled format; declarative_registry.go
// keeps a directory of them current.
//
// Decoding is strict (an unknown key is an error) and validation reports
// every problem with the file, line and column of the offending value.

// FormatError lists the problems that made a format file unusable.
type FormatError struct {
	File     string
	Problems []FormatProblem
}

// FormatProblem is one problem at a position of a format file; Line and
// Column start at 1 and are 0 when unknown.
type FormatProblem struct {
	Line, Column int
	Path         string // YAML path, e.g. $.steps[1].regex
	Msg          string
}

func (e *FormatError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "%s:%d:%d: %s", e.File, p.Line, p.Column, p.Msg)
		} else {
			fmt.Fprintf(&b, "%s: %s", e.File, p.Msg)
		}
	}
	return b.String()
}

// formatFile is the YAML schema of a format file.
type formatFile struct {
	Format      string                `yaml:"format"`
	Description string                `yaml:"description"`
	Source      string                `yaml:"source"`
	Observer    *observerSpec         `yaml:"observer"`
	Match       *matchSpec            `yaml:"match"`
	Steps       []stepSpec            `yaml:"steps"`
	Versions    []versionSpec         `yaml:"versions"`
	Fields      map[string]*fieldSpec `yaml:"fields"`
	ECS         []ecsSpec             `yaml:"ecs"`
	Examples    []exampleSpec         `yaml:"examples"`
}

type observerSpec struct {
	Vendor  string `yaml:"vendor"`
	Product string `yaml:"product"`
	Type    string `yaml:"type"`
}

type matchSpec struct {
	Program  nameList `yaml:"program"`
	Prefix   string   `yaml:"prefix"`
	Contains nameList `yaml:"contains"`
	Regex    string   `yaml:"regex"`
	Score    *int     `yaml:"score"`
}

type stepSpec struct {
	From     string    `yaml:"from"`
	Optional bool      `yaml:"optional"`
	Regex    *string   `yaml:"regex"`
	KV       *kvSpec   `yaml:"kv"`
	CSV      *csvSpec  `yaml:"csv"`
	JSON     *jsonSpec `yaml:"json"`
}

type kvSpec struct {
	Separator *string `yaml:"separator"`
	Assign    *string `yaml:"assign"`
	Quote     *string `yaml:"quote"`
}

type csvSpec struct {
	Delimiter *string  `yaml:"delimiter"`
	Quote     *string  `yaml:"quote"`
	Columns   []string `yaml:"columns"`
}

type jsonSpec struct {
	Paths map[string]string `yaml:"paths"`
}

type versionSpec struct {
	Name  string     `yaml:"name"`
	When  *whenSpec  `yaml:"when"`
	Steps []stepSpec `yaml:"steps"`
}

type whenSpec struct {
	Field string `yaml:"field"`
	Regex string `yaml:"regex"`
}

type fieldSpec struct {
	Type   string `yaml:"type"`
	Layout string `yaml:"layout"`
	Zone   string `yaml:"zone"`
	Time   bool   `yaml:"time"`
}

type ecsSpec struct {
	Name    string            `yaml:"name"`
	From    nameList          `yaml:"from"`
	Value   *string           `yaml:"value"`
	Values  map[string]string `yaml:"values"`
	Default *string           `yaml:"default"`
}

type exampleSpec struct {
	Line    string            `yaml:"line"`
	Version *string           `yaml:"version"`
	Time    string            `yaml:"time"`
	Error   string            `yaml:"error"`
	Fields  map[string]string `yaml:"fields"`
	Absent  []string          `yaml:"absent"`
}

// nameList is a string or a list of strings.
type nameList []string

func (n *nameList) UnmarshalYAML(unmarshal func(any) error) error {
	var one string
	if err := unmarshal(&one); err == nil {
		*n = nameList{one}
		return nil
	}
	var many []string
	if err := unmarshal(&many); err != nil {
		return errors.New("want a string or a list of strings")
	}
	*n = many
	return nil
}

// Limits that keep a hostile or mistaken file from exhausting memory.
const (
	maxFormatFileBytes = 1 << 20
	maxFormatSteps     = 64
)

var (
	formatNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	fieldNameRE  = regexp.MustCompile(`^[^\s\x00-\x1f"]{1,128}$`)
)

// reservedFormatNames cannot be declared: the ingest pipeline's header-only
// format and auto-detection.
var reservedFormatNames = map[string]bool{"syslog": true, "auto": true}

// LoadFormatFile reads and compiles one format file. Errors are a
// *FormatError (or a read error wrapped with the path).
func LoadFormatFile(path string) (*DeclarativeFormat, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read format file: %w", err)
	}
	return CompileFormat(path, b)
}

// CompileFormat decodes, validates and compiles the format file src; name
// is used in messages. The format's examples are run and must pass.
func CompileFormat(name string, src []byte) (*DeclarativeFormat, error) {
	if len(src) > maxFormatFileBytes {
		return nil, &FormatError{File: name, Problems: []FormatProblem{{Msg: fmt.Sprintf("file larger than %d bytes", maxFormatFileBytes)}}}
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return nil, &FormatError{File: name, Problems: []FormatProblem{{Msg: "empty file"}}}
	}
	var ff formatFile
	if err := yaml.UnmarshalWithOptions(src, &ff, yaml.DisallowUnknownField(), yaml.Strict()); err != nil {
		p := FormatProblem{Msg: err.Error()}
		var ye yaml.Error
		if errors.As(err, &ye) {
			p.Msg = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Column = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, &FormatError{File: name, Problems: []FormatProblem{p}}
	}
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, &FormatError{File: name, Problems: []FormatProblem{{Msg: err.Error()}}}
	}
	c := compiler{file: file}
	f := c.compile(&ff)
	if len(c.problems) == 0 {
		c.runExamples(f, &ff)
	}
	if len(c.problems) > 0 {
		return nil, &FormatError{File: name, Problems: c.problems}
	}
	f.file = name
	return f, nil
}

// compiler turns a decoded file into a DeclarativeFormat, collecting
// problems with their positions.
type compiler struct {
	file     *ast.File
	problems []FormatProblem
}

func (c *compiler) bad(path, format string, args ...any) {
	p := FormatProblem{Path: path, Msg: strings.TrimPrefix(path, "$.") + ": " + fmt.Sprintf(format, args...)}
	p.Line, p.Column = yamlPosition(c.file, path)
	c.problems = append(c.problems, p)
}

// yamlPosition finds the line and column of the node at path.
func yamlPosition(f *ast.File, path string) (int, int) {
	for path != "$" && path != "" {
		p, err := yaml.PathString(path)
		if err == nil {
			if n, err := p.FilterFile(f); err == nil && n != nil {
				if tk := n.GetToken(); tk != nil && tk.Position != nil {
					return tk.Position.Line, tk.Position.Column
				}
			}
		}
		// Fall back to the enclosing node.
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			break
		}
		path = path[:i]
	}
	return 0, 0
}

// key quotes a map key for a YAML path when it has characters the path
// syntax reserves.
func key(k string) string {
	if strings.ContainsAny(k, ".[]'*@$ ") {
		return "'" + strings.ReplaceAll(k, "'", `\'`) + "'"
	}
	return k
}

func (c *compiler) compile(ff *formatFile) *DeclarativeFormat {
	f := &DeclarativeFormat{name: ff.Format, description: ff.Description}
	switch {
	case ff.Format == "":
		c.bad("$.format", "required: the name devices use for this format")
	case !formatNameRE.MatchString(ff.Format):
		c.bad("$.format", "%q: want a lower-case letter, then lower-case letters, digits or '_' (at most 64)", ff.Format)
	case reservedFormatNames[ff.Format]:
		c.bad("$.format", "%q is reserved", ff.Format)
	default:
		if _, builtin := builtins.byName[ff.Format]; builtin {
			c.bad("$.format", "%q is a built-in format and cannot be redefined", ff.Format)
		}
	}
	if ff.Observer != nil {
		f.observer = [3]string{ff.Observer.Vendor, ff.Observer.Product, ff.Observer.Type}
	}
	c.compileMatch(ff.Match, f)
	if len(ff.Steps) == 0 && len(ff.Versions) == 0 {
		c.bad("$.steps", "required: at least one step (or versions with steps)")
	}
	if len(ff.Steps) > maxFormatSteps {
		c.bad("$.steps", "more than %d steps", maxFormatSteps)
	}
	f.steps = c.compileSteps("$.steps", ff.Steps)
	seen := map[string]bool{}
	for i, v := range ff.Versions {
		path := fmt.Sprintf("$.versions[%d]", i)
		dv := declVersion{name: v.Name}
		switch {
		case v.Name == "":
			c.bad(path+".name", "required")
		case seen[v.Name]:
			c.bad(path+".name", "version %q named twice", v.Name)
		}
		seen[v.Name] = true
		if v.When == nil || v.When.Field == "" && v.When.Regex == "" {
			c.bad(path+".when", "required: field (present) or regex (on the message), or both")
		} else {
			dv.whenField = v.When.Field
			if v.When.Regex != "" {
				re, err := newCondRE(v.When.Regex)
				if err != nil {
					c.bad(path+".when.regex", "%v", err)
				}
				dv.whenRE = re
			}
		}
		if len(v.Steps) > maxFormatSteps {
			c.bad(path+".steps", "more than %d steps", maxFormatSteps)
		}
		dv.steps = c.compileSteps(path+".steps", v.Steps)
		f.versions = append(f.versions, dv)
	}
	c.compileFields(ff, f)
	c.compileECS(ff.ECS, f)
	return f
}

func (c *compiler) compileMatch(m *matchSpec, f *DeclarativeFormat) {
	if m == nil {
		c.bad("$.match", "required: how to recognise a line (program, prefix, contains or regex)")
		return
	}
	if len(m.Program) == 0 && m.Prefix == "" && len(m.Contains) == 0 && m.Regex == "" {
		c.bad("$.match", "give at least one of program, prefix, contains, regex")
	}
	f.match.programs = m.Program
	f.match.prefix = m.Prefix
	for i, s := range m.Contains {
		if s == "" {
			c.bad(fmt.Sprintf("$.match.contains[%d]", i), "empty string")
		}
	}
	f.match.contains = m.Contains
	if m.Regex != "" {
		re, err := newCondRE(m.Regex)
		if err != nil {
			c.bad("$.match.regex", "%v", err)
		}
		f.match.re = re
	}
	f.match.score = ScoreStrong + 10
	if m.Score != nil {
		if *m.Score < 1 || *m.Score > ScoreCertain {
			c.bad("$.match.score", "%d is outside 1 to %d", *m.Score, ScoreCertain)
		}
		f.match.score = *m.Score
	}
}

func (c *compiler) compileSteps(path string, specs []stepSpec) []declStep {
	var out []declStep
	for i, s := range specs {
		p := fmt.Sprintf("%s[%d]", path, i)
		st := declStep{from: s.From, optional: s.Optional}
		if s.From != "" && !fieldNameRE.MatchString(s.From) {
			c.bad(p+".from", "%q is not a field name", s.From)
		}
		kinds := 0
		if s.Regex != nil {
			kinds++
			st.kind = stepRegex
			re, err := regexp.Compile(*s.Regex)
			switch {
			case err != nil:
				c.bad(p+".regex", "%v", err)
			default:
				st.re = re
				if rest, ok := strings.CutPrefix(*s.Regex, "^"); ok {
					if lit, err := regexp.Compile(rest); err == nil {
						st.litPrefix, _ = lit.LiteralPrefix()
					}
				}
				named := 0
				for _, n := range re.SubexpNames() {
					if n != "" {
						named++
					}
				}
				if named == 0 {
					c.bad(p+".regex", "no named group (?P<name>...): the step would extract nothing")
				}
			}
		}
		if s.KV != nil {
			kinds++
			st.kind = stepKV
			st.sep, st.assign, st.quote = " ", "=", `"`
			if s.KV.Separator != nil {
				st.sep = *s.KV.Separator
			}
			if s.KV.Assign != nil {
				st.assign = *s.KV.Assign
			}
			if s.KV.Quote != nil {
				st.quote = *s.KV.Quote
			}
			if st.sep == "" {
				c.bad(p+".kv.separator", "empty")
			}
			if st.assign == "" {
				c.bad(p+".kv.assign", "empty")
			}
			if len(st.quote) > 1 {
				c.bad(p+".kv.quote", "%q: want one character or empty", st.quote)
			}
		}
		if s.CSV != nil {
			kinds++
			st.kind = stepCSV
			st.sep, st.quote = ",", `"`
			if s.CSV.Delimiter != nil {
				st.sep = *s.CSV.Delimiter
			}
			if s.CSV.Quote != nil {
				st.quote = *s.CSV.Quote
			}
			if len(st.sep) != 1 {
				c.bad(p+".csv.delimiter", "%q: want one character", st.sep)
			}
			if len(st.quote) > 1 {
				c.bad(p+".csv.quote", "%q: want one character or empty", st.quote)
			}
			if len(s.CSV.Columns) == 0 {
				c.bad(p+".csv.columns", "required: the column names in order (\"-\" skips a column)")
			}
			dup := map[string]bool{}
			for j, col := range s.CSV.Columns {
				if col == "-" || col == "" {
					continue
				}
				if !fieldNameRE.MatchString(col) {
					c.bad(fmt.Sprintf("%s.csv.columns[%d]", p, j), "%q is not a field name", col)
				}
				if dup[col] {
					c.bad(fmt.Sprintf("%s.csv.columns[%d]", p, j), "column %q named twice", col)
				}
				dup[col] = true
			}
			st.columns = s.CSV.Columns
		}
		if s.JSON != nil {
			kinds++
			st.kind = stepJSON
			for k, v := range s.JSON.Paths {
				if k == "" || !fieldNameRE.MatchString(v) {
					c.bad(p+".json.paths."+key(k), "want a JSON path (a.b.c) mapped to a field name")
				}
			}
			st.paths = s.JSON.Paths
		}
		if kinds != 1 {
			c.bad(p, "a step needs exactly one of regex, kv, csv, json (found %d)", kinds)
		}
		out = append(out, st)
	}
	return out
}

var namedLayouts = map[string]string{
	"rfc3339": time.RFC3339Nano,
	"clf":     "02/Jan/2006:15:04:05 -0700",
}

func (c *compiler) compileFields(ff *formatFile, f *DeclarativeFormat) {
	timeFields := 0
	for _, name := range c.mapKeys("$.fields", ff.Fields) {
		spec := ff.Fields[name]
		path := "$.fields." + key(name)
		if spec == nil {
			c.bad(path, "empty field spec: give type")
			continue
		}
		if !fieldNameRE.MatchString(name) {
			c.bad(path, "%q is not a field name", name)
		}
		df := declField{name: name, time: spec.Time}
		switch spec.Type {
		case "", "string":
			df.typ = typeString
		case "ip":
			df.typ = typeIP
		case "int":
			df.typ = typeInt
		case "timestamp":
			df.typ = typeTimestamp
			df.layout = spec.Layout
			switch {
			case spec.Layout == "":
				c.bad(path+".layout", "required for a timestamp: a Go layout (2006-01-02 15:04:05), rfc3339, clf or unix")
			case spec.Layout == "unix":
			case namedLayouts[spec.Layout] != "":
				df.layout = namedLayouts[spec.Layout]
			default:
				ref := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
				if back, err := time.Parse(spec.Layout, ref.Format(spec.Layout)); err != nil || back.Year() != 2006 {
					c.bad(path+".layout", "%q is not a Go time layout with a year (reference time: 2006-01-02 15:04:05 -0700 MST)", spec.Layout)
				}
			}
			switch z := spec.Zone; {
			case z == "" || z == "device":
			case z == "UTC" || z == "utc":
				df.zone = time.UTC
			default:
				if off, ok := tzOffset(z); ok {
					df.zone = time.FixedZone(z, off)
				} else if loc, err := time.LoadLocation(z); err == nil {
					df.zone = loc
				} else {
					c.bad(path+".zone", "%q: want device, UTC, +09:00 or a zone name such as Asia/Tokyo", z)
				}
			}
		default:
			c.bad(path+".type", "%q: want string, ip, int or timestamp", spec.Type)
		}
		if spec.Type != "timestamp" && (spec.Layout != "" || spec.Zone != "") {
			c.bad(path, "layout and zone apply to type timestamp only")
		}
		if spec.Time {
			timeFields++
			if spec.Type != "timestamp" {
				c.bad(path+".time", "time: true needs type timestamp")
			}
			if timeFields > 1 {
				c.bad(path+".time", "another field already gives the event time")
			}
		}
		f.fields = append(f.fields, df)
	}
}

func (c *compiler) compileECS(specs []ecsSpec, f *DeclarativeFormat) {
	for i, e := range specs {
		path := fmt.Sprintf("$.ecs[%d]", i)
		m := declECS{name: e.Name, from: e.From, values: e.Values, def: e.Default}
		if e.Default != nil && e.Values == nil {
			c.bad(path+".default", "default applies with values only")
		}
		if e.Name == "" || !fieldNameRE.MatchString(e.Name) {
			c.bad(path+".name", "required: the ECS field name (source.ip, event.action, ...)")
		}
		switch {
		case len(e.From) == 0 && e.Value == nil:
			c.bad(path, "give from (a field, or a list: the first present wins) or value (a constant)")
		case len(e.From) > 0 && e.Value != nil:
			c.bad(path, "from and value exclude each other")
		case e.Value != nil:
			m.value = *e.Value
			if e.Values != nil || e.Default != nil {
				c.bad(path, "values and default apply to from only")
			}
		}
		for j, n := range e.From {
			if !fieldNameRE.MatchString(n) {
				c.bad(fmt.Sprintf("%s.from[%d]", path, j), "%q is not a field name", n)
			}
		}
		f.ecs = append(f.ecs, m)
	}
}

// mapKeys returns the keys of the mapping at path in document order (Go
// maps have none), falling back to the decoded map's keys.
func (c *compiler) mapKeys(path string, m map[string]*fieldSpec) []string {
	var keys []string
	if p, err := yaml.PathString(path); err == nil {
		if n, err := p.FilterFile(c.file); err == nil {
			if mn, ok := n.(*ast.MappingNode); ok {
				for _, v := range mn.Values {
					keys = append(keys, v.Key.String())
				}
			} else if mv, ok := n.(*ast.MappingValueNode); ok {
				keys = append(keys, mv.Key.String())
			}
		}
	}
	if len(keys) != len(m) {
		keys = keys[:0]
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
	}
	for i, k := range keys {
		if uq, err := strconv.Unquote(k); err == nil {
			keys[i] = uq
		} else if len(k) >= 2 && k[0] == '\'' && k[len(k)-1] == '\'' {
			keys[i] = strings.ReplaceAll(k[1:len(k)-1], "''", "'")
		}
	}
	return keys
}

// runExamples parses each example line (after syslog.Parse, in UTC) and
// checks what the example expects.
func (c *compiler) runExamples(f *DeclarativeFormat, ff *formatFile) {
	for i, ex := range ff.Examples {
		path := fmt.Sprintf("$.examples[%d]", i)
		if ex.Line == "" {
			c.bad(path+".line", "required")
			continue
		}
		line := []byte(ex.Line)
		msg := syslog.Parse(line, syslog.ParseOptions{Location: time.UTC, Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
		ev := &event.Event{Raw: ex.Line}
		ev.Fields = msg.HeaderFields(ev.Fields)
		err := f.Parse(msg.Msg, time.UTC, ev)
		switch {
		case ex.Error == "" && err != nil:
			c.bad(path+".line", "example does not parse: %v", err)
			continue
		case ex.Error != "" && (err == nil || !strings.Contains(err.Error(), ex.Error)):
			c.bad(path+".error", "want an error containing %q, got %v", ex.Error, err)
		}
		if ex.Version != nil && ev.FormatVersion != *ex.Version {
			c.bad(path+".version", "example gives version %q, want %q", ev.FormatVersion, *ex.Version)
		}
		if ex.Time != "" {
			want, perr := time.Parse(time.RFC3339Nano, ex.Time)
			if perr != nil {
				c.bad(path+".time", "want RFC 3339: %v", perr)
			} else if !ev.Time.Equal(want) {
				c.bad(path+".time", "example gives time %s, want %s", ev.Time.UTC().Format(time.RFC3339Nano), ex.Time)
			}
		}
		for _, name := range sortedKeys(ex.Fields) {
			got, ok := ev.Get(name)
			if want := ex.Fields[name]; !ok || got != want {
				c.bad(path+".fields."+key(name), "example gives %q, want %q", got, want)
			}
		}
		for j, name := range ex.Absent {
			if got, ok := ev.Get(name); ok {
				c.bad(fmt.Sprintf("%s.absent[%d]", path, j), "example gives %s=%q, want it absent", name, got)
			}
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
