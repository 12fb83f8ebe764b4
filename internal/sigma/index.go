package sigma

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// The index decides, per event, which rules are worth evaluating. For each
// rule it derives a set of atoms — "field F contains literal L" or "field F
// equals V" — such that the rule cannot match unless at least one atom
// holds. Exact atoms go into hash maps, substring atoms into one
// Aho-Corasick automaton per field, keyword atoms into one automaton run
// over every value. Rules without such a set are always evaluated.
//
// Atoms are necessary conditions on lower-cased text, so they stay valid
// for case-sensitive (cased, re) matchers too.

type atom struct {
	slot  int32 // -1: any field (keyword search)
	lit   string
	exact bool
}

// atomSet is a disjunction of atoms; nil means "no constraint found".
type atomSet []atom

// cost estimates how often the set lets a rule through: the sum of the
// estimated hit rates of its atoms. Lower is better.
func (s atomSet) cost() float64 {
	var c float64
	for _, a := range s {
		c += a.cost()
	}
	return c
}

func (a atom) cost() float64 {
	n := float64(utf8.RuneCountInString(a.lit))
	if a.exact {
		return 0.05 / (1 + n/4)
	}
	if n == 0 {
		return 1
	}
	c := 1 / (n * n)
	if a.slot < 0 {
		c *= 2
	}
	return c
}

// minAtomLen is the shortest literal (in bytes) worth indexing as a
// substring; shorter ones such as "^^" or one Cyrillic letter are still
// rare enough in practice to beat evaluating the rule every time.
const minAtomLen = 2

func better(a, b atomSet) atomSet {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.cost() < a.cost():
		return b
	}
	return a
}

func (n *vnode) atoms() atomSet {
	switch n.kind {
	case condAnd:
		var best atomSet
		for _, k := range n.kids {
			best = better(best, k.atoms())
		}
		return best
	case condOr:
		var out atomSet
		for _, k := range n.kids {
			s := k.atoms()
			if s == nil {
				return nil
			}
			out = append(out, s...)
		}
		return out
	case condNot:
		return nil
	}
	return n.sel.atoms()
}

func (s *vsel) atoms() atomSet {
	var out atomSet
	for _, br := range s.branches {
		var best atomSet
		for i := range br {
			best = better(best, br[i].atoms())
		}
		if best == nil {
			return nil
		}
		out = append(out, best...)
	}
	return out
}

func (it *vitem) atoms() atomSet {
	fc := it.fc
	if fc.kind != fcValues || fc.neq || len(fc.values) == 0 {
		return nil
	}
	if !fc.all {
		var out atomSet
		for i := range fc.values {
			s := valueAtoms(&fc.values[i], it.slot)
			if s == nil {
				return nil
			}
			out = append(out, s...)
		}
		return out
	}
	// With all every rule value is required: the best one will do, its
	// matchers being alternatives.
	var best atomSet
	for i := 0; i < len(fc.values); {
		g := fc.values[i].group
		var set atomSet
		ok := true
		for ; i < len(fc.values) && fc.values[i].group == g; i++ {
			s := valueAtoms(&fc.values[i], it.slot)
			if s == nil {
				ok = false
			}
			set = append(set, s...)
		}
		if ok {
			best = better(best, set)
		}
	}
	return best
}

func valueAtoms(m *valueMatcher, slot int32) atomSet {
	switch m.kind {
	case vmPattern:
		lit, exact := m.pat.longestLiteral()
		lit = strings.ToLower(lit)
		if exact && slot >= 0 {
			return atomSet{{slot: slot, lit: lit, exact: true}}
		}
		if len(lit) < minAtomLen {
			return nil
		}
		return atomSet{{slot: slot, lit: lit}}
	case vmRegex:
		if m.reLits == nil {
			return nil
		}
		out := make(atomSet, len(m.reLits))
		for i, l := range m.reLits {
			if len(l) < minAtomLen {
				return nil
			}
			out[i] = atom{slot: slot, lit: l}
		}
		return out
	}
	return nil
}

// regexLiterals returns lower-case literals one of which every match of
// the expression contains, or nil when it finds none. They serve as a
// quick check before running the expression, and as index atoms.
func regexLiterals(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return reqLiterals(re.Simplify(), 0)
}

func reqLiterals(re *syntax.Regexp, depth int) []string {
	if depth > 20 {
		return nil
	}
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}
	case syntax.OpCapture:
		return reqLiterals(re.Sub[0], depth+1)
	case syntax.OpPlus:
		return reqLiterals(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reqLiterals(re.Sub[0], depth+1)
		}
	case syntax.OpConcat:
		var best []string
		bestCost := 0.0
		for _, sub := range re.Sub {
			l := reqLiterals(sub, depth+1)
			if l == nil {
				continue
			}
			c := 0.0
			for _, x := range l {
				c += atom{lit: x}.cost()
			}
			if best == nil || c < bestCost {
				best, bestCost = l, c
			}
		}
		return best
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l := reqLiterals(sub, depth+1)
			if l == nil {
				return nil
			}
			out = append(out, l...)
		}
		return out
	}
	return nil
}

