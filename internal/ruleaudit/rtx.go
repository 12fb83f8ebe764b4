package ruleaudit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ErrBinary is returned for input that is not configuration text.
var ErrBinary = errors.New("not a text configuration")

// FromRTX converts a Yamaha RTX configuration (a saved config file or
// "show config" output) into a Ruleset of its IPv4 filters.
//
// Each interface binding ("ip lan2 secure filter in 200003 200020 …",
// "ip pp secure filter out …" inside "pp select 1") is its own first-match
// list and becomes one Table, named "lan2 in", "pp1 out"; a filter used in
// several bindings becomes one rule per binding, with ID "200020@lan2/in"
// and Name "200020" ("200020@lan2/in#2" when a list names it twice). Once a list is bound, a packet matching none of its
// filters is discarded, so the default action is deny.
//
// In an "in" binding the source interface is the bound one and the
// destination is left open; in an "out" binding the reverse. Provider
// interfaces are ZoneInternet: every pp, the interface of the default route
// ("ip route default gateway pp 1", "… dhcp lan2", a gateway address inside
// a LAN's subnet), a LAN carrying PPPoE or configured by DHCP, and lan2 when
// nothing says otherwise (the WAN port of most RTX models). LANs with
// private addresses and lan1 are ZoneInternal; tunnels not used as the
// default route are ZoneUnknown. Traffic leaving through a provider
// interface is taken to come from the inside, and traffic entering from it
// to go there.
//
// Filter actions: pass and restrict accept (restrict passes only while the
// line is up, which it always is on a permanent connection), reject denies.
// pass and restrict do not log passed packets unless written "-log". Port
// lists apply to TCP and UDP only, as on the router: "* * * * 80" also
// matches every ICMP or GRE packet. With "icmp" alone the ports are the ICMP
// type and code. TCP-flag protocols ("established", "tcpfin"), ICMP codes
// and the ICMP classes mark a rule Narrowed.
//
// Dynamic filters ("dynamic 200080 …") keep state for replies; they are
// listed as Problems and not analysed. IPv6 filters are not analysed
// either. Device is left empty for the caller to fill. The error is non-nil
// only for input that is not text.
func FromRTX(config []byte) (Ruleset, []Problem, error) {
	if bytes.IndexByte(config, 0) >= 0 {
		return Ruleset{}, nil, fmt.Errorf("rtx config: %w", ErrBinary)
	}
	p := &rtxParser{filters: map[string]rtxFilter{}, dynamic: map[string]bool{}, addrs: map[string]string{},
		provider: map[string]bool{}, known: map[string]bool{}, carrier: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(config))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		p.line(sc.Text(), line)
	}
	if err := sc.Err(); err != nil {
		p.problem(line, "", fmt.Sprintf("line %d too long; the rest was not read", line+1))
	}
	rs := p.ruleset()
	return rs, p.problems, nil
}

// rtxFilter is one "ip filter N …" definition.
type rtxFilter struct {
	fields []string // action, source, destination, protocol, ports
	line   int
}

// rtxBinding is one "ip IF secure filter DIR …" line.
type rtxBinding struct {
	intf, dir string
	nums      []string
	dynamic   []string
	line      int
}

type rtxParser struct {
	ctx      string // "pp1", "tunnel1" while a pp or tunnel is selected
	filters  map[string]rtxFilter
	dynamic  map[string]bool
	bindings []*rtxBinding
	addrs    map[string]string // interface → "192.168.0.1/24" or "dhcp"
	provider map[string]bool   // interfaces known to face the provider
	known    map[string]bool   // interfaces seen in the config
	carrier  map[string]bool   // LANs carrying PPPoE
	gateways []netip.Addr      // default-route gateway addresses
	ipv6     bool
	problems []Problem
}

func (p *rtxParser) problem(line int, rule, msg string) {
	p.problems = append(p.problems, Problem{Line: line, Rule: rule, Msg: msg})
}

