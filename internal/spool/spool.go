// Package spool is Sekimori's durable write-ahead spool: every received line
// is appended here (raw bytes, source, receive time) before it is parsed or
// stored, so that a crash or a parser fix can be replayed.
//
// Records get consecutive sequence numbers starting at 1. Appenders call
// Append (durable: returns after fsync, used for acknowledged paths such as
// HTTP ingest) or AppendAsync (returns after the write; a background group
// commit fsyncs within SyncInterval, used for syslog, which has no
// acknowledgement). One consumer reads records in order with a Reader and
// calls Commit when records are safely in the log store; segments wholly
// below the committed sequence are deleted.
package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrFull is returned by Append when the spool holds MaxBytes of records not
// yet committed: the caller must refuse new data (HTTP 503, pause TCP reads).
var ErrFull = errors.New("spool full")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("spool closed")

// Record is one received line.
type Record struct {
	// Seq is assigned by the spool on append.
	Seq uint64
	// Received is the receive time.
	Received time.Time
	// Source is where the line came from: a sender IP for syslog, "http",
	// "import".
	Source string
	// Hint routes the record: for HTTP ingest and imports, the device
	// ("tenant/name"); for syslog, the listener name. Opaque to the spool.
	Hint string
	// Line is the raw line as received (no trailing newline).
	Line []byte
}

// Options configure a spool; the zero value works.
type Options struct {
	// SegmentBytes is the size at which a new segment file is started
	// (default 64 MiB).
	SegmentBytes int64
	// MaxBytes bounds the bytes held in segments not yet committed; appends
	// beyond it fail with ErrFull (default 4 GiB).
	MaxBytes int64
	// SyncInterval is how often AppendAsync data is fsynced (default 100ms).
	SyncInterval time.Duration
}

func (o *Options) setDefaults() {
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 64 << 20
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 4 << 30
	}
	if o.SyncInterval <= 0 {
		o.SyncInterval = 100 * time.Millisecond
	}
}

// Record framing on disk: uint32 payload length, uint32 CRC-32C of the
// payload, payload. Payload: uvarint seq, varint received (unix ns),
// uvarint len + source, uvarint len + hint, line bytes (the rest).
const frameHeader = 8

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// maxRecord bounds one record so a corrupt length cannot make a reader
// allocate gigabytes.
const maxRecord = 16 << 20

// Spool is safe for concurrent use by many appenders and one Reader.
type Spool struct {
	dir  string
	opts Options

	mu        sync.Mutex // guards the fields below
	cond      *sync.Cond // broadcast when data is written or the spool closes
	segs      []segment  // in order; the last is open for writing
	f         *os.File   // the last segment
	w         *bufio.Writer
	size      int64  // bytes in the last segment including buffered
	nextSeq   uint64 // next seq to assign
	written   uint64 // highest seq handed to the OS (readable)
	committed uint64 // highest seq committed by the consumer
	appended  int64  // bytes appended since Open (plus recovered uncommitted)
	marks     []mark // appended-bytes marks to compute committed bytes
	pending   int64  // bytes not yet committed (over-estimated by < markGap)
	closed    bool
	buf       []byte

	syncMu sync.Mutex // serialises fsync; guards synced
	synced uint64     // highest seq known durable

	stop chan struct{}
	done chan struct{}
}

// mark says that after record seq, appended was cum bytes. Marks are at
// least markGap bytes apart, which bounds their number.
type mark struct {
	seq uint64
	cum int64
}

// markGap is the distance between marks: at most 64 KiB, and small
// against MaxBytes so that commits of a small spool release space.
func (o *Options) markGap() int64 { return max(1, min(64<<10, o.MaxBytes/256)) }

type segment struct {
	first uint64 // seq of its first record
	path  string
	size  int64
}

// Open opens or creates the spool in dir and recovers its state: a torn or
// corrupt tail left by a crash is truncated away (those records were never
// acknowledged as durable).
func Open(dir string, opts Options) (*Spool, error) {
	opts.setDefaults()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create spool dir: %w", err)
	}
	s := &Spool{dir: dir, opts: opts, stop: make(chan struct{}), done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	committed, err := readCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	s.committed = committed
	if err := s.recover(); err != nil {
		return nil, err
	}
	s.synced = s.written
	go s.syncLoop()
	return s, nil
}

