package sigma

import (
	"fmt"
	"math/bits"
	"sort"
	"sync"
)

// Options configure an Engine. The zero value works: no placeholders, the
// DefaultFieldMap, default correlation bounds.
type Options struct {
	// Placeholders supplies the values of %name% placeholders for the
	// expand modifier. A rule using a placeholder missing here is refused,
	// as the specification requires of tools that cannot resolve it.
	Placeholders map[string][]string
	// Fields maps rule field names to event field names per log source;
	// nil means DefaultFieldMap.
	Fields FieldMapper
	// Correlation bounds the memory of correlation state; see Correlator.
	Correlation CorrelationLimits
}

// Engine evaluates detection rules against events. It is built once from
// a RuleSet and is safe for concurrent use; it keeps no per-event state.
// Rules are compiled lazily per event log source ("view"): the rules that
// apply, their fields mapped, and the index that skips most of them.
type Engine struct {
	opts    Options
	mapper  FieldMapper
	dets    []*prepared // detection rules in load order
	corrs   []*Rule     // accepted correlation rules
	targets map[*Rule][]*Rule
	refused []*Error
	// reported: detection or correlation rules whose matches are reported
	// (not referenced by a correlation, or referenced with generate: true).
	reported map[*Rule]bool

	mu    sync.RWMutex
	views map[LogSource]*view

	pool sync.Pool
}

type prepared struct {
	rule    *Rule
	det     *detection
	filters []*preparedFilter
}

type preparedFilter struct {
	rule *Rule
	det  *detection
}

// view is the compiled form of the rules for one event log source.
type view struct {
	ls      LogSource
	rules   []*vrule
	slots   []slotDef
	slotIdx map[string]int32
	index   *ruleIndex
	byName  map[string]*nameWork
	// keywords: some rule searches every value (keyword detection).
	keywords bool
}

type slotDef struct {
	field string   // name used in rules
	names []string // event fields tried in order
}

// NewEngine compiles the accepted rules of set. Rules that cannot run with
// these options (a placeholder without values, or a correlation over such
// a rule) are returned as refusals; the engine runs without them.
func NewEngine(set *RuleSet, opts Options) (*Engine, []*Error) {
	e := &Engine{opts: opts, mapper: opts.Fields, views: map[LogSource]*view{}, reported: map[*Rule]bool{}}
	if e.mapper == nil {
		e.mapper = DefaultFieldMap
	}
	e.pool.New = func() any { return newScratch() }
	rules := set.Rules()
	e.targets = set.targets
	dead := map[*Rule]bool{}
	byRule := map[*Rule]*prepared{}
	for _, r := range rules {
		if r.Kind != KindDetection {
			continue
		}
		det, err := r.detection.withPlaceholders(opts.Placeholders)
		if err != nil {
			err.File, err.Rule = r.File, r.Ref()
			e.refused = append(e.refused, err)
			dead[r] = true
			continue
		}
		p := &prepared{rule: r, det: det}
		e.dets = append(e.dets, p)
		byRule[r] = p
	}
	for _, r := range rules {
		if r.Kind != KindFilter {
			continue
		}
		det, err := r.filter.det.withPlaceholders(opts.Placeholders)
		if err != nil {
			err.File, err.Rule = r.File, r.Ref()
			e.refused = append(e.refused, err)
			continue
		}
		pf := &preparedFilter{rule: r, det: det}
		if r.filter.any {
			for _, p := range e.dets {
				p.filters = append(p.filters, pf)
			}
			continue
		}
		for _, t := range set.targets[r] {
			if p := byRule[t]; p != nil {
				p.filters = append(p.filters, pf)
			}
		}
	}
	lim := opts.Correlation.withDefaults()
	for _, r := range rules {
		if r.Kind != KindCorrelation {
			continue
		}
		if need := r.corr.eventsNeeded(); need > lim.MaxEventsPerGroup {
			dead[r] = true
			e.refused = append(e.refused, &Error{File: r.File, Line: r.corr.pos.Line, Col: r.corr.pos.Col, Rule: r.Ref(),
				Msg: fmt.Sprintf("%s condition needs %d events in one group, more than the %d the engine remembers per group (CorrelationLimits.MaxEventsPerGroup)", r.corr.typ, need, lim.MaxEventsPerGroup)})
		}
	}
	// Correlations over refused rules are refused too (transitively).
	for changed := true; changed; {
		changed = false
		for _, r := range rules {
			if r.Kind != KindCorrelation || dead[r] {
				continue
			}
			for _, t := range set.targets[r] {
				if dead[t] {
					dead[r] = true
					changed = true
					e.refused = append(e.refused, &Error{File: r.File, Line: r.Pos.Line, Col: r.Pos.Col, Rule: r.Ref(),
						Msg: fmt.Sprintf("correlation refers to rule %q, which is refused", t.Ref())})
					break
				}
			}
		}
	}
	for _, r := range rules {
		if r.Kind == KindCorrelation && !dead[r] {
			e.corrs = append(e.corrs, r)
		}
	}
	// A rule referenced by correlations is reported only if one of them
	// says generate: true.
	referenced := map[*Rule]bool{}
	generate := map[*Rule]bool{}
	for _, c := range e.corrs {
		for _, t := range set.targets[c] {
			referenced[t] = true
			if c.Generate {
				generate[t] = true
			}
		}
	}
	for _, p := range e.dets {
		e.reported[p.rule] = !referenced[p.rule] || generate[p.rule]
	}
	for _, c := range e.corrs {
		e.reported[c] = !referenced[c] || generate[c]
	}
	return e, e.refused
}

// Reported says whether matches of r are reported on their own: rules
// referenced by correlations are only when one of them has generate: true.
func (e *Engine) Reported(r *Rule) bool { return e.reported[r] }

