package detect

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sekimori/sekimori/internal/state"
)

// Buffer gathers matches and hands them to its Recorder together: a
// write to the state store costs one transaction (and, on SQLite, one
// fsync) and a few statements however many matches it holds, and the
// pipeline's batches of ~2,000 lines each bring a few dozen matches
// spread over as many alerts.
//
// Matches wait in memory at most BufferOptions.Every (Run writes them),
// so a crash can lose them; the pipeline replays the lines of that
// window to detection at the next start (its commit lag is far longer),
// and recording is idempotent per alert and event.
//
// Safe for concurrent use. Call Flush after the last RecordMatches.
type Buffer struct {
	rec  Recorder
	opts BufferOptions

	mu      sync.Mutex
	pending []state.Match

	write sync.Mutex // one write at a time, so matches keep their order
}

// BufferOptions configure a Buffer; the zero value works.
type BufferOptions struct {
	// Every is how long a match waits at most (default 1s).
	Every time.Duration
	// Max matches waiting make RecordMatches write at once, in the
	// caller (default 5,000).
	Max int
	// Keep bounds the matches kept for another try after failed writes;
	// past it the oldest are dropped (default 20×Max).
	Keep int
	// OnError is told of each failed write (the matches are kept for the
	// next) and of each drop; it may be nil.
	OnError func(err error)
}

// NewBuffer returns a buffer writing to rec.
func NewBuffer(rec Recorder, opts BufferOptions) *Buffer {
	if opts.Every <= 0 {
		opts.Every = time.Second
	}
	if opts.Max <= 0 {
		opts.Max = 5000
	}
	if opts.Keep <= 0 {
		opts.Keep = 20 * opts.Max
	}
	return &Buffer{rec: rec, opts: opts}
}

// RecordMatches keeps ms (copied) for the next write, and writes at once
// when Max are waiting. A failed write is reported to OnError, not
// returned: the matches stay for the next one.
func (b *Buffer) RecordMatches(ctx context.Context, ms []state.Match) error {
	if len(ms) == 0 {
		return nil
	}
	b.mu.Lock()
	b.pending = append(b.pending, ms...)
	full := len(b.pending) >= b.opts.Max
	b.mu.Unlock()
	if full {
		b.report(b.Flush(ctx))
	}
	return nil
}

// Flush writes every waiting match. On failure they are kept for the
// next write (within Keep) and the error is returned.
func (b *Buffer) Flush(ctx context.Context) error {
	b.write.Lock()
	defer b.write.Unlock()
	b.mu.Lock()
	ms := b.pending
	b.pending = nil
	b.mu.Unlock()
	if len(ms) == 0 {
		return nil
	}
	err := b.rec.RecordMatches(ctx, ms)
	if err == nil {
		return nil
	}
	b.mu.Lock()
	b.pending = append(ms, b.pending...)
	drop := len(b.pending) - b.opts.Keep
	if drop > 0 {
		b.pending = append(b.pending[:0], b.pending[drop:]...)
	}
	b.mu.Unlock()
	if drop > 0 {
		b.report(fmt.Errorf("dropped the %d oldest of the matches kept after failed writes", drop))
	}
	return fmt.Errorf("record %d matches: %w", len(ms), err)
}

// Run writes the waiting matches every Every until ctx ends; it does not
// write what is left then (call Flush once the pipeline has stopped).
func (b *Buffer) Run(ctx context.Context) error {
	t := time.NewTicker(b.opts.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			b.report(b.Flush(ctx))
		}
	}
}

// waiting returns how many matches wait for a write.
func (b *Buffer) waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

func (b *Buffer) report(err error) {
	if err != nil && b.opts.OnError != nil {
		b.opts.OnError(err)
	}
}

var _ Recorder = (*Buffer)(nil)
