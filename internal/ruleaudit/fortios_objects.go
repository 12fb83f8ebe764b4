package ruleaudit

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sekimori/sekimori/internal/devconfig"
)

// addrVal is a resolved address object: the addresses it surely holds,
// whether that is all of it, and whether it is a VIP (forwarding only some
// ports when narrowed).
type addrVal struct {
	under    []AddrRange
	exact    bool
	vip      bool
	narrowed bool
}

// svcVal is a resolved service object. exact is false when the service
// matches less than svcs says (an ICMP code, a destination restriction);
// unknown when it may match more.
type svcVal struct {
	svcs    []Service
	exact   bool
	unknown bool
}

func familyRange(v6 bool) AddrRange {
	if v6 {
		return AddrRange{netip.IPv6Unspecified(), maxIPv6}
	}
	return AddrRange{netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{255, 255, 255, 255})}
}

// addr resolves an address, address group or VIP name of one family.
func (c *fortiConv) addr(name string, v6 bool, line int) addrVal {
	fam, tables := "", []string{"firewall address", "firewall addrgrp", "firewall vip", "firewall vipgrp"}
	if v6 {
		fam, tables = "6", []string{"firewall address6", "firewall addrgrp6", "firewall vip6", "firewall vipgrp6"}
	}
	key := fam + "\x00" + name
	if v, ok := c.addrCache[key]; ok {
		return v
	}
	if c.resolving[key] {
		c.problemOnce("cycle"+key, line, fmt.Sprintf("address group %q contains itself; treated as unknown", name))
		return addrVal{}
	}
	c.resolving[key] = true
	defer delete(c.resolving, key)
	var v addrVal
	switch {
	case c.object(tables[0], name) != nil:
		v = c.address(c.object(tables[0], name), v6)
	case c.object(tables[1], name) != nil:
		v = c.group(c.object(tables[1], name), v6)
	case c.object(tables[2], name) != nil:
		v = c.vip(c.object(tables[2], name), v6)
	case c.object(tables[3], name) != nil:
		v = c.group(c.object(tables[3], name), v6)
	case name == "all":
		v = addrVal{under: []AddrRange{familyRange(v6)}, exact: true}
	case name == "none":
		v = addrVal{exact: true}
	default:
		c.problemOnce("addr"+key, line, fmt.Sprintf("address %q is not defined; treated as unknown", name))
	}
	c.addrCache[key] = v
	return v
}

func (c *fortiConv) unresolvable(e *devconfig.Entry, kind string) addrVal {
	c.problemOnce("type\x00"+e.Name, e.Line, fmt.Sprintf("address %q is of type %s and cannot be resolved; policies using it never shadow others", e.Name, kind))
	return addrVal{}
}

func (c *fortiConv) address(e *devconfig.Entry, v6 bool) addrVal {
	typ := first(e, "type")
	switch {
	case typ == "iprange":
		from, err1 := netip.ParseAddr(first(e, "start-ip"))
		to, err2 := netip.ParseAddr(first(e, "end-ip"))
		if err2 != nil {
			to, err2 = from, err1
		}
		if err1 != nil || err2 != nil || to.Less(from) {
			c.problemOnce("bad\x00"+e.Name, e.Line, fmt.Sprintf("address %q has an unreadable range; treated as unknown", e.Name))
			return addrVal{}
		}
		return addrVal{under: []AddrRange{{from, to}}, exact: true}
	case !v6 && (typ == "" || typ == "ipmask"):
		v := values(e, "subnet")
		if len(v) == 0 {
			return addrVal{under: []AddrRange{familyRange(false)}, exact: true}
		}
		pfx, ok := fortiSubnet(v)
		if !ok {
			c.problemOnce("bad\x00"+e.Name, e.Line, fmt.Sprintf("address %q has an unreadable subnet; treated as unknown", e.Name))
			return addrVal{}
		}
		return addrVal{under: []AddrRange{Prefix(pfx)}, exact: true}
	case v6 && (typ == "" || typ == "ipprefix"):
		s := first(e, "ip6")
		if s == "" {
			return addrVal{under: []AddrRange{familyRange(true)}, exact: true}
		}
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			c.problemOnce("bad\x00"+e.Name, e.Line, fmt.Sprintf("address %q has an unreadable prefix; treated as unknown", e.Name))
			return addrVal{}
		}
		return addrVal{under: []AddrRange{Prefix(pfx)}, exact: true}
	}
	return c.unresolvable(e, typ)
}

