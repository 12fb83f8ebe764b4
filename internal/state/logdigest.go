package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LogDay is where an arrival day starts in the spool's sequence.
type LogDay struct {
	Day      string // YYYY-MM-DD
	FirstSeq uint64
}

// MarkLogDay records that day starts at firstSeq, unless the day is already
// marked (the first mark wins).
func (s *Store) MarkLogDay(ctx context.Context, day string, firstSeq uint64) error {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fmt.Errorf("mark log day: %w", invalid("day", "%q: want YYYY-MM-DD", day))
	}
	_, err := s.q().exec(ctx, `INSERT INTO log_days (day, first_seq) VALUES (?, ?) ON CONFLICT (day) DO NOTHING`, day, int64(firstSeq))
	if err != nil {
		return fmt.Errorf("mark log day %s: %w", day, err)
	}
	return nil
}

// LogDays returns the marked days in order.
func (s *Store) LogDays(ctx context.Context) ([]LogDay, error) {
	rows, err := s.q().query(ctx, `SELECT day, first_seq FROM log_days ORDER BY day`)
	if err != nil {
		return nil, fmt.Errorf("list log days: %w", err)
	}
	defer rows.Close()
	var out []LogDay
	for rows.Next() {
		var d LogDay
		var seq int64
		if err := rows.Scan(&d.Day, &seq); err != nil {
			return nil, err
		}
		d.FirstSeq = uint64(seq)
		out = append(out, d)
	}
	return out, rows.Err()
}

// LogDigest is the sealed digest of one tenant's day of logs.
type LogDigest struct {
	TenantID uint32    `json:"tenant_id"`
	Day      string    `json:"day"`
	FirstSeq uint64    `json:"first_seq"`
	EndSeq   uint64    `json:"end_seq"`
	Lines    int64     `json:"lines"`
	Root     string    `json:"root"`
	Prev     string    `json:"prev"`
	Digest   string    `json:"digest"`
	SealedAt time.Time `json:"sealed_at"`
}

// SaveLogDigest stores a sealed digest; a day is sealed once (ErrExists).
func (s *Store) SaveLogDigest(ctx context.Context, d LogDigest) error {
	_, err := s.q().exec(ctx, `INSERT INTO log_digests (tenant_id, day, first_seq, end_seq, lines, root, prev, digest, sealed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, int64(d.TenantID), d.Day, int64(d.FirstSeq), int64(d.EndSeq), d.Lines, d.Root, d.Prev, d.Digest, toNanos(d.SealedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("seal logs of tenant %d on %s: %w", d.TenantID, d.Day, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("seal logs of tenant %d on %s: %w", d.TenantID, d.Day, err)
	}
	return nil
}

// LogDigest returns the sealed digest of a tenant's day (ErrNotFound when
// the day is not sealed).
func (s *Store) LogDigest(ctx context.Context, tenantID uint32, day string) (LogDigest, error) {
	return scanLogDigest(s.q().queryRow(ctx, `SELECT tenant_id, day, first_seq, end_seq, lines, root, prev, digest, sealed_at
		FROM log_digests WHERE tenant_id = ? AND day = ?`, int64(tenantID), day))
}

// LastLogDigest returns a tenant's latest sealed day before day (ErrNotFound
// when there is none).
func (s *Store) LastLogDigest(ctx context.Context, tenantID uint32, before string) (LogDigest, error) {
	return scanLogDigest(s.q().queryRow(ctx, `SELECT tenant_id, day, first_seq, end_seq, lines, root, prev, digest, sealed_at
		FROM log_digests WHERE tenant_id = ? AND day < ? ORDER BY day DESC LIMIT 1`, int64(tenantID), before))
}

func scanLogDigest(r scanner) (LogDigest, error) {
	var d LogDigest
	var tenant, first, end, sealed int64
	err := r.Scan(&tenant, &d.Day, &first, &end, &d.Lines, &d.Root, &d.Prev, &d.Digest, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read log digest: %w", err)
	}
	d.TenantID, d.FirstSeq, d.EndSeq, d.SealedAt = uint32(tenant), uint64(first), uint64(end), fromNanos(sealed)
	return d, nil
}
