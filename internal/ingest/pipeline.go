// Package ingest receives log lines (syslog over UDP, TCP and TLS; HTTP
// push; file import), writes them to the spool before anything else, and
// runs the pipeline that turns spooled records into stored events: device
// recognition, character-set conversion, syslog header and payload parsing.
package ingest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/charset"
	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/parse"
	"github.com/sekimori/sekimori/internal/spool"
	"github.com/sekimori/sekimori/internal/syslog"
)

// Hints stored with each spool record say how it arrived.
const (
	hintDevicePrefix = "dev:" // HTTP push and import: "dev:<device id>"
	// Syslog: "listener:<name>", then for a TLS connection with a verified
	// client certificate "|cert:sha256:<hex>" and, when it has a common
	// name, "|cert:cn:<name>" (last: a name may hold '|').
	hintListener = "listener:"
)

// splitListenerHint returns the listener name and the client certificate's
// fingerprint source and common name from a listener hint's rest.
func splitListenerHint(rest string) (name, fingerprint, cn string) {
	name, cert, _ := strings.Cut(rest, "|")
	fingerprint, cn, _ = strings.Cut(cert, "|")
	return name, fingerprint, strings.TrimPrefix(cn, CertCNPrefix)
}

// Fields the pipeline adds to events besides the syslog header's.
const (
	// FieldTLSClientHash is the SHA-256 of the sender's verified client
	// certificate (lower-case hex), on lines received over TLS with one.
	FieldTLSClientHash = "tls.client.hash.sha256"
	// FieldTLSClientCN is that certificate's subject common name.
	FieldTLSClientCN = "tls.client.x509.subject.common_name"
	// FieldRawBase64 holds the line as received, in standard base64, when
	// it was not valid UTF-8: the stored raw line (_msg) has U+FFFD in
	// place of each invalid byte, so this keeps the original bytes, and
	// re-assigning held lines to a device with another charset decodes
	// them from it.
	FieldRawBase64 = "raw.base64"
)

// appendCopy appends line to buf and returns buf and the copy, capped so
// that appending to the copy cannot overwrite what follows it. A copy in
// an older array stays valid when append grows buf, so buf can gather a
// batch's lines and be reused (truncated) once none of them is needed.
func appendCopy(buf, line []byte) ([]byte, []byte) {
	start := len(buf)
	buf = append(buf, line...)
	return buf, buf[start:len(buf):len(buf)]
}

// parsedRun is how many events OnParsed gets at most: those of a run are
// still in the CPU's cache (a FortiGate event's fields take ~2 KB).
const parsedRun = 32

// maxEventFields caps the fields of one event whatever its parser: the
// parser's parse.MaxFields plus room for the header, TLS and ECS fields.
const maxEventFields = parse.MaxFields + 64

// syslogParser is the "syslog" format: the header only, no payload fields.
type syslogParser struct{}

func (syslogParser) Parse([]byte, *time.Location, *event.Event) error { return nil }

// FormatSet finds parsers by name: the built-ins, or a registry that adds
// declarative formats (*parse.Registry).
type FormatSet interface {
	Lookup(name string) (parse.Parser, bool)
	Names() []string
}

// BuiltinFormats is the FormatSet of the built-in parsers only.
var BuiltinFormats FormatSet = builtins{}

type builtins struct{}

func (builtins) Lookup(name string) (parse.Parser, bool) { return parse.Lookup(name) }
func (builtins) Names() []string                         { return parse.Names() }

func lookupParser(fs FormatSet, name string) (parse.Parser, bool) {
	if name == "syslog" {
		return syslogParser{}, true
	}
	return fs.Lookup(name)
}

// Formats lists the format names a device may use.
func Formats(fs FormatSet) []string { return append([]string{"syslog"}, fs.Names()...) }

// Unassigned is a summary of lines from one unknown source, for the
// holding-area view. Source is the sender's address, or for a TLS sender
// with a verified client certificate "cert:sha256:<hex>".
type Unassigned struct {
	Source, Hostname, DevID string
	Seen                    time.Time
	Lines                   int64
}