// fortiSubnet reads "10.0.0.0 255.255.255.0" or "10.0.0.0/24".
func fortiSubnet(v []string) (netip.Prefix, bool) {
	if len(v) == 1 {
		p, err := netip.ParsePrefix(v[0])
		return p, err == nil
	}
	a, err1 := netip.ParseAddr(v[0])
	m, err2 := netip.ParseAddr(v[1])
	if err1 != nil || err2 != nil || !m.Is4() {
		return netip.Prefix{}, false
	}
	bits, ok := maskBits(m)
	if !ok {
		return netip.Prefix{}, false
	}
	p, err := a.Prefix(bits)
	return p, err == nil
}

// group resolves an address or VIP group, with its exclusions.
func (c *fortiConv) group(e *devconfig.Entry, v6 bool) addrVal {
	out := addrVal{exact: true}
	for _, m := range values(e, "member") {
		v := c.addr(m, v6, e.Line)
		out.under = append(out.under, v.under...)
		out.exact = out.exact && v.exact
		out.vip = out.vip || v.vip
		out.narrowed = out.narrowed || v.narrowed
	}
	if enabled(e, "exclude") {
		var excl []AddrRange
		exclExact := true
		for _, m := range values(e, "exclude-member") {
			v := c.addr(m, v6, e.Line)
			excl = append(excl, v.under...)
			exclExact = exclExact && v.exact
		}
		if !exclExact {
			// What is surely left is unknown when the exclusion is.
			return addrVal{vip: out.vip}
		}
		out.under = subtractRanges(out.under, excl)
	}
	return out
}

// vip resolves a virtual IP to its external addresses.
func (c *fortiConv) vip(e *devconfig.Entry, v6 bool) addrVal {
	typ := first(e, "type")
	if typ != "" && typ != "static-nat" && typ != "load-balance" {
		v := c.unresolvable(e, "vip "+typ)
		v.vip = true
		return v
	}
	ext := first(e, "extip")
	from, to, isRange := strings.Cut(ext, "-")
	a, err1 := netip.ParseAddr(from)
	b, err2 := a, error(nil)
	if isRange {
		b, err2 = netip.ParseAddr(to)
	}
	if err1 != nil || err2 != nil || b.Less(a) || a.Is6() != v6 {
		c.problemOnce("bad\x00"+e.Name, e.Line, fmt.Sprintf("VIP %q has an unreadable external address; treated as unknown", e.Name))
		return addrVal{vip: true}
	}
	return addrVal{under: []AddrRange{{a, b}}, exact: true, vip: true, narrowed: enabled(e, "portforward")}
}

// service resolves a service or service group name.
func (c *fortiConv) service(name string, line int) svcVal {
	if v, ok := c.svcCache[name]; ok {
		return v
	}
	key := "svc\x00" + name
	if c.resolving[key] {
		c.problemOnce("cycle"+key, line, fmt.Sprintf("service group %q contains itself; treated as unknown", name))
		return svcVal{exact: true, unknown: true}
	}
	c.resolving[key] = true
	defer delete(c.resolving, key)
	var v svcVal
	if e := c.object("firewall service custom", name); e != nil {
		v = c.custom(e)
	} else if g := c.object("firewall service group", name); g != nil {
		v.exact = true
		for _, m := range values(g, "member") {
			mv := c.service(m, g.Line)
			v.svcs = append(v.svcs, mv.svcs...)
			v.exact = v.exact && mv.exact
			v.unknown = v.unknown || mv.unknown
		}
	} else if p, ok := fortiPredefined[name]; ok {
		v = svcVal{svcs: p, exact: true}
	} else {
		c.problemOnce(key, line, fmt.Sprintf("service %q is not defined; treated as any service", name))
		v = svcVal{exact: true, unknown: true}
	}
	c.svcCache[name] = v
	return v
}

