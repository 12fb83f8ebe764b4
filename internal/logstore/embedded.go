package logstore

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"github.com/sekimori/sekimori/internal/event"
)

// EmbeddedOptions configure the embedded store; the zero value works.
type EmbeddedOptions struct {
	// Retention is the store-wide retention (default 90 days); per-tenant
	// shorter retention is applied with delete tasks by the caller.
	Retention time.Duration
	// FlushInterval bounds how long added rows stay in memory only
	// (default 5s, as in VictoriaLogs' server: in-memory parts merge
	// into larger ones before they are written, which took 7–11% less
	// CPU per line than 1s in `sekimori bench ingest --lines 2000000`).
	// The spool in front of the store covers this window.
	FlushInterval time.Duration
	// MinFreeDiskBytes: below this the store turns read-only instead of
	// failing mid-write (default 1 GiB).
	MinFreeDiskBytes int64
	// AllColumns stores every field of every event as a column: no lean
	// rows (see FieldDerived). Filters on any vendor field then use the
	// engine's indexes, at about 1.4 times the store's CPU and 1.6 times
	// the disk per FortiGate line (BenchmarkStoreColumns in internal/bench).
	AllColumns bool
	// SplitBySource splits busy kinds of line by source address (see
	// FieldStreamShard).
	SplitBySource bool
}

// Embedded is the VictoriaLogs storage library linked in.
//
// Add keeps rows inside the engine's limits (see MaxRowFields).
type Embedded struct {
	path  string
	opts  EmbeddedOptions
	s     *logstorage.Storage
	close sync.Once

	names streamNames
	kinds streamKinds
	lean  atomic.Uint64 // rows added lean
	group *grouper      // rows on their way to s (see blockBytes)
	order fieldOrders   // how rows' fields are sorted (see fieldOrders)
}

var flagsOnce sync.Once

// OpenEmbedded opens or creates the store under dir.
//
// The library registers flags on flag.CommandLine and expects them parsed;
// Sekimori parses its own flags with separate FlagSets, so it marks the
// global set parsed here with no arguments.
func OpenEmbedded(dir string, opts EmbeddedOptions) (*Embedded, error) {
	if opts.Retention <= 0 {
		opts.Retention = 90 * 24 * time.Hour
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 5 * time.Second
	}
	if opts.MinFreeDiskBytes <= 0 {
		opts.MinFreeDiskBytes = 1 << 30
	}
	flagsOnce.Do(func() {
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
		// The library logs at INFO by default; keep warnings and errors.
		_ = flag.Set("loggerLevel", "WARN")
	})
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create log store dir: %w", err)
	}
	cfg := &logstorage.StorageConfig{
		Retention:             opts.Retention,
		FlushInterval:         opts.FlushInterval,
		FutureRetention:       futureRetention,
		MaxBackfillAge:        opts.Retention,
		MinFreeDiskSpaceBytes: opts.MinFreeDiskBytes,
	}
	e := &Embedded{path: dir, opts: opts, s: logstorage.MustOpenStorage(dir, cfg)}
	e.group = newGrouper(e.s.MustAddRows)
	if opts.SplitBySource {
		e.kinds.window = shardWindow
	}
	return e, nil
}

// streamFields is how many fields Add's rows begin with that make the
// stream: device, source, kind, shard and part (the last, set by fit);
// _msg follows them.
const streamFields = 5

