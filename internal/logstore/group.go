package logstore

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

// Rows are handed to the engine a stream's block at a time.
//
// The engine writes rows to an in-memory part when about 1.75 MB of them
// (any streams) have come, and cuts each stream's rows there into blocks
// of up to blockBytes. Merging parts later copies a full block as it is,
// but decodes, merges and encodes again a smaller one with its
// neighbours. Handed over as they arrive, a busy stream's rows made only
// smaller blocks, and every row was encoded at least twice. The grouper
// keeps each stream's rows until they fill exactly one block (the engine
// closes a block at the first row that takes it to blockBytes, so such a
// batch is one full block and no remainder), or until the oldest has
// waited holdFor (holdBusy under load). In BenchmarkStoreColumns/as-stored
// (600,000 lines) the engine's merges fell from 13.9% to 8.5% of CPU
// (perf). What waits is at most a block per busy stream and the quiet
// streams' last holdBusy of ingest, however many streams there are.

// blockBytes is the engine's block size (maxUncompressedBlockSize in
// lib/logstorage), in its measure: logstorage.EstimatedJSONRowLen.
const blockBytes = 2 << 20

// holdFor bounds how long a row waits for its stream's block to fill
// while ingest is quiet, holdBusy while it is busy (busyRows rows or more
// in the last second). Rows become searchable when the engine has them,
// so this adds to the time before a line is found (the engine itself
// buffers up to 1s more), and to the time before it is on disk, which
// the spool's commit lag covers (ingest.PipelineOptions.CommitLag).
//
// Under load, the streams that do not fill a block in a second are the
// quiet ones, and each of their part-blocks is merged again and again;
// holding them 3 s instead of 1 s took the engine's merges from 13.0% to
// 8.5% of the server's CPU (perf of `sekimori bench ingest --lines
// 2000000`), and from 3.9% to 1.5% once blocks were kept apart by day
// (streamHash). A quiet site keeps the shorter wait: its merges cost
// little.
const (
	holdFor  = time.Second
	holdBusy = 3 * time.Second
	busyRows = 10_000
)

// grouper collects rows per stream; put hands a batch to the engine.
//
// Its streams are spread over shards, each with its own lock: adding a
// row copies it into the engine's rows (a tenth of the server's CPU), and
// under one lock the pipeline's workers queued for it (the mutex profile
// of a 2M-line `sekimori bench ingest`: 10 s of waiting per 15 s) while
// the machine's CPUs idled.
type grouper struct {
	put func(lr *logstorage.LogRows)

	shards [groupShards]groupShard

	// free are handed-over rows kept for new streams: their buffers stay
	// allocated and their pages in memory. Fresh ones (the engine's pool
	// is emptied at each garbage collection) grew their buffers by
	// doubling into new pages; keeping 8 took page faults from 5.3% to
	// 4.5% of the server's CPU. A shard's lock may be held when taking
	// freeMu, not the other way round.
	freeMu sync.Mutex
	free   []*logstorage.LogRows

	stop chan struct{}
	done sync.WaitGroup
}

// groupShards is how many shards a grouper's streams are spread over.
const groupShards = 16

// groupShard is a share of the grouper's streams, by stream key.
type groupShard struct {
	mu      sync.Mutex
	streams map[uint64]*pendingRows
	added   int      // rows since the timer last looked
	_       [40]byte // one shard per cache line (64 bytes)
}

// pendingRows are one stream's rows not yet handed over.
type pendingRows struct {
	lr    *logstorage.LogRows
	bytes int       // EstimatedJSONRowLen of the rows
	since time.Time // when the first of them came
}

// newGrouper returns a grouper whose timer hands over rows that waited;
// tests that drive flush themselves use newGrouperNoTimer.
func newGrouper(put func(lr *logstorage.LogRows)) *grouper {
	g := newGrouperNoTimer(put)
	g.done.Go(g.run)
	return g
}

func newGrouperNoTimer(put func(lr *logstorage.LogRows)) *grouper {
	g := &grouper{put: put, stop: make(chan struct{})}
	for i := range g.shards {
		g.shards[i].streams = map[uint64]*pendingRows{}
	}
	return g
}

// run hands over rows that have waited holdFor (holdBusy when busy),
// checking four times a second.
func (g *grouper) run() {
	const looks = 4
	tick := time.NewTicker(time.Second / looks)
	defer tick.Stop()
	var recent [looks]int // rows added between the last looks
	for i := 0; ; i = (i + 1) % looks {
		select {
		case <-g.stop:
			return
		case now := <-tick.C:
			recent[i] = g.takeAdded()
			hold := holdFor
			if sum(recent[:]) >= busyRows {
				hold = holdBusy
			}
			g.flush(now.Add(-hold))
		}
	}
}