func (s *Spool) recover() error {
	names, err := filepath.Glob(filepath.Join(s.dir, "*.seg"))
	if err != nil {
		return fmt.Errorf("list segments: %w", err)
	}
	for _, p := range names {
		first, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(p), ".seg"), 10, 64)
		if err != nil {
			return fmt.Errorf("segment %s: bad name", p)
		}
		s.segs = append(s.segs, segment{first: first, path: p})
	}
	sort.Slice(s.segs, func(i, j int) bool { return s.segs[i].first < s.segs[j].first })
	next := s.committed + 1
	for i := range s.segs {
		sg := &s.segs[i]
		last, validSize, err := scanSegment(sg.path)
		if err != nil {
			return err
		}
		if last == 0 {
			last = sg.first - 1
		}
		fi, err := os.Stat(sg.path)
		if err != nil {
			return fmt.Errorf("stat segment: %w", err)
		}
		if validSize < fi.Size() {
			if i != len(s.segs)-1 {
				return fmt.Errorf("segment %s: corrupt at byte %d and not the last segment", sg.path, validSize)
			}
			// A torn tail from a crash: those records were never synced.
			if err := os.Truncate(sg.path, validSize); err != nil {
				return fmt.Errorf("truncate torn segment tail: %w", err)
			}
		}
		sg.size = validSize
		if last+1 > next {
			next = last + 1
		}
	}
	s.nextSeq = next
	s.written = next - 1
	for _, sg := range s.segs {
		if sg.first+1 > s.committed {
			s.pending += sg.size
		}
	}
	s.appended = s.pending
	s.marks = append(s.marks, mark{seq: s.written, cum: s.appended})
	return s.openSegmentLocked()
}

// scanSegment returns the last valid seq in a segment and the byte length of
// its valid prefix.
func scanSegment(path string) (last uint64, valid int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("open segment: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var rec Record
	var buf []byte
	for {
		n, b, err := readFrame(r, buf, &rec)
		buf = b
		if err != nil {
			// io.EOF, a torn frame or a checksum mismatch all end the valid prefix.
			return last, valid, nil
		}
		last = rec.Seq
		valid += int64(n)
	}
}

func (s *Spool) openSegmentLocked() error {
	if s.f != nil {
		if err := s.w.Flush(); err != nil {
			return fmt.Errorf("flush segment: %w", err)
		}
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("sync segment: %w", err)
		}
		if err := s.f.Close(); err != nil {
			return fmt.Errorf("close segment: %w", err)
		}
	}
	var sg segment
	if n := len(s.segs); n > 0 && s.segs[n-1].size < s.opts.SegmentBytes && s.f == nil {
		sg = s.segs[n-1] // reopen the last segment after recovery
	} else {
		sg = segment{first: s.nextSeq, path: filepath.Join(s.dir, fmt.Sprintf("%020d.seg", s.nextSeq))}
		s.segs = append(s.segs, sg)
	}
	f, err := os.OpenFile(sg.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("open segment for append: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		return err
	}
	s.f = f
	if s.w == nil {
		s.w = bufio.NewWriterSize(f, 1<<20)
	} else {
		s.w.Reset(f)
	}
	s.size = sg.size
	return nil
}

// Append writes recs (assigning their Seq) and returns once they are on
// stable storage. It returns ErrFull without writing anything when the spool
// is full.
func (s *Spool) Append(recs []Record) error {
	last, err := s.append(recs)
	if err != nil {
		return err
	}
	return s.syncTo(last)
}

// AppendAsync writes recs (assigning their Seq) without waiting for fsync; the
// background group commit makes them durable within SyncInterval.
func (s *Spool) AppendAsync(recs []Record) error {
	_, err := s.append(recs)
	return err
}

func (s *Spool) append(recs []Record) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	var total int64
	for i := range recs {
		total += int64(len(recs[i].Line) + len(recs[i].Source) + len(recs[i].Hint) + 32)
	}
	if s.pending+total > s.opts.MaxBytes {
		return 0, ErrFull
	}
	for i := range recs {
		r := &recs[i]
		if len(r.Line) > maxRecord-1024 {
			return 0, fmt.Errorf("append record: line of %d bytes exceeds the %d-byte limit", len(r.Line), maxRecord-1024)
		}
		r.Seq = s.nextSeq
		s.buf = appendFrame(s.buf[:0], r)
		if _, err := s.w.Write(s.buf); err != nil {
			return 0, fmt.Errorf("write spool: %w", err)
		}
		s.nextSeq++
		s.size += int64(len(s.buf))
		s.segs[len(s.segs)-1].size = s.size
		s.pending += int64(len(s.buf))
		s.appended += int64(len(s.buf))
		if n := len(s.marks); n >= 2 && s.appended-s.marks[n-2].cum < s.opts.markGap() {
			s.marks[n-1] = mark{seq: r.Seq, cum: s.appended}
		} else {
			s.marks = append(s.marks, mark{seq: r.Seq, cum: s.appended})
		}
		if s.size >= s.opts.SegmentBytes {
			if err := s.openSegmentLocked(); err != nil {
				return 0, err
			}
		}
	}
	if err := s.w.Flush(); err != nil {
		return 0, fmt.Errorf("write spool: %w", err)
	}
	s.written = s.nextSeq - 1
	s.cond.Broadcast()
	return s.written, nil
}

// syncTo makes every record up to seq durable. Concurrent callers share one
// fsync (group commit): whoever holds syncMu syncs for everyone written so far.
func (s *Spool) syncTo(seq uint64) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.synced >= seq {
		return nil
	}
	s.mu.Lock()
	f, written := s.f, s.written
	s.mu.Unlock()
	// Records of earlier segments were synced when their segment was closed.
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("sync spool: %w", err)
	}
	s.synced = written
	return nil
}