// Add implements Store.
func (e *Embedded) Add(evs []*event.Event) error {
	if e.s.IsReadOnly() {
		return fmt.Errorf("add rows: log store is read-only (free disk below %d bytes)", e.opts.MinFreeDiskBytes)
	}
	now := time.Now()
	var fields []logstorage.Field
	var leanRows uint64
	defer func() { e.lean.Add(leanRows) }()
	var seqBuf, tags []byte
	var roles []fieldRole
	var row []logstorage.Field
	var ir logstorage.InsertRow
	for _, ev := range evs {
		fields = fields[:0]
		// Stream: the device and the kind of line, or for unassigned lines
		// the sender address.
		dev, src, kind, shard := ev.Device, "", "", ""
		if dev == "" {
			src = ev.Source
		} else {
			var shards uint32
			kind, shards = e.kinds.bound(streamKey{tenant: ev.TenantID, device: dev}, ev.Kind)
			shard = sourceShard(ev.Fields, shards)
		}
		fields = append(fields,
			logstorage.Field{Name: FieldDevice, Value: dev},
			logstorage.Field{Name: FieldSource, Value: src},
			logstorage.Field{Name: FieldStreamKind, Value: kind},
			logstorage.Field{Name: FieldStreamShard, Value: shard},
			logstorage.Field{Name: FieldStreamPart}, // set by fit
		)
		seqBuf = strconv.AppendUint(seqBuf[:0], ev.Seq, 10)
		fields = append(fields,
			logstorage.Field{Name: "_msg", Value: ev.Raw},
			logstorage.Field{Name: FieldTenant, Value: tenantString(ev.TenantID)},
			logstorage.Field{Name: FieldSeq, Value: string(seqBuf)},
			logstorage.Field{Name: FieldFormat, Value: ev.Format},
			logstorage.Field{Name: FieldFormatVersion, Value: ev.FormatVersion},
			logstorage.Field{Name: FieldParseError, Value: ev.ParseError},
		)
		if ev.Device != "" {
			// Not a stream field for devices (streams are per device and kind), but kept.
			fields = append(fields, logstorage.Field{Name: FieldSource, Value: ev.Source})
		}
		first, lean, copies := "", false, false
		if !e.opts.AllColumns {
			first, lean = leanFirst(ev)
		}
		roles = roles[:0]
		if lean {
			roles = rolesOf(roles, ev.Fields)
			marker := derivedKV
			if copies = copiesHold(ev.Fields, roles); copies {
				marker = derivedKVA
			}
			fields = append(fields, logstorage.Field{Name: FieldDerived, Value: marker})
			leanRows++
		}
		own := len(fields)
		for i, f := range ev.Fields {
			var r fieldRole
			if lean {
				r = roles[i]
			}
			if storesField(f, r, lean, copies, first) {
				fields = append(fields, logstorage.Field{Name: f.Name, Value: f.Value})
			}
		}
		fields = fit(&e.names, ev, streamKey{ev.TenantID, dev, src, kind}, fields, own, streamFields, streamFields-1)
		ts := ev.Time.UnixNano()
		if ev.Time.IsZero() {
			ts = ev.Received.UnixNano()
		}
		// The row goes sorted by name, its stream tags beside it (order.go).
		tags = streamTags(tags[:0], fields[:streamFields])
		row = e.order.sorted(row[:0], fields)
		ir = logstorage.InsertRow{TenantID: logstorage.TenantID{AccountID: ev.TenantID}, StreamTagsCanonical: string(tags), Timestamp: ts, Fields: row}
		e.group.add(streamHash(ev.TenantID, ts, fields[:streamFields]), &ir, now)
	}
	return nil
}

