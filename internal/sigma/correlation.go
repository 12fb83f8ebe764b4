package sigma

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Correlation rules (correlation rules specification): the parsed form.
// The streaming evaluation lives in correlate.go.

type corrType uint8

const (
	corrEventCount corrType = iota
	corrValueCount
	corrTemporal
	corrTemporalOrdered
	corrValueSum
	corrValueAvg
	corrValueMin
	corrValueMax
	corrValueMedian
	corrValuePercentile
)

var corrTypes = map[string]corrType{
	"event_count":      corrEventCount,
	"value_count":      corrValueCount,
	"temporal":         corrTemporal,
	"temporal_ordered": corrTemporalOrdered,
	"value_sum":        corrValueSum,
	"value_avg":        corrValueAvg,
	"value_min":        corrValueMin,
	"value_max":        corrValueMax,
	"value_median":     corrValueMedian,
	"value_percentile": corrValuePercentile,
}

func (t corrType) String() string {
	for k, v := range corrTypes {
		if v == t {
			return k
		}
	}
	return "?"
}

// aggregates reports whether the type aggregates the numeric values of a field.
func (t corrType) aggregates() bool {
	return t >= corrValueSum
}

type corrCond struct {
	op string // gt, gte, lt, lte, eq
	n  float64
}

func (c corrCond) holds(x float64) bool {
	switch c.op {
	case "gt":
		return x > c.n
	case "gte":
		return x >= c.n
	case "lt":
		return x < c.n
	case "lte":
		return x <= c.n
	}
	return x == c.n
}

type correlation struct {
	typ      corrType
	rules    []*node // references as written: ids or names
	aliases  map[string]map[string]string
	groupBy  []string
	timespan time.Duration
	conds    []corrCond
	field    []string // value_count and value_* types
	pct      float64  // value_percentile: which percentile (0-100)
	expr     *condNode
	generate bool
	pos      Pos
}

var timespanRE = regexp.MustCompile(`^([1-9][0-9]*)([smhdw])$`)

func parseTimespan(s string) (time.Duration, bool) {
	m := timespanRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 32)
	if err != nil {
		return 0, false
	}
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, true
}

