package ruleaudit

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func iv(pairs ...uint32) ivals {
	var out ivals
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, span{pairs[i], pairs[i+1]})
	}
	return out
}

func TestIvals(t *testing.T) {
	top := ^uint32(0)
	tests := []struct {
		name       string
		a, b       ivals
		inter      ivals
		minus      ivals
		overlaps   bool
		subset     bool
		normalized ivals // normalize(a ∪ b)
	}{
		{"disjoint", iv(1, 3), iv(5, 9), nil, iv(1, 3), false, false, iv(1, 3, 5, 9)},
		{"adjacent merge", iv(1, 4), iv(5, 9), nil, iv(1, 4), false, false, iv(1, 9)},
		{"inside", iv(3, 4), iv(1, 9), iv(3, 4), nil, true, true, iv(1, 9)},
		{"hole", iv(1, 9), iv(3, 4), iv(3, 4), iv(1, 2, 5, 9), true, false, iv(1, 9)},
		{"edges", iv(0, 10, 20, 30), iv(10, 20), iv(10, 10, 20, 20), iv(0, 9, 21, 30), true, false, iv(0, 30)},
		{"top", iv(5, top), iv(top, top), iv(top, top), iv(5, top-1), true, false, iv(5, top)},
		{"many", iv(0, 1, 4, 5, 8, 9), iv(1, 4, 9, 9), iv(1, 1, 4, 4, 9, 9), iv(0, 0, 5, 5, 8, 8), true, false, iv(0, 5, 8, 9)},
		{"empty b", iv(2, 3), nil, nil, iv(2, 3), false, false, iv(2, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.intersect(tt.b); !slices.Equal(got, tt.inter) {
				t.Errorf("intersect = %v, want %v", got, tt.inter)
			}
			if got := tt.a.minus(tt.b); !slices.Equal(got, tt.minus) {
				t.Errorf("minus = %v, want %v", got, tt.minus)
			}
			if got := tt.a.overlaps(tt.b); got != tt.overlaps {
				t.Errorf("overlaps = %v", got)
			}
			if got := tt.a.subsetOf(tt.b); got != tt.subset {
				t.Errorf("subsetOf = %v", got)
			}
			u := append(append([]span{}, tt.b...), tt.a...)
			if got := normalize(u); !slices.Equal(got, tt.normalized) {
				t.Errorf("normalize = %v, want %v", got, tt.normalized)
			}
		})
	}
	if got := iv(3, 5).complement(9); !slices.Equal(got, iv(0, 2, 6, 9)) {
		t.Errorf("complement = %v", got)
	}
}

func TestBoxMinusIsExact(t *testing.T) {
	full := func(v ivals) [ndim]ivals {
		var d [ndim]ivals
		for k := range d {
			d[k] = v
		}
		return d
	}
	a := newBox(full(iv(0, 9)))
	od := full(iv(0, 9))
	od[dimSrcAddr], od[dimDstPort] = iv(2, 3), iv(5, 5, 7, 8)
	o := newBox(od)
	pieces := a.minus(&o, nil)
	// Pieces are disjoint, disjoint from o, and with o fill a.
	count := func(b box) int {
		n := 1
		for _, l := range b.d {
			w := 0
			for _, s := range l {
				w += int(s.hi - s.lo + 1)
			}
			n *= w
		}
		return n
	}
	total := count(o)
	for i := range pieces {
		if pieces[i].overlaps(&o) {
			t.Errorf("piece %d overlaps the subtracted box", i)
		}
		for j := range i {
			if pieces[i].overlaps(&pieces[j]) {
				t.Errorf("pieces %d and %d overlap", i, j)
			}
		}
		total += count(pieces[i])
	}
	if total != count(a) {
		t.Errorf("pieces and box hold %d flows, want %d", total, count(a))
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct{ in, from, to string }{
		{"10.0.0.0/8", "10.0.0.0", "10.255.255.255"},
		{"192.168.1.77/24", "192.168.1.0", "192.168.1.255"},
		{"0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
		{"2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"10.1.2.3/32", "10.1.2.3", "10.1.2.3"},
	}
	for _, tt := range tests {
		got := Prefix(netip.MustParsePrefix(tt.in))
		want := AddrRange{netip.MustParseAddr(tt.from), netip.MustParseAddr(tt.to)}
		if got != want {
			t.Errorf("Prefix(%s) = %v, want %v", tt.in, got, want)
		}
	}
}

// TestAddressFamilies checks that IPv4 "all" does not cover IPv6 and that
// IPv4-mapped addresses count as IPv4.
func TestAddressFamilies(t *testing.T) {
	all4 := AddrSet{Ranges: []AddrRange{familyRange(false)}}
	all6 := AddrSet{Ranges: []AddrRange{familyRange(true)}}
	mapped := AddrSet{Ranges: []AddrRange{{netip.MustParseAddr("::ffff:10.0.0.1"), netip.MustParseAddr("::ffff:10.0.0.9")}}}
	rule := func(id string, a Action, src AddrSet) Rule {
		return Rule{ID: id, Enabled: true, Always: true, Action: a, Src: src, Dst: AddrSet{Any: true}, Services: []Service{{}}}
	}
	rs := Ruleset{Rules: []Rule{
		rule("v4", Deny, all4),
		rule("v6", Accept, all6),       // not covered: IPv6 is not IPv4
		rule("mapped", Accept, mapped), // covered: mapped IPv4 is IPv4
		rule("any", Accept, AddrSet{Any: true}),
	}}
	an := analyze(&rs)
	if an[1].covered {
		t.Error("IPv6 rule covered by IPv4 all")
	}
	if !an[2].covered {
		t.Error("IPv4-mapped rule not covered by IPv4 all")
	}
	if !an[3].covered || !cmp.Equal(an[3].coveredBy, []int{0, 1}) {
		t.Errorf("any covered = %v by %v, want by v4 and v6", an[3].covered, an[3].coveredBy)
	}
}