// PipelineOptions configure the pipeline; zero values work.
type PipelineOptions struct {
	// Workers parse and store in parallel (default 2×GOMAXPROCS, so that
	// a worker waiting on the store leaves the cores busy).
	Workers int
	// BatchSize bounds records per spool read (default 2048: as fast as
	// 4096 in `sekimori bench ingest`, with ~170 MB less peak RSS, three
	// batches being in flight; 1024 was slower); each worker writes its
	// share of a batch to the store at once.
	BatchSize int
	// CommitLag is how long after a store write its records are treated as
	// on disk and committed in the spool (default 20s: the embedded store
	// holds a row up to 3.25s to fill its stream's block, the engine up to
	// 1s more, and writes it at the second of its 5s flushes after that).
	// A crash inside the lag replays those records; replay skips those
	// already stored.
	CommitLag time.Duration
	// Zones maps listener names to their default zone (default Asia/Tokyo).
	Zones map[string]*time.Location
	// NoteUnassigned is called once per batch with the unknown sources seen.
	NoteUnassigned func(ctx context.Context, u []Unassigned)
	// Tenants returns every tenant ID (for replay de-duplication).
	Tenants func(ctx context.Context) ([]uint32, error)
	// OnParsed is called by the workers, concurrently, with each run of
	// up to parsedRun events as soon as they are parsed (format drift):
	// they are still in the CPU's cache then, while OnStored gets them
	// after a whole batch has been parsed and stored. Replayed events are
	// passed again, as to OnStored. The events are valid only during the
	// call.
	OnParsed func(ctx context.Context, evs []*event.Event)
	// OnStored is called with each stored batch (detection). The events
	// are valid only during the call. After a crash, replayed events that
	// the store already had are passed again (not stored again), so that
	// detection, which must be idempotent, misses nothing.
	OnStored func(ctx context.Context, evs []*event.Event) error
	Logger   *slog.Logger
}

// Pipeline moves records from the spool into the log store. Run it once.
type Pipeline struct {
	sp    *spool.Spool
	store logstore.Store
	reg   *Registry
	opts  PipelineOptions
	m     *Metrics
	tokyo *time.Location

	mu     sync.Mutex
	stored []stored // store writes not yet committed
}

type stored struct {
	seq uint64
	at  time.Time
}

// NewPipeline wires a pipeline.
func NewPipeline(sp *spool.Spool, store logstore.Store, reg *Registry, m *Metrics, opts PipelineOptions) *Pipeline {
	if opts.Workers <= 0 {
		opts.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2048
	}
	if opts.CommitLag <= 0 {
		opts.CommitLag = 20 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		tokyo = time.FixedZone("JST", 9*3600)
	}
	return &Pipeline{sp: sp, store: store, reg: reg, opts: opts, m: m, tokyo: tokyo}
}

