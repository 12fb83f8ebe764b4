package logstore

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

// handed is what the grouper gave the engine in one call.
type handed struct {
	streams  map[uint64]bool // the engine's stream hashes
	days     map[int64]bool  // the rows' days (the engine's partitions)
	seqs     []string
	bytes    int // EstimatedJSONRowLen summed
	lastRow  int // EstimatedJSONRowLen of the last row
	whenDone time.Time
}

func recordPuts() (func(lr *logstorage.LogRows), func() []handed) {
	var mu sync.Mutex
	var got []handed
	put := func(lr *logstorage.LogRows) {
		h := handed{streams: map[uint64]bool{}, days: map[int64]bool{}, whenDone: time.Now()}
		lr.ForEachRow(func(stream uint64, r *logstorage.InsertRow) {
			h.streams[stream] = true
			h.days[r.Timestamp/int64(24*time.Hour)] = true
			n := logstorage.EstimatedJSONRowLen(r.Fields)
			h.bytes += n
			h.lastRow = n
			for _, f := range r.Fields {
				if f.Name == "seq" {
					h.seqs = append(h.seqs, strings.Clone(f.Value)) // the rows go back to a pool
				}
			}
		})
		mu.Lock()
		got = append(got, h)
		mu.Unlock()
	}
	return put, func() []handed {
		mu.Lock()
		defer mu.Unlock()
		return append([]handed(nil), got...)
	}
}

func groupRow(kind string, seq int) []logstorage.Field {
	return []logstorage.Field{
		{Name: FieldDevice, Value: "fw1"}, {Name: FieldSource}, {Name: FieldStreamKind, Value: kind},
		{Name: FieldStreamShard}, {Name: FieldStreamPart},
		{Name: "_msg", Value: kind + " " + strings.Repeat("x", 900)},
		{Name: "seq", Value: strconv.Itoa(seq)},
	}
}

// TestGrouperBlocks: a busy stream's rows reach the engine one full block
// at a time (at least blockBytes, and less without the last row, so the
// engine cuts no remainder off), a quiet stream's rows wait, and flushing
// hands over the rest; every row exactly once.
func TestGrouperBlocks(t *testing.T) {
	put, got := recordPuts()
	g := newGrouperNoTimer(put)
	t0 := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	const busy, quiet = 6000, 40
	for i := range busy {
		kind := "traffic"
		seq := i
		if i%(busy/quiet) == 0 {
			kind, seq = "event", busy+i
		}
		f := groupRow(kind, seq)
		addRow(g, t0.UnixNano()+int64(i), f, t0)
	}
	full := got()
	if len(full) < 2 {
		t.Fatalf("%d batches handed over for ~%d MB of one stream, want at least 2", len(full), busy/1000)
	}
	for i, h := range full {
		if len(h.streams) != 1 {
			t.Errorf("batch %d holds %d streams, want 1", i, len(h.streams))
		}
		if h.bytes < blockBytes || h.bytes-h.lastRow >= blockBytes {
			t.Errorf("batch %d: %d bytes (last row %d): not exactly one full block of %d", i, h.bytes, h.lastRow, blockBytes)
		}
	}
	g.flush(t0) // nothing came before t0
	if n := len(got()); n != len(full) {
		t.Errorf("flush before the oldest row handed over %d batches", n-len(full))
	}
	g.flush(t0.Add(time.Nanosecond))
	seen := map[string]int{}
	for _, h := range got() {
		for _, s := range h.seqs {
			seen[s]++
		}
	}
	if len(seen) != busy {
		t.Errorf("%d distinct rows handed over, want %d", len(seen), busy)
	}
	for s, n := range seen {
		if n != 1 {
			t.Errorf("row %s handed over %d times", s, n)
		}
	}
	if n := g.pending(); n != 0 {
		t.Errorf("%d streams still pending after a flush", n)
	}
}

// TestGrouperHold: without more rows and without Flush, a row reaches the
// engine after about holdFor; close hands over what is left.
func TestGrouperHold(t *testing.T) {
	put, got := recordPuts()
	g := newGrouper(put)
	start := time.Now()
	f := groupRow("event", 1)
	addRow(g, start.UnixNano(), f, start)
	for len(got()) == 0 && time.Since(start) < 5*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	h := got()
	if len(h) != 1 {
		t.Fatalf("%d batches after %v, want 1", len(h), time.Since(start))
	}
	// The timer looks every holdFor/4; the rest is slack for a busy machine.
	if d := h[0].whenDone.Sub(start); d < holdFor || d > 2*holdFor {
		t.Errorf("handed over after %v, want %v to %v", d, holdFor, 2*holdFor)
	}
	f = groupRow("event", 2)
	addRow(g, start.UnixNano(), f, time.Now())
	g.close()
	if h := got(); len(h) != 2 || h[1].seqs[0] != "2" {
		t.Errorf("close did not hand over the pending row: %d batches", len(h))
	}
}

