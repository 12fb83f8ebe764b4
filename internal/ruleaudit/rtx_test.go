package ruleaudit

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// addrCmp lets go-cmp compare netip.Addr values.
var addrCmp = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

func rng(from, to string) AddrRange {
	return AddrRange{netip.MustParseAddr(from), netip.MustParseAddr(to)}
}

func TestRTXAddrs(t *testing.T) {
	tests := []struct {
		in      string
		want    AddrSet
		problem bool
	}{
		{"*", AddrSet{Any: true}, false},
		{"192.168.1.5", AddrSet{Ranges: []AddrRange{rng("192.168.1.5", "192.168.1.5")}}, false},
		{"192.168.1.77/24", AddrSet{Ranges: []AddrRange{rng("192.168.1.0", "192.168.1.255")}}, false},
		{"10.0.0.0/255.0.0.0", AddrSet{Ranges: []AddrRange{rng("10.0.0.0", "10.255.255.255")}}, false},
		{"192.168.1.10-192.168.1.20", AddrSet{Ranges: []AddrRange{rng("192.168.1.10", "192.168.1.20")}}, false},
		{"172.16.*.*", AddrSet{Ranges: []AddrRange{rng("172.16.0.0", "172.16.255.255")}}, false},
		{"10.0.0.1,10.0.0.9-10.0.0.10", AddrSet{Ranges: []AddrRange{rng("10.0.0.1", "10.0.0.1"), rng("10.0.0.9", "10.0.0.10")}}, false},
		{"vpn.example.jp", AddrSet{Unknown: true}, true},
		{"10.0.0.9-10.0.0.1", AddrSet{Unknown: true}, true},
		{"10.0.0.0/255.0.255.0", AddrSet{Unknown: true}, true},
		{"10.*.0.1", AddrSet{Unknown: true}, true},
	}
	for _, tt := range tests {
		got, msg := rtxAddrs(tt.in)
		tt.want.Names = []string{tt.in}
		if diff := cmp.Diff(tt.want, got, addrCmp); diff != "" {
			t.Errorf("rtxAddrs(%q) (-want +got):\n%s", tt.in, diff)
		}
		if (msg != "") != tt.problem {
			t.Errorf("rtxAddrs(%q) problem = %q", tt.in, msg)
		}
	}
}

func TestRTXServices(t *testing.T) {
	tests := []struct {
		proto, sport, dport string
		want                []Service
		narrowed, unknown   bool
	}{
		{"*", "*", "*", []Service{{}}, false, false},
		{"tcp", "*", "www,https", []Service{tcp(80, 80), tcp(443, 443)}, false, false},
		{"udp,tcp", "135", "*", []Service{{Proto: ProtoUDP, SrcLo: 135, SrcHi: 135}, {Proto: ProtoTCP, SrcLo: 135, SrcHi: 135}}, false, false},
		{"tcp", "*", "netbios_ns-netbios_ssn", []Service{tcp(137, 139)}, false, false},
		{"udp", "domain", "1024-", []Service{{Proto: ProtoUDP, SrcLo: 53, SrcHi: 53, DstLo: 1024, DstHi: 65535}}, false, false},
		{"tcp", "*", "0-65535", []Service{{Proto: ProtoTCP}}, false, false},
		{"icmp", "8", "*", []Service{icmp(8)}, false, false},
		{"icmp", "3", "1", []Service{icmp(3)}, true, false},
		{"icmp,tcp", "*", "80", []Service{{Proto: ProtoICMP}, tcp(80, 80)}, false, false},
		{"established", "*", "*", []Service{{Proto: ProtoTCP}}, true, false},
		{"tcpflag=0x0002/0x0017", "*", "22", []Service{tcp(22, 22)}, true, false},
		{"gre,esp", "*", "*", []Service{{Proto: ProtoGRE}, {Proto: ProtoESP}}, false, false},
		{"47", "*", "*", []Service{{Proto: ProtoGRE}}, false, false},
		{"tcp", "*", "0", []Service{{Proto: ProtoTCP}}, true, false},
		{"bogus", "*", "*", nil, false, true},
		{"tcp", "*", "nosuchport", nil, false, true},
	}
	for _, tt := range tests {
		var r Rule
		rtxServices(&r, tt.proto, tt.sport, tt.dport)
		if diff := cmp.Diff(tt.want, r.Services); diff != "" {
			t.Errorf("%s %s %s (-want +got):\n%s", tt.proto, tt.sport, tt.dport, diff)
		}
		if r.Narrowed != tt.narrowed || r.ServiceUnknown != tt.unknown {
			t.Errorf("%s %s %s: narrowed %v unknown %v", tt.proto, tt.sport, tt.dport, r.Narrowed, r.ServiceUnknown)
		}
	}
	// With protocol "*", ports bind TCP and UDP only: ICMP still matches.
	var r Rule
	rtxServices(&r, "*", "*", "80")
	rs := Ruleset{Rules: []Rule{
		{ID: "1", Enabled: true, Always: true, Action: Deny, Src: anyAddr, Dst: anyAddr, Services: r.Services},
		{ID: "2", Enabled: true, Always: true, Action: Accept, Src: anyAddr, Dst: anyAddr, Services: []Service{{Proto: ProtoICMP}}},
		{ID: "3", Enabled: true, Always: true, Action: Accept, Src: anyAddr, Dst: anyAddr, Services: []Service{tcp(81, 81)}},
	}}
	an := analyze(&rs)
	if !an[1].covered || an[2].covered {
		t.Errorf("'* * * * 80' covers ICMP: %v, covers TCP 81: %v; want true, false", an[1].covered, an[2].covered)
	}
}

