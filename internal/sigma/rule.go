package sigma

import (
	"strings"
	"time"
)

// Kind says what a Sigma document is.
type Kind uint8

const (
	// KindDetection is an ordinary rule with a detection section.
	KindDetection Kind = iota
	// KindCorrelation relates matches of other rules over time.
	KindCorrelation
	// KindFilter adds an exclusion to named rules.
	KindFilter
)

func (k Kind) String() string {
	switch k {
	case KindCorrelation:
		return "correlation"
	case KindFilter:
		return "filter"
	}
	return "detection"
}

// LogSource names the kind of log a rule is written for, or the kind of log
// an event comes from. Empty parts are unspecified. In an event's log
// source, "*" matches any value of a rule's part.
type LogSource struct {
	Product, Category, Service string
}

// AnyLogSource, given as an event's log source, selects every rule.
var AnyLogSource = LogSource{Product: "*", Category: "*", Service: "*"}

// Selects reports whether rules written for r apply to events from ls:
// every part r specifies must equal ls's (case-insensitively) or ls's part
// must be "*".
func (ls LogSource) Selects(r LogSource) bool {
	part := func(ev, rule string) bool {
		return rule == "" || ev == "*" || strings.EqualFold(ev, rule)
	}
	return part(ls.Product, r.Product) && part(ls.Category, r.Category) && part(ls.Service, r.Service)
}

func (ls LogSource) String() string {
	var parts []string
	if ls.Product != "" {
		parts = append(parts, "product="+ls.Product)
	}
	if ls.Category != "" {
		parts = append(parts, "category="+ls.Category)
	}
	if ls.Service != "" {
		parts = append(parts, "service="+ls.Service)
	}
	return strings.Join(parts, ",")
}

// Rule is one accepted Sigma document. Rules are immutable once loaded and
// may be shared by several engines.
type Rule struct {
	Kind  Kind
	ID    string
	Name  string
	Title string
	// Level is informational, low, medium, high or critical ("" if unset).
	Level string
	// Status is stable, test, experimental, deprecated or unsupported.
	Status    string
	Tags      []string
	LogSource LogSource
	// File and Pos locate the document.
	File string
	Pos  Pos
	// Generate (correlations): the referenced rules also report their own
	// matches.
	Generate bool

	detection *detection
	corr      *correlation
	filter    *filterDef
}

// Ref is how detections name the rule: its id, else its name, else its title.
func (r *Rule) Ref() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Name != "":
		return r.Name
	}
	return r.Title
}

// Placeholders lists the placeholders (expand modifier) the rule needs.
func (r *Rule) Placeholders() []string {
	if r.detection == nil {
		return nil
	}
	return r.detection.placeholderNames()
}

type filterDef struct {
	rules []*node // references; empty with any
	any   bool
	det   *detection
}

var (
	levels   = []string{"informational", "low", "medium", "high", "critical"}
	statuses = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
)

// ParseFile parses every document of a rule file. Each document is
// accepted or refused on its own; references between rules are checked
// later, by RuleSet.
func ParseFile(name string, src []byte) ([]*Rule, []*Error) {
	docs, yerr := parseYAML(name, src)
	if yerr != nil {
		return nil, []*Error{yerr}
	}
	var rules []*Rule
	var errs []*Error
	var global, prev *node
	for _, d := range docs {
		if d.kind != kindMap {
			errs = append(errs, &Error{File: name, Line: d.pos.Line, Col: d.pos.Col, Msg: "a rule document must be a map, not " + d.kind.String()})
			continue
		}
		if a := d.get("action"); a != nil {
			switch a.text {
			case "global":
				global = without(d, "action")
				continue
			case "reset":
				global = nil
				continue
			case "repeat":
				if prev == nil {
					errs = append(errs, &Error{File: name, Line: a.pos.Line, Col: a.pos.Col, Msg: "action: repeat without a previous document"})
					continue
				}
				d = merge(prev, without(d, "action"))
			default:
				errs = append(errs, &Error{File: name, Line: a.pos.Line, Col: a.pos.Col, Msg: "unknown action " + quoteShort(a.text) + ": want global, reset or repeat"})
				continue
			}
		} else if global != nil {
			d = merge(global, d)
		}
		prev = d
		r, err := parseDoc(d)
		if err != nil {
			err.File = name
			if err.Rule == "" {
				err.Rule = docRef(d)
			}
			errs = append(errs, err)
			continue
		}
		r.File = name
		rules = append(rules, r)
	}
	return rules, errs
}

