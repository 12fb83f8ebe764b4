package triage_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/sekimori/sekimori/internal/detect"
	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/triage"
)

// scenario is testdata/scenario/alerts.json: a customer estate's alerts
// with the verdict each must get and whether it can really hurt.
type scenario struct {
	AlertTime time.Time `json:"alert_time"`
	Tenant    string    `json:"tenant"`
	Alerts    []struct {
		Kind        string `json:"kind"`
		RuleID      string `json:"rule_id"`
		RuleName    string `json:"rule_name"`
		TargetIP    string `json:"target_ip"`
		SourceIP    string `json:"source_ip"`
		Action      string `json:"action"`
		WantVerdict string `json:"want_verdict"`
		WantReport  bool   `json:"want_report"`
		Relevant    bool   `json:"relevant"`
		Case        string `json:"case"`
	} `json:"alerts"`
}

const scenarioDir = "testdata/scenario"

// loadScenario imports the scenario's knowledge and inventory files into a
// fresh state database, exactly as `sekimori knowledge import` and
// `sekimori assets import` do, and records its alerts.
func loadScenario(t *testing.T) (*state.Store, state.Tenant, scenario, map[int64]int) {
	t.Helper()
	ctx := context.Background()
	st, err := state.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var sc scenario
	raw, err := os.ReadFile(filepath.Join(scenarioDir, "alerts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &sc); err != nil {
		t.Fatal(err)
	}
	tenant, err := st.CreateTenant(ctx, sc.Tenant)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"nvd-cves.json", "kev.json", "epss.csv", "debian-tracker.json", "et-scenario.rules", "fortigate-ips.csv"} {
		data := readFile(t, f)
		if _, err := triage.ImportKnowledge(ctx, st, f, data, "test"); err != nil {
			t.Fatalf("import knowledge %s: %v", f, err)
		}
	}
	importAsset(t, st, tenant, "hosts.csv", "")
	sboms, _ := filepath.Glob(filepath.Join(scenarioDir, "sbom-*.cdx.json"))
	for _, f := range sboms {
		base := filepath.Base(f)
		importAsset(t, st, tenant, base, strings.TrimSuffix(strings.TrimPrefix(base, "sbom-"), ".cdx.json"))
	}
	importAsset(t, st, tenant, "scan.xml", "")

	var ms []state.Match
	for i, a := range sc.Alerts {
		m := state.Match{
			TenantID: tenant.ID, Kind: a.Kind, RuleID: a.RuleID, RuleName: a.RuleName, Severity: "high", Device: "fw01",
			SourceIP: a.SourceIP, TargetIP: a.TargetIP, Time: sc.AlertTime, Seq: uint64(i + 1),
			Details: map[string]string{"event.action": a.Action},
		}
		m.GroupKey = detect.GroupKey(m.Kind, m.RuleID, m.Device, m.TargetIP)
		ms = append(ms, m)
	}
	if err := st.RecordMatches(ctx, ms); err != nil {
		t.Fatal(err)
	}
	alerts, err := st.ListAlerts(ctx, state.AlertFilter{Tenants: []uint32{tenant.ID}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	index := map[int64]int{} // alert id → scenario row
	for _, al := range alerts {
		for i, a := range sc.Alerts {
			if al.RuleID == a.RuleID && al.TargetIP == a.TargetIP {
				index[al.ID] = i
			}
		}
	}
	if len(index) != len(sc.Alerts) {
		t.Fatalf("recorded %d alerts for %d scenario rows", len(index), len(sc.Alerts))
	}
	return st, tenant, sc, index
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(scenarioDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func importAsset(t *testing.T, st *state.Store, tenant state.Tenant, name, asset string) {
	t.Helper()
	_, err := triage.ImportAssets(context.Background(), st, triage.AssetImport{
		Tenant: tenant, File: name, Data: readFile(t, name), AssetID: asset, Actor: "test",
		ReceivedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
}

func step(t *testing.T, svc *triage.Service, last *int64) {
	t.Helper()
	if err := svc.Step(context.Background(), last); err != nil {
		t.Fatal(err)
	}
}

// TestScenario is the evidence that triage reports what can hurt and
// hides only what cannot: every verdict of the estate's alerts, and the
// count a "report everything" SOC would send against Sekimori's.
func TestScenario(t *testing.T) {
	st, tenant, sc, index := loadScenario(t)
	svc := triage.NewService(st, metrics.NewSet(), nil)
	last := int64(-1)
	step(t, svc, &last)
	alerts, err := st.ListAlerts(context.Background(), state.AlertFilter{Tenants: []uint32{tenant.ID}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	reported, hiddenRelevant := 0, 0
	for _, al := range alerts {
		want := sc.Alerts[index[al.ID]]
		var r triage.Result
		if err := json.Unmarshal(al.Triage, &r); err != nil {
			t.Fatalf("alert %d (%s): triage %q: %v", al.ID, want.Case, al.Triage, err)
		}
		if al.Verdict != want.WantVerdict || al.Report != want.WantReport {
			t.Errorf("%s:\n  got  %s report=%v: %s\n  want %s report=%v", want.Case, al.Verdict, al.Report, r.Reason["en"], want.WantVerdict, want.WantReport)
		}
		if r.Reason["en"] == "" || r.Reason["ja"] == "" {
			t.Errorf("%s: reason missing in a language: %v", want.Case, r.Reason)
		}
		if al.Report {
			reported++
		} else if want.Relevant {
			hiddenRelevant++
		}
	}
	t.Logf("scenario: %d alerts; reporting everything sends %d, Sekimori reports %d and hides %d; relevant attacks hidden: %d",
		len(alerts), len(alerts), reported, len(alerts)-reported, hiddenRelevant)
	if hiddenRelevant != 0 {
		t.Errorf("%d relevant alerts hidden", hiddenRelevant)
	}

	// The evidence names its sources.
	for _, al := range alerts {
		want := sc.Alerts[index[al.ID]]
		if want.WantVerdict != "NOT_VULNERABLE_PATCHED" || !strings.Contains(want.Case, "backport") {
			continue
		}
		var r triage.Result
		_ = json.Unmarshal(al.Triage, &r)
		if len(r.Evidence.Checks) == 0 || r.Evidence.Checks[0].RuleSource.Kind != "debian" || !strings.Contains(r.Evidence.Checks[0].Comparison, ">=") {
			t.Errorf("%s: want the Debian fixed version as evidence, got %+v", want.Case, r.Evidence.Checks)
		}
	}

	// Data-quality tasks for the unknowns.
	tasks, err := st.TriageTasks(context.Background(), []uint32{tenant.ID})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, tk := range tasks {
		kinds = append(kinds, tk.Kind+" "+tk.Subject)
	}
	if !containsAll(kinds, "unknown_asset 10.0.9.99", "unknown_signature suricata:9999999") {
		t.Errorf("tasks = %v", kinds)
	}
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestRecomputeOnChange: when inventory changes, verdicts follow, and the
// change is in the alert's history; the "all" policy reports everything.
func TestRecomputeOnChange(t *testing.T) {
	ctx := context.Background()
	st, tenant, sc, index := loadScenario(t)
	svc := triage.NewService(st, metrics.NewSet(), nil)
	last := int64(-1)
	step(t, svc, &last)
	find := func(target, rule string) state.Alert {
		t.Helper()
		for id, i := range index {
			if sc.Alerts[i].TargetIP == target && sc.Alerts[i].RuleID == rule {
				a, err := st.Alert(ctx, []uint32{tenant.ID}, id)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
		}
		t.Fatalf("no alert on %s", target)
		return state.Alert{}
	}
	if a := find("10.0.5.11", "suricata:9000005"); a.Verdict != "RELEVANT_VULNERABLE" {
		t.Fatalf("ssh02 before the update: %s", a.Verdict)
	}
	// ssh02 gets the fixed package.
	sbom := strings.ReplaceAll(string(readFile(t, "sbom-ssh02.cdx.json")), "deb12u2", "deb12u3")
	if _, err := triage.ImportAssets(ctx, st, triage.AssetImport{Tenant: tenant, File: "sbom-ssh02-updated.cdx.json", Data: []byte(sbom),
		AssetID: "ssh02", Actor: "test", ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	step(t, svc, &last)
	a := find("10.0.5.11", "suricata:9000005")
	if a.Verdict != "NOT_VULNERABLE_PATCHED" || a.Report {
		t.Fatalf("ssh02 after the update: %s report=%v", a.Verdict, a.Report)
	}
	hist, err := st.VerdictHistory(ctx, []uint32{tenant.ID}, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(hist); n != 2 || hist[1].From != "RELEVANT_VULNERABLE" || hist[1].To != "NOT_VULNERABLE_PATCHED" || hist[1].ToReport {
		t.Fatalf("history = %+v", hist)
	}
	asset, err := st.Asset(ctx, []uint32{tenant.ID}, "ssh02")
	if err != nil {
		t.Fatal(err)
	}
	if last := asset.Changes[len(asset.Changes)-1]; !strings.Contains(string(last.Change), "deb12u3") {
		t.Fatalf("asset history does not record the upgrade: %s", last.Change)
	}

	// The customer asks for every attempt.
	if _, err := st.SetTriageSetting(ctx, state.TriageSetting{TenantID: tenant.ID, Policy: "all", FreshDays: 30, UpdatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	step(t, svc, &last)
	hidden := false
	rep := true
	all, _ := st.ListAlerts(ctx, state.AlertFilter{Tenants: []uint32{tenant.ID}, Report: &hidden, Limit: 1000})
	if len(all) != 0 {
		t.Fatalf("policy all: %d alerts still hidden", len(all))
	}
	all, _ = st.ListAlerts(ctx, state.AlertFilter{Tenants: []uint32{tenant.ID}, Report: &rep, Verdict: "NOT_APPLICABLE", Limit: 1000})
	if len(all) == 0 {
		t.Fatal("policy all: verdicts must stay (NOT_APPLICABLE alerts reported, not re-judged)")
	}
}