// Run consumes the spool until ctx is done or the spool closes. On start it
// replays records not yet committed, skipping those the store already has,
// so every record is stored exactly once.
func (p *Pipeline) Run(ctx context.Context) error {
	rd := p.sp.NewReader()
	defer rd.Close()
	skip, err := p.alreadyStored(ctx)
	if err != nil {
		return err
	}
	if len(skip) > 0 {
		p.opts.Logger.Info("replaying spool", "already_stored", len(skip))
	}
	// Three stages overlap: this goroutine reads the spool into a batch,
	// the workers parse and store the chunks of the batches read before
	// it, and the finisher runs OnStored (detection) and notes the writes
	// for the spool commit, batch after batch in read order. Workers take
	// chunks as they come, so none idles at the end of a batch waiting
	// for its slowest chunk, and reading never waits for them. A chunk
	// whose worker builds one of the store's parts (tens of ms) holds up
	// the finisher and so the batches behind it: with 8 batches in flight
	// rather than 3, the other workers found work more often (server CPU
	// 192% -> 195% of 2, idle 10% -> 7%, two pairs of `sekimori bench
	// ingest --lines 2000000`), for ~10 MB more of batches.
	const inFlight = 8
	free := make(chan *batch, inFlight)
	for range inFlight {
		free <- &batch{
			recs:    make([]spool.Record, 0, p.opts.BatchSize),
			already: make([]bool, 0, p.opts.BatchSize),
		}
	}
	chunks := make(chan chunk, inFlight*p.opts.Workers)
	var working sync.WaitGroup
	for range p.opts.Workers {
		working.Go(func() {
			decs := map[string]*charset.Decoder{}
			for c := range chunks {
				p.work(ctx, c, decs)
			}
		})
	}
	ordered := make(chan *batch, inFlight)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		commitTick := time.NewTicker(time.Second)
		defer commitTick.Stop()
		for {
			select {
			case b, ok := <-ordered:
				if !ok {
					return
				}
				b.pending.Wait()
				p.finish(ctx, b)
				free <- b
			case <-commitTick.C:
				p.commit(false)
			}
		}
	}()
	defer func() {
		close(chunks)
		working.Wait()
		close(ordered)
		<-finished
	}()
	for {
		b := <-free
		b.recs, b.already, b.arena = b.recs[:0], b.already[:0], b.arena[:0]
		// Block for the first record, then take what is already written.
		r, err := rd.Next(ctx)
		for err == nil && r != nil {
			_, dup := skip[r.Seq]
			if dup {
				delete(skip, r.Seq)
				p.m.Replayed.Inc()
			}
			// The reader reuses r.Line; copy it.
			rec := *r
			b.arena, rec.Line = appendCopy(b.arena, r.Line)
			b.recs = append(b.recs, rec)
			b.already = append(b.already, dup)
			if len(b.recs) >= p.opts.BatchSize {
				break
			}
			r, err = rd.TryNext()
		}
		if err != nil && !errors.Is(err, spool.ErrClosed) && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("read spool: %w", err)
		}
		if len(b.recs) > 0 {
			p.split(b, chunks)
			ordered <- b
		} else {
			free <- b
		}
		if err != nil { // closed or cancelled, after storing what was read
			return nil
		}
	}
}

// batch is one read of the spool on its way through the pipeline: the
// records (their lines in arena), which of them are in the store from
// before a crash, the events the workers build, and the count of its
// chunks not yet stored.
type batch struct {
	recs    []spool.Record
	already []bool
	arena   []byte
	evs     []event.Event
	ptr     []*event.Event
	pending sync.WaitGroup
}

// chunk is a worker's share of a batch: records lo to hi.
type chunk struct {
	b      *batch
	lo, hi int
}

// split hands a batch to the workers in one chunk per worker.
func (p *Pipeline) split(b *batch, chunks chan<- chunk) {
	n := len(b.recs)
	if cap(b.evs) < n {
		b.evs = make([]event.Event, n)
		b.ptr = make([]*event.Event, n)
	}
	b.evs, b.ptr = b.evs[:n], b.ptr[:n]
	size := (n + p.opts.Workers - 1) / p.opts.Workers
	for lo := 0; lo < n; lo += size {
		b.pending.Add(1)
		chunks <- chunk{b: b, lo: lo, hi: min(lo+size, n)}
	}
}

// Drain commits everything stored; call after the store has been closed
// (which flushes it to disk).
func (p *Pipeline) Drain() error { return p.commit(true) }

func (p *Pipeline) alreadyStored(ctx context.Context) (map[uint64]struct{}, error) {
	st := p.sp.Stats()
	if st.Written <= st.Committed {
		return nil, nil
	}
	tenants := []uint32{0}
	if p.opts.Tenants != nil {
		ts, err := p.opts.Tenants(ctx)
		if err != nil {
			return nil, fmt.Errorf("list tenants for replay: %w", err)
		}
		tenants = append(tenants, ts...)
	}
	seqs, err := p.store.Seqs(ctx, tenants, st.Committed+1)
	if err != nil {
		return nil, fmt.Errorf("find replayed records already stored: %w", err)
	}
	return seqs, nil
}

