package state

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func match(tenant uint32, key string, seq uint64, sev string, at time.Time) Match {
	return Match{TenantID: tenant, GroupKey: key, Kind: "native", RuleID: "fortigate:ips:" + key, RuleName: "attack " + key,
		Severity: sev, Device: "fw", SourceIP: "203.0.113.9", TargetIP: "10.0.0.5", Time: at, Seq: seq, Details: map[string]string{"attack": key}}
}

func testAlerts(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "bravo")
	t0 := clk.Now()
	ms := []Match{
		match(a.ID, "k1", 1, "medium", t0),
		match(a.ID, "k1", 2, "high", t0.Add(time.Minute)),
		match(a.ID, "k1", 3, "low", t0.Add(-time.Minute)),
		match(a.ID, "k2", 4, "low", t0),
		match(b.ID, "k1", 5, "critical", t0),
	}
	if err := s.RecordMatches(ctx, ms); err != nil {
		t.Fatal(err)
	}
	// A replay of the same events changes nothing.
	if err := s.RecordMatches(ctx, ms[:3]); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAlerts(ctx, AlertFilter{Tenants: []uint32{a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("alpha has %d alerts, want 2: %+v", len(got), got)
	}
	k1 := got[1] // newest first: k2 was opened after k1
	if k1.GroupKey != "k1" || k1.EventCount != 3 || k1.Severity != "high" || !k1.FirstSeen.Equal(t0.Add(-time.Minute)) || !k1.LastSeen.Equal(t0.Add(time.Minute)) || k1.Status != AlertNew {
		t.Errorf("burst grouped wrongly: %+v", k1)
	}
	if d := cmp.Diff(map[string]string{"attack": "k1"}, k1.Details); d != "" {
		t.Errorf("details: %s", d)
	}
	refs, err := s.AlertEvents(ctx, []uint32{a.ID}, k1.ID)
	if err != nil || len(refs) != 3 || refs[0].Seq != 3 {
		t.Errorf("event refs %v, %v", refs, err)
	}
	// Tenant scope: bravo's alert is invisible to alpha, by id too.
	bAlerts, _ := s.ListAlerts(ctx, AlertFilter{Tenants: []uint32{b.ID}})
	if len(bAlerts) != 1 {
		t.Fatalf("bravo alerts: %+v", bAlerts)
	}
	if _, err := s.Alert(ctx, []uint32{a.ID}, bAlerts[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("alpha reading bravo's alert: %v", err)
	}
	if _, err := s.AlertEvents(ctx, []uint32{a.ID}, bAlerts[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("alpha reading bravo's alert events: %v", err)
	}
	if _, err := s.SetAlertStatus(ctx, []uint32{a.ID}, bAlerts[0].ID, AlertAcknowledged, "", "eve"); !errors.Is(err, ErrNotFound) {
		t.Errorf("alpha changing bravo's alert: %v", err)
	}
	if _, err := s.ListAlerts(ctx, AlertFilter{}); err == nil {
		t.Error("listing without a tenant scope must fail")
	}
	// Filters.
	for _, tc := range []struct {
		f    AlertFilter
		want int
	}{
		{AlertFilter{Tenants: []uint32{a.ID, b.ID}}, 3},
		{AlertFilter{Tenants: []uint32{a.ID, b.ID}, MinSeverity: "high"}, 2},
		{AlertFilter{Tenants: []uint32{a.ID}, RuleID: "fortigate:ips:k2"}, 1},
		{AlertFilter{Tenants: []uint32{a.ID}, Status: "open"}, 2},
		{AlertFilter{Tenants: []uint32{a.ID}, Status: AlertClosed}, 0},
		{AlertFilter{Tenants: []uint32{a.ID, b.ID}, Limit: 1}, 1},
		{AlertFilter{Tenants: []uint32{a.ID, b.ID}, BeforeID: bAlerts[0].ID}, 2},
	} {
		got, err := s.ListAlerts(ctx, tc.f)
		if err != nil || len(got) != tc.want {
			t.Errorf("filter %+v: %d alerts (err %v), want %d", tc.f, len(got), err, tc.want)
		}
	}
	for _, f := range []AlertFilter{{Tenants: []uint32{a.ID}, Status: "done"}, {Tenants: []uint32{a.ID}, MinSeverity: "severe"}} {
		_, err := s.ListAlerts(ctx, f)
		wantIs(t, err, ErrInvalid)
	}
	wantIs(t, s.RecordMatches(ctx, []Match{{TenantID: a.ID, GroupKey: "x", RuleID: "r", Severity: "bad"}}), ErrInvalid)
	// A burst in one batch: one alert, every match counted, references
	// kept up to refsPerAlert (inserted in chunks).
	c := mustTenant(t, s, "charlie")
	var burst []Match
	for i := range refsPerAlert + 200 {
		burst = append(burst, match(c.ID, "scan", uint64(1000+i), []string{"low", "medium"}[i%2], t0.Add(time.Duration(i)*time.Second)))
	}
	if err := s.RecordMatches(ctx, burst); err != nil {
		t.Fatal(err)
	}
	cs, err := s.ListAlerts(ctx, AlertFilter{Tenants: []uint32{c.ID}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("charlie alerts %+v, %v", cs, err)
	}
	if cs[0].EventCount != int64(len(burst)) || cs[0].Severity != "medium" || !cs[0].LastSeen.Equal(burst[len(burst)-1].Time) {
		t.Errorf("burst alert %+v", cs[0])
	}
	if refs, err := s.AlertEvents(ctx, []uint32{c.ID}, cs[0].ID); err != nil || len(refs) != refsPerAlert {
		t.Errorf("burst keeps %d references (%v), want %d", len(refs), err, refsPerAlert)
	}

}

func testAlertWorkflow(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	scope := []uint32{a.ID}
	if err := s.RecordMatches(ctx, []Match{match(a.ID, "k", 1, "high", clk.Now())}); err != nil {
		t.Fatal(err)
	}
	list, _ := s.ListAlerts(ctx, AlertFilter{Tenants: scope})
	id := list[0].ID
	clk.Advance(time.Minute)
	al, err := s.SetAlertStatus(ctx, scope, id, AlertAcknowledged, "", "analyst1")
	if err != nil || al.Status != AlertAcknowledged || al.StatusBy != "analyst1" {
		t.Fatalf("acknowledge: %+v %v", al, err)
	}
	_, err = s.SetAlertStatus(ctx, scope, id, AlertClosed, " ", "analyst1")
	wantField(t, err, "reason")
	if _, err := s.SetAlertStatus(ctx, scope, id, AlertClosed, "false positive: scanner of the customer", "analyst2"); err != nil {
		t.Fatal(err)
	}
	// A new match with the same key opens a new alert; the closed one stays.
	if err := s.RecordMatches(ctx, []Match{match(a.ID, "k", 2, "high", clk.Now())}); err != nil {
		t.Fatal(err)
	}
	list, _ = s.ListAlerts(ctx, AlertFilter{Tenants: scope})
	if len(list) != 2 || list[0].Status != AlertNew || list[1].Status != AlertClosed {
		t.Fatalf("after close + new match: %+v", list)
	}
	// Re-opening the closed one would make two open alerts with one key.
	_, err = s.SetAlertStatus(ctx, scope, id, AlertNew, "", "analyst1")
	wantField(t, err, "status")
	h, err := s.AlertHistory(ctx, scope, id)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, c := range h {
		steps = append(steps, fmt.Sprintf("%s:%s->%s", c.Actor, c.From, c.To))
	}
	if d := cmp.Diff([]string{"analyst1:new->acknowledged", "analyst2:acknowledged->closed"}, steps); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
}

// BenchmarkRecordMatches records batches of 100 native-alert matches of
// distinct alerts (the ingest pipeline's usual batch) in SQLite; one op is
// one match.
func BenchmarkRecordMatches(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tn, err := s.CreateTenant(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]Match, 0, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		batch = append(batch, match(tn.ID, fmt.Sprintf("k%d", i%3000), uint64(i+1), "medium", t0.Add(time.Duration(i)*time.Millisecond)))
		if len(batch) == cap(batch) || i == b.N-1 {
			if err := s.RecordMatches(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
