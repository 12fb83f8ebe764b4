// Package seal makes stored logs tamper-evident. Each arrival day (a range
// of the spool's sequence numbers, marked at midnight Asia/Tokyo) of each
// tenant is sealed with a hash chain over its original lines in arrival
// order, and the day's digest is chained to the tenant's previous day.
//
// What it proves: the lines of a sealed day that the log store returns now
// are exactly, byte for byte and in the same order, the lines that were
// stored when the day was sealed — no line changed, removed or inserted —
// and no sealed day of the chain was replaced without breaking the next.
// What it does not prove: anything about lines before they reached
// Sekimori, about a day that is not sealed yet (the current one), or
// against someone who can rewrite both the log store and the state
// database consistently (keep copies of the digests elsewhere, e.g. in the
// monthly reports, to cover that). A day removed by retention verifies as
// "deleted by retention", not as intact.
package seal

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/state"
)

// Zone is where days start and end.
var Zone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*3600)
}()

// Day returns the arrival day of t.
func Day(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

type line struct {
	seq  uint64
	hash [32]byte
}

// Root computes the chain over a tenant's stored lines with sequence
// numbers in [first, end): h = SHA-256(h ‖ seq ‖ SHA-256(line)) in seq
// order, from 32 zero bytes. It returns the number of lines and the hex root.
func Root(ctx context.Context, store logstore.Store, tenant uint32, first, end uint64) (int64, string, error) {
	q := fmt.Sprintf(`%q:>=%d %q:<%d | fields %q, _msg`, logstore.FieldSeq, first, logstore.FieldSeq, end, logstore.FieldSeq)
	var lines []line
	err := store.Search(ctx, logstore.Request{Tenants: []uint32{tenant}, Query: q}, func(row []event.Field) error {
		var l line
		var msg string
		var ok bool
		for _, f := range row {
			switch f.Name {
			case logstore.FieldSeq:
				n, err := strconv.ParseUint(f.Value, 10, 64)
				if err != nil {
					return fmt.Errorf("stored %s %q is not a number", logstore.FieldSeq, f.Value)
				}
				l.seq, ok = n, true
			case "_msg":
				msg = f.Value
			}
		}
		if !ok {
			return errors.New("stored line without a sequence number")
		}
		l.hash = sha256.Sum256([]byte(msg))
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		return 0, "", fmt.Errorf("read lines %d..%d of tenant %d: %w", first, end, tenant, err)
	}
	slices.SortFunc(lines, func(a, b line) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	var h [32]byte
	buf := make([]byte, 0, 32+8+32)
	for _, l := range lines {
		buf = append(buf[:0], h[:]...)
		buf = binary.BigEndian.AppendUint64(buf, l.seq)
		buf = append(buf, l.hash[:]...)
		h = sha256.Sum256(buf)
	}
	return int64(len(lines)), hex.EncodeToString(h[:]), nil
}

// Digest chains a day to the tenant's previous day.
func Digest(prev, day string, first, end uint64, lines int64, root string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "sekimori-log-day\n%s\n%s\n%d\n%d\n%d\n%s\n", prev, day, first, end, lines, root))
	return hex.EncodeToString(h[:])
}

// Sealer marks days and seals the finished ones. Safe for one goroutine.
type Sealer struct {
	State *state.Store
	Logs  logstore.Store
	// Committed returns the highest sequence number known to be in the
	// log store and on disk (the spool's commit point).
	Committed func() uint64
	Now       func() time.Time
}

// Mark records that today starts at nextSeq unless today is marked.
func (s *Sealer) Mark(ctx context.Context, nextSeq uint64) error {
	return s.State.MarkLogDay(ctx, Day(s.now()), nextSeq)
}

func (s *Sealer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SealDue seals, for every tenant, each marked day that has ended and whose
// lines are all committed to the store. It returns how many it sealed.
func (s *Sealer) SealDue(ctx context.Context) (int, error) {
	days, err := s.State.LogDays(ctx)
	if err != nil {
		return 0, err
	}
	tenants, err := s.State.ListTenants(ctx)
	if err != nil {
		return 0, err
	}
	committed := s.Committed()
	sealed := 0
	for i := 0; i+1 < len(days); i++ {
		d, end := days[i], days[i+1].FirstSeq
		if end > 0 && committed < end-1 {
			break // the day's last lines are not safely stored yet
		}
		for _, t := range tenants {
			if _, err := s.State.LogDigest(ctx, t.ID, d.Day); err == nil {
				continue
			} else if !errors.Is(err, state.ErrNotFound) {
				return sealed, err
			}
			lines, root, err := Root(ctx, s.Logs, t.ID, d.FirstSeq, end)
			if err != nil {
				return sealed, err
			}
			prev := ""
			if p, err := s.State.LastLogDigest(ctx, t.ID, d.Day); err == nil {
				prev = p.Digest
			} else if !errors.Is(err, state.ErrNotFound) {
				return sealed, err
			}
			dg := state.LogDigest{TenantID: t.ID, Day: d.Day, FirstSeq: d.FirstSeq, EndSeq: end, Lines: lines, Root: root, Prev: prev,
				Digest: Digest(prev, d.Day, d.FirstSeq, end, lines, root), SealedAt: s.now()}
			if err := s.State.SaveLogDigest(ctx, dg); err != nil && !errors.Is(err, state.ErrExists) {
				return sealed, err
			}
			sealed++
		}
	}
	return sealed, nil
}

// Result is the outcome of verifying one tenant's day.
type Result struct {
	Tenant      string          `json:"tenant"`
	Day         string          `json:"day"`
	Intact      bool            `json:"intact"`
	Reason      string          `json:"reason"`
	Sealed      state.LogDigest `json:"sealed"`
	StoredLines int64           `json:"stored_lines"`
	StoredRoot  string          `json:"stored_root"`
}

// Verify recomputes a sealed day from the log store and checks it against
// its digest and its link to the previous day.
func Verify(ctx context.Context, st *state.Store, logs logstore.Store, t state.Tenant, day string, now time.Time) (Result, error) {
	r := Result{Tenant: t.Name, Day: day}
	d, err := st.LogDigest(ctx, t.ID, day)
	if errors.Is(err, state.ErrNotFound) {
		r.Reason = "not sealed: the day has not ended, or no logs were kept that day"
		return r, nil
	}
	if err != nil {
		return r, err
	}
	r.Sealed = d
	if r.StoredLines, r.StoredRoot, err = Root(ctx, logs, t.ID, d.FirstSeq, d.EndSeq); err != nil {
		return r, err
	}
	prev := ""
	if p, err := st.LastLogDigest(ctx, t.ID, day); err == nil {
		prev = p.Digest
	} else if !errors.Is(err, state.ErrNotFound) {
		return r, err
	}
	dayStart, _ := time.ParseInLocation(time.DateOnly, day, Zone)
	expired := t.RetentionDays > 0 && now.Sub(dayStart) > time.Duration(t.RetentionDays)*24*time.Hour
	switch {
	case d.Prev != prev:
		r.Reason = "chain broken: the previous day's digest does not match this day's link"
	case Digest(d.Prev, d.Day, d.FirstSeq, d.EndSeq, d.Lines, d.Root) != d.Digest:
		r.Reason = "sealed record altered: its digest does not match its contents"
	case r.StoredLines == d.Lines && r.StoredRoot == d.Root:
		r.Intact, r.Reason = true, fmt.Sprintf("intact: %d lines match the seal", d.Lines)
	case expired && r.StoredLines < d.Lines:
		r.Reason = fmt.Sprintf("deleted by retention (%d days): %d of %d lines remain", t.RetentionDays, r.StoredLines, d.Lines)
	case r.StoredLines != d.Lines:
		r.Reason = fmt.Sprintf("lines changed: %d stored now, %d when sealed", r.StoredLines, d.Lines)
	default:
		r.Reason = "lines altered: same count, different content or order"
	}
	return r, nil
}
