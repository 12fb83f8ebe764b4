package ruleaudit

// anomaly is what the set algebra found about one enabled rule. Rule
// references are indexes into Ruleset.Rules.
type anomaly struct {
	// empty: the rule matches no flow at all.
	empty bool
	// covered: every flow the rule may match is surely decided by earlier
	// rules, listed in coveredBy (the rules that decide at least one of
	// them, in order). conflict says one of them has the other action.
	covered   bool
	coveredBy []int
	conflict  bool
	// sameCover: with conflict, earlier rules of the rule's own action
	// alone surely decide all of its traffic (the rule duplicates them and
	// the others only carve exceptions); sameBy lists them like coveredBy.
	sameCover bool
	sameBy    []int
	// redundant: removing the rule changes no decision; the flows it
	// decides go to the rules in takers, or to the default action when
	// toDefault, with the same action.
	redundant bool
	takers    []int
	toDefault bool
	// overlaps: earlier rules with the other action that decide part of
	// this rule's traffic while not lying wholly inside it.
	overlaps []int
}

// analyzer runs the queries of one table.
type analyzer struct {
	rules []cRule // the table, in order
	def   Action
	w     walker
	seen  []bool // scratch, by table position
	// near lists, for each rule, the other rules whose possible flows'
	// hulls overlap its own, in order: the only rules any query about it
	// needs to look at.
	near [][]int
}

// findNear fills a.near with one pass over all pairs.
func (a *analyzer) findNear() {
	a.near = make([][]int, len(a.rules))
	for j := range a.rules {
		rj := &a.rules[j]
		if len(rj.over) == 0 {
			continue
		}
		for i := range j {
			ri := &a.rules[i]
			if len(ri.over) > 0 && ri.overHull.hullsOverlap(&rj.overHull) {
				a.near[j] = append(a.near[j], i)
				a.near[i] = append(a.near[i], j)
			}
		}
	}
}

// analyze returns the anomalies of every enabled rule, keyed by index in
// Ruleset.Rules.
func analyze(rs *Ruleset) map[int]*anomaly {
	sp := newSpace(rs)
	def := rs.DefaultAction
	if def != Accept {
		def = Deny
	}
	tables := map[string][]cRule{}
	var order []string
	for i := range rs.Rules {
		t := rs.Rules[i].Table
		if _, ok := tables[t]; !ok {
			order = append(order, t)
		}
		tables[t] = append(tables[t], sp.compile(i, &rs.Rules[i]))
	}
	out := map[int]*anomaly{}
	for _, t := range order {
		a := &analyzer{rules: tables[t], def: def}
		a.seen = make([]bool, len(a.rules))
		a.run(out)
	}
	return out
}

func (a *analyzer) run(out map[int]*anomaly) {
	a.findNear()
	res := make([]*anomaly, len(a.rules))
	for j := range a.rules {
		r := &a.rules[j]
		if !r.enabled {
			continue
		}
		an := &anomaly{}
		res[j] = an
		out[r.idx] = an
		if len(r.over) == 0 {
			an.empty = true
			continue
		}
		a.shadow(j, an)
		if !an.covered {
			a.redundant(j, an)
		}
	}
	for j := range a.rules {
		if an := res[j]; an != nil && !an.empty && !an.covered {
			a.overlaps(j, an, res)
		}
	}
}

// shadow decides whether earlier rules surely decide everything rule j may
// match, and which of them do.
func (a *analyzer) shadow(j int, an *anomaly) {
	r := &a.rules[j]
	var ok bool
	if an.coveredBy, ok = a.coverBy(j, false); !ok {
		return
	}
	an.covered = true
	for _, i := range an.coveredBy {
		if a.rules[i].action != r.action {
			an.conflict = true
		}
	}
	if an.conflict {
		an.sameBy, an.sameCover = a.coverBy(j, true)
	}
	for k, i := range an.coveredBy {
		an.coveredBy[k] = a.rules[i].idx
	}
	for k, i := range an.sameBy {
		an.sameBy[k] = a.rules[i].idx
	}
}