func docRef(d *node) string {
	for _, k := range []string{"id", "name", "title"} {
		if v := d.get(k); v != nil && v.scalar() && v.text != "" {
			return v.text
		}
	}
	return ""
}

func without(m *node, key string) *node {
	out := &node{kind: kindMap, pos: m.pos}
	for i, k := range m.keys {
		if k.text != key {
			out.keys = append(out.keys, k)
			out.vals = append(out.vals, m.vals[i])
		}
	}
	return out
}

// merge overlays b on a: maps merge key by key, anything else in b wins.
func merge(a, b *node) *node {
	if a.kind != kindMap || b.kind != kindMap {
		return b
	}
	out := &node{kind: kindMap, pos: b.pos}
	idx := map[string]int{}
	for i, k := range a.keys {
		idx[k.text] = len(out.keys)
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, a.vals[i])
	}
	for i, k := range b.keys {
		if j, ok := idx[k.text]; ok {
			out.vals[j] = merge(out.vals[j], b.vals[i])
			continue
		}
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, b.vals[i])
	}
	return out
}

// parseDoc validates one document and builds its Rule.
func parseDoc(d *node) (*Rule, *Error) {
	r := &Rule{Pos: d.pos}
	var err *Error
	str := func(key string, required bool, maxLen int) string {
		if err != nil {
			return ""
		}
		v := d.get(key)
		if v == nil || v.kind == kindNull {
			if required {
				err = errAt(d.pos, "missing %s", key)
			}
			return ""
		}
		if v.kind != kindString {
			err = errAt(v.pos, "%s must be a string, not %s", key, describe(v))
			return ""
		}
		if required && strings.TrimSpace(v.text) == "" {
			err = errAt(v.pos, "%s is empty", key)
		}
		if maxLen > 0 && len(v.text) > maxLen {
			err = errAt(v.pos, "%s is longer than %d characters", key, maxLen)
		}
		return v.text
	}
	oneOf := func(key string, allowed []string) string {
		s := str(key, false, 0)
		if err != nil || s == "" {
			return s
		}
		for _, a := range allowed {
			if s == a {
				return s
			}
		}
		v := d.get(key)
		err = errAt(v.pos, "%s %s: want one of %s", key, quoteShort(s), strings.Join(allowed, ", "))
		return s
	}
	strList := func(key string, scalarOK bool) []string {
		if err != nil {
			return nil
		}
		v := d.get(key)
		if v == nil || v.kind == kindNull {
			return nil
		}
		if v.kind != kindSeq {
			if scalarOK && v.scalar() {
				return []string{v.text}
			}
			err = errAt(v.pos, "%s must be a list, not %s", key, describe(v))
			return nil
		}
		var out []string
		for _, it := range v.items {
			if !it.scalar() || it.kind == kindNull {
				err = errAt(it.pos, "%s: items must be strings, not %s", key, describe(it))
				return nil
			}
			out = append(out, it.text)
		}
		return out
	}
	date := func(key string) {
		s := str(key, false, 0)
		if err != nil || s == "" {
			return
		}
		if _, perr := time.Parse("2006-01-02", s); perr != nil {
			err = errAt(d.get(key).pos, "%s %s: want a date as YYYY-MM-DD", key, quoteShort(s))
		}
	}

	r.Title = str("title", true, 256)
	r.ID = str("id", false, 0)
	r.Name = str("name", false, 0)
	str("description", false, 65535)
	str("author", false, 0)
	str("license", false, 0)
	str("taxonomy", false, 0)
	r.Status = oneOf("status", statuses)
	r.Level = oneOf("level", levels)
	date("date")
	date("modified")
	r.Tags = strList("tags", false)
	strList("references", false)
	strList("falsepositives", true)
	strList("fields", false)
	strList("scope", false)
	if err != nil {
		return nil, err
	}
	if rel := d.get("related"); rel != nil && rel.kind != kindNull {
		if err := checkRelated(rel); err != nil {
			return nil, err
		}
	}

	hasDet, hasCorr, hasFilter := d.get("detection") != nil, d.get("correlation") != nil, d.get("filter") != nil
	switch {
	case hasDet && hasCorr, hasDet && hasFilter, hasCorr && hasFilter:
		return nil, errAt(d.pos, "a document has exactly one of detection, correlation or filter")
	case hasCorr:
		r.Kind = KindCorrelation
		c, err := parseCorrelation(d)
		if err != nil {
			return nil, err
		}
		r.corr = c
		r.Generate = c.generate
		if ls := d.get("logsource"); ls != nil {
			if r.LogSource, err = parseLogSource(ls); err != nil {
				return nil, err
			}
		}
		return r, nil
	case hasFilter:
		r.Kind = KindFilter
		ls := d.get("logsource")
		if ls == nil {
			return nil, errAt(d.pos, "missing logsource")
		}
		if r.LogSource, err = parseLogSource(ls); err != nil {
			return nil, err
		}
		f, err := parseFilter(d.get("filter"), d.keyNode("filter").pos)
		if err != nil {
			return nil, err
		}
		r.filter = f
		return r, nil
	case hasDet:
		ls := d.get("logsource")
		if ls == nil {
			return nil, errAt(d.pos, "missing logsource")
		}
		if r.LogSource, err = parseLogSource(ls); err != nil {
			return nil, err
		}
		det, err := parseDetection(d.get("detection"), d.keyNode("detection").pos, nil, nil)
		if err != nil {
			return nil, err
		}
		r.detection = det
		return r, nil
	}
	return nil, errAt(d.pos, "missing detection (or correlation, or filter)")
}