// custom converts a "config firewall service custom" entry.
func (c *fortiConv) custom(e *devconfig.Entry) svcVal {
	v := svcVal{exact: true}
	switch strings.ToUpper(first(e, "protocol")) {
	case "", "TCP/UDP/SCTP", "TCP/UDP/UDP-LITE/SCTP":
		for _, f := range []struct {
			field string
			proto uint8
		}{{"tcp-portrange", ProtoTCP}, {"udp-portrange", ProtoUDP}, {"sctp-portrange", ProtoSCTP}, {"udplite-portrange", 136}} {
			for _, pr := range values(e, f.field) {
				s, exact, ok := fortiPortRange(f.proto, pr)
				if !ok {
					c.problemOnce("bad\x00svc\x00"+e.Name, e.Line, fmt.Sprintf("service %q has an unreadable port range %q; treated as any service", e.Name, pr))
					return svcVal{exact: true, unknown: true}
				}
				v.svcs = append(v.svcs, s)
				v.exact = v.exact && exact
			}
		}
		// A destination restriction inside the service narrows it.
		if hasSetting(e, "iprange", "0.0.0.0", "0.0.0.0-0.0.0.0") || hasSetting(e, "fqdn") {
			v.exact = false
		}
	case "ICMP", "ICMP6":
		proto := uint8(ProtoICMP)
		if strings.EqualFold(first(e, "protocol"), "ICMP6") {
			proto = ProtoICMPv6
		}
		s := Service{Proto: proto}
		if t := first(e, "icmptype"); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil || n < 0 || n > 255 {
				return svcVal{exact: true, unknown: true}
			}
			s.DstLo, s.DstHi = uint16(n), uint16(n)
			if n == 0 {
				v.exact = false // type 0 cannot be told from "any type"
			}
		}
		if first(e, "icmpcode") != "" {
			v.exact = false
		}
		v.svcs = []Service{s}
	case "IP":
		n, _ := strconv.Atoi(first(e, "protocol-number"))
		if n < 0 || n > 255 {
			return svcVal{exact: true, unknown: true}
		}
		v.svcs = []Service{{Proto: uint8(n)}}
	case "ALL":
		v.svcs = []Service{{}}
	default:
		c.problemOnce("proxy\x00"+e.Name, e.Line, fmt.Sprintf("service %q is an explicit-proxy service; treated as unknown", e.Name))
		return svcVal{exact: true, unknown: true}
	}
	return v
}

// fortiPortRange reads "80", "80-90", "80:1024-65535" (destination, then
// source). exact is false for port 0 alone, which a Service cannot hold.
func fortiPortRange(proto uint8, s string) (Service, bool, bool) {
	dst, src, hasSrc := strings.Cut(s, ":")
	dlo, dhi, ok := portPair(dst)
	if !ok {
		return Service{}, false, false
	}
	svc := Service{Proto: proto, DstLo: dlo, DstHi: dhi}
	exact := dhi != 0
	if hasSrc {
		slo, shi, ok := portPair(src)
		if !ok {
			return Service{}, false, false
		}
		svc.SrcLo, svc.SrcHi = slo, shi
		exact = exact && shi != 0
	}
	return svc, exact, true
}

func portPair(s string) (uint16, uint16, bool) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.ParseUint(lo, 10, 16)
	if err != nil {
		return 0, 0, false
	}
	b := a
	if isRange {
		if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
			return 0, 0, false
		}
	}
	return uint16(a), uint16(b), true
}

// subtractRanges returns the addresses of a not in b.
func subtractRanges(a, b []AddrRange) []AddrRange {
	sortRanges := func(rs []AddrRange) []AddrRange {
		rs = slices.Clone(rs)
		slices.SortFunc(rs, func(x, y AddrRange) int { return x.From.Compare(y.From) })
		return rs
	}
	a, b = sortRanges(a), sortRanges(b)
	var out []AddrRange
	for _, x := range a {
		lo := x.From
		done := false
		for _, y := range b {
			if y.To.Less(lo) || x.To.Less(y.From) {
				continue
			}
			if lo.Less(y.From) {
				p, _ := prevAddr(y.From)
				out = append(out, AddrRange{lo, p})
			}
			n, ok := nextAddr(y.To)
			if !ok || x.To.Less(n) {
				done = true
				break
			}
			lo = n
		}
		if !done {
			out = append(out, AddrRange{lo, x.To})
		}
	}
	return out
}

// prevAddr returns the address before a in the order IPv4 then IPv6.
func prevAddr(a netip.Addr) (netip.Addr, bool) {
	if p := a.Prev(); p.IsValid() {
		return p, true
	}
	if a.Is6() {
		return netip.AddrFrom4([4]byte{255, 255, 255, 255}), true
	}
	return netip.Addr{}, false
}
