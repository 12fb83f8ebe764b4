package ruleaudit

// span is an inclusive interval of coordinates in one dimension.
type span struct{ lo, hi uint32 }

// ivals is a sorted list of disjoint, non-adjacent spans: a set of
// coordinates in one dimension. An empty list is the empty set. Lists are
// never modified once built, so boxes may share them.
type ivals []span

// normalize sorts and merges spans in place and returns the result.
func normalize(s []span) ivals {
	if len(s) < 2 {
		return s
	}
	// Insertion sort: lists are short and often already sorted.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].lo < s[j-1].lo; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	out := s[:1]
	for _, x := range s[1:] {
		last := &out[len(out)-1]
		if last.hi == ^uint32(0) || x.lo <= last.hi+1 {
			if x.hi > last.hi {
				last.hi = x.hi
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// overlaps reports whether a and b share a coordinate.
func (a ivals) overlaps(b ivals) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].hi < b[j].lo:
			i++
		case b[j].hi < a[i].lo:
			j++
		default:
			return true
		}
	}
	return false
}

// subsetOf reports whether every coordinate of a is in b.
func (a ivals) subsetOf(b ivals) bool {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j].hi < x.lo {
			j++
		}
		if j == len(b) || b[j].lo > x.lo || b[j].hi < x.hi {
			return false
		}
	}
	return true
}

// intersect returns a ∩ b; it returns a itself when a ⊆ b.
func (a ivals) intersect(b ivals) ivals {
	if a.subsetOf(b) {
		return a
	}
	var out ivals
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo := max(a[i].lo, b[j].lo)
		hi := min(a[i].hi, b[j].hi)
		if lo <= hi {
			out = append(out, span{lo, hi})
		}
		if a[i].hi < b[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// minus returns a \ b.
func (a ivals) minus(b ivals) ivals {
	var out ivals
	j := 0
	for _, x := range a {
		lo := x.lo
		done := false
		for j < len(b) && b[j].hi < lo {
			j++
		}
		for k := j; k < len(b) && b[k].lo <= x.hi; k++ {
			if b[k].lo > lo {
				out = append(out, span{lo, b[k].lo - 1})
			}
			if b[k].hi >= x.hi {
				done = true
				break
			}
			lo = b[k].hi + 1
		}
		if !done {
			out = append(out, span{lo, x.hi})
		}
	}
	return out
}

// complement returns [0, top] \ a.
func (a ivals) complement(top uint32) ivals {
	return ivals{{0, top}}.minus(a)
}

// hull returns the smallest span holding a; a must not be empty.
func (a ivals) hull() span { return span{a[0].lo, a[len(a)-1].hi} }