func (p *rtxParser) line(text string, n int) {
	f := strings.Fields(text)
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return
	}
	switch {
	case len(f) >= 3 && (f[0] == "pp" || f[0] == "tunnel") && f[1] == "select":
		p.ctx = ""
		if f[2] != "none" {
			p.ctx = f[0] + f[2]
			p.known[p.ctx] = true
		}
	case len(f) >= 3 && f[0] == "pppoe" && f[1] == "use":
		// The LAN only carries PPPoE frames; IP filtering happens on pp.
		p.provider[f[2]] = true
		p.carrier[f[2]] = true
	case f[0] == "ipv6" && slices.Contains(f, "filter"):
		if !p.ipv6 {
			p.problem(n, "", "IPv6 filters are not analysed")
			p.ipv6 = true
		}
	case f[0] == "ip" && len(f) >= 3:
		p.ipLine(f[1:], n)
	}
}

func (p *rtxParser) ipLine(f []string, n int) {
	switch {
	case f[0] == "filter" && f[1] == "dynamic":
		if len(f) >= 3 {
			p.dynamic[f[2]] = true
		}
	case f[0] == "filter":
		if isNumber(f[1]) {
			p.filters[f[1]] = rtxFilter{fields: f[2:], line: n}
		}
	case f[0] == "route" && len(f) >= 4 && f[1] == "default" && f[2] == "gateway":
		p.defaultRoute(f[3:])
	default:
		intf, rest := p.intf(f)
		if intf == "" || len(rest) == 0 {
			return
		}
		p.known[intf] = true
		switch {
		case rest[0] == "address" && len(rest) >= 2:
			p.addrs[intf] = rest[1]
		case rest[0] == "secure" && len(rest) >= 3 && rest[1] == "filter":
			p.binding(intf, rest[2:], n)
		}
	}
}

// intf reads an interface name: "lan1", "lan1.2", "bridge1", or "pp" and
// "tunnel" meaning the selected one.
func (p *rtxParser) intf(f []string) (string, []string) {
	name := f[0]
	switch {
	case name == "pp" || name == "tunnel":
		if !strings.HasPrefix(p.ctx, name) {
			return "", nil
		}
		return p.ctx, f[1:]
	case strings.HasPrefix(name, "lan"), strings.HasPrefix(name, "bridge"), strings.HasPrefix(name, "vlan"),
		strings.HasPrefix(name, "loopback"):
		return name, f[1:]
	}
	return "", nil
}

func (p *rtxParser) binding(intf string, f []string, n int) {
	if len(f) == 0 || (f[0] != "in" && f[0] != "out") {
		p.problem(n, "", "secure filter binding without in/out is not analysed")
		return
	}
	b := &rtxBinding{intf: intf, dir: f[0], line: n}
	dyn := false
	for _, t := range f[1:] {
		switch {
		case t == "dynamic":
			dyn = true
		case !isNumber(t):
			p.problem(n, "", fmt.Sprintf("secure filter %s on %s: %q is not a filter number; binding not analysed", b.dir, intf, t))
			return
		case dyn:
			b.dynamic = append(b.dynamic, t)
		default:
			b.nums = append(b.nums, t)
		}
	}
	// A later binding of the same interface and direction replaces it.
	p.bindings = slices.DeleteFunc(p.bindings, func(o *rtxBinding) bool { return o.intf == intf && o.dir == b.dir })
	p.bindings = append(p.bindings, b)
}

func (p *rtxParser) defaultRoute(f []string) {
	for i := 0; i < len(f); i++ {
		switch t := f[i]; {
		case (t == "pp" || t == "tunnel") && i+1 < len(f):
			p.provider[t+f[i+1]] = true
			i++
		case t == "dhcp" && i+1 < len(f):
			p.provider[f[i+1]] = true
			i++
		default:
			if a, err := netip.ParseAddr(t); err == nil {
				p.gateways = append(p.gateways, a)
			}
		}
	}
}