func (s *Spool) syncLoop() {
	defer close(s.done)
	t := time.NewTicker(s.opts.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			w := s.written
			s.mu.Unlock()
			_ = s.syncTo(w) // an fsync error here resurfaces on the next durable Append
		}
	}
}

// Commit records that every record with Seq ≤ seq is safely stored
// downstream. The checkpoint is written atomically; wholly committed segments
// are deleted.
func (s *Spool) Commit(seq uint64) error {
	s.mu.Lock()
	if seq <= s.committed {
		s.mu.Unlock()
		return nil
	}
	if seq > s.written {
		seq = s.written
	}
	s.committed = seq
	// Bytes of the records up to the last mark at or below seq are no
	// longer pending; the remainder is released by a later commit.
	i := 0
	var committedBytes int64 = -1
	for i < len(s.marks) && s.marks[i].seq <= seq {
		committedBytes = s.marks[i].cum
		i++
	}
	if committedBytes >= 0 {
		s.pending = s.appended - committedBytes
		s.marks = s.marks[i-1:] // keep the last passed mark as the base
	}
	var drop []segment
	for len(s.segs) > 1 && s.segs[1].first <= seq+1 {
		drop = append(drop, s.segs[0])
		s.segs = s.segs[1:]
	}
	s.mu.Unlock()
	if err := writeCheckpoint(s.dir, seq); err != nil {
		return err
	}
	for _, sg := range drop {
		if err := os.Remove(sg.path); err != nil {
			return fmt.Errorf("remove committed segment: %w", err)
		}
	}
	return nil
}

// Stats is a snapshot of the spool's state.
type Stats struct {
	Written, Committed uint64 // sequence numbers
	PendingBytes       int64  // bytes appended but not committed
	Segments           int
}

// Stats returns the current counters.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Written: s.written, Committed: s.committed, PendingBytes: s.pending, Segments: len(s.segs)}
}

// Close syncs and closes the spool. Readers blocked in Next return ErrClosed.
func (s *Spool) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	close(s.stop)
	<-s.done
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("flush spool: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sync spool: %w", err)
	}
	return s.f.Close()
}

func appendFrame(dst []byte, r *Record) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, frameHeader)...)
	dst = binary.AppendUvarint(dst, r.Seq)
	dst = binary.AppendVarint(dst, r.Received.UnixNano())
	dst = binary.AppendUvarint(dst, uint64(len(r.Source)))
	dst = append(dst, r.Source...)
	dst = binary.AppendUvarint(dst, uint64(len(r.Hint)))
	dst = append(dst, r.Hint...)
	dst = append(dst, r.Line...)
	payload := dst[start+frameHeader:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, crcTable))
	return dst
}

var errCorrupt = errors.New("corrupt spool record")

// readFrame reads one frame into rec; rec.Line, Source and Hint alias buf
// (returned for reuse) except Source and Hint, which are copied.
func readFrame(r *bufio.Reader, buf []byte, rec *Record) (int, []byte, error) {
	var hdr [frameHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return 0, buf, errCorrupt
		}
		return 0, buf, err
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n == 0 || n > maxRecord {
		return 0, buf, errCorrupt
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, buf, errCorrupt
	}
	if crc32.Checksum(buf, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
		return 0, buf, errCorrupt
	}
	if err := decodePayload(buf, rec); err != nil {
		return 0, buf, err
	}
	return frameHeader + int(n), buf, nil
}

func decodePayload(p []byte, rec *Record) error {
	seq, k := binary.Uvarint(p)
	if k <= 0 {
		return errCorrupt
	}
	p = p[k:]
	ns, k := binary.Varint(p)
	if k <= 0 {
		return errCorrupt
	}
	p = p[k:]
	src, p, ok := readString(p)
	if !ok {
		return errCorrupt
	}
	hint, p, ok := readString(p)
	if !ok {
		return errCorrupt
	}
	rec.Seq, rec.Received, rec.Source, rec.Hint, rec.Line = seq, time.Unix(0, ns), src, hint, p
	return nil
}

func readString(p []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return "", nil, false
	}
	return string(p[k : k+int(n)]), p[k+int(n):], true
}

const checkpointFile = "checkpoint"

func readCheckpoint(dir string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(dir, checkpointFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read spool checkpoint: %w", err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read spool checkpoint: %q is not a sequence number", b)
	}
	return v, nil
}

func writeCheckpoint(dir string, seq uint64) error {
	tmp := filepath.Join(dir, checkpointFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("write spool checkpoint: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%d\n", seq); err != nil {
		f.Close()
		return fmt.Errorf("write spool checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync spool checkpoint: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close spool checkpoint: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, checkpointFile)); err != nil {
		return fmt.Errorf("rename spool checkpoint: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir for sync: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
