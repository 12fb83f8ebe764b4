package ruleaudit

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// genRuleset builds a FortiGate-like ruleset of n rules: policies between
// twenty interface pairs over a few hundred subnets and hosts, one to four
// services each, some broad rules, one in ten denying, a few copies of
// earlier rules (shadowed or redundant) and an explicit deny-all at the end.
func genRuleset(n int, seed uint64) Ruleset {
	rng := rand.New(rand.NewPCG(seed, 1))
	intfs := []string{"port1", "port2", "port3", "port4", "port5", "port6", "dmz", "wan1", "wan2", "ssl.root"}
	zone := map[string]ZoneClass{"dmz": ZoneDMZ, "wan1": ZoneInternet, "wan2": ZoneInternet, "ssl.root": ZoneUnknown}
	var subnets []AddrRange
	for i := range 300 {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i / 100), byte(i % 100), 0}), 24)
		if i%3 == 0 {
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i / 100), byte(i % 100), byte(16 * (i % 16))}), 28)
		}
		subnets = append(subnets, Prefix(p))
	}
	for i := range 400 {
		a := netip.AddrFrom4([4]byte{172, 16, byte(i / 200), byte(i % 200)})
		subnets = append(subnets, AddrRange{a, a})
	}
	ports := []uint16{22, 25, 53, 80, 110, 123, 143, 389, 443, 445, 465, 587, 636, 993, 995, 1433, 1521, 3306, 3389, 5432, 5900, 8080, 8443, 9000}
	addrs := func() AddrSet {
		if rng.IntN(12) == 0 {
			return AddrSet{Any: true, Names: []string{"all"}}
		}
		var a AddrSet
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(subnets))
			a.Ranges = append(a.Ranges, subnets[i])
			a.Names = append(a.Names, fmt.Sprint("obj", i))
		}
		return a
	}
	svcs := func() []Service {
		if rng.IntN(20) == 0 {
			return []Service{{}}
		}
		var out []Service
		for range 1 + rng.IntN(4) {
			p := ports[rng.IntN(len(ports))]
			proto := uint8(ProtoTCP)
			if p == 53 || p == 123 {
				proto = ProtoUDP
			}
			out = append(out, Service{Proto: proto, DstLo: p, DstHi: p})
		}
		return out
	}
	rs := Ruleset{Vendor: VendorFortiOS, Device: "bench"}
	for i := range n - 1 {
		var r Rule
		if i > 10 && rng.IntN(20) == 0 {
			r = rs.Rules[rng.IntN(i)]
			r.Services = svcs()[:1]
		} else {
			si, di := intfs[rng.IntN(len(intfs))], intfs[rng.IntN(len(intfs))]
			r = Rule{SrcIntf: []string{si}, DstIntf: []string{di}, Src: addrs(), Dst: addrs(), Services: svcs()}
			r.SrcZone, r.DstZone = zone[si], zone[di]
			if r.SrcZone == "" {
				r.SrcZone = ZoneInternal
			}
			if r.DstZone == "" {
				r.DstZone = ZoneInternal
			}
		}
		r.ID = fmt.Sprint(i + 1)
		r.Position = i + 1
		r.Enabled = rng.IntN(30) != 0
		r.Always = rng.IntN(15) != 0
		r.Schedule = "always"
		r.Action = Accept
		if rng.IntN(10) == 0 {
			r.Action = Deny
		}
		r.Log = rng.IntN(3) != 0
		rs.Rules = append(rs.Rules, r)
	}
	rs.Rules = append(rs.Rules, Rule{
		ID: fmt.Sprint(n), Position: n, Enabled: true, Action: Deny, Always: true, Log: true,
		SrcIntf: []string{"any"}, DstIntf: []string{"any"}, SrcZone: ZoneAny, DstZone: ZoneAny,
		Src: AddrSet{Any: true}, Dst: AddrSet{Any: true}, Services: []Service{{}},
	})
	return rs
}

// broaden makes a third of the rules come from any interface and address
// and a quarter go to any interface: many more rules meet each other.
func broaden(rs Ruleset) Ruleset {
	rules := make([]Rule, len(rs.Rules))
	copy(rules, rs.Rules)
	for i := range rules {
		if i%3 == 0 {
			rules[i].SrcIntf, rules[i].Src = []string{"any"}, AddrSet{Any: true}
		}
		if i%4 == 0 {
			rules[i].DstIntf = []string{"any"}
		}
	}
	rs.Rules = rules
	return rs
}

func BenchmarkAudit2000Broad(b *testing.B) {
	rs := broaden(genRuleset(2000, 1))
	opts := Options{Now: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		Audit(rs, opts)
	}
}

func BenchmarkAnalyze2000(b *testing.B) {
	rs := genRuleset(2000, 1)
	b.ReportAllocs()
	for b.Loop() {
		analyze(&rs)
	}
}

func BenchmarkAudit2000(b *testing.B) {
	rs := genRuleset(2000, 1)
	opts := Options{Now: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		Audit(rs, opts)
	}
}