// zone classifies an interface as described on FromRTX.
func (p *rtxParser) zone(intf string) ZoneClass {
	addr := p.addrs[intf]
	pr, err := netip.ParsePrefix(addr)
	switch {
	case intf == "ppanonymous":
		return ZoneUnknown
	case strings.HasPrefix(intf, "pp"), p.provider[intf], addr == "dhcp":
		return ZoneInternet
	case err == nil && pr.Addr().IsPrivate():
		return ZoneInternal
	case intf == "lan1":
		return ZoneInternal
	case intf == "lan2" && addr == "":
		return ZoneInternet
	}
	return ZoneUnknown
}

func (p *rtxParser) ruleset() Ruleset {
	// A gateway address makes the LAN whose subnet holds it a provider
	// interface; addresses may be configured after the route.
	for _, gw := range p.gateways {
		for intf, pfx := range p.addrs {
			if pr, err := netip.ParsePrefix(pfx); err == nil && pr.Contains(gw) {
				p.provider[intf] = true
			}
		}
	}
	rs := Ruleset{Vendor: VendorRTX}
	parsed := map[string]*Rule{}
	inbound := map[string]bool{}
	for _, b := range p.bindings {
		z := p.zone(b.intf)
		table := b.intf + " " + b.dir
		if b.dir == "in" {
			inbound[b.intf] = true
		}
		if len(b.dynamic) > 0 {
			p.problem(b.line, "", fmt.Sprintf("dynamic filters %s on %s keep state for replies and are not analysed",
				strings.Join(b.dynamic, " "), table))
		}
		listed := map[string]int{}
		for k, num := range b.nums {
			listed[num]++
			tmpl, ok := parsed[num]
			if !ok {
				tmpl = p.filterRule(num, b.line)
				parsed[num] = tmpl
			}
			if tmpl == nil {
				continue
			}
			r := *tmpl
			r.ID = num + "@" + b.intf + "/" + b.dir
			if n := listed[num]; n > 1 {
				// Listed again: the router checks it again, uselessly.
				r.ID += "#" + strconv.Itoa(n)
			}
			r.Table, r.Position = table, k+1
			if b.dir == "in" {
				r.SrcIntf, r.DstIntf = []string{b.intf}, []string{"any"}
				r.SrcZone, r.DstZone = z, ZoneUnknown
				if z == ZoneInternet {
					r.DstZone = ZoneInternal
				}
			} else {
				r.SrcIntf, r.DstIntf = []string{"any"}, []string{b.intf}
				r.SrcZone, r.DstZone = ZoneUnknown, z
				if z == ZoneInternet {
					r.SrcZone = ZoneInternal
				}
			}
			rs.Rules = append(rs.Rules, r)
		}
	}
	known := make([]string, 0, len(p.known))
	for intf := range p.known {
		known = append(known, intf)
	}
	slices.Sort(known)
	for _, intf := range known {
		if p.zone(intf) == ZoneInternet && !inbound[intf] && !p.carrier[intf] {
			p.problem(0, "", fmt.Sprintf("no secure filter in on provider interface %s: everything arriving from the Internet passes", intf))
		}
	}
	return rs
}

// filterRule converts filter num, or returns nil with a Problem.
func (p *rtxParser) filterRule(num string, bindLine int) *Rule {
	f, ok := p.filters[num]
	if !ok {
		if p.dynamic[num] {
			p.problem(bindLine, num, fmt.Sprintf("filter %s is a dynamic filter listed as static; not analysed", num))
		} else {
			p.problem(bindLine, num, fmt.Sprintf("filter %s is bound but not defined; the router skips it", num))
		}
		return nil
	}
	r, msgs := rtxRule(num, f.fields)
	for _, m := range msgs {
		p.problem(f.line, num, m)
	}
	if r != nil {
		r.Line = f.line
	}
	return r
}