// coverBy reports whether the earlier rules (only those with rule j's
// action when same) surely decide everything rule j may match, and the
// table positions of the rules deciding some of it.
func (a *analyzer) coverBy(j int, same bool) ([]int, bool) {
	r := &a.rules[j]
	w := &a.w
	w.reset()
	for _, i := range a.near[j] {
		if i > j {
			break
		}
		e := &a.rules[i]
		if len(e.under) > 0 && (!same || e.action == r.action) {
			w.add(e.under, &e.underHull, &r.overHull, i, kindEarlier)
		}
	}
	clear(a.seen)
	w.visit = func(e *entry) bool {
		if e == nil {
			return false
		}
		a.seen[e.rule] = true
		return true
	}
	if !w.run(r.over) {
		return nil, false
	}
	var by []int
	for _, i := range a.near[j] {
		if i > j {
			break
		}
		if a.seen[i] {
			by = append(by, i)
		}
	}
	return by, true
}

// redundant decides whether every flow rule j decides would get the same
// action from the later rules or the default if j were removed.
func (a *analyzer) redundant(j int, an *anomaly) {
	r := &a.rules[j]
	w := &a.w
	w.reset()
	for _, k := range a.near[j] {
		e := &a.rules[k]
		switch {
		case k < j:
			if len(e.under) > 0 {
				w.add(e.under, &e.underHull, &r.overHull, k, kindEarlier)
			}
		case e.action == r.action:
			if len(e.under) > 0 {
				w.add(e.under, &e.underHull, &r.overHull, k, kindSame)
			}
		default:
			if len(e.over) > 0 {
				w.add(e.over, &e.overHull, &r.overHull, k, kindConflict)
			}
		}
	}
	if !laterEntries(w.es) {
		// Nothing after rule j meets it: its traffic goes to the default.
		// Rule j is not covered, so some of it does reach rule j.
		if a.def == r.action {
			an.redundant, an.toDefault = true, true
		}
		return
	}
	clear(a.seen)
	toDefault := false
	w.visit = func(e *entry) bool {
		switch {
		case e == nil:
			toDefault = true
			return a.def == r.action
		case e.kind == kindConflict:
			return false
		case e.kind == kindSame:
			a.seen[e.rule] = true
		}
		return true
	}
	if !w.run(r.over) {
		return
	}
	an.redundant = true
	an.toDefault = toDefault
	for _, k := range a.near[j] {
		if k > j && a.seen[k] {
			an.takers = append(an.takers, a.rules[k].idx)
		}
	}
}

// overlaps finds the earlier rules with the other action that take part of
// rule j's traffic without lying wholly inside rule j.
func (a *analyzer) overlaps(j int, an *anomaly, res []*anomaly) {
	r := &a.rules[j]
	for _, i := range a.near[j] {
		if i > j {
			break
		}
		e := &a.rules[i]
		if e.action == r.action || (res[i] != nil && res[i].covered) || !regionsOverlap(e.over, r.over) {
			continue
		}
		if a.inside(e.over, r.under) {
			continue // an exception carved out of rule j, not a conflict
		}
		if a.takesPart(i, r) {
			an.overlaps = append(an.overlaps, e.idx)
		}
	}
}

// inside reports whether region x lies wholly inside region y.
func (a *analyzer) inside(x, y []box) bool {
	if len(y) == 0 {
		return false
	}
	w := &a.w
	w.reset()
	for k := range y {
		w.es = append(w.es, entry{b: &y[k]})
	}
	w.visit = func(e *entry) bool { return e != nil }
	return w.run(x)
}

// takesPart reports whether rule i decides some flow that rule r may match:
// whether rule i's part of r is not surely decided by rules before i.
func (a *analyzer) takesPart(i int, r *cRule) bool {
	e := &a.rules[i]
	var q []box
	for x := range e.over {
		for y := range r.over {
			if b, ok := e.over[x].intersect(&r.over[y]); ok {
				q = append(q, b)
			}
		}
	}
	if len(q) == 0 {
		return false
	}
	qh := regionHull(q)
	w := &a.w
	w.reset()
	// A rule meeting part of rule i meets rule i: its near list will do.
	for _, h := range a.near[i] {
		if h > i {
			break
		}
		p := &a.rules[h]
		if len(p.under) > 0 {
			w.add(p.under, &p.underHull, &qh, h, kindEarlier)
		}
	}
	w.visit = func(e *entry) bool { return e != nil }
	return !w.run(q)
}

// laterEntries reports whether a redundancy walk has entries of rules
// after its subject.
func laterEntries(es []entry) bool {
	for i := range es {
		if es[i].kind != kindEarlier {
			return true
		}
	}
	return false
}
