package sigma

import (
	"strings"
	"unsafe"
)

// The evaluation form of a rule for one view (one event log source): the
// condition tree with selections whose items point at field slots.

type vitem struct {
	fc       *fieldCond
	slot     int32   // field slot; -1 for keyword search
	refSlots []int32 // fieldref values: slot of the referenced field
}

type vsel struct {
	branches [][]vitem
}

type vnode struct {
	kind condKind
	kids []*vnode
	sel  *vsel // condIdent
}

type vrule struct {
	rule    *Rule
	cond    *vnode
	filters []*vnode // each must hold too (a filter's condition, e.g. "not selection")
}

// scratch is the per-call state of Match: field values read from the
// event, their lower-case forms, the candidate set. Pooled per engine.
type scratch struct {
	ev   Event
	view *view
	gen  uint32
	// rangedGen == gen: scan has visited every field, so a single-name
	// slot not filled is absent.
	rangedGen uint32

	slotGen   []uint32
	slotFound []bool
	slotVals  [][]string
	lowGen    []uint32
	slotLow   [][]string
	arena     []byte
	cand      bitset
	kwGen     uint32
	kwVals    []string
	kwLow     []string
	tmp       []string
	rangeFunc func(name, value string) bool
}

func newScratch() *scratch {
	sc := &scratch{}
	sc.rangeFunc = sc.onField
	return sc
}

// reset prepares sc for an event on view v.
func (sc *scratch) reset(v *view, ev Event) {
	sc.ev, sc.view = ev, v
	sc.gen++
	if sc.gen == 0 { // wrapped: forget everything
		for i := range sc.slotGen {
			sc.slotGen[i], sc.lowGen[i] = 0, 0
		}
		sc.kwGen, sc.rangedGen = 0, 0
		sc.gen = 1
	}
	sc.kwVals, sc.kwLow = sc.kwVals[:0], sc.kwLow[:0]
	if n := len(v.slots); len(sc.slotGen) < n {
		grow := n - len(sc.slotGen)
		sc.slotGen = append(sc.slotGen, make([]uint32, grow)...)
		sc.lowGen = append(sc.lowGen, make([]uint32, grow)...)
		sc.slotFound = append(sc.slotFound, make([]bool, grow)...)
		sc.slotVals = append(sc.slotVals, make([][]string, grow)...)
		sc.slotLow = append(sc.slotLow, make([][]string, grow)...)
	}
	words := (len(v.rules) + 63) / 64
	if cap(sc.cand) < words {
		sc.cand = make(bitset, words)
	}
	sc.cand = sc.cand[:words]
	sc.arena = sc.arena[:0]
}

// values returns the raw values of a slot.
func (sc *scratch) values(v *view, slot int32) ([]string, bool) {
	if sc.slotGen[slot] == sc.gen {
		return sc.slotVals[slot], sc.slotFound[slot]
	}
	if sc.rangedGen == sc.gen && len(v.slots[slot].names) == 1 {
		sc.slotVals[slot], sc.slotFound[slot], sc.slotGen[slot] = sc.slotVals[slot][:0], false, sc.gen
		return nil, false
	}
	buf := sc.slotVals[slot][:0]
	found := false
	for _, name := range v.slots[slot].names {
		buf, found = sc.ev.Lookup(name, buf)
		if found {
			break
		}
	}
	sc.slotVals[slot], sc.slotFound[slot], sc.slotGen[slot] = buf, found, sc.gen
	return buf, found
}

// lower returns the lower-case values of a slot.
func (sc *scratch) lower(v *view, slot int32) []string {
	if sc.lowGen[slot] == sc.gen {
		return sc.slotLow[slot]
	}
	vals, _ := sc.values(v, slot)
	out := sc.slotLow[slot][:0]
	for _, s := range vals {
		out = append(out, sc.lowerString(s))
	}
	sc.slotLow[slot], sc.lowGen[slot] = out, sc.gen
	return out
}