func TestRTXBindings(t *testing.T) {
	cfg := `# bindings
ip route default gateway 203.0.113.1
ip lan1 address 192.168.0.1/24
ip lan3 address 203.0.113.2/29
ip lan1 secure filter in 1 2
ip lan1 secure filter in 2 1
ip lan3 secure filter in 3 dynamic 9
ipv6 lan3 secure filter in 100
tunnel select 2
 ip tunnel secure filter out 4
tunnel select none
ip pp secure filter in 1
ip filter 1 pass-log 192.168.0.0/24 * tcp * 443
ip filter 2 reject * * * * *
ip filter 3 pass-nolog * 192.168.0.10 tcp * 25
ip filter 4 restrict-log * * udp * ntp
ip filter dynamic 9 * * www
`
	rs, probs, err := FromRTX([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		ID, Table        string
		Position         int
		Action           Action
		Log              bool
		SrcIntf, DstIntf []string
		SrcZone, DstZone ZoneClass
	}
	var got []view
	for _, r := range rs.Rules {
		got = append(got, view{r.ID, r.Table, r.Position, r.Action, r.Log, r.SrcIntf, r.DstIntf, r.SrcZone, r.DstZone})
	}
	want := []view{
		// The second lan1 in binding replaced the first.
		{"2@lan1/in", "lan1 in", 1, Deny, true, []string{"lan1"}, []string{"any"}, ZoneInternal, ZoneUnknown},
		{"1@lan1/in", "lan1 in", 2, Accept, true, []string{"lan1"}, []string{"any"}, ZoneInternal, ZoneUnknown},
		// lan3 holds the default gateway: the Internet.
		{"3@lan3/in", "lan3 in", 1, Accept, false, []string{"lan3"}, []string{"any"}, ZoneInternet, ZoneInternal},
		{"4@tunnel2/out", "tunnel2 out", 1, Accept, true, []string{"any"}, []string{"tunnel2"}, ZoneUnknown, ZoneUnknown},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.Msg)
	}
	wantMsgs := []string{
		"IPv6 filters are not analysed",
		"dynamic filters 9 on lan3 in keep state for replies and are not analysed",
	}
	if diff := cmp.Diff(wantMsgs, msgs); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if _, _, err := FromRTX([]byte("ip filter 1 pass * *\x00")); !errors.Is(err, ErrBinary) {
		t.Errorf("binary input: err = %v", err)
	}
}

func TestRTXZones(t *testing.T) {
	tests := []struct {
		cfg  string
		intf string
		want ZoneClass
	}{
		{"", "lan1", ZoneInternal},
		{"", "lan2", ZoneInternet},
		{"ip lan2 address 192.168.2.1/24", "lan2", ZoneInternal},
		{"ip lan2 address 192.168.2.1/24\nip route default gateway dhcp lan2", "lan2", ZoneInternet},
		{"ip lan3 address dhcp", "lan3", ZoneInternet},
		{"ip lan3 address 198.51.100.2/30", "lan3", ZoneUnknown},
		{"pp select 2\n pppoe use lan3", "lan3", ZoneInternet},
		{"", "pp1", ZoneInternet},
		{"", "ppanonymous", ZoneUnknown},
		{"", "tunnel1", ZoneUnknown},
		{"ip route default gateway tunnel 1", "tunnel1", ZoneInternet},
	}
	for _, tt := range tests {
		p := &rtxParser{filters: map[string]rtxFilter{}, dynamic: map[string]bool{}, addrs: map[string]string{},
			provider: map[string]bool{}, known: map[string]bool{}, carrier: map[string]bool{}}
		for i, l := range strings.Split(tt.cfg, "\n") {
			p.line(l, i+1)
		}
		if got := p.zone(tt.intf); got != tt.want {
			t.Errorf("%q: zone(%s) = %s, want %s", tt.cfg, tt.intf, got, tt.want)
		}
	}
}

func FuzzFromRTX(f *testing.F) {
	files, _ := filepath.Glob("testdata/rtx/*.conf")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("ip filter 1 pass 10.0.0.0/8,1.2.3.4-1.2.3.9 * tcp,udp,icmp 1-,domain -80\nip lan2 secure filter in 1 1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, _, err := FromRTX(data)
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, r := range rs.Rules {
			if r.ID == "" || r.Table == "" || ids[r.ID] {
				t.Fatalf("rule %+v: empty or duplicate ID or table", r)
			}
			ids[r.ID] = true
		}
		if len(rs.Rules) <= 64 {
			Audit(rs, Options{Now: goldenNow})
		}
	})
}

func BenchmarkFromRTX(b *testing.B) {
	data, err := os.ReadFile("testdata/rtx/lan2-dhcp.conf")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := FromRTX(data); err != nil {
			b.Fatal(err)
		}
	}
}