// work parses a chunk's records and writes the events to the store, except
// those marked already (in the store from before a crash: parsed for
// OnStored, not stored again). A store refusal (disk full) is retried until
// it succeeds or ctx ends: the records stay in the spool meanwhile, and when
// ctx ends first, finish does not commit them, so they are replayed.
func (p *Pipeline) work(ctx context.Context, c chunk, decs map[string]*charset.Decoder) {
	defer c.b.pending.Done()
	b := c.b
	var todo []*event.Event
	run := c.lo
	for i := c.lo; i < c.hi; i++ {
		ev := &b.evs[i]
		ev.Reset()
		p.build(&b.recs[i], ev, decs)
		b.ptr[i] = ev
		if !b.already[i] {
			todo = append(todo, ev)
		}
		if p.opts.OnParsed != nil && (i+1-run == parsedRun || i+1 == c.hi) {
			p.opts.OnParsed(ctx, b.ptr[run:i+1])
			run = i + 1
		}
	}
	for len(todo) > 0 {
		err := p.store.Add(todo)
		if err == nil {
			return
		}
		p.m.StoreErrors.Inc()
		p.opts.Logger.Error("store refused events; keeping them in the spool", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// finish runs OnStored for a stored batch, counts it and notes the write
// for the spool commit. When ctx ends first the write is not noted: the
// records are replayed at the next start, with detection, and not stored
// twice.
func (p *Pipeline) finish(ctx context.Context, b *batch) {
	recs, already, evs := b.recs, b.already, b.ptr
	if ctx.Err() != nil {
		return
	}
	if p.opts.OnStored != nil {
		// Detection must not stop ingest: retry briefly, then count and go on.
		var err error
		for attempt := range 3 {
			if err = p.opts.OnStored(ctx, evs); err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.m.DetectErrors.Inc()
			p.opts.Logger.Error("detection failed for a batch", "err", err, "events", len(evs))
		}
	}
	var unassigned map[string]*Unassigned
	for i, ev := range evs {
		if already[i] {
			continue // counted when it was first stored
		}
		p.m.Stored.Inc()
		if ev.ParseError != "" {
			p.m.ParseFailed.Inc()
		} else {
			p.m.Parsed.Inc()
		}
		if ev.FieldsDropped > 0 {
			p.m.FieldsDropped.Add(ev.FieldsDropped)
		}
		if ev.TenantID == 0 && p.opts.NoteUnassigned != nil {
			if unassigned == nil {
				unassigned = map[string]*Unassigned{}
			}
			// Held by certificate when the connection had one (from the
			// hint, not the event's fields, which the line may name).
			key := ev.Source
			if rest, ok := strings.CutPrefix(recs[i].Hint, hintListener); ok {
				if _, fp, _ := splitListenerHint(rest); fp != "" {
					key = fp
				}
			}
			u := unassigned[key]
			if u == nil {
				u = &Unassigned{Source: key}
				u.Hostname, _ = ev.Get("log.syslog.hostname")
				u.DevID, _ = ev.Get("devid")
				unassigned[key] = u
			}
			u.Lines++
			u.Seen = ev.Received
		}
	}
	if len(unassigned) > 0 {
		list := make([]Unassigned, 0, len(unassigned))
		for _, u := range unassigned {
			list = append(list, *u)
		}
		p.opts.NoteUnassigned(ctx, list)
	}
	p.mu.Lock()
	p.stored = append(p.stored, stored{seq: recs[len(recs)-1].Seq, at: time.Now()})
	p.mu.Unlock()
}

// commit advances the spool checkpoint past store writes older than
// CommitLag (all of them when final).
func (p *Pipeline) commit(final bool) error {
	p.mu.Lock()
	var upTo uint64
	cut := time.Now().Add(-p.opts.CommitLag)
	i := 0
	for i < len(p.stored) && (final || p.stored[i].at.Before(cut)) {
		upTo = p.stored[i].seq
		i++
	}
	p.stored = p.stored[i:]
	p.mu.Unlock()
	if upTo == 0 {
		return nil
	}
	if err := p.sp.Commit(upTo); err != nil {
		return fmt.Errorf("commit spool: %w", err)
	}
	return nil
}

// build turns one record into an event.
func (p *Pipeline) build(r *spool.Record, ev *event.Event, decs map[string]*charset.Decoder) {
	ev.Seq, ev.Received, ev.Source = r.Seq, r.Received, r.Source
	line := r.Line
	zone := p.tokyo
	var dev *resolved
	var certFP, certCN string // a verified client certificate's identity
	if id, ok := strings.CutPrefix(r.Hint, hintDevicePrefix); ok {
		n, _ := strconv.ParseInt(id, 10, 64)
		dev, _ = p.reg.ByID(n)
		if dev == nil {
			// The device was deleted after the line was spooled: keep it.
			ev.ParseError = "device " + id + " no longer exists"
		}
	} else if rest, ok := strings.CutPrefix(r.Hint, hintListener); ok {
		var name string
		name, certFP, certCN = splitListenerHint(rest)
		if z := p.opts.Zones[name]; z != nil {
			zone = z
		}
	}
	opts := syslog.ParseOptions{Location: zone, Now: r.Received}
	msg := syslog.Parse(line, opts)
	switch {
	case strings.HasPrefix(r.Hint, hintDevicePrefix):
	case certFP != "":
		// The certificate decides alone: an unknown one is held, whatever
		// hostname or devid its lines claim.
		dev = p.reg.lookupCert(certFP, certCN)
		ev.Add(FieldTLSClientHash, strings.TrimPrefix(certFP, CertSHA256Prefix))
		ev.Add(FieldTLSClientCN, certCN)
	default:
		dev = p.reg.lookup(r.Source, msg.Hostname, msg.Msg)
	}
	if dev != nil {
		if dev.charset != "utf-8" {
			d := decs[dev.charset]
			if d == nil {
				d, _ = charset.New(dev.charset) // validated when registered
				decs[dev.charset] = d
			}
			line = d.Decode(nil, line)
			msg = syslog.Parse(line, opts)
		}
		if dev.loc != nil && dev.loc != zone {
			opts.Location = dev.loc
			msg = syslog.Parse(line, opts)
		}
		ev.TenantID, ev.Device = dev.TenantID, dev.Name
	}
	if !utf8.Valid(line) {
		// Only lines read as UTF-8 get here (other charsets decode to valid
		// UTF-8 above), so line is still the line as received.
		ev.Add(FieldRawBase64, base64.StdEncoding.EncodeToString(line))
		d := decs["utf-8"]
		if d == nil {
			d, _ = charset.New("utf-8")
			decs["utf-8"] = d
		}
		line = d.Decode(nil, line)
		msg = syslog.Parse(line, opts)
	}
	ev.Raw = string(line)
	ev.Fields = msg.HeaderFields(ev.Fields)
	if !msg.Timestamp.IsZero() {
		ev.Time = msg.Timestamp
	}
	var parser parse.Parser
	if dev != nil {
		parser, ev.Format = dev.parser, dev.Format
		if ev.Format == "" {
			ev.Format = "syslog"
		}
	} else {
		// Unassigned: recognise FortiGate so its devid can be shown for
		// re-assignment; anything else keeps its header fields only.
		if bytes.Contains(msg.Msg, []byte("logid=")) || bytes.Contains(msg.Msg, []byte("log_id=")) {
			parser, _ = parse.Lookup("fortigate")
			ev.Format = "fortigate"
		} else {
			parser, ev.Format = syslogParser{}, "syslog"
		}
	}
	if parser != nil {
		ploc := opts.Location
		if err := parser.Parse(msg.Msg, ploc, ev); err != nil && ev.ParseError == "" {
			ev.ParseError = err.Error()
		}
	}
	if extra := len(ev.Fields) - maxEventFields; extra > 0 {
		// A parser without parse.MaxFields of its own: cut, and give back
		// the memory, since events are reused batch after batch.
		ev.Fields = slices.Clone(ev.Fields[:maxEventFields])
		ev.FieldsDropped += extra
	}
	if ev.Time.IsZero() {
		ev.Time = r.Received
	}
}
