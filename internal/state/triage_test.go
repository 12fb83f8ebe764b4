package state

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/sekimori/sekimori/internal/assets"
	"github.com/sekimori/sekimori/internal/secret"
	"github.com/sekimori/sekimori/internal/vulndb"
)

func testAssets(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	a, b := mustTenant(t, s, "alpha"), mustTenant(t, s, "bravo")
	host := assets.Host{AssetID: "web1", Hostname: "web1", IPs: []netip.Addr{netip.MustParseAddr("10.0.0.5")}, OS: "Debian GNU/Linux", OSVersion: "12"}
	meta := ImportMeta{Actor: "test", File: "hosts.csv"}
	if res, err := s.PutHosts(ctx, a.ID, []assets.Host{host}, "", false, meta); err != nil || res.Created != 1 {
		t.Fatalf("put hosts: %+v %v", res, err)
	}
	if res, err := s.PutHosts(ctx, a.ID, []assets.Host{host}, "", false, meta); err != nil || res.Unchanged != 1 {
		t.Fatalf("same hosts again: %+v %v", res, err)
	}
	rev, _ := s.TriageRevision(ctx)
	inv := Inventory{Source: "cyclonedx", Complete: true, CollectedAt: clk.Now(), Software: []assets.Software{{Name: "apache2", Version: "2.4.57-2", PURL: "pkg:deb/debian/apache2@2.4.57-2"}}}
	if changed, err := s.PutInventory(ctx, a.ID, "web1", inv, meta); err != nil || !changed {
		t.Fatalf("put inventory: %v %v", changed, err)
	}
	inv.Software[0].Version, inv.Software[0].PURL = "2.4.62-1", "pkg:deb/debian/apache2@2.4.62-1"
	if _, err := s.PutInventory(ctx, a.ID, "web1", inv, meta); err != nil {
		t.Fatal(err)
	}
	if rev2, _ := s.TriageRevision(ctx); rev2 <= rev {
		t.Errorf("triage revision did not move: %d → %d", rev, rev2)
	}
	if _, err := s.PutInventory(ctx, b.ID, "web1", inv, meta); !errors.Is(err, ErrNotFound) {
		t.Errorf("inventory for bravo's missing host: %v, want not found", err)
	}
	got, err := s.Asset(ctx, []uint32{a.ID}, "web1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Inventories) != 1 || got.Inventories[0].Software[0].Version != "2.4.62-1" || len(got.Changes) != 3 {
		t.Fatalf("asset = %+v", got)
	}
	if !strings.Contains(string(got.Changes[2].Change), `"from":"2.4.57-2","to":"2.4.62-1"`) {
		t.Errorf("last change = %s", got.Changes[2].Change)
	}
	if _, err := s.Asset(ctx, []uint32{b.ID}, "web1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("bravo reading alpha's asset: %v", err)
	}
	if list, _ := s.Assets(ctx, []uint32{a.ID}, "10.0.0.5"); len(list) != 1 {
		t.Errorf("by ip: %d", len(list))
	}
	if list, _ := s.Assets(ctx, []uint32{a.ID}, "10.0.0.6"); len(list) != 0 {
		t.Errorf("by other ip: %d", len(list))
	}
}

