package ruleaudit

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The brute-force test enumerates every flow of a small universe, decides
// each one first-match like a firewall, and checks that the set algebra
// finds exactly the shadowed, redundant and overlapping rules that the
// enumeration finds.
//
// Rules only use interfaces a-c, addresses 10.0.0.0/29, protocols TCP, UDP
// and ICMP, destination ports (ICMP types) 1-8 and source ports 1-2. The
// universe adds one value each that no rule names (interface d, address
// 10.0.0.9, protocol GRE, ports 9 and 3): it stands for the rest of the
// real space, which the algebra sees too.
var (
	bfIntfs = []string{"a", "b", "c", "d"}
	bfAddrs = func() []netip.Addr {
		var out []netip.Addr
		for i := range 8 {
			out = append(out, netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
		}
		return append(out, netip.AddrFrom4([4]byte{10, 0, 0, 9}))
	}()
	bfProtos = []uint8{ProtoTCP, ProtoUDP, ProtoICMP, ProtoGRE}
	bfSports = []uint16{1, 2, 3}
	bfDports = []uint16{1, 2, 3, 4, 5, 6, 7, 8, 9}
)

type bfFlow struct {
	si, di       string
	src, dst     netip.Addr
	proto        uint8
	sport, dport uint16
}

func intfMatch(list []string, n string) bool {
	return anyIntf(list) || slices.Contains(list, n)
}

func addrMatch(a *AddrSet, x netip.Addr) bool {
	in := a.Any
	for _, r := range a.Ranges {
		if r.From.Compare(x) <= 0 && x.Compare(r.To) <= 0 {
			in = true
		}
	}
	return in != a.Negate
}

func portIn(lo, hi, p uint16) bool { return hi == 0 || (lo <= p && p <= hi) }

func svcMatch(r *Rule, proto uint8, sport, dport uint16) bool {
	in := false
	for _, s := range r.Services {
		if (s.Proto == 0 || s.Proto == proto) && portIn(s.SrcLo, s.SrcHi, sport) && portIn(s.DstLo, s.DstHi, dport) {
			in = true
		}
	}
	return in != r.ServiceNegate
}

// bfMatch is the reference semantics of an exact, enabled rule.
func bfMatch(r *Rule, f bfFlow) bool {
	return intfMatch(r.SrcIntf, f.si) && intfMatch(r.DstIntf, f.di) &&
		addrMatch(&r.Src, f.src) && addrMatch(&r.Dst, f.dst) &&
		svcMatch(r, f.proto, f.sport, f.dport)
}

// bfResult is the anomaly view compared between the two methods.
type bfResult struct {
	Empty, Covered, Conflict, SameCover, Redundant, ToDefault bool
	CoveredBy, SameBy, Takers, Overlaps                       []int
}

func fromAnomaly(a *anomaly) bfResult {
	return bfResult{
		Empty: a.empty, Covered: a.covered, Conflict: a.conflict, SameCover: a.sameCover,
		Redundant: a.redundant, ToDefault: a.toDefault,
		CoveredBy: a.coveredBy, SameBy: a.sameBy, Takers: a.takers, Overlaps: a.overlaps,
	}
}

func maskList(m uint64) []int {
	var out []int
	for m != 0 {
		i := bits.TrailingZeros64(m)
		out = append(out, i)
		m &^= 1 << i
	}
	return out
}

// bruteForce decides every flow and derives the anomalies of each enabled
// rule from the definitions in anomaly's comments.
//
// real, when not nil, decides what inexact rules actually match.
func bruteForce(rs *Ruleset, real *realization) map[int]bfResult {
	n := len(rs.Rules)
	src := func(i, v int) bool { return addrMatch(&rs.Rules[i].Src, bfAddrs[v]) }
	dst := func(i, v int) bool { return addrMatch(&rs.Rules[i].Dst, bfAddrs[v]) }
	svc := func(i, p, s, d int) bool { return svcMatch(&rs.Rules[i], bfProtos[p], bfSports[s], bfDports[d]) }
	if real != nil {
		src = func(i, v int) bool { return real.addr(&rs.Rules[i].Src, real.extraSrc[i], v) }
		dst = func(i, v int) bool { return real.addr(&rs.Rules[i].Dst, real.extraDst[i], v) }
		svc = func(i, p, s, d int) bool { return real.svc(&rs.Rules[i], i, p, s, d) }
	}
	// Per-dimension match masks make each flow a handful of ANDs.
	dimMask := func(vals int, match func(r *Rule, v int) bool) []uint64 {
		out := make([]uint64, vals)
		for v := range vals {
			for i := range rs.Rules {
				if rs.Rules[i].Enabled && match(&rs.Rules[i], v) {
					out[v] |= 1 << i
				}
			}
		}
		return out
	}
	siM := dimMask(len(bfIntfs), func(r *Rule, v int) bool { return intfMatch(r.SrcIntf, bfIntfs[v]) })
	diM := dimMask(len(bfIntfs), func(r *Rule, v int) bool { return intfMatch(r.DstIntf, bfIntfs[v]) })
	srcM := dimMaskIdx(rs, len(bfAddrs), src)
	dstM := dimMaskIdx(rs, len(bfAddrs), dst)
	type svcKey struct{ p, s, d int }
	svcM := map[svcKey]uint64{}
	for p := range bfProtos {
		for s := range bfSports {
			for d := range bfDports {
				var m uint64
				for i := range rs.Rules {
					if rs.Rules[i].Enabled && svc(i, p, s, d) {
						m |= 1 << i
					}
				}
				svcM[svcKey{p, s, d}] = m
			}
		}
	}
	svcs := make([]uint64, 0, len(svcM))
	for _, m := range svcM {
		svcs = append(svcs, m)
	}

	var (
		matches, firstAny         uint64
		contrib, takers, overlapC = make([]uint64, n), make([]uint64, n), make([]uint64, n)
		notSubset                 = make([]uint64, n) // bit j of notSubset[i]: M(i) ⊄ M(j)
		sameBy                    = make([]uint64, n) // first earlier rule of j's action matching a flow of j
		sameMiss                  uint64              // bit j: a flow of j that no earlier rule of j's action matches
		toDefault, conflictAfter  uint64
	)
	def := rs.DefaultAction
	if def != Accept {
		def = Deny
	}
	acts := make([]Action, n)
	for i := range rs.Rules {
		acts[i] = Deny
		if rs.Rules[i].Action == Accept {
			acts[i] = Accept
		}
	}
	act := func(i int) Action { return acts[i] }
	sameAs := make([]uint64, n) // rules with the action of rule j
	for j := range n {
		for i := range n {
			if acts[i] == acts[j] {
				sameAs[j] |= 1 << i
			}
		}
	}
	for _, a := range siM {
		for _, b := range diM {
			ab := a & b
			if ab == 0 {
				continue
			}
			for _, c := range srcM {
				abc := ab & c
				if abc == 0 {
					continue
				}
				for _, d := range dstM {
					abcd := abc & d
					if abcd == 0 {
						continue
					}
					for _, s := range svcs {
						m := abcd & s
						if m == 0 {
							continue
						}
						matches |= m
						first := bits.TrailingZeros64(m)
						firstAny |= 1 << first
						for mm := m; mm != 0; mm &= mm - 1 {
							j := bits.TrailingZeros64(mm)
							contrib[j] |= 1 << first
							notSubset[j] |= ^m
							if same := m & sameAs[j] & (1<<j - 1); same != 0 {
								sameBy[j] |= 1 << bits.TrailingZeros64(same)
							} else {
								sameMiss |= 1 << j
							}
							if j != first && acts[first] != acts[j] {
								overlapC[j] |= 1 << first
							}
						}
						rest := m &^ (1 << first)
						if rest == 0 {
							toDefault |= 1 << first
							if def != act(first) {
								conflictAfter |= 1 << first
							}
						} else {
							next := bits.TrailingZeros64(rest)
							takers[first] |= 1 << next
							if act(next) != act(first) {
								conflictAfter |= 1 << first
							}
						}
					}
				}
			}
		}
	}
	out := map[int]bfResult{}
	for j := range rs.Rules {
		if !rs.Rules[j].Enabled {
			continue
		}
		var res bfResult
		bit := uint64(1) << j
		switch {
		case matches&bit == 0:
			res.Empty = true
		case firstAny&bit == 0:
			res.Covered = true
			res.CoveredBy = maskList(contrib[j])
			for _, i := range res.CoveredBy {
				if act(i) != act(j) {
					res.Conflict = true
				}
			}
			if res.Conflict && sameMiss&bit == 0 {
				res.SameCover = true
				res.SameBy = maskList(sameBy[j])
			}
		default:
			if conflictAfter&bit == 0 {
				res.Redundant = true
				res.Takers = maskList(takers[j])
				res.ToDefault = toDefault&bit != 0
			}
			for _, i := range maskList(overlapC[j]) {
				if notSubset[i]&bit != 0 {
					res.Overlaps = append(res.Overlaps, i)
				}
			}
		}
		out[j] = res
	}
	return out
}

// randomRuleset draws rules over the small universe, often copying and
// narrowing an earlier rule so that shadowing and redundancy are common.
func randomRuleset(rng *rand.Rand) Ruleset {
	rs := Ruleset{Vendor: "test", Device: "bf"}
	if rng.IntN(8) == 0 {
		rs.DefaultAction = Accept
	}
	n := 2 + rng.IntN(9)
	for i := range n {
		var r Rule
		if i > 0 && rng.IntN(3) == 0 {
			r = narrow(rng, rs.Rules[rng.IntN(i)])
		} else {
			r = randomRule(rng)
		}
		r.ID = fmt.Sprint(i)
		r.Position = i + 1
		r.Enabled = rng.IntN(10) != 0
		r.Always = true
		r.Action = Accept
		if rng.IntN(2) == 0 {
			r.Action = Deny
		}
		rs.Rules = append(rs.Rules, r)
	}
	return rs
}

func randomIntf(rng *rand.Rand) []string {
	if rng.IntN(2) == 0 {
		return []string{"any"}
	}
	var out []string
	for _, n := range bfIntfs[:3] {
		if rng.IntN(2) == 0 {
			out = append(out, n)
		}
	}
	if out == nil {
		out = []string{bfIntfs[rng.IntN(3)]}
	}
	return out
}

func randomAddr(rng *rand.Rand) AddrSet {
	var a AddrSet
	if rng.IntN(5) < 2 {
		a.Any = true
	} else {
		for range 1 + rng.IntN(2) {
			lo := rng.IntN(8)
			hi := lo + rng.IntN(8-lo)
			a.Ranges = append(a.Ranges, AddrRange{bfAddrs[lo], bfAddrs[hi]})
		}
	}
	a.Negate = rng.IntN(10) == 0
	return a
}

func randomPorts(rng *rand.Rand, top int) (uint16, uint16) {
	if rng.IntN(2) == 0 {
		return 0, 0
	}
	lo := 1 + rng.IntN(top)
	hi := lo + rng.IntN(top+1-lo)
	return uint16(lo), uint16(hi)
}

func randomService(rng *rand.Rand) Service {
	protos := []uint8{ProtoTCP, ProtoUDP, ProtoICMP, 0}
	s := Service{Proto: protos[rng.IntN(len(protos))]}
	s.DstLo, s.DstHi = randomPorts(rng, 8)
	if rng.IntN(5) == 0 {
		s.SrcLo, s.SrcHi = randomPorts(rng, 2)
	}
	return s
}

func randomRule(rng *rand.Rand) Rule {
	r := Rule{SrcIntf: randomIntf(rng), DstIntf: randomIntf(rng), Src: randomAddr(rng), Dst: randomAddr(rng)}
	if rng.IntN(10) < 3 {
		r.Services = []Service{{}}
	} else {
		for range 1 + rng.IntN(2) {
			r.Services = append(r.Services, randomService(rng))
		}
	}
	r.ServiceNegate = rng.IntN(10) == 0
	return r
}

// narrow returns a copy of r with one dimension replaced by a random one,
// which is often a subset.
func narrow(rng *rand.Rand, r Rule) Rule {
	r.SrcIntf = slices.Clone(r.SrcIntf)
	r.Services = slices.Clone(r.Services)
	switch rng.IntN(5) {
	case 0:
		r.SrcIntf = randomIntf(rng)
	case 1:
		r.Src = randomAddr(rng)
	case 2:
		r.Dst = randomAddr(rng)
	case 3:
		r.Services = []Service{randomService(rng)}
		r.ServiceNegate = false
	}
	return r
}

func TestBruteForce(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(20260701, 7))
	stats := map[string]int{}
	for k := range n {
		rs := randomRuleset(rng)
		want := bruteForce(&rs, nil)
		got := map[int]bfResult{}
		for idx, a := range analyze(&rs) {
			got[idx] = fromAnomaly(a)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("ruleset %d: algebra differs from enumeration (-want +got):\n%s\nrules: %+v", k, diff, rs.Rules)
		}
		for _, r := range want {
			switch {
			case r.Empty:
				stats["empty"]++
			case r.Covered && r.Conflict && r.SameCover:
				stats["covered-mixed"]++
			case r.Covered && r.Conflict:
				stats["shadowed"]++
			case r.Covered:
				stats["covered-same"]++
			case r.Redundant:
				stats["redundant"]++
			}
			if len(r.Overlaps) > 0 {
				stats["overlap"]++
			}
		}
	}
	// Every kind must occur often, or the test proves little.
	for _, kind := range []string{"empty", "shadowed", "covered-same", "covered-mixed", "redundant", "overlap"} {
		if stats[kind] < n/50 {
			t.Errorf("only %d %s rules in %d rulesets: the generator needs tuning", stats[kind], kind, n)
		}
	}
	t.Logf("%d rulesets: %v", n, stats)
}