func parseCorrelation(d *node) (*correlation, *Error) {
	cn := d.get("correlation")
	if cn.kind != kindMap {
		return nil, errAt(cn.pos, "correlation must be a map, not %s", describe(cn))
	}
	c := &correlation{pos: cn.pos}
	known := map[string]bool{"type": true, "rules": true, "aliases": true, "group-by": true, "timespan": true, "condition": true, "generate": true, "field": true}
	for _, k := range cn.keys {
		if !known[k.text] {
			return nil, errAt(k.pos, "correlation: unknown key %q", k.text)
		}
	}

	tn := cn.get("type")
	if tn == nil {
		return nil, errAt(cn.pos, "correlation: missing type")
	}
	t, ok := corrTypes[tn.text]
	if tn.kind != kindString || !ok {
		return nil, errAt(tn.pos, "correlation type %s: want event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_min, value_max, value_median or value_percentile", quoteShort(tn.text))
	}
	c.typ = t

	rn := cn.get("rules")
	switch {
	case rn == nil:
		return nil, errAt(cn.pos, "correlation: missing rules")
	case rn.kind == kindString:
		c.rules = []*node{rn}
	case rn.kind == kindSeq && len(rn.items) > 0:
		seen := map[string]bool{}
		for _, it := range rn.items {
			if it.kind != kindString || it.text == "" {
				return nil, errAt(it.pos, "correlation rules: want rule ids or names, not %s", describe(it))
			}
			if seen[it.text] {
				return nil, errAt(it.pos, "correlation rules: %q listed twice", it.text)
			}
			seen[it.text] = true
			c.rules = append(c.rules, it)
		}
	default:
		return nil, errAt(rn.pos, "correlation rules must be a non-empty list of rule ids or names")
	}
	if (t == corrTemporal || t == corrTemporalOrdered) && len(c.rules) < 2 {
		return nil, errAt(rn.pos, "%s correlation needs at least two rules", t)
	}

	if gb := cn.get("group-by"); gb != nil && gb.kind != kindNull {
		switch gb.kind {
		case kindString:
			c.groupBy = []string{gb.text}
		case kindSeq:
			for _, it := range gb.items {
				if it.kind != kindString || it.text == "" {
					return nil, errAt(it.pos, "group-by: want field names, not %s", describe(it))
				}
				c.groupBy = append(c.groupBy, it.text)
			}
		default:
			return nil, errAt(gb.pos, "group-by must be a list of field names")
		}
	}

	ts := cn.get("timespan")
	if ts == nil {
		return nil, errAt(cn.pos, "correlation: missing timespan")
	}
	dur, ok := parseTimespan(ts.text)
	if !ok || !ts.scalar() {
		return nil, errAt(ts.pos, "timespan %s: want a number and a unit s, m, h, d or w (90m)", quoteShort(ts.text))
	}
	c.timespan = dur

	if al := cn.get("aliases"); al != nil && al.kind != kindNull {
		if al.kind != kindMap {
			return nil, errAt(al.pos, "aliases must be a map of alias: {rule name: field}")
		}
		c.aliases = map[string]map[string]string{}
		for i, k := range al.keys {
			m := al.vals[i]
			if m.kind != kindMap || len(m.keys) == 0 {
				return nil, errAt(m.pos, "alias %q must map rule names to field names", k.text)
			}
			c.aliases[k.text] = map[string]string{}
			for j, rk := range m.keys {
				fv := m.vals[j]
				if fv.kind != kindString || fv.text == "" {
					return nil, errAt(fv.pos, "alias %q: field for rule %q must be a field name", k.text, rk.text)
				}
				c.aliases[k.text][rk.text] = fv.text
			}
		}
	}

	if err := c.parseCondition(cn); err != nil {
		return nil, err
	}

	gen := d.get("generate")
	if g := cn.get("generate"); g != nil {
		gen = g
	}
	if gen != nil && gen.kind != kindNull {
		if gen.kind != kindBool {
			return nil, errAt(gen.pos, "generate must be true or false, not %s", describe(gen))
		}
		c.generate = strings.EqualFold(gen.text, "true")
	}
	return c, nil
}

