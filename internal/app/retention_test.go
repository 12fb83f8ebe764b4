package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/state"
)

func TestRetentionPerTenant(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := state.Open(ctx, "sqlite:"+filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	store, err := logstore.OpenEmbedded(filepath.Join(dir, "logs"), logstore.EmbeddedOptions{Retention: 3650 * 24 * time.Hour, MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	short, _ := st.CreateTenant(ctx, "short")
	long, _ := st.CreateTenant(ctx, "long")
	if err := st.SetRetention(ctx, short.ID, 7); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var evs []*event.Event
	for i, age := range []int{1, 10, 100} { // days
		for _, tn := range []uint32{short.ID, long.ID, 0} {
			evs = append(evs, &event.Event{Time: now.Add(-time.Duration(age) * 24 * time.Hour), TenantID: tn, Device: "d", Raw: "x", Seq: uint64(i*10 + int(tn) + 1)})
		}
	}
	if err := store.Add(evs); err != nil {
		t.Fatal(err)
	}
	store.Flush()
	if err := applyRetention(ctx, st, store, now); err != nil {
		t.Fatal(err)
	}
	count := func(tn uint32) int {
		n := 0
		store.Search(ctx, logstore.Request{Tenants: []uint32{tn}}, func([]event.Field) error { n++; return nil })
		return n
	}
	want := map[uint32]int{short.ID: 1, long.ID: 2, 0: 2} // 7 days; 90 days; the longest (90)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok := true
		for tn, w := range want {
			if count(tn) != w {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after retention: short %d (want 1), long %d (want 2), unassigned %d (want 2)", count(short.ID), count(long.ID), count(0))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