func dimMaskIdx(rs *Ruleset, vals int, match func(i, v int) bool) []uint64 {
	out := make([]uint64, vals)
	for v := range vals {
		for i := range rs.Rules {
			if rs.Rules[i].Enabled && match(i, v) {
				out[v] |= 1 << i
			}
		}
	}
	return out
}

// realization is one concrete meaning of a ruleset's inexact rules: the
// extra addresses an unknown set turns out to hold, the destination ports
// a narrowed or scheduled rule turns out to match, whether an unknown
// service turns out to include GRE.
type realization struct {
	extraSrc, extraDst [][]bool // by rule, by address index
	keepDport          [][]bool // by rule, by destination port index
	extraGRE           []bool
}

func newRealization(rng *rand.Rand, n int) *realization {
	coin := func(k int) []bool {
		out := make([]bool, k)
		for i := range out {
			out[i] = rng.IntN(2) == 0
		}
		return out
	}
	re := &realization{}
	for range n {
		re.extraSrc = append(re.extraSrc, coin(len(bfAddrs)))
		re.extraDst = append(re.extraDst, coin(len(bfAddrs)))
		re.keepDport = append(re.keepDport, coin(len(bfDports)))
		re.extraGRE = append(re.extraGRE, rng.IntN(2) == 0)
	}
	return re
}