// rtxRule converts the fields of one static filter.
func rtxRule(num string, fields []string) (*Rule, []string) {
	if len(fields) < 2 {
		return nil, []string{fmt.Sprintf("filter %s has no addresses; not analysed", num)}
	}
	fl := append(slices.Clone(fields), "*", "*", "*", "*", "*")[:6]
	r := &Rule{Name: num, Enabled: true, Always: true, Schedule: "always"}
	act, log, ok := rtxAction(fl[0])
	if !ok {
		return nil, []string{fmt.Sprintf("filter %s: unknown action %q; not analysed", num, fl[0])}
	}
	r.Action, r.Log = act, log
	var msgs []string
	var m string
	if r.Src, m = rtxAddrs(fl[1]); m != "" {
		msgs = append(msgs, fmt.Sprintf("filter %s source: %s", num, m))
	}
	if r.Dst, m = rtxAddrs(fl[2]); m != "" {
		msgs = append(msgs, fmt.Sprintf("filter %s destination: %s", num, m))
	}
	r.ServiceNames = []string{strings.Join(fl[3:], " ")}
	if m := rtxServices(r, fl[3], fl[4], fl[5]); m != "" {
		msgs = append(msgs, fmt.Sprintf("filter %s: %s", num, m))
	}
	return r, msgs
}

func rtxAction(s string) (Action, bool, bool) {
	base, suffix, _ := strings.Cut(s, "-")
	var a Action
	log := false
	switch base {
	case "pass", "restrict":
		a = Accept
	case "reject":
		a, log = Deny, true
	default:
		return "", false, false
	}
	switch suffix {
	case "":
	case "log":
		log = true
	case "nolog":
		log = false
	default:
		return "", false, false
	}
	return a, log, true
}

// rtxAddrs reads "*", an address, a prefix ("/24" or "/255.255.255.0"), a
// range "a-b", a wildcard "192.168.1.*", an FQDN, or a comma list of them.
func rtxAddrs(s string) (AddrSet, string) {
	a := AddrSet{Names: []string{s}}
	if s == "*" {
		a.Any = true
		return a, ""
	}
	var bad []string
	for _, item := range strings.Split(s, ",") {
		r, ok := rtxAddr(item)
		switch {
		case ok:
			a.Ranges = append(a.Ranges, r)
		case strings.IndexFunc(item, isLetter) >= 0:
			a.Unknown = true // an FQDN resolved by the router at run time
			bad = append(bad, item+" (name not resolved)")
		default:
			a.Unknown = true
			bad = append(bad, item+" (not understood)")
		}
	}
	if len(bad) > 0 {
		return a, strings.Join(bad, ", ") + "; treated as unknown addresses"
	}
	return a, ""
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func rtxAddr(s string) (AddrRange, bool) {
	if from, to, ok := strings.Cut(s, "-"); ok {
		f, err1 := netip.ParseAddr(from)
		t, err2 := netip.ParseAddr(to)
		if err1 != nil || err2 != nil || f.BitLen() != t.BitLen() || t.Less(f) {
			return AddrRange{}, false
		}
		return AddrRange{f, t}, true
	}
	if addr, mask, ok := strings.Cut(s, "/"); ok {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return AddrRange{}, false
		}
		bits, err := strconv.Atoi(mask)
		if err != nil {
			m, err := netip.ParseAddr(mask)
			if err != nil || !m.Is4() {
				return AddrRange{}, false
			}
			if bits, ok = maskBits(m); !ok {
				return AddrRange{}, false
			}
		}
		pfx, err := a.Prefix(bits)
		if err != nil {
			return AddrRange{}, false
		}
		return Prefix(pfx), true
	}
	if strings.HasSuffix(s, ".*") {
		octets := strings.Split(s, ".")
		fixed := 0
		for fixed < len(octets) && octets[fixed] != "*" {
			fixed++
		}
		if len(octets) != 4 || slices.ContainsFunc(octets[fixed:], func(o string) bool { return o != "*" }) {
			return AddrRange{}, false
		}
		for i := fixed; i < 4; i++ {
			octets[i] = "0"
		}
		a, err := netip.ParseAddr(strings.Join(octets, "."))
		if err != nil {
			return AddrRange{}, false
		}
		return Prefix(netip.PrefixFrom(a, 8*fixed)), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return AddrRange{}, false
	}
	return AddrRange{a, a}, true
}

// maskBits converts a dotted netmask to a prefix length.
func maskBits(m netip.Addr) (int, bool) {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	return n, v == 0
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
