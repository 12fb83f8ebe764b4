package sigma

import (
	"container/list"
	"hash/fnv"
	"math"
	"sort"
	"strings"
	"time"
)

// CorrelationLimits bound the memory of a Correlator; the zero value means
// the defaults. The state holds at most MaxGroups groups and MaxEvents
// remembered events. A group costs about 300 bytes plus twice its group-by
// values (each cut to 1 KiB); a remembered event 64 bytes (plus 8 per
// event of an inner match, for chained correlations). With the defaults
// and short group-by values (addresses, user names) that is about 30 MB
// for groups and 64 MB for events at most. When a bound is reached the
// least recently updated groups are closed (decided as if their window had
// ended) and dropped; Stats counts them.
type CorrelationLimits struct {
	// MaxGroups bounds the groups kept over all correlation rules
	// (default 100,000).
	MaxGroups int
	// MaxEventsPerGroup bounds the events remembered per group (default
	// 10,000). A count condition that needs more is refused by NewEngine.
	MaxEventsPerGroup int
	// MaxEvents bounds the events remembered over all groups (default
	// 1,000,000).
	MaxEvents int
}

func (l CorrelationLimits) withDefaults() CorrelationLimits {
	if l.MaxGroups <= 0 {
		l.MaxGroups = 100_000
	}
	if l.MaxEventsPerGroup <= 0 {
		l.MaxEventsPerGroup = 10_000
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = 1_000_000
	}
	return l
}

// maxGroupValue is the longest group-by value kept (longer ones are cut;
// the group key still uses a hash of the whole value).
const maxGroupValue = 1024

// Detection is one result: a detection rule matching one event, or a
// correlation rule matching several.
type Detection struct {
	Rule *Rule
	// Events are the caller's references (Process's ref) of the events
	// involved, oldest first; for a correlation, those of its window.
	Events []uint64
	// Group holds a correlation's group-by values, in group-by order.
	Group []GroupValue
	// Time is the time of the last event involved.
	Time time.Time
}

// GroupValue is one group-by field of a correlation detection.
type GroupValue struct {
	Field, Value string
}

// CorrelatorStats counts what the bounds cost.
type CorrelatorStats struct {
	Groups, Events           int // currently held
	EvictedGroups            int // groups dropped because a bound was reached
	DroppedEvents            int // events dropped from full groups
	NonNumeric, MissingField int // events ignored by value correlations
}

// Correlator runs events through an Engine and evaluates its correlation
// rules. It holds per-group state, so it is not safe for concurrent use:
// use one per independent stream (per tenant, say). Events should arrive
// in time order; small disorder is tolerated.
type Correlator struct {
	e      *Engine
	lim    CorrelationLimits
	corrs  []*corrRule
	byRule map[*Rule][]*corrRule // referenced rule -> correlations over it
	lru    *list.List            // of *group, most recent at the front
	held   int                   // entries over all groups
	now    int64                 // latest event time seen (Unix ns)
	stats  CorrelatorStats
	match  []*Rule
	seen   map[uint64]struct{} // scratch for distinct counts
}

type corrRule struct {
	rule   *Rule
	c      *correlation
	early  bool
	refs   []*Rule // referenced rules, in rules order
	names  []string
	groups map[string]*group
}

type group struct {
	cr      *corrRule
	key     string
	values  []string
	start   int64 // window start for close-decided conditions
	entries []entry
	elem    *list.Element
}

type entry struct {
	t    int64
	ref  uint64
	rule int32    // index in corrRule.refs
	x    float64  // numeric value (value_sum ...)
	h    uint64   // hash of the value (value_count)
	refs []uint64 // events of a correlation match (chained correlations)
}

// NewCorrelator returns a Correlator with empty state.
func (e *Engine) NewCorrelator() *Correlator {
	c := &Correlator{e: e, lim: e.opts.Correlation.withDefaults(), byRule: map[*Rule][]*corrRule{}, lru: list.New(), seen: map[uint64]struct{}{}}
	for _, r := range e.corrs {
		cr := &corrRule{rule: r, c: r.corr, early: r.corr.early(), refs: e.targets[r], groups: map[string]*group{}}
		for _, n := range r.corr.rules {
			cr.names = append(cr.names, n.text)
		}
		c.corrs = append(c.corrs, cr)
		for _, t := range cr.refs {
			c.byRule[t] = append(c.byRule[t], cr)
		}
	}
	return c
}

