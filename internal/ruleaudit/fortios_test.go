package ruleaudit

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/devconfig"
)

const multiVDOM = `#config-version=FG600E-7.2.8-FW-build1639-240313:opmode=0:vdom=1:user=admin
config vdom
edit root
next
edit cust-a
next
end
config global
config system global
    set hostname "fw-dc"
end
config system interface
    edit "port1"
        set vdom "root"
        set ip 10.0.0.1 255.255.255.0
    next
    edit "port2"
        set vdom "cust-a"
        set role wan
    next
    edit "port3"
        set vdom "cust-a"
        set ip 172.16.1.1 255.255.255.0
    next
end
end
config vdom
edit root
config firewall policy
    edit 1
        set srcintf "port1"
        set dstintf "port1"
        set srcaddr "all"
        set dstaddr "all"
        set action accept
        set schedule "always"
        set service "ALL"
    next
end
next
edit cust-a
config firewall address
    edit "web"
        set subnet 172.16.1.10 255.255.255.255
    next
end
config firewall policy
    edit 7
        set name "in-web"
        set srcintf "port2"
        set dstintf "port3"
        set srcaddr "all"
        set dstaddr "web"
        set action accept
        set schedule "always"
        set service "HTTPS"
        set logtraffic all
    next
end
next
end
`