func (c *correlation) parseCondition(cn *node) *Error {
	cond := cn.get("condition")
	temporal := c.typ == corrTemporal || c.typ == corrTemporalOrdered
	if fieldOut := cn.get("field"); fieldOut != nil {
		return errAt(fieldOut.pos, "field belongs inside condition (condition: {field: ..., gte: ...})")
	}
	if cond == nil || cond.kind == kindNull {
		if temporal {
			return nil // all rules must match
		}
		return errAt(cn.pos, "%s correlation: missing condition", c.typ)
	}
	if cond.kind == kindString {
		if !temporal {
			return errAt(cond.pos, "%s correlation: condition must be a map such as {gte: 10}", c.typ)
		}
		expr, cerr := parseCondition(cond.text)
		if cerr == nil {
			names := make([]string, len(c.rules))
			for i, r := range c.rules {
				names[i] = r.text
			}
			cerr = expr.resolve(names)
		}
		if cerr != nil {
			return conditionErrAt(cond, cerr)
		}
		c.expr = expr
		return nil
	}
	if cond.kind != kindMap {
		return errAt(cond.pos, "correlation condition must be a map such as {gte: 10}, not %s", describe(cond))
	}
	hasPct := false
	for i, k := range cond.keys {
		v := cond.vals[i]
		switch k.text {
		case "gt", "gte", "lt", "lte", "eq":
			if v.kind != kindInt && v.kind != kindFloat {
				return errAt(v.pos, "condition %s needs a number, not %s", k.text, describe(v))
			}
			n, err := parseNumber(v.text)
			if err != nil {
				return errAt(v.pos, "condition %s: %s is not a number", k.text, v.text)
			}
			c.conds = append(c.conds, corrCond{op: k.text, n: n})
		case "field":
			switch v.kind {
			case kindString:
				c.field = []string{v.text}
			case kindSeq:
				for _, it := range v.items {
					if it.kind != kindString || it.text == "" {
						return errAt(it.pos, "condition field: want field names, not %s", describe(it))
					}
					c.field = append(c.field, it.text)
				}
			}
			if len(c.field) == 0 {
				return errAt(v.pos, "condition field must be a field name or a list of them")
			}
		case "percentile":
			if c.typ != corrValuePercentile {
				return errAt(k.pos, "percentile applies to value_percentile correlations only")
			}
			if v.kind != kindInt && v.kind != kindFloat {
				return errAt(v.pos, "percentile needs a number from 0 to 100, not %s", describe(v))
			}
			p, err := parseNumber(v.text)
			if err != nil || p < 0 || p > 100 {
				return errAt(v.pos, "percentile %s: want a number from 0 to 100", v.text)
			}
			c.pct, hasPct = p, true
		default:
			return errAt(k.pos, "correlation condition: unknown key %q (want gt, gte, lt, lte, eq, field)", k.text)
		}
	}
	if len(c.conds) == 0 {
		return errAt(cond.pos, "correlation condition has no comparison (gt, gte, lt, lte or eq)")
	}
	needField := c.typ == corrValueCount || c.typ.aggregates()
	switch {
	case needField && c.field == nil:
		return errAt(cond.pos, "%s correlation needs condition.field", c.typ)
	case !needField && c.field != nil:
		return errAt(cond.pos, "%s correlation takes no condition.field", c.typ)
	case c.typ == corrValuePercentile && !hasPct:
		return errAt(cond.pos, "value_percentile correlation needs condition.percentile (0-100): the percentile of the field's values that the comparison applies to")
	}
	if c.typ.aggregates() && len(c.field) != 1 {
		return errAt(cond.pos, "%s correlation aggregates a single field", c.typ)
	}
	return nil
}

// early reports whether a match can be emitted as soon as the condition
// holds, before the window closes: true when the measured quantity only
// moves one way while the window fills (counts, distinct counts, sums of
// non-negative values and maxima grow; minima shrink) and every comparison
// bounds it from the side it moves towards.
func (c *correlation) early() bool {
	dir := 0
	switch c.typ {
	case corrEventCount, corrValueCount, corrValueMax, corrValueSum:
		dir = 1
	case corrValueMin:
		dir = -1
	case corrTemporal, corrTemporalOrdered:
		if c.expr != nil {
			return !c.expr.hasNot()
		}
		dir = 1
	}
	if dir == 0 {
		return false
	}
	for _, x := range c.conds {
		lower := x.op == "gt" || x.op == "gte"
		upper := x.op == "lt" || x.op == "lte"
		if (dir > 0 && !lower) || (dir < 0 && !upper) {
			return false
		}
	}
	return true
}

func (n *condNode) hasNot() bool {
	if n.kind == condNot {
		return true
	}
	for _, k := range n.kids {
		if k.hasNot() {
			return true
		}
	}
	return false
}

// eventsNeeded is how many events one group must hold for a count
// condition to be met (0 when it does not depend on a count).
func (c *correlation) eventsNeeded() int {
	if c.typ != corrEventCount && c.typ != corrValueCount {
		return 0
	}
	need := 0
	for _, x := range c.conds {
		n := int(math.Ceil(x.n))
		switch x.op {
		case "gt":
			n = int(math.Floor(x.n)) + 1
		case "gte", "eq":
		default:
			continue
		}
		if n > need {
			need = n
		}
	}
	return need
}
