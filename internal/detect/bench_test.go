package detect

import (
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/loadgen"
	"github.com/sekimori/sekimori/internal/parse"
)

// BenchmarkNative measures native-alert extraction over realistic
// FortiGate traffic (80% traffic, 10% UTM, 10% event logs).
func BenchmarkNative(b *testing.B) {
	gen := loadgen.New(loadgen.Options{Seed: 1, Total: 1000})
	p, _ := parse.Lookup("fortigate")
	evs := make([]*event.Event, 1000)
	for i := range evs {
		line := string(gen.Next(nil))
		ev := &event.Event{Raw: line, TenantID: 1, Format: "fortigate"}
		p.Parse([]byte(line), time.UTC, ev)
		evs[i] = ev
	}
	b.ReportAllocs()
	var dst = Native(evs[0], nil)
	for i := 0; b.Loop(); i++ {
		dst = Native(evs[i%len(evs)], dst[:0])
	}
}