func parseForti(t *testing.T, text string) *devconfig.Config {
	t.Helper()
	cfg, err := devconfig.ParseFortiOS([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestFortiOSVDOM(t *testing.T) {
	cfg := parseForti(t, multiVDOM)
	rs, probs, err := FromFortiOS(cfg, "cust-a")
	if err != nil || len(probs) != 0 {
		t.Fatalf("err %v, problems %v", err, probs)
	}
	if rs.Device != "fw-dc" || len(rs.Rules) != 1 {
		t.Fatalf("device %q, %d rules", rs.Device, len(rs.Rules))
	}
	r := rs.Rules[0]
	if r.ID != "7" || r.Name != "in-web" || r.SrcZone != ZoneInternet || r.DstZone != ZoneInternal || !r.Log {
		t.Errorf("rule %+v", r)
	}
	if diff := cmp.Diff([]AddrRange{rng("172.16.1.10", "172.16.1.10")}, r.Dst.Ranges, addrCmp); diff != "" {
		t.Errorf("dst (-want +got):\n%s", diff)
	}
	root, _, err := FromFortiOS(cfg, "")
	if err != nil || len(root.Rules) != 1 || root.Rules[0].ID != "1" || root.Rules[0].SrcZone != ZoneInternal {
		t.Errorf("root: %v %+v", err, root.Rules)
	}
	if _, _, err := FromFortiOS(cfg, "nope"); !errors.Is(err, ErrNoVDOM) {
		t.Errorf("unknown vdom: err = %v", err)
	}
	if _, _, err := FromFortiOS(nil, ""); err == nil {
		t.Error("nil config accepted")
	}
}

// TestFortiOSObjects checks the converted sets of testdata/fortios/objects.conf.
func TestFortiOSObjects(t *testing.T) {
	rs, _ := convertFile(t, "testdata/fortios/objects.conf")
	by := map[string]Rule{}
	for _, r := range rs.Rules {
		by[r.ID] = r
	}
	// 64: every address but the admins' range.
	if diff := cmp.Diff([]AddrRange{rng("0.0.0.0", "10.1.1.9"), rng("10.1.1.20", "255.255.255.255")}, by["64"].Src.Ranges, addrCmp); diff != "" {
		t.Errorf("negated source (-want +got):\n%s", diff)
	}
	// 64: the nested service group, with RLOGIN's source ports and GRE.
	wantSvc := []Service{{Proto: ProtoTCP, DstLo: 513, DstHi: 513, SrcLo: 512, SrcHi: 1023}, {Proto: ProtoGRE}, tcp(22, 22)}
	if diff := cmp.Diff(wantSvc, by["64"].Services); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	// 66: srv-a, srv-b and srv-net minus srv-b, plus unknown members.
	d := by["66"].Dst
	if !d.Unknown || !by["66"].ServiceUnknown {
		t.Errorf("66: unknown dst %v, unknown service %v", d.Unknown, by["66"].ServiceUnknown)
	}
	if diff := cmp.Diff([]AddrRange{rng("10.1.2.0", "10.1.2.10"), rng("10.1.2.12", "10.1.2.255"), rng("10.1.2.10", "10.1.2.10")}, d.Ranges, addrCmp); diff != "" {
		t.Errorf("group with exclusion (-want +got):\n%s", diff)
	}
	// 61: an IPv4 FQDN may only add IPv4 addresses.
	if diff := cmp.Diff([]AddrRange{familyRange(false)}, by["61"].Dst.UnknownIn, addrCmp); diff != "" {
		t.Errorf("fqdn bound (-want +got):\n%s", diff)
	}
	checks := []struct {
		id                       string
		narrowed, always, nat    bool
		srcZone, dstZone         ZoneClass
		serviceNegate, srcUnknwn bool
	}{
		{"60", false, true, false, ZoneInternal, ZoneInternet, false, false},
		{"63", false, true, false, ZoneInternal, ZoneInternet, false, false}, // whole-week schedule
		{"67", true, true, true, ZoneInternet, ZoneInternal, false, true},    // port-forwarding VIP, negated geography
		{"69", false, true, false, ZoneInternal, ZoneInternet, true, false},  // zone and PPPoE interface
	}
	for _, c := range checks {
		r := by[c.id]
		got := []any{r.Narrowed, r.Always, r.NAT, r.SrcZone, r.DstZone, r.ServiceNegate, r.Src.Unknown}
		want := []any{c.narrowed, c.always, c.nat, c.srcZone, c.dstZone, c.serviceNegate, c.srcUnknwn}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("policy %s [narrowed always nat srczone dstzone negate srcunknown] (-want +got):\n%s", c.id, diff)
		}
	}
}

func TestFortiOSDefaults(t *testing.T) {
	cfg := parseForti(t, `#config-version=FG60F-7.4.3-FW-build2573-240201:opmode=0:vdom=0:user=admin
config firewall policy
    edit 9
        set srcintf "internal"
        set dstintf "wan1"
        set srcaddr "all"
        set dstaddr "all"
        set schedule "always"
        set service "HTTPS" "DNS" "PING"
    next
end
`)
	rs, probs, err := FromFortiOS(cfg, "")
	if err != nil || len(probs) != 0 {
		t.Fatalf("err %v, problems %v", err, probs)
	}
	r := rs.Rules[0]
	// Unset action is deny, unset logtraffic is utm; predefined services
	// and addresses fill in what the excerpt lacks.
	if r.Action != Deny || !r.LogPartial || r.Log || !r.Enabled {
		t.Errorf("defaults: %+v", r)
	}
	if diff := cmp.Diff([]Service{tcp(443, 443), tcp(53, 53), udp(53, 53), icmp(8)}, r.Services); diff != "" {
		t.Errorf("predefined services (-want +got):\n%s", diff)
	}
	if r.SrcZone != ZoneInternal || r.DstZone != ZoneInternet {
		t.Errorf("zones by name: %s -> %s", r.SrcZone, r.DstZone)
	}
}

func TestFortiPortRange(t *testing.T) {
	tests := []struct {
		in        string
		want      Service
		exact, ok bool
	}{
		{"80", tcp(80, 80), true, true},
		{"8080-8090", tcp(8080, 8090), true, true},
		{"1000-2000:1024-65535", Service{Proto: ProtoTCP, DstLo: 1000, DstHi: 2000, SrcLo: 1024, SrcHi: 65535}, true, true},
		{"0-65535", Service{Proto: ProtoTCP, DstHi: 65535}, true, true},
		{"0", Service{Proto: ProtoTCP}, false, true},
		{"90-80", Service{}, false, false},
		{"x", Service{}, false, false},
	}
	for _, tt := range tests {
		got, exact, ok := fortiPortRange(ProtoTCP, tt.in)
		if got != tt.want || exact != tt.exact || ok != tt.ok {
			t.Errorf("fortiPortRange(%q) = %+v %v %v", tt.in, got, exact, ok)
		}
	}
}

func TestFortiOSHits(t *testing.T) {
	one := `{"vdom":"root","results":[{"policyid":0,"hit_count":9},{"policyid":3,"hit_count":7,"last_used":1767225600},{"policyid":4,"hit_count":0}]}`
	got, err := FortiOSHits([]byte(one), "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Hit{"3": {Count: 7, LastUsed: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, "4": {}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hits (-want +got):\n%s", diff)
	}
	many := `[{"vdom":"root","results":[{"policyid":1,"hit_count":1}]},{"vdom":"cust-a","results":[{"policyid":1,"hit_count":5}]}]`
	got, err = FortiOSHits([]byte(many), "cust-a")
	if err != nil || got["1"].Count != 5 {
		t.Errorf("vdom filter: %v %v", got, err)
	}
	for _, bad := range []string{"", "{", `{"results":[{"policyid":"x"}]}`} {
		if _, err := FortiOSHits([]byte(bad), ""); err == nil {
			t.Errorf("FortiOSHits(%q) accepted", bad)
		}
	}
}

func TestFortiZones(t *testing.T) {
	cfg := parseForti(t, `#config-version=FG60F-7.4.3-FW-build2573-240201:opmode=0:vdom=0:user=admin
config system interface
    edit "port1"
        set vdom "root"
        set ip 192.168.1.1 255.255.255.0
    next
    edit "port2"
        set vdom "root"
        set ip 203.0.113.2 255.255.255.0
    next
    edit "port3"
        set vdom "root"
        set role dmz
    next
    edit "port4"
        set vdom "root"
        set mode dhcp
    next
    edit "port5"
        set vdom "root"
        set role lan
        set mode dhcp
    next
    edit "vpn1"
        set vdom "root"
        set type tunnel
    next
end
config system zone
    edit "inside"
        set interface "port1" "port5"
    next
    edit "edge"
        set interface "port1" "port4"
    next
end
`)
	c := &fortiConv{cfg: cfg, objects: map[string]map[string]*devconfig.Entry{}}
	z := newFortiZones(c)
	tests := map[string]ZoneClass{
		"any": ZoneAny, "port1": ZoneInternal, "port2": ZoneInternet, "port3": ZoneDMZ, "port4": ZoneInternet,
		"port5": ZoneInternal, "vpn1": ZoneUnknown, "ssl.root": ZoneUnknown, "wan2": ZoneInternet,
		"dmz-web": ZoneDMZ, "internal5": ZoneInternal, "virtual-wan-link": ZoneInternet, "inside": ZoneInternal,
		"edge": ZoneInternet, "mystery": ZoneUnknown,
	}
	for name, want := range tests {
		if got := z.classify([]string{name}); got != want {
			t.Errorf("classify(%s) = %s, want %s", name, got, want)
		}
	}
	if got := z.classify([]string{"port1", "any"}); got != ZoneAny {
		t.Errorf("list with any = %s", got)
	}
}

func FuzzFromFortiOS(f *testing.F) {
	files, _ := filepath.Glob("testdata/fortios/*.conf")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := devconfig.ParseFortiOS(data)
		if err != nil {
			return
		}
		rs, _, err := FromFortiOS(cfg, "")
		if err != nil {
			return
		}
		if len(rs.Rules) <= 64 {
			Audit(rs, Options{Now: goldenNow})
		}
	})
}