func testKnowledgeAndVerdicts(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	b := &vulndb.Bundle{Provenance: vulndb.Provenance{Kind: "nvd", Source: "nvd.json", Records: 1},
		CVEs: []vulndb.CVE{{ID: "CVE-2021-41773", Configs: []vulndb.Config{{Vulnerable: []vulndb.CPEMatch{{Criteria: "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"}}}}}}}
	if _, err := s.ImportKnowledge(ctx, b, "test"); err != nil {
		t.Fatal(err)
	}
	b.Provenance.Source = "nvd-newer.json"
	if _, err := s.ImportKnowledge(ctx, b, "test"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Knowledge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].CVEs) != 0 || len(got[1].CVEs) != 1 || got[1].Provenance.Source != "nvd-newer.json" {
		t.Fatalf("knowledge = %+v", got)
	}
	tn := mustTenant(t, s, "alpha")
	if err := s.RecordMatches(ctx, []Match{{TenantID: tn.ID, GroupKey: "k", Kind: "native", RuleID: "suricata:1", Severity: "high", Time: clk.Now(), Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	todo, err := s.AlertsToTriage(ctx, false, 0, 10)
	if err != nil || len(todo) != 1 {
		t.Fatalf("to triage: %d %v", len(todo), err)
	}
	u := VerdictUpdate{AlertID: todo[0].ID, Verdict: "UNKNOWN_ASSET", Report: true, Triage: json.RawMessage(`{"verdict":"UNKNOWN_ASSET"}`), TaskKind: "unknown_asset", TaskSubject: "10.0.0.9"}
	if n, err := s.SetVerdicts(ctx, []VerdictUpdate{u}); err != nil || n != 1 {
		t.Fatalf("set verdicts: %d %v", n, err)
	}
	if todo, _ := s.AlertsToTriage(ctx, false, 0, 10); len(todo) != 0 {
		t.Errorf("triaged alert still to triage")
	}
	u.Verdict, u.Report, u.TaskKind = "NOT_APPLICABLE", false, ""
	if n, err := s.SetVerdicts(ctx, []VerdictUpdate{u}); err != nil || n != 1 {
		t.Fatalf("change verdict: %d %v", n, err)
	}
	hidden := false
	if l, _ := s.ListAlerts(ctx, AlertFilter{Tenants: []uint32{tn.ID}, Report: &hidden, Verdict: "NOT_APPLICABLE"}); len(l) != 1 {
		t.Errorf("hidden NOT_APPLICABLE alerts: %d", len(l))
	}
	hist, _ := s.VerdictHistory(ctx, []uint32{tn.ID}, u.AlertID)
	if len(hist) != 2 || hist[1].From != "UNKNOWN_ASSET" || hist[1].ToReport {
		t.Errorf("history = %+v", hist)
	}
	tasks, _ := s.TriageTasks(ctx, []uint32{tn.ID})
	if len(tasks) != 1 || tasks[0].Subject != "10.0.0.9" {
		t.Fatalf("tasks = %+v", tasks)
	}
	if err := s.ResolveTriageTasks(ctx, tn.ID, func(string, string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if tasks, _ := s.TriageTasks(ctx, []uint32{tn.ID}); len(tasks) != 0 {
		t.Errorf("resolved tasks still open: %+v", tasks)
	}
	if _, err := s.SetTriageSetting(ctx, TriageSetting{TenantID: tn.ID, Policy: "some", FreshDays: 30, UpdatedBy: "t"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad policy: %v", err)
	}
}

func testConfigs(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	a, b := mustTenant(t, s, "alpha"), mustTenant(t, s, "bravo")
	dev := mustDevice(t, s, Device{TenantID: a.ID, Name: "fw", Sources: []string{"192.0.2.1"}, Format: "fortigate"})
	if got, err := s.DeviceByID(ctx, []uint32{a.ID}, dev.ID); err != nil || got.Name != "fw" || len(got.Sources) != 1 {
		t.Fatalf("device by id: %+v %v", got, err)
	}
	if _, err := s.DeviceByID(ctx, []uint32{b.ID}, dev.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another tenant's device by id: %v", err)
	}
	g := ConfigGeneration{DeviceID: dev.ID, TenantID: a.ID, Kind: "fortios", Fingerprint: "f1", Method: "upload", Actor: "t"}
	g1, created, err := s.AddConfig(ctx, g, []byte("config one\n"))
	if err != nil || !created || g1.Gen != 1 {
		t.Fatalf("first: %+v %v %v", g1, created, err)
	}
	if g2, created, err := s.AddConfig(ctx, g, []byte("config one, secrets re-encrypted\n")); err != nil || created || g2.Gen != 1 {
		t.Fatalf("same fingerprint: %+v %v %v", g2, created, err)
	}
	g.Fingerprint = "f2"
	if g3, created, err := s.AddConfig(ctx, g, []byte("config two\n")); err != nil || !created || g3.Gen != 2 || g3.Size != 11 {
		t.Fatalf("second: %+v %v %v", g3, created, err)
	}
	gens, err := s.ConfigGenerations(ctx, []uint32{a.ID}, dev.ID)
	if err != nil || len(gens) != 2 || gens[0].Gen != 2 {
		t.Fatalf("generations: %+v %v", gens, err)
	}
	if _, data, err := s.ConfigContent(ctx, []uint32{a.ID}, dev.ID, 1); err != nil || string(data) != "config one\n" {
		t.Fatalf("content: %q %v", data, err)
	}
	if _, _, err := s.ConfigContent(ctx, []uint32{b.ID}, dev.ID, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("bravo reading alpha's config: %v", err)
	}
	if err := s.RecordConfigPull(ctx, ConfigPull{DeviceID: dev.ID, TenantID: a.ID, Method: "api", Actor: "t", Outcome: PullRejected, Reason: "truncated"}); err != nil {
		t.Fatal(err)
	}
	pulls, _ := s.ConfigPulls(ctx, []uint32{a.ID}, dev.ID, 10)
	if len(pulls) != 4 || pulls[0].Outcome != PullRejected {
		t.Errorf("pulls = %+v", pulls)
	}
}

func testAlertAssign(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	a, b := mustTenant(t, s, "alpha"), mustTenant(t, s, "bravo")
	if err := s.RecordMatches(ctx, []Match{{TenantID: a.ID, GroupKey: "k", Kind: "native", RuleID: "x:1", Severity: "low", Time: clk.Now(), Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	list, _ := s.ListAlerts(ctx, AlertFilter{Tenants: []uint32{a.ID}})
	id := list[0].ID
	if _, err := s.AssignAlert(ctx, []uint32{b.ID}, id, "mallory", "t"); !errors.Is(err, ErrNotFound) {
		t.Errorf("assigning another tenant's alert: %v", err)
	}
	if al, err := s.AssignAlert(ctx, []uint32{a.ID}, id, "alice", "user:lead"); err != nil || al.Assignee != "alice" {
		t.Fatalf("assign: %+v %v", al, err)
	}
	if _, err := s.AssignAlert(ctx, []uint32{a.ID}, id, "bob", "user:lead"); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListAlerts(ctx, AlertFilter{Tenants: []uint32{a.ID}, Assignee: "bob"}); len(l) != 1 {
		t.Errorf("filter by assignee: %d", len(l))
	}
	if l, _ := s.ListAlerts(ctx, AlertFilter{Tenants: []uint32{a.ID}, Assignee: "-"}); len(l) != 0 {
		t.Errorf("unassigned filter: %d", len(l))
	}
	hist, _ := s.AlertHistory(ctx, []uint32{a.ID}, id)
	if len(hist) != 2 || hist[1].Reason != "assigned to bob (was alice)" || hist[1].Actor != "user:lead" ||
		hist[1].Kind != "assign" || hist[1].FromAssignee != "alice" || hist[1].ToAssignee != "bob" {
		t.Errorf("history = %+v", hist)
	}
}

// testTOTPSealed runs the TOTP test with the users' keys sealed, and
// checks that the database holds no key in clear.
func testTOTPSealed(t *testing.T, s *Store, clk *clock) {
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s.Secrets = box
	testTOTP(t, s, clk)
	rows, err := s.q().query(context.Background(), `SELECT totp_secret, totp_pending FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var key, pending string
		if err := rows.Scan(&key, &pending); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{key, pending} {
			if v != "" && !strings.HasPrefix(v, sealedPrefix) {
				t.Errorf("a TOTP key is stored in clear: %q", v)
			}
		}
		n++
	}
	if n == 0 {
		t.Fatal("no users")
	}
}
