package ruleaudit

import (
	"net/netip"
	"slices"
)

// cRule is a rule turned into flow sets. over holds every flow the rule
// may match, under the flows it surely matches; they are equal for a rule
// that is exact. Disabled rules have neither.
type cRule struct {
	idx         int // index in Ruleset.Rules
	enabled     bool
	action      Action
	over, under []box
	overHull    box // valid when over is not empty
	underHull   box // valid when under is not empty
}

// space maps interface names and addresses to coordinates. Coordinates
// are compressed: every boundary of any rule's sets starts a new
// coordinate, so a coordinate stands for a run of addresses that no rule
// tells apart, and set algebra on coordinates is exact.
type space struct {
	intf    map[string]uint32
	intfTop uint32       // the coordinate of interfaces no rule names
	addr    []netip.Addr // sorted boundaries; addr[0] is 0.0.0.0
}

const (
	protoTop = 255
	portTop  = 65535
)

func newSpace(rs *Ruleset) *space {
	names := map[string]bool{}
	var bounds []netip.Addr
	bounds = append(bounds, netip.IPv4Unspecified())
	addSet := func(a *AddrSet) {
		for _, r := range a.Ranges {
			from, to, ok := normRange(r)
			if !ok {
				continue
			}
			bounds = append(bounds, from)
			if n, ok := nextAddr(to); ok {
				bounds = append(bounds, n)
			}
		}
	}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		for _, n := range r.SrcIntf {
			names[n] = true
		}
		for _, n := range r.DstIntf {
			names[n] = true
		}
		addSet(&r.Src)
		addSet(&r.Dst)
		addSet(&AddrSet{Ranges: r.Src.UnknownIn})
		addSet(&AddrSet{Ranges: r.Dst.UnknownIn})
	}
	delete(names, "any")
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	slices.Sort(sorted)
	sp := &space{intf: make(map[string]uint32, len(sorted)), intfTop: uint32(len(sorted))}
	for i, n := range sorted {
		sp.intf[n] = uint32(i)
	}
	slices.SortFunc(bounds, netip.Addr.Compare)
	sp.addr = slices.Compact(bounds)
	return sp
}

// normRange unmaps IPv4-mapped addresses, drops zones and checks order.
func normRange(r AddrRange) (from, to netip.Addr, ok bool) {
	if !r.From.IsValid() || !r.To.IsValid() {
		return from, to, false
	}
	from, to = r.From.Unmap().WithZone(""), r.To.Unmap().WithZone("")
	return from, to, from.Compare(to) <= 0
}

// nextAddr returns the address after a in the order IPv4 then IPv6.
func nextAddr(a netip.Addr) (netip.Addr, bool) {
	if n := a.Next(); n.IsValid() {
		return n, true
	}
	if a.Is4() {
		return netip.IPv6Unspecified(), true
	}
	return netip.Addr{}, false
}

func (sp *space) addrTop() uint32 { return uint32(len(sp.addr) - 1) }

// addrCoord returns the coordinate holding a.
func (sp *space) addrCoord(a netip.Addr) uint32 {
	i, found := slices.BinarySearchFunc(sp.addr, a, netip.Addr.Compare)
	if !found {
		i--
	}
	return uint32(i)
}

// intfs returns the coordinates of an interface list.
func (sp *space) intfs(names []string) ivals {
	if anyIntf(names) {
		return ivals{{0, sp.intfTop}}
	}
	s := make([]span, 0, len(names))
	for _, n := range names {
		c := sp.intf[n]
		s = append(s, span{c, c})
	}
	return normalize(s)
}

// addrs returns the coordinates an address set surely holds (under) and
// may hold (over).
func (sp *space) addrs(a *AddrSet) (under, over ivals) {
	full := ivals{{0, sp.addrTop()}}
	known := full
	if !a.Any {
		known = sp.ranges(a.Ranges)
	}
	maybe := known // what the set may hold
	if a.Unknown {
		maybe = full
		if len(a.UnknownIn) > 0 {
			maybe = normalize(append(append([]span{}, known...), sp.ranges(a.UnknownIn)...))
		}
	}
	if !a.Negate {
		return known, maybe
	}
	top := sp.addrTop()
	return maybe.complement(top), known.complement(top)
}

// ranges returns the coordinates of address ranges.
func (sp *space) ranges(rs []AddrRange) ivals {
	s := make([]span, 0, len(rs))
	for _, r := range rs {
		from, to, ok := normRange(r)
		if !ok {
			continue
		}
		hi := sp.addrTop()
		if n, ok := nextAddr(to); ok {
			hi = sp.addrCoord(n) - 1
		}
		s = append(s, span{sp.addrCoord(from), hi})
	}
	return normalize(s)
}