// eachShard calls f with each shard, its lock held.
func (g *grouper) eachShard(f func(sh *groupShard)) {
	for i := range g.shards {
		sh := &g.shards[i]
		sh.mu.Lock()
		f(sh)
		sh.mu.Unlock()
	}
}

// takeAdded returns the rows added since it was last called.
func (g *grouper) takeAdded() int {
	n := 0
	g.eachShard(func(sh *groupShard) { n, sh.added = n+sh.added, 0 })
	return n
}

func sum(a []int) int {
	n := 0
	for _, v := range a {
		n += v
	}
	return n
}

// add keeps a row of the stream key (streamHash of the tenant, the day of
// the row's timestamp and its stream fields). It hands the stream's rows
// over when they fill a block, after releasing the lock: building the
// engine's part takes time, and other callers add meanwhile.
func (g *grouper) add(key uint64, r *logstorage.InsertRow, now time.Time) {
	sh := &g.shards[key%groupShards]
	sh.mu.Lock()
	p := sh.streams[key]
	if p == nil {
		p = &pendingRows{lr: g.newRows(), since: now}
		sh.streams[key] = p
	}
	p.lr.MustAddInsertRow(r)
	sh.added++
	p.bytes += logstorage.EstimatedJSONRowLen(r.Fields)
	var full *logstorage.LogRows
	if p.bytes >= blockBytes {
		full = p.lr
		delete(sh.streams, key)
	}
	sh.mu.Unlock()
	if full != nil {
		g.put(full)
		g.recycle(full)
	}
}

// maxFree bounds the handed-over rows kept for reuse (each holds up to a
// block, a few MB).
const maxFree = 8

// newRows returns rows for a new stream.
func (g *grouper) newRows() *logstorage.LogRows {
	g.freeMu.Lock()
	defer g.freeMu.Unlock()
	if n := len(g.free); n > 0 {
		lr := g.free[n-1]
		g.free = g.free[:n-1]
		return lr
	}
	return logstorage.GetLogRows(nil, nil, nil, nil, "")
}

// recycle keeps handed-over rows for newRows, or returns them to the
// engine's pool when enough are kept.
func (g *grouper) recycle(lr *logstorage.LogRows) {
	lr.ResetKeepSettings()
	g.freeMu.Lock()
	keep := len(g.free) < maxFree
	if keep {
		g.free = append(g.free, lr)
	}
	g.freeMu.Unlock()
	if !keep {
		logstorage.PutLogRows(lr)
	}
}

// flush hands over the rows of every stream whose first pending row came
// before cut; a zero cut hands over everything.
func (g *grouper) flush(cut time.Time) {
	var out []*logstorage.LogRows
	g.eachShard(func(sh *groupShard) {
		for key, p := range sh.streams {
			if cut.IsZero() || p.since.Before(cut) {
				out = append(out, p.lr)
				delete(sh.streams, key)
			}
		}
	})
	for _, lr := range out {
		g.put(lr)
		g.recycle(lr)
	}
}

// close stops the timer and hands over every row.
func (g *grouper) close() {
	close(g.stop)
	g.done.Wait()
	g.flush(time.Time{})
}

// streamHash hashes a row's tenant, day and stream field values, for
// grouping only: two streams that collide share a batch, which the engine
// sorts by stream anyway.
//
// The day (of ts, a Unix time in nanoseconds) is the engine's partition:
// a block whose rows straddle midnight is cut in two there, and the part
// after midnight became the first block of its stream in the new day. A
// merge decodes and encodes again every block of a stream that follows a
// part-block (it merges the part-block's rows into the next block, and
// so on to the stream's last), so one part-block at the start of each
// day made every merge of that day re-encode its streams. Grouped by day,
// a day's first block fills like any other.
func streamHash(tenant uint32, ts int64, fields []logstorage.Field) uint64 {
	var h maphash.Hash
	h.SetSeed(streamSeed)
	var b [12]byte
	binary.LittleEndian.PutUint32(b[:], tenant)
	binary.LittleEndian.PutUint64(b[4:], uint64(ts/int64(24*time.Hour)))
	h.Write(b[:])
	for _, f := range fields {
		h.WriteString(f.Value)
		h.WriteByte(0xff) // not in UTF-8: ends the value
	}
	return h.Sum64()
}

var streamSeed = maphash.MakeSeed()