var tenantStrings = func() []string {
	s := make([]string, 1024)
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func tenantString(id uint32) string {
	if int(id) < len(tenantStrings) {
		return tenantStrings[id]
	}
	return strconv.FormatUint(uint64(id), 10)
}

func tenantIDs(tenants []uint32) ([]logstorage.TenantID, error) {
	if len(tenants) == 0 {
		return nil, ErrNoTenants
	}
	ids := make([]logstorage.TenantID, len(tenants))
	for i, t := range tenants {
		ids[i] = logstorage.TenantID{AccountID: t}
	}
	return ids, nil
}

func (e *Embedded) parse(req Request, pipes string) (*logstorage.Query, []logstorage.TenantID, error) {
	ids, err := tenantIDs(req.Tenants)
	if err != nil {
		return nil, nil, err
	}
	q, err := logstorage.ParseQuery(rewrite(req.Query, pipes))
	if err != nil {
		// The engine quotes the text it failed in, which is the rewritten
		// query with Sekimori's pipes; the user's own text alone names
		// the mistake in what the user wrote.
		if _, uerr := logstorage.ParseQuery(req.Query); uerr != nil && strings.TrimSpace(req.Query) != "" {
			err = uerr
		}
		return nil, nil, fmt.Errorf("%w: %s", ErrBadQuery, err.Error())
	}
	if !req.Start.IsZero() || !req.End.IsZero() {
		start, end := int64(-1<<63), int64(1<<63-1)
		if !req.Start.IsZero() {
			start = req.Start.UnixNano()
		}
		if !req.End.IsZero() {
			end = req.End.UnixNano() - 1
		}
		q.AddTimeFilter(start, end)
	}
	return q, ids, nil
}

func (e *Embedded) run(ctx context.Context, q *logstorage.Query, ids []logstorage.TenantID, fn func(db *logstorage.DataBlock) error) error {
	return runBlocks(ctx, e, q, ids, func(db *logstorage.DataBlock) *logstorage.DataBlock { return db }, fn)
}

// runBlocks runs q, calling prep on each result block in the engine's
// worker goroutine (in parallel; prep must copy what it keeps) and fn on
// prep's result, one call at a time. An error from fn stops the query.
func runBlocks[T any](ctx context.Context, e *Embedded, q *logstorage.Query, ids []logstorage.TenantID, prep func(db *logstorage.DataBlock) T, fn func(T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var ferr error
	qctx := logstorage.NewQueryContext(ctx, &logstorage.QueryStats{}, ids, q, false, nil)
	err := e.s.RunQuery(qctx, func(_ uint, db *logstorage.DataBlock) {
		v := prep(db)
		mu.Lock()
		defer mu.Unlock()
		if ferr != nil {
			return
		}
		if err := fn(v); err != nil {
			ferr = err
			cancel()
		}
	})
	if ferr != nil {
		return ferr
	}
	if err != nil {
		return fmt.Errorf("run query: %w", err)
	}
	return ctx.Err()
}

// Search implements Store.
func (e *Embedded) Search(ctx context.Context, req Request, fn func(row []event.Field) error) error {
	pipes := ""
	if req.Limit > 0 {
		pipes = fmt.Sprintf(" | sort by (_time desc) limit %d", req.Limit)
		if start, ok, err := e.newestStart(ctx, req); err != nil {
			return err
		} else if ok {
			req.Start = start
		}
	}
	q, ids, err := e.parse(req, pipes)
	if err != nil {
		return err
	}
	var rows [][]event.Field
	collect := req.Limit > 0 // sorted results arrive in blocks; keep order across blocks
	// Rows are built, and lean rows completed, in the engine's workers.
	err = runBlocks(ctx, e, q, ids, blockRows, func(block [][]event.Field) error {
		if collect {
			rows = append(rows, block...)
			return nil
		}
		for _, row := range block {
			if err := fn(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !collect {
		return err
	}
	// Compare times, not their text: RFC 3339 with trimmed fractions does
	// not sort as strings ("…:00Z" would come after "…:00.5Z").
	at := make([]time.Time, len(rows))
	for i, r := range rows {
		at[i], _ = time.Parse(time.RFC3339Nano, r[0].Value)
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return at[idx[i]].After(at[idx[j]]) })
	sorted := make([][]event.Field, len(rows))
	for i, k := range idx {
		sorted[i] = rows[k]
	}
	rows = sorted
	for _, r := range rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// newestStart finds, for a search for the newest req.Limit rows, the time
// of the oldest of them, reading only the time column (and what the filter
// needs): the search then reads whole rows from that time on only, instead
// of from every block with a match (the engine decompresses a block's
// columns whole, so sorting a week of rows for the newest thousand would
// read the week). It looks in growing windows back from the end (1 hour,
// 8 hours, 64 hours, ...), so that a filter that must read each line
// (a vendor field of lean rows) reads only as far back as needed.
// ok is false when it does not apply: the query has pipes of its own, or
// fewer rows match than the limit.
func (e *Embedded) newestStart(ctx context.Context, req Request) (time.Time, bool, error) {
	if _, pipes := splitPipes(strings.TrimSpace(req.Query)); pipes != "" {
		return time.Time{}, false, nil
	}
	end := req.End
	if end.IsZero() {
		end = time.Now().Add(futureRetention)
	}
	for window := time.Hour; ; window *= 8 {
		w := req
		w.Start, w.End = end.Add(-window), end
		last := !req.Start.IsZero() && !w.Start.After(req.Start) || window > 100*365*24*time.Hour
		if last {
			w.Start = req.Start
		}
		oldest, n, err := e.oldestOfNewest(ctx, w)
		if err != nil {
			return time.Time{}, false, err
		}
		if n >= req.Limit {
			return oldest, oldest.After(req.Start), nil
		}
		if last {
			return time.Time{}, false, nil
		}
	}
}

// futureRetention is how far ahead of now the store accepts rows.
const futureRetention = 2 * 24 * time.Hour

// oldestOfNewest returns the time of the oldest of the newest req.Limit
// matching rows, and how many rows that is (fewer when fewer match).
func (e *Embedded) oldestOfNewest(ctx context.Context, req Request) (time.Time, int, error) {
	q, ids, err := e.parse(req, fmt.Sprintf(" | fields _time | sort by (_time desc) limit %d", req.Limit))
	if err != nil {
		return time.Time{}, 0, err
	}
	var oldest time.Time
	n := 0
	err = e.run(ctx, q, ids, func(db *logstorage.DataBlock) error {
		c := db.GetColumnByName("_time")
		if c == nil {
			return nil
		}
		for _, v := range c.Values {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return fmt.Errorf("stored _time %q: %w", v, err)
			}
			if n == 0 || t.Before(oldest) {
				oldest = t
			}
			n++
		}
		return nil
	})
	return oldest, n, err
}

// blockRows turns a result block into rows, ordered _time, _msg, then the
// rest, without empty values and the internal _stream_id and _stream; lean
// rows get their derived fields. Column names are copied once per block
// and each row's values into one string, since the engine reuses the
// block's memory.
func blockRows(db *logstorage.DataBlock) [][]event.Field {
	cols := db.GetColumns(false)
	type col struct {
		name   string
		values []string
	}
	ordered := make([]col, 0, len(cols))
	for _, want := range []string{"_time", "_msg"} {
		for _, c := range cols {
			if c.Name == want {
				ordered = append(ordered, col{want, c.Values})
			}
		}
	}
	for _, c := range cols {
		switch c.Name {
		case "_time", "_msg", "_stream_id", "_stream", FieldStreamKind, FieldStreamShard:
			continue // they repeat the vendor's fields (type, subtype; srcip)
		}
		ordered = append(ordered, col{strings.Clone(c.Name), c.Values})
	}
	out := make([][]event.Field, db.RowsCount())
	have := map[string]int{}
	var buf []byte
	for i := range out {
		buf = buf[:0]
		for _, c := range ordered {
			buf = append(buf, c.values[i]...)
		}
		all := string(buf)
		row := make([]event.Field, 0, len(ordered)+48)
		off := 0
		for _, c := range ordered {
			n := len(c.values[i])
			// A stored line may be empty and is kept so; _time is empty
			// only in rows of pipes that drop it (stats, ...).
			if n > 0 || c.name == "_msg" {
				row = append(row, event.Field{Name: c.name, Value: all[off : off+n]})
			}
			off += n
		}
		out[i] = deriveRow(row, have)
	}
	return out
}

// Hits implements Store.
func (e *Embedded) Hits(ctx context.Context, req Request, step time.Duration) ([]Bucket, error) {
	if step <= 0 {
		return nil, fmt.Errorf("%w: step must be positive", ErrBadQuery)
	}
	q, ids, err := e.parse(req, fmt.Sprintf(" | stats by (_time:%dns) count() hits", step.Nanoseconds()))
	if err != nil {
		return nil, err
	}
	var out []Bucket
	err = e.run(ctx, q, ids, func(db *logstorage.DataBlock) error {
		tc, hc := db.GetColumnByName("_time"), db.GetColumnByName("hits")
		if tc == nil || hc == nil {
			return nil
		}
		for i := range tc.Values {
			t, err := time.Parse(time.RFC3339Nano, tc.Values[i])
			if err != nil {
				// The query's own pipes dropped or rewrote _time.
				return fmt.Errorf("%w: hits count by _time, which the query's pipes leave as %q", ErrBadQuery, tc.Values[i])
			}
			n, _ := strconv.ParseUint(hc.Values[i], 10, 64)
			out = append(out, Bucket{Time: t, Count: n})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Bucket) int { return a.Time.Compare(b.Time) })
	return out, err
}

// Facets implements Store.
func (e *Embedded) Facets(ctx context.Context, req Request, field string, limit int) ([]ValueCount, error) {
	if field == "" {
		return nil, fmt.Errorf("%w: field is required", ErrBadQuery)
	}
	if limit <= 0 {
		limit = 10
	}
	// Rows without the field count as its empty value; it is not a value,
	// so ask for one more and leave it out.
	q, ids, err := e.parse(req, fmt.Sprintf(" | top %d by (%s)", limit+1, quoteField(field)))
	if err != nil {
		return nil, err
	}
	var out []ValueCount
	err = e.run(ctx, q, ids, func(db *logstorage.DataBlock) error {
		vc, hc := db.GetColumnByName(field), db.GetColumnByName("hits")
		if vc == nil || hc == nil {
			return nil
		}
		for i, v := range vc.Values {
			if v == "" {
				continue
			}
			n, _ := strconv.ParseUint(hc.Values[i], 10, 64)
			out = append(out, ValueCount{Value: strings.Clone(v), Count: n})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b ValueCount) int {
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out[:min(len(out), limit)], err
}

func quoteField(f string) string { return strconv.Quote(f) }

// Seqs implements Store.
func (e *Embedded) Seqs(ctx context.Context, tenants []uint32, from uint64) (map[uint64]struct{}, error) {
	ids, err := tenantIDs(tenants)
	if err != nil {
		return nil, err
	}
	q, err := logstorage.ParseQuery(fmt.Sprintf(`%s:>=%d | fields %s`, quoteField(FieldSeq), from, quoteField(FieldSeq)))
	if err != nil {
		return nil, fmt.Errorf("seqs query: %w", err)
	}
	out := map[uint64]struct{}{}
	err = e.run(ctx, q, ids, func(db *logstorage.DataBlock) error {
		c := db.GetColumnByName(FieldSeq)
		if c == nil {
			return nil
		}
		for _, v := range c.Values {
			if n, err := strconv.ParseUint(v, 10, 64); err == nil {
				out[n] = struct{}{}
			}
		}
		return nil
	})
	return out, err
}

// Delete implements Store.
func (e *Embedded) Delete(_ context.Context, tenants []uint32, filter string, before time.Time) error {
	ids, err := tenantIDs(tenants)
	if err != nil {
		return err
	}
	if filter == "" {
		filter = "*"
	}
	if _, derived := rewritePlan(filter, ""); len(derived) > 0 {
		// The engine deletes by what rows store: a lean row would not
		// match a filter on a field it derives.
		return fmt.Errorf("%w: delete filter %q names %s, which lean rows do not store; use stored fields (tenant.id, device, log.source.address, the vendor columns lean rows keep, ECS fields that are not copies of a vendor field)", ErrBadQuery, filter, strings.Join(derived, ", "))
	}
	if !before.IsZero() {
		filter = fmt.Sprintf("(%s) _time:<%s", filter, before.UTC().Format(time.RFC3339Nano))
	}
	f, err := logstorage.ParseFilter(filter)
	if err != nil {
		return fmt.Errorf("%w: delete filter: %s", ErrBadQuery, err.Error())
	}
	now := time.Now().UnixNano()
	id := fmt.Sprintf("sekimori-%d", now)
	if err := e.s.DeleteRunTask(context.Background(), id, now, ids, f); err != nil {
		return fmt.Errorf("start delete task: %w", err)
	}
	return nil
}

// Flush implements Store.
func (e *Embedded) Flush() {
	e.group.flush(time.Time{})
	e.s.DebugFlush()
}

// Stats implements Store.
func (e *Embedded) Stats() Stats {
	var ss logstorage.StorageStats
	e.s.UpdateStats(&ss)
	return Stats{
		Rows:      ss.SmallPartRowsCount + ss.BigPartRowsCount + ss.InmemoryRowsCount,
		DiskBytes: dirSize(e.path),
		LeanRows:  e.lean.Load(),
		ReadOnly:  ss.IsReadOnly,
	}
}

func dirSize(dir string) uint64 {
	var n uint64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += uint64(fi.Size())
			}
		}
		return nil
	})
	return n
}

// Close flushes everything to disk and closes the store.
func (e *Embedded) Close() error {
	e.close.Do(func() {
		e.group.close()
		e.s.MustClose()
	})
	return nil
}

var _ Store = (*Embedded)(nil)