// ruleIndex is the per-view index.
type ruleIndex struct {
	always bitset                       // rules evaluated for every event
	exact  map[int32]map[string][]int32 // slot -> lower-case value -> rules
	subs   []slotAutomaton              // per slot substring automata
	kw     *acAutomaton                 // keyword atoms over every value
	// exactSlots lists the keys of exact in a fixed order.
	exactSlots []int32
}

type slotAutomaton struct {
	slot int32
	ac   *acAutomaton
}

func buildIndex(v *view) *ruleIndex {
	idx := &ruleIndex{
		always: make(bitset, (len(v.rules)+63)/64),
		exact:  map[int32]map[string][]int32{},
	}
	subs := map[int32]*acBuilder{}
	var kw *acBuilder
	for ri, r := range v.rules {
		set := r.cond.atoms()
		if set == nil {
			idx.always.set(ri)
			continue
		}
		for _, a := range set {
			switch {
			case a.exact:
				m := idx.exact[a.slot]
				if m == nil {
					m = map[string][]int32{}
					idx.exact[a.slot] = m
					idx.exactSlots = append(idx.exactSlots, a.slot)
				}
				if l := m[a.lit]; len(l) == 0 || l[len(l)-1] != int32(ri) {
					m[a.lit] = append(l, int32(ri))
				}
			case a.slot < 0:
				if kw == nil {
					kw = newACBuilder()
				}
				kw.add(a.lit, int32(ri))
			default:
				b := subs[a.slot]
				if b == nil {
					b = newACBuilder()
					subs[a.slot] = b
				}
				b.add(a.lit, int32(ri))
			}
		}
	}
	for slot := int32(0); slot < int32(len(v.slots)); slot++ {
		if b, ok := subs[slot]; ok {
			idx.subs = append(idx.subs, slotAutomaton{slot: slot, ac: b.build()})
		}
	}
	if kw != nil {
		idx.kw = kw.build()
	}
	return idx
}

// nameWork is what the index does with a value of one event field.
type nameWork struct {
	prefill []int32 // slots read from this field alone: their values are collected
	exact   []map[string][]int32
	subs    []*acAutomaton
}

// buildNameWork keys the index by event field name, so that one pass over
// the event's fields (Event.Range) feeds it.
func buildNameWork(v *view) map[string]*nameWork {
	byName := map[string]*nameWork{}
	get := func(name string) *nameWork {
		w := byName[name]
		if w == nil {
			w = &nameWork{}
			byName[name] = w
		}
		return w
	}
	subs := map[int32]*acAutomaton{}
	for _, sa := range v.index.subs {
		subs[sa.slot] = sa.ac
	}
	for i, sd := range v.slots {
		slot := int32(i)
		if len(sd.names) == 1 {
			w := get(sd.names[0])
			w.prefill = append(w.prefill, slot)
		}
		// An index entry is a necessary condition: feeding it the values of
		// every candidate name (not just the one Lookup would pick) is safe.
		for _, name := range sd.names {
			if m, ok := v.index.exact[slot]; ok {
				get(name).exact = append(get(name).exact, m)
			}
			if ac, ok := subs[slot]; ok {
				get(name).subs = append(get(name).subs, ac)
			}
		}
	}
	return byName
}

// scan makes one pass over the event's fields: it collects the values of
// single-name slots and keyword values, and marks in sc.cand the rules the
// event may match.
func (sc *scratch) scan(v *view) {
	copy(sc.cand, v.index.always)
	sc.ev.Range(sc.rangeFunc)
	sc.rangedGen = sc.gen
	if v.keywords {
		sc.kwGen = sc.gen
	}
}

// onField is Event.Range's callback during scan.
func (sc *scratch) onField(name, value string) bool {
	v := sc.view
	low, lowered := "", false
	lower := func() string {
		if !lowered {
			low, lowered = sc.lowerString(value), true
		}
		return low
	}
	if v.keywords {
		sc.kwVals = append(sc.kwVals, value)
		sc.kwLow = append(sc.kwLow, lower())
		if v.index.kw != nil {
			v.index.kw.scan(low, &sc.cand)
		}
	}
	w := v.byName[name]
	if w == nil {
		return true
	}
	for _, slot := range w.prefill {
		if sc.slotGen[slot] != sc.gen {
			sc.slotGen[slot], sc.lowGen[slot], sc.slotFound[slot] = sc.gen, sc.gen, true
			sc.slotVals[slot] = sc.slotVals[slot][:0]
			sc.slotLow[slot] = sc.slotLow[slot][:0]
		}
		sc.slotVals[slot] = append(sc.slotVals[slot], value)
		sc.slotLow[slot] = append(sc.slotLow[slot], lower())
	}
	for _, m := range w.exact {
		for _, r := range m[lower()] {
			sc.cand.set(int(r))
		}
	}
	for _, ac := range w.subs {
		ac.scan(lower(), &sc.cand)
	}
	return true
}
