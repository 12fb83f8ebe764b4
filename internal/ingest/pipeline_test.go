package ingest

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/spool"
)

// TestPipelineHooks: OnParsed sees every event once, in runs of at most
// parsedRun, before OnStored sees it stored.
func TestPipelineHooks(t *testing.T) {
	sp, store, _ := openSpoolAndStore(t)
	defer store.Close()
	reg := NewRegistry()
	if err := reg.Set([]Device{{ID: 1, TenantID: 1, Name: "fw", Sources: []string{"192.0.2.1"}, Format: "kv"}}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	parsed, stored := map[string]int{}, map[string]int{}
	var longest int
	m := NewMetrics(metrics.NewSet())
	p := NewPipeline(sp, store, reg, m, PipelineOptions{
		BatchSize: 300, // several batches, chunks and runs
		OnParsed: func(_ context.Context, evs []*event.Event) {
			mu.Lock()
			defer mu.Unlock()
			longest = max(longest, len(evs))
			for _, ev := range evs {
				n, _ := ev.Get("n")
				parsed[n]++
			}
		},
		OnStored: func(_ context.Context, evs []*event.Event) error {
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range evs {
				n, _ := ev.Get("n")
				if parsed[n] != 1 {
					t.Errorf("line %s stored after %d OnParsed calls, want 1", n, parsed[n])
				}
				stored[n]++
			}
			return nil
		},
	})
	const lines = 1000
	recs := make([]spool.Record, lines)
	for i := range recs {
		recs[i] = spool.Record{Received: time.Now(), Source: "192.0.2.1", Hint: "listener:tcp", Line: []byte("n=" + strconv.Itoa(i) + " action=allow")}
	}
	if err := sp.AppendAsync(recs); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	for deadline := time.Now().Add(30 * time.Second); m.Stored.Get() < lines; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines stored", m.Stored.Get(), lines)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	sp.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(parsed) != lines || len(stored) != lines {
		t.Fatalf("%d lines parsed, %d stored, want %d each", len(parsed), len(stored), lines)
	}
	for n, c := range parsed {
		if c != 1 || stored[n] != 1 {
			t.Errorf("line %s: %d OnParsed, %d OnStored, want 1 each", n, c, stored[n])
		}
	}
	if longest > parsedRun {
		t.Errorf("OnParsed got %d events at once, want at most %d", longest, parsedRun)
	}
}
