package detect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sekimori/sekimori/internal/state"
)

// writes records each RecordMatches call's seqs; it fails while fail is set.
type writes struct {
	mu    sync.Mutex
	calls [][]uint64
	fail  bool
}

func (w *writes) RecordMatches(_ context.Context, ms []state.Match) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail {
		return errors.New("disk full")
	}
	var seqs []uint64
	for _, m := range ms {
		seqs = append(seqs, m.Seq)
	}
	w.calls = append(w.calls, seqs)
	return nil
}

func (w *writes) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprint(w.calls)
}

func seqMatches(seqs ...uint64) []state.Match {
	ms := make([]state.Match, len(seqs))
	for i, s := range seqs {
		ms[i] = state.Match{TenantID: 1, GroupKey: "k", RuleID: "r", Severity: "low", Seq: s}
	}
	return ms
}

func TestBufferWritesTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &writes{}
		b := NewBuffer(w, BufferOptions{Every: time.Second, Max: 100})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- b.Run(ctx) }()

		b.RecordMatches(ctx, seqMatches(1, 2))
		b.RecordMatches(ctx, seqMatches(3))
		time.Sleep(900 * time.Millisecond)
		synctest.Wait()
		if got := w.String(); got != "[]" {
			t.Fatalf("written before a second passed: %s", got)
		}
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		if got := w.String(); got != "[[1 2 3]]" {
			t.Fatalf("after a second: %s, want one write of 1 2 3", got)
		}
		b.RecordMatches(ctx, seqMatches(4))
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if b.waiting() != 1 {
			t.Fatalf("%d waiting after Run ended, want 1 (Run leaves the rest to Flush)", b.waiting())
		}
		if err := b.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := w.String(); got != "[[1 2 3] [4]]" {
			t.Fatalf("after Flush: %s", got)
		}
	})
}

func TestBufferMaxWritesAtOnce(t *testing.T) {
	w := &writes{}
	b := NewBuffer(w, BufferOptions{Every: time.Hour, Max: 3})
	b.RecordMatches(t.Context(), seqMatches(1, 2))
	if got := w.String(); got != "[]" {
		t.Fatalf("written below Max: %s", got)
	}
	b.RecordMatches(t.Context(), seqMatches(3))
	if got := w.String(); got != "[[1 2 3]]" {
		t.Fatalf("at Max: %s, want one write of 1 2 3", got)
	}
}

func TestBufferKeepsFailedMatches(t *testing.T) {
	w := &writes{fail: true}
	var errs []string
	b := NewBuffer(w, BufferOptions{Every: time.Hour, Max: 100, Keep: 4, OnError: func(err error) { errs = append(errs, err.Error()) }})
	b.RecordMatches(t.Context(), seqMatches(1, 2, 3))
	if err := b.Flush(t.Context()); err == nil {
		t.Fatal("a failed write returned no error")
	}
	if b.waiting() != 3 {
		t.Fatalf("%d kept after a failed write, want 3", b.waiting())
	}
	b.RecordMatches(t.Context(), seqMatches(4, 5))
	b.Flush(t.Context()) // 5 > Keep: the oldest goes
	if len(errs) != 1 || b.waiting() != 4 {
		t.Fatalf("after a second failure: %d kept, reported %q; want 4 kept and the drop reported", b.waiting(), errs)
	}
	w.fail = false
	if err := b.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := w.String(); got != "[[2 3 4 5]]" {
		t.Fatalf("after recovery: %s, want 2 3 4 5 in order", got)
	}
}
