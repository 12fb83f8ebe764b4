package state

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// AuditEntry is one recorded change.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Remote string    `json:"remote,omitempty"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Before string    `json:"before,omitempty"`
	After  string    `json:"after,omitempty"`
	Hash   string    `json:"hash"`
}

// JSON renders v for Before/After ("" for nil).
func JSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

func auditHash(prev string, e AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{prev, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(toNanos(e.At), 10), e.Actor, e.Remote, e.Action, e.Target, e.Before, e.After} {
		fmt.Fprintf(h, "%d:%s\n", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Audit appends an entry to the audit trail. Entries are serialized: each
// links to the hash of the one before.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.Actor == "" || e.Action == "" {
		return fmt.Errorf("audit: %w", invalid("actor", "actor and action are required"))
	}
	return s.write(ctx, false, func(q querier) error {
		seq, err := nextID(ctx, q, "audit")
		if err != nil {
			return err
		}
		var prevSeq int64
		var prev string
		if err := q.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&prevSeq, &prev); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		e.Seq, e.At = seq, s.now()
		e.Hash = auditHash(prev, e)
		if _, err := q.exec(ctx, `INSERT INTO audit_log (seq, at, actor, remote, action, target, before, after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, toNanos(e.At), e.Actor, e.Remote, e.Action, e.Target, e.Before, e.After, prev, e.Hash); err != nil {
			return fmt.Errorf("append audit entry: %w", err)
		}
		if _, err := q.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash); err != nil {
			return fmt.Errorf("move audit head: %w", err)
		}
		return nil
	})
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Actor, Action string
	Since         time.Time
	BeforeSeq     int64
	Limit         int // default 100, at most 1000
}

// ListAudit returns audit entries newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	where, args := "1 = 1", []any{}
	if f.Actor != "" {
		where += " AND actor = ?"
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		where += " AND action = ?"
		args = append(args, f.Action)
	}
	if !f.Since.IsZero() {
		where += " AND at >= ?"
		args = append(args, toNanos(f.Since))
	}
	if f.BeforeSeq > 0 {
		where += " AND seq < ?"
		args = append(args, f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.q().query(ctx, `SELECT seq, at, actor, remote, action, target, before, after, hash FROM audit_log WHERE `+where+
		fmt.Sprintf(" ORDER BY seq DESC LIMIT %d", min(limit, 1000)), args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Remote, &e.Action, &e.Target, &e.Before, &e.After, &e.Hash); err != nil {
			return nil, err
		}
		e.At = fromNanos(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditCheck is the result of VerifyAudit.
type AuditCheck struct {
	Entries int64  `json:"entries"`
	OK      bool   `json:"ok"`
	Problem string `json:"problem,omitempty"`
	Seq     int64  `json:"seq,omitempty"` // where the first problem is
}

// VerifyAudit walks the whole trail and recomputes the chain: an edited
// entry, a deleted entry (a gap or a broken link) and entries cut off the
// end (against the head) are reported with the first place they show.
func (s *Store) VerifyAudit(ctx context.Context) (AuditCheck, error) {
	var c AuditCheck
	err := s.read(ctx, func(q querier) error {
		var headSeq int64
		var headHash string
		if err := q.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		rows, err := q.query(ctx, `SELECT seq, at, actor, remote, action, target, before, after, prev_hash, hash FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		prev, want := "", int64(1)
		for rows.Next() {
			var e AuditEntry
			var at int64
			var prevHash string
			if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Remote, &e.Action, &e.Target, &e.Before, &e.After, &prevHash, &e.Hash); err != nil {
				return err
			}
			e.At = fromNanos(at)
			c.Entries++
			switch {
			case c.Problem != "":
			case e.Seq != want:
				c.Problem, c.Seq = fmt.Sprintf("entries %d to %d are missing", want, e.Seq-1), want
			case prevHash != prev:
				c.Problem, c.Seq = "the link to the previous entry was changed", e.Seq
			case auditHash(prev, e) != e.Hash:
				c.Problem, c.Seq = "the entry was edited after it was written", e.Seq
			}
			prev, want = e.Hash, e.Seq+1
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if c.Problem == "" && (want-1 != headSeq || prev != headHash) {
			c.Problem, c.Seq = fmt.Sprintf("the trail ends at entry %d but the head says %d: entries were cut off the end or the head was changed", want-1, headSeq), want
		}
		return nil
	})
	c.OK = err == nil && c.Problem == ""
	return c, err
}