// Stats reports the state size and what the bounds cost so far.
func (c *Correlator) Stats() CorrelatorStats {
	s := c.stats
	s.Groups = c.lru.Len()
	s.Events = c.held
	return s
}

// Process evaluates ev, an event from ls at time t that the caller names
// ref, and appends the detections it completes: matches of detection rules
// that are reported on their own (see Engine.Reported) and correlation
// matches. Close-decided correlation windows that ended before t are
// closed first.
func (c *Correlator) Process(ls LogSource, ev Event, t time.Time, ref uint64, dst []Detection) []Detection {
	ts := t.UnixNano()
	if t.IsZero() {
		ts = c.now
	}
	if ts > c.now {
		c.now = ts
		dst = c.closeBefore(c.now, dst)
	}
	c.match = c.e.Match(ls, ev, c.match[:0])
	for _, r := range c.match {
		if c.e.reported[r] {
			dst = append(dst, Detection{Rule: r, Events: []uint64{ref}, Time: time.Unix(0, ts)})
		}
		for _, cr := range c.byRule[r] {
			dst = c.feed(cr, r, ls, ev, ts, ref, nil, dst)
		}
	}
	return dst
}

// Flush closes the windows of close-decided correlations that ended before
// now (for instance on a timer when events are scarce).
func (c *Correlator) Flush(now time.Time, dst []Detection) []Detection {
	ts := now.UnixNano()
	if ts > c.now {
		c.now = ts
	}
	return c.closeBefore(ts, dst)
}

// FlushAll closes every window, as at the end of the input, and empties
// the state.
func (c *Correlator) FlushAll(dst []Detection) []Detection {
	for el := c.lru.Back(); el != nil; {
		prev := el.Prev()
		g := el.Value.(*group)
		if !g.cr.early {
			dst = c.closeWindow(g, dst)
		}
		c.drop(g)
		el = prev
	}
	return dst
}

// closeBefore closes windows that ended before ts; it walks from the least
// recently updated group and stops at the first one still open.
func (c *Correlator) closeBefore(ts int64, dst []Detection) []Detection {
	for el := c.lru.Back(); el != nil; {
		prev := el.Prev()
		g := el.Value.(*group)
		end := g.lastTime() + int64(g.cr.c.timespan)
		if !g.cr.early {
			end = g.start + int64(g.cr.c.timespan)
		}
		if end >= ts {
			break
		}
		// Every event of the group is older than the timespan: nothing can
		// join it any more.
		if !g.cr.early {
			dst = c.closeWindow(g, dst)
		}
		c.drop(g)
		el = prev
	}
	return dst
}

func (g *group) lastTime() int64 {
	if len(g.entries) == 0 {
		return g.start
	}
	return g.entries[len(g.entries)-1].t
}

func (c *Correlator) drop(g *group) {
	c.held -= len(g.entries)
	delete(g.cr.groups, g.key)
	if g.elem != nil {
		c.lru.Remove(g.elem)
		g.elem = nil
	}
}

// groupKey reads the group-by values of ev for rule r (aliases applied).
func (c *Correlator) groupKey(cr *corrRule, r *Rule, ls LogSource, ev Event) (string, []string) {
	if len(cr.c.groupBy) == 0 {
		return "", nil
	}
	var b strings.Builder
	vals := make([]string, len(cr.c.groupBy))
	var buf [4]string
	for i, f := range cr.c.groupBy {
		field := f
		if al, ok := cr.c.aliases[f]; ok {
			for _, k := range []string{r.Name, r.ID, r.Title} {
				if x, ok := al[k]; ok && k != "" {
					field = x
					break
				}
			}
		}
		names := c.e.mapper.MapField(ls, field)
		if len(names) == 0 {
			names = []string{field}
		}
		v := ""
		for _, n := range names {
			got, found := ev.Lookup(n, buf[:0])
			if found {
				if len(got) > 0 {
					v = got[0]
				}
				break
			}
		}
		h := fnv.New64a()
		h.Write([]byte(v))
		if len(v) > maxGroupValue {
			v = v[:maxGroupValue]
		}
		v = strings.Clone(v) // kept beyond this event
		vals[i] = v
		b.WriteString(v)
		b.WriteByte(0)
		var sum [8]byte
		b.Write(h.Sum(sum[:0]))
	}
	return b.String(), vals
}

