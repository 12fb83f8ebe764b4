package ruleaudit

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func host(s string) AddrSet {
	a := netip.MustParseAddr(s)
	return AddrSet{Ranges: []AddrRange{{a, a}}, Names: []string{s}}
}

var anyAddr = AddrSet{Any: true, Names: []string{"all"}}

// rule builds an enabled, always, logging rule.
func rule(id string, a Action, sz, dz ZoneClass, src, dst AddrSet, svcs ...Service) Rule {
	return Rule{ID: id, Enabled: true, Always: true, Log: true, Action: a, SrcZone: sz, DstZone: dz,
		SrcIntf: []string{string(sz)}, DstIntf: []string{string(dz)}, Src: src, Dst: dst, Services: svcs}
}

func kindsOf(rep Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, string(f.Kind)+":"+string(f.Severity)+":"+strings.Join(f.Rules, ","))
	}
	return out
}

func TestExposure(t *testing.T) {
	all := Service{}
	https := tcp(443, 443)
	tests := []struct {
		name     string
		r        Rule
		want     []string
		schedule bool
	}{
		{"unlocked", rule("1", Accept, ZoneInternal, ZoneInternet, host("10.0.0.1"), anyAddr, all), []string{"unlocked_rule:critical:1"}, false},
		{"unlocked to any zone", rule("1", Accept, ZoneInternal, ZoneAny, anyAddr, anyAddr, all), []string{"unlocked_rule:critical:1"}, false},
		{"unlocked but scheduled", rule("1", Accept, ZoneInternal, ZoneInternet, anyAddr, anyAddr, all), []string{"overbroad_accept:high:1"}, true},
		{"outbound all services to one host", rule("1", Accept, ZoneInternal, ZoneInternet, anyAddr, host("198.51.100.1"), all), []string{"overbroad_accept:medium:1"}, false},
		{"outbound browsing", rule("1", Accept, ZoneInternal, ZoneInternet, anyAddr, anyAddr, https), nil, false},
		{"inbound any to any web", rule("1", Accept, ZoneInternet, ZoneDMZ, anyAddr, anyAddr, https), []string{"overbroad_accept:high:1"}, false},
		{"inbound all services", rule("1", Accept, ZoneInternet, ZoneDMZ, host("198.51.100.1"), host("10.0.0.1"), all), []string{"overbroad_accept:medium:1"}, false},
		{"published server", rule("1", Accept, ZoneInternet, ZoneDMZ, anyAddr, host("10.0.0.1"), https), []string{"overbroad_accept:low:1"}, false},
		{"inbound from a partner", rule("1", Accept, ZoneInternet, ZoneDMZ, host("198.51.100.1"), host("10.0.0.1"), https), nil, false},
		{"internal only", rule("1", Accept, ZoneInternal, ZoneDMZ, anyAddr, anyAddr, all), nil, false},
		{"deny is never exposure", rule("1", Deny, ZoneInternet, ZoneAny, anyAddr, anyAddr, all), []string{"redundant:info:1"}, false},
		{"negated services are broad", func() Rule {
			r := rule("1", Accept, ZoneInternal, ZoneInternet, anyAddr, anyAddr, https)
			r.ServiceNegate = true
			return r
		}(), []string{"overbroad_accept:high:1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			if tt.schedule {
				r.Always, r.Schedule = false, "business-hours"
			}
			rep := Audit(Ruleset{Vendor: VendorFortiOS, Rules: []Rule{r}}, Options{Now: goldenNow})
			if diff := cmp.Diff(tt.want, kindsOf(rep)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLogging(t *testing.T) {
	mk := func(log, partial bool, sz ZoneClass) Rule {
		r := rule("7", Accept, sz, ZoneDMZ, host("10.0.0.1"), host("10.0.1.1"), tcp(22, 22))
		r.Log, r.LogPartial = log, partial
		return r
	}
	tests := []struct {
		name string
		r    Rule
		want []string
	}{
		{"logs", mk(true, false, ZoneInternal), nil},
		{"none internal", mk(false, false, ZoneInternal), []string{"no_logging:low:7"}},
		{"none from the Internet", mk(false, false, ZoneInternet), []string{"no_logging:medium:7"}},
		{"utm internal", mk(false, true, ZoneInternal), []string{"partial_logging:info:7"}},
		{"utm from the Internet", mk(false, true, ZoneInternet), []string{"partial_logging:low:7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Audit(Ruleset{Rules: []Rule{tt.r}}, Options{Now: goldenNow})
			if diff := cmp.Diff(tt.want, kindsOf(rep)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnused(t *testing.T) {
	rs := Ruleset{Rules: []Rule{
		rule("a", Accept, ZoneInternal, ZoneDMZ, host("10.0.0.1"), host("10.0.1.1"), tcp(22, 22)),
		rule("b", Accept, ZoneInternal, ZoneDMZ, host("10.0.0.2"), host("10.0.1.1"), tcp(22, 22)),
		rule("c", Accept, ZoneInternet, ZoneDMZ, host("198.51.100.1"), host("10.0.1.1"), tcp(22, 22)),
		rule("d", Accept, ZoneInternal, ZoneDMZ, host("10.0.0.4"), host("10.0.1.1"), tcp(22, 22)),
	}}
	hits := map[string]Hit{
		"a": {Count: 10, LastUsed: goldenNow.Add(-24 * time.Hour)},
		"b": {Count: 10, LastUsed: goldenNow.Add(-100 * 24 * time.Hour)},
		"d": {Count: 5}, // from log counts: used, no time
	}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"no data", Options{Now: goldenNow}, nil},
		{"counters", Options{Now: goldenNow, Hits: hits}, []string{"unused:medium:c", "unused:low:b"}},
		{"longer window", Options{Now: goldenNow, Hits: hits, UnusedDays: 120}, []string{"unused:medium:c"}},
		{"young counters", Options{Now: goldenNow, Hits: hits, HitsSince: goldenNow.Add(-10 * 24 * time.Hour)}, []string{"unused:low:b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, kindsOf(Audit(rs, tt.opts))); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTables checks that rules of different tables never interact and
// that an accepting default makes deny rules matter.
func TestTables(t *testing.T) {
	a := rule("a", Accept, ZoneInternal, ZoneDMZ, anyAddr, anyAddr, Service{})
	b := rule("b", Deny, ZoneInternal, ZoneDMZ, host("10.0.0.1"), anyAddr, Service{})
	b.Table = "other"
	rep := Audit(Ruleset{Rules: []Rule{a, b}}, Options{Now: goldenNow})
	// b is alone in its table: redundant with the implicit deny, never
	// shadowed by a.
	if diff := cmp.Diff([]string{"redundant:info:b"}, kindsOf(rep)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	rep = Audit(Ruleset{DefaultAction: Accept, Rules: []Rule{b}}, Options{Now: goldenNow})
	if len(rep.Findings) != 0 {
		t.Errorf("deny before a default accept: %v", kindsOf(rep))
	}
}

func TestMessages(t *testing.T) {
	// Rule 1 is not redundant: without it, rule 2 would accept part of
	// its traffic.
	rs := Ruleset{Vendor: VendorFortiOS, Rules: []Rule{
		rule("1", Deny, ZoneInternal, ZoneInternet, anyAddr, anyAddr, Service{}),
		rule("2", Accept, ZoneInternal, ZoneInternet, host("10.0.0.1"), anyAddr, tcp(443, 443)),
	}}
	rs.Rules[1].Name = "web"
	rep := Audit(rs, Options{Now: goldenNow})
	want := []Finding{{
		Kind: KindShadowed, Severity: Medium, Rules: []string{"2", "1"},
		Message: map[string]string{
			"en": `Policy 2 "web" is never reached: policy 1 already decides all of its traffic, at least partly with the other action.`,
			"ja": "ポリシー 2（web）には到達しません。ポリシー 1 が先にその通信をすべて処理しており、このポリシーとは異なる動作が適用されています。",
		},
	}}
	if diff := cmp.Diff(want, rep.Findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	lb := newLabeler(&Ruleset{Vendor: VendorRTX, Rules: make([]Rule, 8)})
	for i := range lb.rs.Rules {
		lb.rs.Rules[i].Name = string(rune('1' + i))
	}
	en, ja := lb.list([]int{0, 1, 2, 3, 4, 5, 6})
	if en != "filters 1, 2, 3, 4, 5 and 2 more" || ja != "フィルタ 1、2、3、4、5 ほか 2 件" {
		t.Errorf("list = %q, %q", en, ja)
	}
	if en, _ := lb.list([]int{0, 1}); en != "filters 1 and 2" {
		t.Errorf("list of two = %q", en)
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		counts map[Severity]int
		want   int
	}{
		{nil, 100},
		{map[Severity]int{Critical: 1}, 60},
		{map[Severity]int{Critical: 1, Medium: 1}, 55},
		{map[Severity]int{Critical: 5}, 20},
		{map[Severity]int{Critical: 2, High: 9, Medium: 9, Low: 99}, 0},
		{map[Severity]int{Low: 500, Info: 100}, 90},
		{map[Severity]int{High: 2, Medium: 3}, 55},
	}
	for _, tt := range tests {
		if got := Score(tt.counts); got != tt.want {
			t.Errorf("Score(%v) = %d, want %d", tt.counts, got, tt.want)
		}
	}
	reps := func(scores ...int) []Report {
		var out []Report
		for _, s := range scores {
			out = append(out, Report{Score: s})
		}
		return out
	}
	for _, tt := range []struct {
		scores []int
		want   int
	}{{nil, 0}, {[]int{80}, 80}, {[]int{100, 100, 100, 0}, 38}, {[]int{90, 91}, 90}} {
		if got := TenantScore(reps(tt.scores...)); got != tt.want {
			t.Errorf("TenantScore(%v) = %d, want %d", tt.scores, got, tt.want)
		}
	}
}

func TestTrend(t *testing.T) {
	f := func(k Kind, rules ...string) Finding { return Finding{Kind: k, Rules: rules} }
	gens := []Report{
		{Score: 55, Findings: []Finding{f(KindUnlocked, "3"), f(KindNoLogging, "3")}},
		{Score: 95, Findings: []Finding{f(KindNoLogging, "3")}},
		{Score: 94, Findings: []Finding{f(KindNoLogging, "3"), f(KindShadowed, "9", "2")}},
	}
	got := Trend(gens)
	want := []TrendPoint{
		{Index: 0, Score: 55},
		{Index: 1, Score: 95, Delta: 40, Resolved: []Finding{f(KindUnlocked, "3")}},
		{Index: 2, Score: 94, Delta: -1, New: []Finding{f(KindShadowed, "9", "2")}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trend (-want +got):\n%s", diff)
	}
}

// TestReportJSON pins the wire shape the API and UI read.
func TestReportJSON(t *testing.T) {
	rs := Ruleset{Vendor: VendorFortiOS, Device: "fg1", Rules: []Rule{{ID: "4", Enabled: false, Line: 12}}}
	b, err := json.Marshal(Audit(rs, Options{Now: goldenNow}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"device":"fg1","vendor":"fortios","rules":1,"findings":[{"kind":"disabled_rule","severity":"low","rules":["4"],` +
		`"message":{"en":"Policy 4 is disabled; delete it if it is no longer needed.","ja":"ポリシー 4 は無効化されています。不要であれば削除してください。"},"line":12}],` +
		`"score":99,"counts":{"critical":0,"high":0,"info":0,"low":1,"medium":0}}`
	if string(b) != want {
		t.Errorf("JSON:\n got %s\nwant %s", b, want)
	}
}
