package seal

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/state"
)

func TestSealAndVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "state.db")
	st, err := state.Open(ctx, "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logs, err := logstore.OpenEmbedded(filepath.Join(dir, "logs"), logstore.EmbeddedOptions{Retention: 3650 * 24 * time.Hour, MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	a, _ := st.CreateTenant(ctx, "alpha")
	b, _ := st.CreateTenant(ctx, "bravo")
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, Zone)
	// Day 1 holds seqs 1-10, day 2 holds 11-20, day 3 (today) from 21.
	for day, seq := range map[string]uint64{"2026-11-01": 1, "2026-11-02": 11, "2026-11-03": 21} {
		if err := st.MarkLogDay(ctx, day, seq); err != nil {
			t.Fatal(err)
		}
	}
	var evs []*event.Event
	for seq := uint64(1); seq <= 25; seq++ {
		tn := a.ID
		if seq%3 == 0 {
			tn = b.ID
		}
		evs = append(evs, &event.Event{Time: now.Add(-time.Duration(30-seq) * time.Hour), TenantID: tn, Device: "fw", Raw: fmt.Sprintf("line %d 管理者", seq), Seq: seq})
	}
	if err := logs.Add(evs); err != nil {
		t.Fatal(err)
	}
	logs.Flush()
	committed := uint64(15)
	s := &Sealer{State: st, Logs: logs, Committed: func() uint64 { return committed }, Now: func() time.Time { return now }}
	n, err := s.SealDue(ctx)
	if err != nil || n != 2 {
		t.Fatalf("sealed %d (err %v); want day 1 for both tenants only (day 2 not fully committed)", n, err)
	}
	committed = 25
	if n, err := s.SealDue(ctx); err != nil || n != 2 {
		t.Fatalf("second pass sealed %d (err %v), want day 2 for both", n, err)
	}
	if n, _ := s.SealDue(ctx); n != 0 {
		t.Fatalf("sealing is once per day; sealed %d again", n)
	}
	for _, tn := range []state.Tenant{a, b} {
		for _, day := range []string{"2026-11-01", "2026-11-02"} {
			r, err := Verify(ctx, st, logs, tn, day, now)
			if err != nil || !r.Intact {
				t.Fatalf("%s %s: %+v %v", tn.Name, day, r, err)
			}
		}
	}
	if r, _ := Verify(ctx, st, logs, a, "2026-11-03", now); r.Intact || !strings.Contains(r.Reason, "not sealed") {
		t.Errorf("today: %+v", r)
	}
	d2a, _ := st.LogDigest(ctx, a.ID, "2026-11-02")
	d1a, _ := st.LogDigest(ctx, a.ID, "2026-11-01")
	if d2a.Prev != d1a.Digest || d1a.Prev != "" {
		t.Errorf("days not chained: %+v %+v", d1a, d2a)
	}

	// Remove one of alpha's day-1 lines from the store.
	if err := logs.Delete(ctx, []uint32{a.ID}, `"ingest.seq":=5`, time.Time{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		r, _ := Verify(ctx, st, logs, a, "2026-11-01", now)
		return !r.Intact && strings.Contains(r.Reason, "lines changed")
	})
	// Slip a forged line into bravo's day 2 (a new line with a seq in range).
	logs.Add([]*event.Event{{Time: now, TenantID: b.ID, Device: "fw", Raw: "forged", Seq: 12}})
	logs.Flush()
	if r, _ := Verify(ctx, st, logs, b, "2026-11-02", now); r.Intact {
		t.Errorf("forged line not detected: %+v", r)
	}
	// Edit the sealed record itself.
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE log_digests SET lines = lines + 1 WHERE tenant_id = ? AND day = '2026-11-01'`, b.ID); err != nil {
		t.Fatal(err)
	}
	if r, _ := Verify(ctx, st, logs, b, "2026-11-01", now); r.Intact || !strings.Contains(r.Reason, "sealed record altered") {
		t.Errorf("altered seal: %+v", r)
	}
	// Replace day 1's digest wholesale: day 2's link breaks.
	if _, err := db.Exec(`UPDATE log_digests SET digest = 'x' WHERE tenant_id = ? AND day = '2026-11-01'`, a.ID); err != nil {
		t.Fatal(err)
	}
	if r, _ := Verify(ctx, st, logs, a, "2026-11-02", now); r.Intact || !strings.Contains(r.Reason, "chain broken") {
		t.Errorf("broken chain: %+v", r)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