func checkRelated(rel *node) *Error {
	if rel.kind != kindSeq {
		return errAt(rel.pos, "related must be a list of {id, type}, not %s", describe(rel))
	}
	types := []string{"correlation", "derived", "obsolete", "merged", "renamed", "similar"}
	for _, it := range rel.items {
		if it.kind != kindMap {
			return errAt(it.pos, "related: items must be maps with id and type, not %s", describe(it))
		}
		id, typ := it.get("id"), it.get("type")
		if id == nil || !id.scalar() || id.kind == kindNull {
			return errAt(it.pos, "related: item without id")
		}
		if typ == nil || typ.kind != kindString {
			return errAt(it.pos, "related: item without type")
		}
		ok := false
		for _, t := range types {
			if typ.text == t {
				ok = true
			}
		}
		if !ok {
			return errAt(typ.pos, "related type %s: want one of %s", quoteShort(typ.text), strings.Join(types, ", "))
		}
	}
	return nil
}

func parseLogSource(n *node) (LogSource, *Error) {
	var ls LogSource
	if n.kind != kindMap {
		return ls, errAt(n.pos, "logsource must be a map, not %s", describe(n))
	}
	for i, k := range n.keys {
		v := n.vals[i]
		if v.kind == kindNull {
			continue
		}
		if !v.scalar() {
			return ls, errAt(v.pos, "logsource %s must be a string, not %s", k.text, describe(v))
		}
		switch k.text {
		case "product":
			ls.Product = v.text
		case "category":
			ls.Category = v.text
		case "service":
			ls.Service = v.text
		}
	}
	return ls, nil
}

func parseFilter(n *node, at Pos) (*filterDef, *Error) {
	if n.kind != kindMap {
		return nil, errAt(n.pos, "filter must be a map with rules, selections and a condition, not %s", describe(n))
	}
	f := &filterDef{}
	rules := n.get("rules")
	switch {
	case rules == nil:
		return nil, errAt(n.pos, "filter: missing rules")
	case rules.kind == kindString && rules.text == "any":
		f.any = true
	case rules.kind == kindSeq:
		if len(rules.items) == 0 {
			return nil, errAt(rules.pos, "filter: rules is an empty list")
		}
		for _, it := range rules.items {
			if it.kind != kindString || it.text == "" {
				return nil, errAt(it.pos, "filter: rules must be rule ids or names, not %s", describe(it))
			}
			f.rules = append(f.rules, it)
		}
	case rules.kind == kindString:
		f.rules = []*node{rules}
	default:
		return nil, errAt(rules.pos, "filter: rules must be a list of rule ids or names, or any")
	}
	det, err := parseDetection(n, at, map[string]bool{"rules": true}, nil)
	if err != nil {
		return nil, err
	}
	f.det = det
	return f, nil
}