// TestGrouperHoldBusy: while more than busyRows rows a second come, a
// quiet stream's row waits holdBusy for its block instead of holdFor.
func TestGrouperHoldBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		put, got := recordPuts()
		g := newGrouper(put)
		defer g.close()
		start := time.Now()
		q := groupRow("event", 0)
		addRow(g, start.UnixNano(), q, start)
		// A busy stream: 12,000 rows a second, past the quiet row's wait.
		for seq := 1; time.Since(start) < holdBusy+500*time.Millisecond; {
			for range 300 {
				f := groupRow("traffic", seq)
				seq++
				now := time.Now()
				addRow(g, now.UnixNano(), f, now)
			}
			time.Sleep(25 * time.Millisecond)
		}
		for _, h := range got() {
			if len(h.seqs) == 1 && h.seqs[0] == "0" {
				// The timer looks every 250 ms.
				if d := h.whenDone.Sub(start); d < holdBusy || d > holdBusy+250*time.Millisecond {
					t.Fatalf("the quiet stream's row was handed over after %v while busy, want %v to %v", d, holdBusy, holdBusy+250*time.Millisecond)
				}
				return
			}
		}
		t.Fatal("the quiet stream's row was not handed over")
	})
}

// TestGrouperDays: a stream's rows from both sides of midnight (UTC, the
// engine's partitions) are never handed over together, so the new day's
// first block fills like any other.
func TestGrouperDays(t *testing.T) {
	put, got := recordPuts()
	g := newGrouperNoTimer(put)
	midnight := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	const rows = 6000
	for i := range rows {
		ts := midnight.Add(time.Duration(i%2*2-1) * time.Duration(rows-i) * time.Millisecond) // alternately before and after
		f := groupRow("traffic", i)
		addRow(g, ts.UnixNano(), f, midnight)
	}
	full := len(got())
	g.flush(time.Time{})
	h := got()
	if full < 2 {
		t.Fatalf("%d full blocks handed over for ~%d MB on each side of midnight, want at least 2", full, rows/2000)
	}
	for i, b := range h {
		if len(b.days) != 1 {
			t.Errorf("batch %d holds rows of %d days, want 1", i, len(b.days))
		}
	}
}

// pending counts the streams with rows not handed over.
func (g *grouper) pending() int {
	n := 0
	g.eachShard(func(sh *groupShard) { n += len(sh.streams) })
	return n
}

// TestGrouperConcurrent: workers adding rows of many streams at once, with
// the timer flushing meanwhile, hand every row over exactly once, each
// batch a single stream's (run with -race).
func TestGrouperConcurrent(t *testing.T) {
	put, got := recordPuts()
	g := newGrouper(put)
	t0 := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	const workers, rows, kinds = 4, 3000, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rows {
				seq := w*rows + i
				f := groupRow("kind"+strconv.Itoa(seq%kinds), seq)
				ts := t0.UnixNano() + int64(seq)
				addRow(g, ts, f, time.Now())
			}
		})
	}
	wg.Wait()
	g.close()
	seen := map[string]int{}
	for i, h := range got() {
		if len(h.streams) != 1 {
			t.Errorf("batch %d holds %d streams, want 1", i, len(h.streams))
		}
		for _, s := range h.seqs {
			seen[s]++
		}
	}
	if len(seen) != workers*rows {
		t.Errorf("%d distinct rows handed over, want %d", len(seen), workers*rows)
	}
	for s, n := range seen {
		if n != 1 {
			t.Errorf("row %s handed over %d times", s, n)
		}
	}
	if n := g.pending(); n != 0 {
		t.Errorf("%d streams pending after close", n)
	}
}

// addRow adds a row of tenant 1 whose fields begin with its stream fields,
// keyed and tagged as Embedded.Add does.
func addRow(g *grouper, ts int64, f []logstorage.Field, now time.Time) {
	g.add(streamHash(1, ts, f[:streamFields]), &logstorage.InsertRow{
		TenantID: logstorage.TenantID{AccountID: 1}, StreamTagsCanonical: string(streamTags(nil, f[:streamFields])), Timestamp: ts, Fields: f,
	}, now)
}