// feed adds one matching event of rule r to correlation cr.
func (c *Correlator) feed(cr *corrRule, r *Rule, ls LogSource, ev Event, ts int64, ref uint64, refs []uint64, dst []Detection) []Detection {
	ri := int32(-1)
	for i, t := range cr.refs {
		if t == r {
			ri = int32(i)
		}
	}
	en := entry{t: ts, ref: ref, rule: ri, refs: refs}
	switch {
	case cr.c.typ == corrValueCount:
		v, ok := c.fieldValue(cr.c.field, ls, ev)
		if !ok {
			c.stats.MissingField++
			return dst
		}
		h := fnv.New64a()
		h.Write([]byte(v))
		en.h = h.Sum64()
	case cr.c.typ.aggregates():
		v, ok := c.fieldValue(cr.c.field, ls, ev)
		if !ok {
			c.stats.MissingField++
			return dst
		}
		f, err := parseNumber(v)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			c.stats.NonNumeric++
			return dst
		}
		en.x = f
	}
	key, vals := c.groupKey(cr, r, ls, ev)
	g := cr.groups[key]
	if g == nil {
		dst = c.makeRoom(dst)
		g = &group{cr: cr, key: key, values: vals, start: ts}
		cr.groups[key] = g
		g.elem = c.lru.PushFront(g)
	} else {
		c.lru.MoveToFront(g.elem)
	}
	span := int64(cr.c.timespan)
	if !cr.early && len(g.entries) > 0 && ts > g.start+span {
		// The tumbling window has ended: decide it, then start anew.
		dst = c.closeWindow(g, dst)
		g.truncate(c, 0)
	}
	if len(g.entries) == 0 {
		g.start = ts
	}
	g.insert(en)
	c.held++
	if len(g.entries) > c.lim.MaxEventsPerGroup {
		g.cut(c, 1)
		c.stats.DroppedEvents++
	}
	if cr.early {
		// Sliding window ending at the newest event.
		newest := g.entries[len(g.entries)-1].t
		n := 0
		for n < len(g.entries) && g.entries[n].t < newest-span {
			n++
		}
		g.cut(c, n)
		if c.holds(cr, g.entries) {
			dst = c.emit(cr, g, g.entries, dst)
			g.truncate(c, 0)
		}
	}
	for c.held > c.lim.MaxEvents && c.lru.Len() > 1 {
		dst = c.evictOldest(dst)
	}
	return dst
}

// cut removes the n oldest entries.
func (g *group) cut(c *Correlator, n int) {
	if n <= 0 {
		return
	}
	c.held -= n
	g.entries = append(g.entries[:0], g.entries[n:]...)
}

// truncate keeps the n oldest entries.
func (g *group) truncate(c *Correlator, n int) {
	c.held -= len(g.entries) - n
	clear(g.entries[n:])
	g.entries = g.entries[:n]
}

func (g *group) insert(en entry) {
	i := len(g.entries)
	for i > 0 && g.entries[i-1].t > en.t {
		i--
	}
	g.entries = append(g.entries, entry{})
	copy(g.entries[i+1:], g.entries[i:])
	g.entries[i] = en
}

// makeRoom evicts least recently updated groups until a new group fits.
func (c *Correlator) makeRoom(dst []Detection) []Detection {
	for c.lru.Len() >= c.lim.MaxGroups {
		dst = c.evictOldest(dst)
	}
	return dst
}

// evictOldest closes and drops the least recently updated group.
func (c *Correlator) evictOldest(dst []Detection) []Detection {
	g := c.lru.Back().Value.(*group)
	if !g.cr.early {
		dst = c.closeWindow(g, dst)
	}
	c.drop(g)
	c.stats.EvictedGroups++
	return dst
}

