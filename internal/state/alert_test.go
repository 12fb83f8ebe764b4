package state

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

// tenantAlerts returns a tenant's alerts, newest first, and the event
// references of each.
func tenantAlerts(t *testing.T, s *Store, tenant uint32) ([]Alert, [][]EventRef) {
	t.Helper()
	ctx := context.Background()
	as, err := s.ListAlerts(ctx, AlertFilter{Tenants: []uint32{tenant}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	refs := make([][]EventRef, len(as))
	for i, a := range as {
		if refs[i], err = s.AlertEvents(ctx, []uint32{tenant}, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	return as, refs
}

// testAlertBatch records one batch touching hundreds of alerts (open ones,
// closed ones whose key opens a new alert, new ones; replays of recorded
// events; an event twice) and the same matches one at a time, for two
// tenants: both must end with the same alerts, counts, times, severities
// and references. Replaying the batch then changes nothing, even with other
// times and severities.
func testAlertBatch(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	batched := mustTenant(t, s, "batched")
	single := mustTenant(t, s, "single")
	t0 := clk.Now()
	r := rand.New(rand.NewPCG(1, 2))
	var seq uint64
	next := func(key string) Match {
		seq++
		m := match(0, key, seq, Severities[r.IntN(len(Severities))], t0.Add(time.Duration(r.IntN(7200)-3600)*time.Second))
		m.Device = fmt.Sprintf("fw%d", seq) // a new alert takes its group's first match's
		return m
	}
	var earlier, batch []Match
	for i := range 60 {
		for range 1 + r.IntN(3) {
			earlier = append(earlier, next(fmt.Sprintf("old%d", i)))
		}
	}
	for range 100 {
		batch = append(batch, earlier[r.IntN(len(earlier))]) // replays
	}
	for range 800 {
		key := fmt.Sprintf("old%d", r.IntN(60))
		if r.IntN(3) > 0 {
			key = fmt.Sprintf("new%d", r.IntN(500))
		}
		batch = append(batch, next(key))
	}
	batch = append(batch, batch[150], batch[420]) // recorded twice in the batch
	r.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })

	of := func(tenant uint32, ms []Match) []Match {
		out := slices.Clone(ms)
		for i := range out {
			out[i].TenantID = tenant
		}
		return out
	}
	for _, tn := range []uint32{batched.ID, single.ID} {
		if err := s.RecordMatches(ctx, of(tn, earlier)); err != nil {
			t.Fatal(err)
		}
		as, _ := tenantAlerts(t, s, tn)
		for _, a := range as {
			if n, _ := strconv.Atoi(strings.TrimPrefix(a.GroupKey, "old")); n < 20 {
				if _, err := s.SetAlertStatus(ctx, []uint32{tn}, a.ID, AlertClosed, "done", "analyst"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := s.RecordMatches(ctx, of(batched.ID, batch)); err != nil {
		t.Fatal(err)
	}
	for _, m := range of(single.ID, batch) {
		if err := s.RecordMatches(ctx, []Match{m}); err != nil {
			t.Fatal(err)
		}
	}
	want, wantRefs := tenantAlerts(t, s, single.ID)
	got, gotRefs := tenantAlerts(t, s, batched.ID)
	ignoreIDs := cmpopts.IgnoreFields(Alert{}, "ID", "TenantID")
	if d := cmp.Diff(want, got, ignoreIDs); d != "" {
		t.Fatalf("batch recorded other alerts than one match at a time (-one at a time +batch):\n%s", d)
	}
	if d := cmp.Diff(wantRefs, gotRefs); d != "" {
		t.Errorf("batch recorded other event references than one match at a time (-one at a time +batch):\n%s", d)
	}
	keys := map[string]bool{}
	for _, m := range batch {
		keys[m.GroupKey] = true
	}
	if len(keys) <= batchRows {
		t.Errorf("the batch has %d group keys, want more than a statement's rows (%d)", len(keys), batchRows)
	}

	// A replay adds nothing, whatever its times and severities.
	replay := of(batched.ID, batch)
	for i := range replay {
		replay[i].Severity = "critical"
		replay[i].Time = replay[i].Time.Add(24 * time.Hour)
	}
	for _, ms := range [][]Match{of(batched.ID, batch), replay} {
		if err := s.RecordMatches(ctx, ms); err != nil {
			t.Fatal(err)
		}
		again, againRefs := tenantAlerts(t, s, batched.ID)
		if d := cmp.Diff(got, again); d != "" {
			t.Errorf("a replay changed alerts (-before +after):\n%s", d)
		}
		if d := cmp.Diff(gotRefs, againRefs); d != "" {
			t.Errorf("a replay changed event references (-before +after):\n%s", d)
		}
	}
}

// testAlertBatchCap: in one batch, an alert close to refsPerAlert keeps
// references up to it by its count before the batch (replays included),
// a new alert keeps the batch's first refsPerAlert, and every match past
// the cap counts.
func testAlertBatchCap(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	tn := mustTenant(t, s, "alpha")
	t0 := clk.Now()
	at := func(seq uint64) time.Time { return t0.Add(time.Duration(seq) * time.Second) }
	var prior []Match
	for seq := uint64(1); seq <= 990; seq++ {
		prior = append(prior, match(tn.ID, "near", seq, "low", at(seq)))
	}
	if err := s.RecordMatches(ctx, prior); err != nil {
		t.Fatal(err)
	}
	var batch []Match
	for i := range 1100 {
		if i < 20 {
			batch = append(batch, match(tn.ID, "near", uint64(985+i), "low", at(uint64(985+i)))) // 985-990 are replays
		}
		if i < 3 {
			batch = append(batch, match(tn.ID, "small", uint64(9000+i), "low", at(uint64(9000+i))))
		}
		batch = append(batch, match(tn.ID, "flood", uint64(5000+i), "low", at(uint64(5000+i))))
	}
	if err := s.RecordMatches(ctx, batch); err != nil {
		t.Fatal(err)
	}
	as, refs := tenantAlerts(t, s, tn.ID)
	type summary struct {
		Key            string
		Count          int64
		Refs           int
		FirstRef, Last uint64
	}
	var got []summary
	for i, a := range as {
		got = append(got, summary{a.GroupKey, a.EventCount, len(refs[i]), refs[i][0].Seq, refs[i][len(refs[i])-1].Seq})
	}
	want := []summary{ // newest first
		{"flood", 1100, refsPerAlert, 5000, 5999},
		{"small", 3, 3, 9000, 9002},
		// 990 before: references for 10 more (985-994, 4 of them new),
		// 10 counted without.
		{"near", 1004, 994, 1, 994},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("alerts (-want +got):\n%s", d)
	}
}

// testAlertBatchTenants: two tenants' matches with the same group keys and
// sequence numbers, interleaved in one batch, join each tenant's own alerts.
func testAlertBatchTenants(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "bravo")
	t0 := clk.Now()
	if err := s.RecordMatches(ctx, []Match{match(a.ID, "k", 1, "low", t0)}); err != nil {
		t.Fatal(err)
	}
	batch := []Match{
		match(b.ID, "k", 1, "medium", t0.Add(-time.Minute)),
		match(a.ID, "k", 2, "high", t0.Add(time.Minute)),
		match(b.ID, "j", 3, "low", t0),
		match(a.ID, "j", 3, "critical", t0),
		match(b.ID, "k", 2, "low", t0),
	}
	if err := s.RecordMatches(ctx, batch); err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Key         string
		Count       int64
		Severity    string
		First, Last time.Time
		Seqs        []uint64
	}
	summarize := func(tenant uint32) []summary {
		as, refs := tenantAlerts(t, s, tenant)
		var out []summary
		for i, al := range as {
			sm := summary{al.GroupKey, al.EventCount, al.Severity, al.FirstSeen, al.LastSeen, nil}
			for _, r := range refs[i] {
				sm.Seqs = append(sm.Seqs, r.Seq)
			}
			out = append(out, sm)
		}
		return out
	}
	for _, tc := range []struct {
		tenant uint32
		want   []summary
	}{
		{a.ID, []summary{
			{"j", 1, "critical", t0, t0, []uint64{3}},
			{"k", 2, "high", t0, t0.Add(time.Minute), []uint64{1, 2}},
		}},
		{b.ID, []summary{
			{"j", 1, "low", t0, t0, []uint64{3}},
			{"k", 2, "medium", t0.Add(-time.Minute), t0, []uint64{1, 2}},
		}},
	} {
		if d := cmp.Diff(tc.want, summarize(tc.tenant)); d != "" {
			t.Errorf("tenant %d alerts (-want +got):\n%s", tc.tenant, d)
		}
	}
}

// BenchmarkRecordMatches records batches of matches in SQLite; one op is
// one match. distinct: batches of 100 matches of 100 distinct alerts, keys
// taken in turn from 3,000. ingest: the pattern of the server's ingest
// benchmark, batches of 94 matches with keys drawn at random from 2,700
// (about 92 alerts a batch; after the first 6,000 matches, nine in ten of
// them are open already).
func BenchmarkRecordMatches(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch int
		key   func(i int, r *rand.Rand) string
	}{
		{"distinct", 100, func(i int, _ *rand.Rand) string { return fmt.Sprintf("k%d", i%3000) }},
		{"ingest", 94, func(_ int, r *rand.Rand) string { return fmt.Sprintf("k%d", r.IntN(2700)) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
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
			r := rand.New(rand.NewPCG(1, 2))
			t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			batch := make([]Match, 0, bc.batch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				batch = append(batch, match(tn.ID, bc.key(i, r), uint64(i+1), "medium", t0.Add(time.Duration(i)*time.Millisecond)))
				if len(batch) == cap(batch) || i == b.N-1 {
					if err := s.RecordMatches(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
		})
	}
}