// svcBox is the service part of a box: protocol, source port, destination
// port.
type svcBox [3]ivals

var fullSvc = svcBox{{{0, protoTop}}, {{0, portTop}}, {{0, portTop}}}

func portSpan(lo, hi uint16) span {
	if hi == 0 {
		return span{0, portTop}
	}
	return span{uint32(lo), uint32(hi)}
}

// services returns the service boxes a rule surely and possibly matches.
func services(r *Rule) (under, over []svcBox) {
	known := make([]svcBox, 0, len(r.Services))
	for _, s := range r.Services {
		p := span{uint32(s.Proto), uint32(s.Proto)}
		if s.Proto == 0 {
			p = span{0, protoTop}
		}
		sp, dp := portSpan(s.SrcLo, s.SrcHi), portSpan(s.DstLo, s.DstHi)
		if sp.lo > sp.hi || dp.lo > dp.hi {
			continue // an inverted range matches nothing
		}
		known = append(known, svcBox{{p}, {sp}, {dp}})
	}
	known = mergeSvc(known)
	if !r.ServiceNegate {
		if r.ServiceUnknown {
			return known, []svcBox{fullSvc}
		}
		return known, known
	}
	over = complementSvc(known)
	if r.ServiceUnknown {
		return nil, over
	}
	return over, over
}

// mergeSvc joins boxes that differ in one dimension only, so that a
// service list like "udp 53, tcp 53" or an RTX "every protocol but TCP and
// UDP" becomes one or two boxes.
func mergeSvc(in []svcBox) []svcBox {
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(in); i++ {
			for j := i + 1; j < len(in); j++ {
				if k, ok := differOnlyIn(in[i], in[j]); ok {
					merged := append(append([]span{}, in[i][k]...), in[j][k]...)
					in[i][k] = normalize(merged)
					in = append(in[:j], in[j+1:]...)
					j--
					changed = true
				}
			}
		}
	}
	return in
}

// differOnlyIn reports the one dimension in which a and b differ, if any;
// identical boxes differ in dimension 0 trivially.
func differOnlyIn(a, b svcBox) (int, bool) {
	k := -1
	for d := range 3 {
		if !slices.Equal(a[d], b[d]) {
			if k >= 0 {
				return 0, false
			}
			k = d
		}
	}
	if k < 0 {
		k = 0
	}
	return k, true
}

// complementSvc returns every service not in s.
func complementSvc(s []svcBox) []svcBox {
	toBox := func(v svcBox) box {
		var d [ndim]ivals
		for k := range ndim {
			d[k] = ivals{{0, 0}}
		}
		d[dimProto], d[dimSrcPort], d[dimDstPort] = v[0], v[1], v[2]
		return newBox(d)
	}
	rest := []box{toBox(fullSvc)}
	for _, v := range s {
		o := toBox(v)
		var next []box
		for i := range rest {
			if rest[i].overlaps(&o) {
				next = rest[i].minus(&o, next)
			} else {
				next = append(next, rest[i])
			}
		}
		rest = next
	}
	out := make([]svcBox, len(rest))
	for i, b := range rest {
		out[i] = svcBox{b.d[dimProto], b.d[dimSrcPort], b.d[dimDstPort]}
	}
	return out
}

// compile turns one rule into flow sets.
func (sp *space) compile(idx int, r *Rule) cRule {
	c := cRule{idx: idx, action: r.Action}
	if c.action != Accept {
		c.action = Deny
	}
	if !r.Enabled {
		return c
	}
	c.enabled = true
	si, di := sp.intfs(r.SrcIntf), sp.intfs(r.DstIntf)
	srcU, srcO := sp.addrs(&r.Src)
	dstU, dstO := sp.addrs(&r.Dst)
	svcU, svcO := services(r)
	c.over = product(si, di, srcO, dstO, svcO)
	if r.Always && !r.Narrowed {
		c.under = product(si, di, srcU, dstU, svcU)
	}
	if len(c.over) > 0 {
		c.overHull = regionHull(c.over)
	}
	if len(c.under) > 0 {
		c.underHull = regionHull(c.under)
	}
	return c
}

func product(si, di, src, dst ivals, svcs []svcBox) []box {
	if len(si) == 0 || len(di) == 0 || len(src) == 0 || len(dst) == 0 {
		return nil
	}
	out := make([]box, 0, len(svcs))
	for _, s := range svcs {
		if len(s[0]) == 0 || len(s[1]) == 0 || len(s[2]) == 0 {
			continue
		}
		out = append(out, newBox([ndim]ivals{si, di, src, dst, s[0], s[1], s[2]}))
	}
	return out
}
