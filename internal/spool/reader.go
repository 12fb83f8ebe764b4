package spool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Reader reads records in sequence order, following the spool as it grows.
// A Reader is used by one goroutine.
type Reader struct {
	s    *Spool
	next uint64 // next seq wanted

	seg  segment
	f    *os.File
	r    *bufio.Reader
	off  int64 // bytes consumed in seg
	buf  []byte
	rec  Record
	open bool
}

// NewReader returns a reader positioned after the last committed record.
func (s *Spool) NewReader() *Reader {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Reader{s: s, next: s.committed + 1}
}

// Next returns the next record, waiting until one is written, ctx is done or
// the spool is closed (ErrClosed). The returned record's Line is valid until
// the next call.
func (rd *Reader) Next(ctx context.Context) (*Record, error) {
	for {
		rec, err := rd.TryNext()
		if err != nil || rec != nil {
			return rec, err
		}
		if err := rd.wait(ctx); err != nil {
			return nil, err
		}
	}
}

func (rd *Reader) wait(ctx context.Context) error {
	s := rd.s
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.written < rd.next && !s.closed && ctx.Err() == nil {
		s.cond.Wait()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if s.closed && s.written < rd.next {
		return ErrClosed
	}
	return nil
}

// TryNext returns the next record if one is already written, or nil.
func (rd *Reader) TryNext() (*Record, error) {
	s := rd.s
	s.mu.Lock()
	written := s.written
	s.mu.Unlock()
	for rd.next <= written {
		if !rd.open {
			if err := rd.openSegment(); err != nil {
				return nil, err
			}
		}
		n, buf, err := readFrame(rd.r, rd.buf, &rd.rec)
		rd.buf = buf
		if errors.Is(err, io.EOF) {
			// End of this segment: move to the one holding rd.next.
			rd.closeSegment()
			if !rd.hasLaterSegment() {
				return nil, fmt.Errorf("spool: record %d is missing (written up to %d)", rd.next, written)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read spool segment %s at byte %d: %w", rd.seg.path, rd.off, err)
		}
		rd.off += int64(n)
		if rd.rec.Seq < rd.next {
			continue // before the starting point
		}
		rd.next = rd.rec.Seq + 1
		return &rd.rec, nil
	}
	return nil, nil
}

func (rd *Reader) hasLaterSegment() bool {
	s := rd.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sg := range s.segs {
		if sg.first > rd.seg.first {
			return true
		}
	}
	return false
}

func (rd *Reader) openSegment() error {
	s := rd.s
	s.mu.Lock()
	var sg segment
	found := false
	for _, c := range s.segs {
		if c.first <= rd.next && (!found || c.first > sg.first) {
			sg, found = c, true
		}
	}
	s.mu.Unlock()
	if !found {
		return fmt.Errorf("spool: no segment holds record %d", rd.next)
	}
	f, err := os.Open(sg.path)
	if err != nil {
		return fmt.Errorf("open spool segment: %w", err)
	}
	rd.seg, rd.f, rd.off, rd.open = sg, f, 0, true
	if rd.r == nil {
		rd.r = bufio.NewReaderSize(f, 1<<20)
	} else {
		rd.r.Reset(f)
	}
	return nil
}

func (rd *Reader) closeSegment() {
	if rd.f != nil {
		rd.f.Close()
	}
	rd.f, rd.open = nil, false
	// The next open picks the segment whose first seq is the largest ≤ rd.next;
	// after finishing seg, that is the following one.
}

// Close releases the reader's file.
func (rd *Reader) Close() error {
	rd.closeSegment()
	return nil
}
