package ruleaudit

// Entry kinds of a redundancy walk.
const (
	kindEarlier  uint8 = iota // a rule before the subject: its traffic never reaches the subject
	kindSame                  // a later rule with the subject's action
	kindConflict              // a later rule with the other action
)

// entry is one box of one rule, in rule order, as seen by a walk.
type entry struct {
	b    *box
	rule int // position in the table
	kind uint8
}

// walker partitions a box by a list of entries, first match wins, like a
// firewall deciding each flow. For every part matched first by an entry it
// calls visit with that entry, and for the part no entry matches it calls
// visit with nil. A visit returning false stops the walk, which then
// returns false.
//
// The walk subtracts the first overlapping entry and recurses into the at
// most ndim remaining pieces, each with only the later entries that
// overlap it, so work follows the rules that actually meet the box rather
// than the length of the ruleset.
type walker struct {
	es    []entry
	buf   []int // candidate lists of the recursion, used as a stack
	visit func(e *entry) bool
}

// reset empties the entry list for the next query.
func (w *walker) reset() {
	w.es = w.es[:0]
	w.buf = w.buf[:0]
}

// add appends the boxes of rule that overlap hull as entries.
func (w *walker) add(boxes []box, bh *box, hull *box, rule int, kind uint8) {
	if !bh.hullsOverlap(hull) {
		return
	}
	for i := range boxes {
		if boxes[i].hullsOverlap(hull) {
			w.es = append(w.es, entry{b: &boxes[i], rule: rule, kind: kind})
		}
	}
}

// run walks every box of region against all entries.
func (w *walker) run(region []box) bool {
	for i := range region {
		r := &region[i]
		start := len(w.buf)
		for c := range w.es {
			if r.overlaps(w.es[c].b) {
				w.buf = append(w.buf, c)
			}
		}
		ok := w.walk(r, w.buf[start:])
		w.buf = w.buf[:start]
		if !ok {
			return false
		}
	}
	return true
}

func (w *walker) walk(r *box, cand []int) bool {
	for n, c := range cand {
		e := &w.es[c]
		if !r.overlaps(e.b) {
			continue
		}
		if r.subsetOf(e.b) {
			return w.visit(e)
		}
		if !w.visit(e) {
			return false
		}
		pieces := r.minus(e.b, nil)
		rest := cand[n+1:]
		for i := range pieces {
			p := &pieces[i]
			start := len(w.buf)
			for _, c2 := range rest {
				if p.overlaps(w.es[c2].b) {
					w.buf = append(w.buf, c2)
				}
			}
			ok := w.walk(p, w.buf[start:])
			w.buf = w.buf[:start]
			if !ok {
				return false
			}
		}
		return true
	}
	return w.visit(nil)
}
