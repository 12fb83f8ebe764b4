package ruleaudit

// Dimensions of a flow, in the order boxes store them.
const (
	dimSrcIntf = iota
	dimDstIntf
	dimSrcAddr
	dimDstAddr
	dimProto
	dimSrcPort
	dimDstPort
	ndim
)

// box is a product of coordinate sets, one per dimension: a set of flows.
// A box in a region never has an empty dimension.
type box struct {
	d    [ndim]ivals
	hull [ndim]span
}

func newBox(d [ndim]ivals) box {
	b := box{d: d}
	for k := range d {
		b.hull[k] = d[k].hull()
	}
	return b
}

// hullsOverlap is the cheap first test of overlaps.
func (b *box) hullsOverlap(o *box) bool {
	for k := range ndim {
		if b.hull[k].hi < o.hull[k].lo || o.hull[k].hi < b.hull[k].lo {
			return false
		}
	}
	return true
}

// overlaps reports whether b and o share a flow.
func (b *box) overlaps(o *box) bool {
	if !b.hullsOverlap(o) {
		return false
	}
	for k := range ndim {
		if !b.d[k].overlaps(o.d[k]) {
			return false
		}
	}
	return true
}

// subsetOf reports whether every flow of b is in o.
func (b *box) subsetOf(o *box) bool {
	for k := range ndim {
		h, oh := b.hull[k], o.hull[k]
		if h.lo < oh.lo || h.hi > oh.hi {
			return false
		}
	}
	for k := range ndim {
		if !b.d[k].subsetOf(o.d[k]) {
			return false
		}
	}
	return true
}

// intersect returns b ∩ o and whether it is non-empty.
func (b *box) intersect(o *box) (box, bool) {
	var d [ndim]ivals
	for k := range ndim {
		d[k] = b.d[k].intersect(o.d[k])
		if len(d[k]) == 0 {
			return box{}, false
		}
	}
	return newBox(d), true
}

// minus appends b \ o to out as at most ndim disjoint boxes. b and o must
// overlap.
func (b *box) minus(o *box, out []box) []box {
	cur := b.d
	for k := range ndim {
		rest := cur[k].minus(o.d[k])
		if len(rest) > 0 {
			piece := cur
			piece[k] = rest
			out = append(out, newBox(piece))
			cur[k] = cur[k].intersect(o.d[k])
		}
	}
	return out
}

// regionsOverlap reports whether two unions of boxes share a flow.
func regionsOverlap(a, b []box) bool {
	for i := range a {
		for j := range b {
			if a[i].overlaps(&b[j]) {
				return true
			}
		}
	}
	return false
}

// regionHull returns the hull of a non-empty region.
func regionHull(r []box) box {
	h := r[0].hull
	for _, b := range r[1:] {
		for k := range ndim {
			h[k].lo = min(h[k].lo, b.hull[k].lo)
			h[k].hi = max(h[k].hi, b.hull[k].hi)
		}
	}
	var d [ndim]ivals
	for k := range ndim {
		d[k] = ivals{h[k]}
	}
	return box{d: d, hull: h}
}