func (c *Correlator) fieldValue(fields []string, ls LogSource, ev Event) (string, bool) {
	var parts []string
	var buf [4]string
	for _, f := range fields {
		names := c.e.mapper.MapField(ls, f)
		if len(names) == 0 {
			names = []string{f}
		}
		found := false
		for _, n := range names {
			got, ok := ev.Lookup(n, buf[:0])
			if ok && len(got) > 0 {
				parts = append(parts, got[0])
				found = true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return strings.Join(parts, "\x00"), true
}

// closeWindow decides a close-decided window.
func (c *Correlator) closeWindow(g *group, dst []Detection) []Detection {
	if len(g.entries) > 0 && c.holds(g.cr, g.entries) {
		dst = c.emit(g.cr, g, g.entries, dst)
	}
	return dst
}

// measure computes the quantity a count or value correlation compares.
func (c *Correlator) measure(cr *corrRule, es []entry) float64 {
	switch cr.c.typ {
	case corrEventCount:
		return float64(len(es))
	case corrValueCount:
		clear(c.seen)
		for _, e := range es {
			c.seen[e.h] = struct{}{}
		}
		return float64(len(c.seen))
	case corrValueSum, corrValueAvg:
		s := 0.0
		for _, e := range es {
			s += e.x
		}
		if cr.c.typ == corrValueAvg {
			return s / float64(len(es))
		}
		return s
	case corrValueMin, corrValueMax:
		m := es[0].x
		for _, e := range es[1:] {
			if (cr.c.typ == corrValueMin) == (e.x < m) {
				m = e.x
			}
		}
		return m
	case corrValueMedian:
		return percentile(es, 50)
	case corrValuePercentile:
		return percentile(es, cr.c.pct)
	}
	return 0
}

// percentile uses linear interpolation between closest ranks.
func percentile(es []entry, p float64) float64 {
	xs := make([]float64, len(es))
	for i, e := range es {
		xs[i] = e.x
	}
	sort.Float64s(xs)
	if len(xs) == 1 {
		return xs[0]
	}
	pos := p / 100 * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return xs[lo] + (xs[hi]-xs[lo])*(pos-float64(lo))
}

func (c *Correlator) holds(cr *corrRule, es []entry) bool {
	if len(es) == 0 {
		return false
	}
	if cr.c.typ == corrTemporal || cr.c.typ == corrTemporalOrdered {
		seen := make([]bool, len(cr.refs))
		if cr.c.typ == corrTemporal {
			for _, e := range es {
				if e.rule >= 0 {
					seen[e.rule] = true
				}
			}
		} else {
			// Greedy earliest matching finds the longest ordered prefix.
			next := 0
			for _, e := range es {
				if next < len(seen) && int(e.rule) == next {
					seen[next] = true
					next++
				}
			}
		}
		if cr.c.expr != nil {
			return cr.c.expr.eval(func(name string) bool {
				for i, n := range cr.names {
					if n == name {
						return seen[i]
					}
				}
				return false
			})
		}
		n := 0
		for _, s := range seen {
			if s {
				n++
			}
		}
		if len(cr.c.conds) == 0 {
			return n == len(seen)
		}
		for _, x := range cr.c.conds {
			if !x.holds(float64(n)) {
				return false
			}
		}
		return true
	}
	m := c.measure(cr, es)
	for _, x := range cr.c.conds {
		if !x.holds(m) {
			return false
		}
	}
	return true
}

// emit reports a correlation match and feeds it to correlations over it.
func (c *Correlator) emit(cr *corrRule, g *group, es []entry, dst []Detection) []Detection {
	var refs []uint64
	for _, e := range es {
		if e.refs != nil {
			refs = append(refs, e.refs...)
		} else {
			refs = append(refs, e.ref)
		}
	}
	d := Detection{Rule: cr.rule, Events: refs, Time: time.Unix(0, es[len(es)-1].t)}
	m := MapEvent{}
	for i, f := range cr.c.groupBy {
		d.Group = append(d.Group, GroupValue{Field: f, Value: g.values[i]})
		m[f] = g.values[i]
	}
	if c.e.reported[cr.rule] {
		dst = append(dst, d)
	}
	for _, outer := range c.byRule[cr.rule] {
		dst = c.feed(outer, cr.rule, AnyLogSource, m, es[len(es)-1].t, refs[0], refs, dst)
	}
	return dst
}