func (re *realization) addr(a *AddrSet, extra []bool, v int) bool {
	in := a.Any
	x := bfAddrs[v]
	for _, r := range a.Ranges {
		if r.From.Compare(x) <= 0 && x.Compare(r.To) <= 0 {
			in = true
		}
	}
	if a.Unknown && extra[v] {
		inside := len(a.UnknownIn) == 0
		for _, r := range a.UnknownIn {
			if r.From.Compare(x) <= 0 && x.Compare(r.To) <= 0 {
				inside = true
			}
		}
		in = in || inside
	}
	return in != a.Negate
}

func (re *realization) svc(r *Rule, i, p, s, d int) bool {
	in := false
	for _, sv := range r.Services {
		if (sv.Proto == 0 || sv.Proto == bfProtos[p]) && portIn(sv.SrcLo, sv.SrcHi, bfSports[s]) && portIn(sv.DstLo, sv.DstHi, bfDports[d]) {
			in = true
		}
	}
	if r.ServiceUnknown && re.extraGRE[i] && bfProtos[p] == ProtoGRE {
		in = true
	}
	in = in != r.ServiceNegate
	if r.Narrowed || !r.Always {
		in = in && re.keepDport[i][d]
	}
	return in
}

// TestSoundness checks rulesets with inexact rules (unknown addresses and
// services, schedules, narrowed rules) against several concrete meanings
// of them: whatever the algebra calls covered, empty or redundant must be
// so in every one.
func TestSoundness(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	rng := rand.New(rand.NewPCG(20260702, 11))
	claims := 0
	for k := range n {
		rs := randomRuleset(rng)
		for i := range rs.Rules {
			r := &rs.Rules[i]
			switch rng.IntN(8) {
			case 0:
				r.Src.Unknown = true
			case 1:
				r.Dst.Unknown = true
				if rng.IntN(2) == 0 {
					r.Dst.UnknownIn = []AddrRange{{bfAddrs[4], bfAddrs[8]}}
				}
			case 2:
				r.ServiceUnknown = true
			case 3:
				r.Narrowed = true
			case 4:
				r.Always = false
			}
		}
		got := analyze(&rs)
		for range 3 {
			want := bruteForce(&rs, newRealization(rng, len(rs.Rules)))
			for idx, a := range got {
				w := want[idx]
				switch {
				case a.empty && !w.Empty:
					t.Fatalf("ruleset %d rule %d: called empty, but matches traffic; rules %+v", k, idx, rs.Rules)
				case a.covered && !w.Empty && !w.Covered:
					t.Fatalf("ruleset %d rule %d: called covered, but decides traffic; rules %+v", k, idx, rs.Rules)
				case a.redundant && !w.Empty && !w.Covered && !w.Redundant:
					t.Fatalf("ruleset %d rule %d: called redundant, but removing it changes a decision; rules %+v", k, idx, rs.Rules)
				}
				if a.empty || a.covered || a.redundant {
					claims++
				}
			}
		}
	}
	if claims < n/2 {
		t.Errorf("only %d claims checked", claims)
	}
}
