package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/loadgen"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/syslog"
)

// BenchmarkStoreColumns shows what the columns of a FortiGate event cost
// the embedded log store: CPU per line (this process's user+system time,
// the store's background merges included, up to its close) and bytes per
// line on disk, for the event as the pipeline builds it (stored lean),
// with every field a column (all-columns), and for variants that store
// only some of its fields (as columns, with AllColumns). One
// op is one line; run with a fixed count, e.g.
//
//	go test ./internal/bench -run '^$' -bench StoreColumns -benchtime 300000x
func BenchmarkStoreColumns(b *testing.B) {
	all := func(event.Field) bool { return true }
	variants := []struct {
		name string
		keep func(f event.Field) bool // nil: no store, parse only
		raw  bool
		cols bool // EmbeddedOptions.AllColumns
	}{
		{"parse-only", nil, true, false},
		{"as-stored", all, true, false}, // lean rows
		{"all-columns", all, true, true},
		{"no-msg", all, false, true},
		{"no-redundant", func(f event.Field) bool { return !redundant[f.Name] }, true, true},
		{"msg+vendor", func(f event.Field) bool { return !strings.Contains(f.Name, ".") }, true, true},
		// What a row rebuilt from its fields (no _msg) would cost.
		{"vendor-only", func(f event.Field) bool { return !strings.Contains(f.Name, ".") }, false, true},
		{"msg+ecs+header", func(f event.Field) bool { return strings.Contains(f.Name, ".") }, true, true},
		{"msg-only", func(event.Field) bool { return false }, true, true},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			g := loadgen.New(loadgen.Options{Seed: 1, Total: b.N, Start: time.Now().Add(-8 * 24 * time.Hour)})
			lines := make([][]byte, b.N)
			var size int64
			for i := range lines {
				lines[i] = g.Next(nil)
				size += int64(len(lines[i]))
			}
			dir := b.TempDir()
			var st *logstore.Embedded
			if v.keep != nil {
				var err error
				if st, err = logstore.OpenEmbedded(dir, logstore.EmbeddedOptions{Retention: 3650 * 24 * time.Hour, AllColumns: v.cols}); err != nil {
					b.Fatal(err)
				}
			}
			const batch = 4096
			evs := make([]event.Event, batch)
			ptrs := make([]*event.Event, batch)
			fields := 0
			b.SetBytes(size / int64(b.N))
			b.ResetTimer()
			cpu0 := selfCPUSeconds()
			for lo := 0; lo < b.N; lo += batch {
				hi := min(lo+batch, b.N)
				for i := lo; i < hi; i++ {
					ev := &evs[i-lo]
					ev.Reset()
					buildEvent(ev, lines[i], uint64(i+1))
					if v.keep != nil {
						kept := ev.Fields[:0]
						for _, f := range ev.Fields {
							if v.keep(f) {
								kept = append(kept, f)
							}
						}
						ev.Fields = kept
					}
					if !v.raw {
						ev.Raw = ""
					}
					ptrs[i-lo] = ev
					fields += len(ev.Fields)
				}
				if st != nil {
					if err := st.Add(ptrs[:hi-lo]); err != nil {
						b.Fatal(err)
					}
				}
			}
			if st != nil {
				st.Close()
			}
			cpu := selfCPUSeconds() - cpu0
			b.StopTimer()
			b.ReportMetric(cpu*1e9/float64(b.N), "cpu-ns/line")
			b.ReportMetric(float64(b.N)/cpu, "lines/cpu-s")
			b.ReportMetric(float64(dirSize(dir))/float64(b.N), "disk-B/line")
			b.ReportMetric(float64(fields)/float64(b.N), "fields/line")
		})
	}
}

// buildEvent does what the ingest pipeline does for a FortiGate line from
// a registered device: syslog header, then the FortiGate payload.
func buildEvent(ev *event.Event, line []byte, seq uint64) {
	now := time.Now()
	ev.Seq, ev.Received, ev.Source = seq, now, "127.0.0.1"
	ev.TenantID, ev.Device, ev.Format = 1, "fg1", "fortigate"
	msg := syslog.Parse(line, syslog.ParseOptions{Location: jst, Now: now})
	ev.Raw = string(line)
	ev.Fields = msg.HeaderFields(ev.Fields)
	if !msg.Timestamp.IsZero() {
		ev.Time = msg.Timestamp
	}
	if err := fortigate.Parse(msg.Msg, jst, ev); err != nil {
		ev.ParseError = err.Error()
	}
}

// redundant names fields whose content is elsewhere in the event: the
// time (in _time), the device name (in observer.name), and ECS copies of a
// vendor field with the same value.
var redundant = map[string]bool{
	"date": true, "time": true, "eventtime": true, "tz": true, "devname": true, "devid": true,
	"source.ip": true, "source.port": true, "destination.ip": true, "destination.port": true,
	"source.bytes": true, "destination.bytes": true, "event.code": true, "log.level": true,
	"rule.id": true, "rule.name": true, "rule.uuid": true, "user.name": true, "event.action": true,
	"observer.ingress.interface.name": true, "observer.egress.interface.name": true,
	"network.iana_number": true, "source.mac": true, "source.nat.ip": true, "source.nat.port": true,
	"url.original": true, "url.domain": true, "observer.version": true,
}
