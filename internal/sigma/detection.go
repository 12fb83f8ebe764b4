package sigma

import (
	"sort"
	"strings"
)

// detection is the parsed detection section of a rule (or the selections
// of a filter): named selections and the condition over them.
type detection struct {
	names []string // search identifiers in document order
	sels  map[string]*selection
	cond  *condNode
}

// selection is a search identifier: branches linked by OR, each branch a
// list of items linked by AND.
type selection struct {
	name     string
	pos      Pos
	branches [][]*fieldCond
}

// parseDetection parses a detection map found under the key at. reserved
// lists keys that are not search identifiers (rules, for filters).
func parseDetection(n *node, at Pos, reserved map[string]bool, placeholders map[string][]string) (*detection, *Error) {
	if n.kind != kindMap {
		return nil, errAt(n.pos, "detection must be a map of search identifiers and a condition, not %s", n.kind)
	}
	d := &detection{sels: map[string]*selection{}}
	var condN *node
	for i, k := range n.keys {
		v := n.vals[i]
		switch {
		case k.text == "condition":
			condN = v
			continue
		case k.text == "timeframe":
			return nil, errAt(k.pos, "timeframe is obsolete in Sigma v2; use a correlation rule with timespan")
		case reserved[k.text]:
			continue
		}
		sel, err := parseSelection(k, v, placeholders)
		if err != nil {
			return nil, err
		}
		d.names = append(d.names, k.text)
		d.sels[k.text] = sel
	}
	if condN == nil {
		return nil, errAt(at, "missing condition")
	}
	if len(d.names) == 0 {
		return nil, errAt(at, "no search identifier")
	}
	var conds []*node
	switch condN.kind {
	case kindString:
		conds = []*node{condN}
	case kindSeq:
		if len(condN.items) == 0 {
			return nil, errAt(condN.pos, "empty list of conditions")
		}
		for _, c := range condN.items {
			if c.kind != kindString {
				return nil, errAt(c.pos, "condition must be a string, not %s", describe(c))
			}
			conds = append(conds, c)
		}
	default:
		return nil, errAt(condN.pos, "condition must be a string or a list of strings, not %s", describe(condN))
	}
	var parsed []*condNode
	for _, c := range conds {
		cn, cerr := parseCondition(c.text)
		if cerr == nil {
			cerr = cn.resolve(d.names)
		}
		if cerr != nil {
			return nil, conditionErrAt(c, cerr)
		}
		parsed = append(parsed, cn)
	}
	if len(parsed) == 1 {
		d.cond = parsed[0]
	} else {
		d.cond = &condNode{kind: condOr, kids: parsed}
	}
	return d, nil
}

// conditionErrAt positions a condition error inside the YAML scalar; the
// column is exact for plain and single-line quoted scalars.
func conditionErrAt(c *node, e *conditionError) *Error {
	p := c.pos
	if !strings.Contains(c.text[:min(e.off, len(c.text))], "\n") {
		p.Col += e.off
	}
	return errAt(p, "condition: %s", e.msg)
}

func parseSelection(k, v *node, placeholders map[string][]string) (*selection, *Error) {
	sel := &selection{name: k.text, pos: k.pos}
	switch v.kind {
	case kindMap:
		br, err := parseMapBranch(v, placeholders)
		if err != nil {
			return nil, err
		}
		sel.branches = append(sel.branches, br)
	case kindSeq:
		if len(v.items) == 0 {
			return nil, errAt(v.pos, "search identifier %q is an empty list", k.text)
		}
		var keywords []*node
		for _, it := range v.items {
			switch it.kind {
			case kindMap:
				br, err := parseMapBranch(it, placeholders)
				if err != nil {
					return nil, err
				}
				sel.branches = append(sel.branches, br)
			case kindSeq:
				return nil, errAt(it.pos, "search identifier %q: a list item must be a keyword or a map, not a list", k.text)
			case kindNull:
				return nil, errAt(it.pos, "search identifier %q: a keyword cannot be null", k.text)
			default:
				keywords = append(keywords, it)
			}
		}
		if len(keywords) > 0 {
			kw := &node{kind: kindSeq, pos: keywords[0].pos, items: keywords}
			if len(keywords) == 1 {
				kw = keywords[0]
			}
			fc, err := compileItem(&node{kind: kindString, pos: keywords[0].pos}, kw, placeholders)
			if err != nil {
				return nil, err
			}
			sel.branches = append(sel.branches, []*fieldCond{fc})
		}
	case kindNull:
		return nil, errAt(v.pos, "search identifier %q is empty", k.text)
	default:
		// A single keyword (specification 2.2: scalar value).
		fc, err := compileItem(&node{kind: kindString, pos: v.pos}, v, placeholders)
		if err != nil {
			return nil, err
		}
		sel.branches = append(sel.branches, []*fieldCond{fc})
	}
	return sel, nil
}

func parseMapBranch(m *node, placeholders map[string][]string) ([]*fieldCond, *Error) {
	if len(m.keys) == 0 {
		return nil, errAt(m.pos, "empty map in a selection")
	}
	var out []*fieldCond
	for i, k := range m.keys {
		if k.kind != kindString && k.kind != kindInt {
			return nil, errAt(k.pos, "field name must be a string, not %s", describe(k))
		}
		fc, err := compileItem(k, m.vals[i], placeholders)
		if err != nil {
			return nil, err
		}
		out = append(out, fc)
	}
	return out, nil
}

// hasExpand reports whether the detection has items deferred until the
// placeholders are known.
func (d *detection) hasExpand() bool {
	for _, s := range d.sels {
		for _, br := range s.branches {
			for _, fc := range br {
				if fc.expand != nil {
					return true
				}
			}
		}
	}
	return false
}

// placeholderNames lists the placeholders the detection needs.
func (d *detection) placeholderNames() []string {
	seen := map[string]bool{}
	for _, s := range d.sels {
		for _, br := range s.branches {
			for _, fc := range br {
				if fc.expand == nil {
					continue
				}
				for _, v := range fc.expand.values {
					for _, t := range parseSigmaString(v.text, true) {
						if t.kind == tokPlaceholder {
							seen[t.s] = true
						}
					}
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// withPlaceholders returns a copy of d with expand items compiled.
func (d *detection) withPlaceholders(ph map[string][]string) (*detection, *Error) {
	if !d.hasExpand() {
		return d, nil
	}
	if ph == nil {
		ph = map[string][]string{}
	}
	out := &detection{names: d.names, cond: d.cond, sels: map[string]*selection{}}
	for name, s := range d.sels {
		ns := &selection{name: s.name, pos: s.pos}
		for _, br := range s.branches {
			nb := make([]*fieldCond, len(br))
			for i, fc := range br {
				if fc.expand == nil {
					nb[i] = fc
					continue
				}
				c := &fieldCond{field: fc.field, pos: fc.pos, keyword: fc.keyword}
				val := &node{kind: kindSeq, pos: fc.pos, items: fc.expand.values}
				if len(fc.expand.values) == 1 {
					val = fc.expand.values[0]
				}
				if err := c.compileValues(fc.pos, fc.expand.mods, val, ph); err != nil {
					return nil, err
				}
				if c.all && len(c.values) < 2 {
					c.all = false
				}
				nb[i] = c
			}
			ns.branches = append(ns.branches, nb)
		}
		out.sels[name] = ns
	}
	return out, nil
}
