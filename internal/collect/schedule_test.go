package collect_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/collect"
	"github.com/sekimori/sekimori/internal/collect/fortiemu"
	"github.com/sekimori/sekimori/internal/secret"
	"github.com/sekimori/sekimori/internal/state"
)

// TestUpgradeWipe is the field story: a firmware upgrade clears the whole
// ruleset; the next scheduled pull keeps the wiped config as a new
// generation (restorable from the one before) and raises a critical alert
// that names the firmware change. Re-encrypted secrets alone are no
// change; a truncated transfer is rejected and never becomes the latest.
func TestUpgradeWipe(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := state.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	box, err := secret.LoadOrCreate(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	emu := fortiemu.New(fortiemu.Options{Token: "emu-token-secret", Config: fortiemu.SampleConfig()})
	emu.SetHits("root", 1, fortiemu.Hits{Hits: 42, LastUsed: time.Now().Add(-time.Hour)})
	srv := httptest.NewTLSServer(emu)
	defer srv.Close()

	tn, _ := st.CreateTenant(ctx, "acme")
	dev, err := st.AddDevice(ctx, state.Device{TenantID: tn.ID, Name: "fw01", Sources: []string{"192.0.2.1"}, Format: "fortigate"})
	if err != nil {
		t.Fatal(err)
	}
	src := state.CollectSource{DeviceID: dev.ID, Kind: "fortios", Method: "api", Address: strings.TrimPrefix(srv.URL, "https://"),
		EveryHours: 24, Insecure: true, UpdatedBy: "test",
		Credentials: collect.SealCredentials(box, dev.ID, collect.Credentials{Token: "emu-token-secret"})}
	if err := st.SetCollectSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	sch := collect.NewScheduler(st, box, nil)

	res, err := sch.Pull(ctx, dev.ID, "test")
	if err != nil || !res.New || res.Generation.Gen != 1 {
		t.Fatalf("first pull: %+v %v", res, err)
	}
	if hits, _ := st.PolicyHitsOf(ctx, dev.ID); len(hits) == 0 {
		t.Error("no policy hit counters stored")
	}
	if res, err := sch.Pull(ctx, dev.ID, "test"); err != nil || res.New {
		t.Fatalf("second pull (secrets re-encrypted): new=%v %v", res.New, err)
	}

	emu.Upgrade("v7.6.0 build3401", true)
	res, err = sch.Pull(ctx, dev.ID, "test")
	if err != nil || !res.New || res.Generation.Gen != 2 || res.Severity != "critical" {
		t.Fatalf("pull after the wiping upgrade: %+v %v", res, err)
	}
	if !strings.Contains(res.Reason["en"], "firmware") || !strings.Contains(res.Reason["ja"], "ファームウェア") {
		t.Errorf("reason does not name the firmware change: %v", res.Reason)
	}
	alerts, _ := st.ListAlerts(ctx, state.AlertFilter{Tenants: []uint32{tn.ID}, RuleID: "config:wipe"})
	if len(alerts) != 1 || alerts[0].Severity != "critical" {
		t.Fatalf("wipe alerts: %+v", alerts)
	}
	// Generation 1 is still there, whole, to restore from.
	if _, data, err := st.ConfigContent(ctx, []uint32{tn.ID}, dev.ID, 1); err != nil || !strings.Contains(string(data), "config firewall policy") {
		t.Fatalf("generation 1: %v", err)
	}

	emu.Truncate(1000)
	if _, err := sch.Pull(ctx, dev.ID, "test"); err == nil {
		t.Fatal("a truncated export was accepted")
	}
	if gens, _ := st.ConfigGenerations(ctx, []uint32{tn.ID}, dev.ID); len(gens) != 2 {
		t.Fatalf("generations after a truncated pull: %d", len(gens))
	}
	pulls, _ := st.ConfigPulls(ctx, []uint32{tn.ID}, dev.ID, 10)
	if pulls[0].Outcome != state.PullRejected {
		t.Errorf("last pull = %+v", pulls[0])
	}

	// Wrong credentials: recorded, alerted, and the token never shows.
	src.Credentials = collect.SealCredentials(box, dev.ID, collect.Credentials{Token: "wrong-token-secret"})
	if err := st.SetCollectSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	_, err = sch.Pull(ctx, dev.ID, "test")
	if err == nil || strings.Contains(err.Error(), "wrong-token-secret") {
		t.Fatalf("pull with a wrong token: %v", err)
	}
	failed, _ := st.ListAlerts(ctx, state.AlertFilter{Tenants: []uint32{tn.ID}, RuleID: "config:pull-failed"})
	if len(failed) != 1 || strings.Contains(failed[0].RuleName, "wrong-token-secret") {
		t.Fatalf("pull-failed alerts: %+v", failed)
	}
}