// lowerString returns s in lower case, without allocating when s is
// already lower case or ASCII. The result is valid until the next reset.
func (sc *scratch) lowerString(s string) string {
	if !hasUpper(s) {
		return s
	}
	start := len(sc.arena)
	sc.arena = lowerInto(sc.arena, s)
	b := sc.arena[start:]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// keywordValues returns every field value of the event, raw and lowered
// (collected by scan).
func (sc *scratch) keywordValues() (raw, low []string) {
	return sc.kwVals, sc.kwLow
}

func (sc *scratch) evalNode(v *view, n *vnode) bool {
	switch n.kind {
	case condAnd:
		for _, k := range n.kids {
			if !sc.evalNode(v, k) {
				return false
			}
		}
		return true
	case condOr:
		for _, k := range n.kids {
			if sc.evalNode(v, k) {
				return true
			}
		}
		return false
	case condNot:
		return !sc.evalNode(v, n.kids[0])
	}
	return sc.evalSel(v, n.sel)
}

func (sc *scratch) evalSel(v *view, s *vsel) bool {
	for _, br := range s.branches {
		ok := true
		for i := range br {
			if !sc.evalItem(v, &br[i]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (sc *scratch) evalItem(v *view, it *vitem) bool {
	fc := it.fc
	if fc.keyword {
		raw, low := sc.keywordValues()
		return sc.matchValues(v, it, raw, low, true)
	}
	if fc.kind == fcExists {
		// Ask the event: a field present with a null value exists, and
		// scan does not see nulls.
		found := false
		for _, name := range v.slots[it.slot].names {
			if sc.tmp, found = sc.ev.Lookup(name, sc.tmp[:0]); found {
				break
			}
		}
		return found == fc.exists
	}
	vals, _ := sc.values(v, it.slot)
	if fc.kind == fcNull {
		return len(vals) == 0
	}
	if len(vals) == 0 {
		return false
	}
	var low []string
	if it.needsLower() {
		low = sc.lower(v, it.slot)
	}
	if fc.neq {
		for i := range fc.values {
			for j := range vals {
				if sc.matchOne(v, it, i, vals[j], low, j) {
					return false
				}
			}
		}
		return true
	}
	return sc.matchValues(v, it, vals, low, false)
}

func (it *vitem) needsLower() bool {
	for i := range it.fc.values {
		m := &it.fc.values[i]
		if (m.kind == vmPattern && !m.pat.cased) || (m.kind == vmFieldRef && !m.cased) || m.reLits != nil {
			return true
		}
	}
	return false
}

// matchValues applies the item's matchers to values: any matcher (OR),
// or with all, one matcher of every rule value (the matchers of one value,
// such as base64offset's three, are alternatives).
func (sc *scratch) matchValues(v *view, it *vitem, vals, low []string, keyword bool) bool {
	fc := it.fc
	if keyword && low == nil {
		low = vals
	}
	hitValue := func(i int) bool {
		for j := range vals {
			if sc.matchOne(v, it, i, vals[j], low, j) {
				return true
			}
		}
		return false
	}
	if !fc.all {
		for i := range fc.values {
			if hitValue(i) {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(fc.values); {
		g, hit := fc.values[i].group, false
		for ; i < len(fc.values) && fc.values[i].group == g; i++ {
			hit = hit || hitValue(i)
		}
		if !hit {
			return false
		}
	}
	return true
}

func (sc *scratch) matchOne(v *view, it *vitem, i int, raw string, low []string, j int) bool {
	m := &it.fc.values[i]
	switch m.kind {
	case vmPattern:
		if m.pat.cased {
			return m.pat.match(raw)
		}
		return m.pat.match(low[j])
	case vmRegex:
		if m.reLits != nil && !containsAny(low[j], m.reLits) {
			return false // a literal every match contains is missing
		}
		return m.re.MatchString(raw)
	case vmCIDR:
		return m.matchCIDR(raw)
	case vmNumber:
		return m.matchNumber(raw)
	case vmFieldRef:
		slot := it.refSlots[i]
		var others []string
		a := raw
		if m.cased {
			others, _ = sc.values(v, slot)
		} else {
			others = sc.lower(v, slot)
			a = low[j]
		}
		for _, b := range others {
			var ok bool
			switch m.refPos {
			case patEq:
				ok = a == b
			case patPrefix:
				ok = strings.HasPrefix(a, b)
			case patSuffix:
				ok = strings.HasSuffix(a, b)
			default:
				ok = strings.Contains(a, b)
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func containsAny(s string, lits []string) bool {
	for _, l := range lits {
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}
