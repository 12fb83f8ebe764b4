package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/sekimori/sekimori/internal/loadgen"
	"github.com/sekimori/sekimori/internal/spool"
)

// BenchmarkPipeline measures spool → parse → store for realistic FortiGate
// lines (the network side is measured by `sekimori bench ingest`).
func BenchmarkPipeline(b *testing.B) {
	sp, store, _ := openSpoolAndStore(b)
	defer store.Close()
	reg := NewRegistry()
	if err := reg.Set([]Device{{ID: 1, TenantID: 1, Name: "fg1", Sources: []string{"192.0.2.1"}, Format: "fortigate"}}); err != nil {
		b.Fatal(err)
	}
	m := NewMetrics(metrics.NewSet())
	p := NewPipeline(sp, store, reg, m, PipelineOptions{})
	gen := loadgen.New(loadgen.Options{Seed: 1, Total: b.N, Start: time.Now().Add(-8 * 24 * time.Hour)})
	recs := make([]spool.Record, 0, 1024)
	var bytes int64
	now := time.Now()
	for i := 0; i < b.N; i++ {
		line := gen.Next(nil)
		bytes += int64(len(line))
		recs = append(recs, spool.Record{Received: now, Source: "192.0.2.1", Hint: "listener:tcp", Line: line})
		if len(recs) == cap(recs) || i == b.N-1 {
			if err := sp.AppendAsync(recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	b.SetBytes(bytes / int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	for m.Stored.Get() < uint64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
	sp.Close()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