// view returns the compiled rules for events from ls.
func (e *Engine) view(ls LogSource) *view {
	e.mu.RLock()
	v := e.views[ls]
	e.mu.RUnlock()
	if v != nil {
		return v
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if v = e.views[ls]; v != nil {
		return v
	}
	v = e.compileView(ls)
	e.views[ls] = v
	return v
}

func (e *Engine) compileView(ls LogSource) *view {
	v := &view{ls: ls, slotIdx: map[string]int32{}}
	for _, p := range e.dets {
		if !ls.Selects(p.rule.LogSource) {
			continue
		}
		vr := &vrule{rule: p.rule, cond: v.compileCond(p.det, p.det.cond, e.mapper)}
		for _, f := range p.filters {
			if !p.rule.LogSource.Selects(f.rule.LogSource) {
				continue // the filter is for another log source
			}
			vr.filters = append(vr.filters, v.compileCond(f.det, f.det.cond, e.mapper))
		}
		v.rules = append(v.rules, vr)
	}
	v.index = buildIndex(v)
	v.byName = buildNameWork(v)
	v.keywords = v.index.kw != nil || v.hasKeywordItems()
	return v
}

func (v *view) slot(field string, mapper FieldMapper) int32 {
	if i, ok := v.slotIdx[field]; ok {
		return i
	}
	names := mapper.MapField(v.ls, field)
	if len(names) == 0 {
		names = []string{field}
	}
	i := int32(len(v.slots))
	v.slots = append(v.slots, slotDef{field: field, names: names})
	v.slotIdx[field] = i
	return i
}

func (v *view) compileCond(d *detection, n *condNode, mapper FieldMapper) *vnode {
	switch n.kind {
	case condIdent:
		return &vnode{kind: condIdent, sel: v.compileSel(d.sels[n.name], mapper)}
	case condOf:
		out := &vnode{kind: condOr}
		if n.all {
			out.kind = condAnd
		}
		for _, name := range n.names {
			out.kids = append(out.kids, &vnode{kind: condIdent, sel: v.compileSel(d.sels[name], mapper)})
		}
		if len(out.kids) == 1 {
			return out.kids[0]
		}
		return out
	}
	out := &vnode{kind: n.kind}
	for _, k := range n.kids {
		out.kids = append(out.kids, v.compileCond(d, k, mapper))
	}
	return out
}

func (v *view) compileSel(s *selection, mapper FieldMapper) *vsel {
	out := &vsel{}
	for _, br := range s.branches {
		items := make([]vitem, len(br))
		for i, fc := range br {
			it := vitem{fc: fc, slot: -1}
			if !fc.keyword {
				it.slot = v.slot(fc.field, mapper)
			}
			for _, m := range fc.values {
				if m.kind == vmFieldRef {
					if it.refSlots == nil {
						it.refSlots = make([]int32, len(fc.values))
					}
				}
			}
			for j, m := range fc.values {
				if m.kind == vmFieldRef {
					it.refSlots[j] = v.slot(m.ref, mapper)
				}
			}
			items[i] = it
		}
		// Cheap items first: plain patterns before regular expressions.
		sort.SliceStable(items, func(a, b int) bool { return itemCost(&items[a]) < itemCost(&items[b]) })
		out.branches = append(out.branches, items)
	}
	return out
}

func itemCost(it *vitem) int {
	fc := it.fc
	switch {
	case fc.kind != fcValues:
		return 0
	case fc.keyword:
		return 30
	}
	c := 1
	for _, m := range fc.values {
		switch m.kind {
		case vmRegex:
			c += 20
		case vmPattern:
			if m.pat.kind == patGlob {
				c += 2
			}
		default:
			c += 3
		}
	}
	if c > 25 {
		c = 25
	}
	return c
}

// Match appends to dst the detection rules that match ev, an event from
// log source ls, in rule load order, filters applied. Rules referenced by
// correlations are included whatever their generate flag; a Correlator
// decides what to report.
func (e *Engine) Match(ls LogSource, ev Event, dst []*Rule) []*Rule {
	v := e.view(ls)
	if len(v.rules) == 0 {
		return dst
	}
	sc := e.pool.Get().(*scratch)
	sc.reset(v, ev)
	sc.scan(v)
	for w, word := range sc.cand {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &= word - 1
			r := v.rules[w*64+b]
			if !sc.evalNode(v, r.cond) {
				continue
			}
			ok := true
			for _, f := range r.filters {
				if !sc.evalNode(v, f) {
					ok = false
					break
				}
			}
			if ok {
				dst = append(dst, r.rule)
			}
		}
	}
	sc.ev, sc.view = nil, nil
	e.pool.Put(sc)
	return dst
}

// Stats describes the compiled view for a log source (for tests and
// diagnostics): rules that apply, rules always evaluated, field slots.
type Stats struct {
	Rules, Always, Slots int
}

// ViewStats compiles (if needed) and describes the view for ls.
func (e *Engine) ViewStats(ls LogSource) Stats {
	v := e.view(ls)
	always := 0
	for i := range v.rules {
		if v.index.always.has(i) {
			always++
		}
	}
	return Stats{Rules: len(v.rules), Always: always, Slots: len(v.slots)}
}

func (v *view) hasKeywordItems() bool {
	var walk func(n *vnode) bool
	walk = func(n *vnode) bool {
		if n.sel != nil {
			for _, br := range n.sel.branches {
				for i := range br {
					if br[i].fc.keyword {
						return true
					}
				}
			}
		}
		for _, k := range n.kids {
			if walk(k) {
				return true
			}
		}
		return false
	}
	for _, r := range v.rules {
		if walk(r.cond) {
			return true
		}
		for _, f := range r.filters {
			if walk(f) {
				return true
			}
		}
	}
	return false
}
