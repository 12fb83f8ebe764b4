package state

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// UnassignedSource summarizes the lines received from a source that
// belongs to no device. The lines themselves wait in the log store under
// tenant 0 until the source is given to a device.
type UnassignedSource struct {
	Source    string // IP address or host name, canonical form (lower case)
	Hostname  string // a host name seen in its lines, the latest noted; may be empty
	DevID     string // a device serial seen in its lines, the latest noted; may be empty
	FirstSeen time.Time
	LastSeen  time.Time
	Lines     int64 // lines received, over all notes
}

// maxSampleLen bounds the stored hostname and devid samples, which come
// from the lines of an unknown sender.
const maxSampleLen = 255

// NoteUnassigned records that lines more lines came from source, which
// belongs to no device, at time seen (zero: now). Notes for one source add
// up: the line count grows, first and last seen widen, and non-empty
// hostname and devid samples replace older ones. Ingest calls it in
// batches, not per line.
func (s *Store) NoteUnassigned(ctx context.Context, source, hostname, devid string, seen time.Time, lines int64) error {
	src := normalizeSource(source)
	if src == "" || len(src) > maxSourceLen {
		return fmt.Errorf("note unassigned source: %w", invalid("source", "%q: must be 1-%d characters", source, maxSourceLen))
	}
	if lines < 0 {
		return fmt.Errorf("note unassigned source %q: %w", src, invalid("lines", "%d: negative", lines))
	}
	if seen.IsZero() {
		seen = s.now()
	}
	at := toNanos(seen)
	_, err := s.q().exec(ctx, `INSERT INTO unassigned_sources AS u (source, hostname, devid, first_seen, last_seen, lines)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET
			hostname   = CASE WHEN excluded.hostname <> '' THEN excluded.hostname ELSE u.hostname END,
			devid      = CASE WHEN excluded.devid <> '' THEN excluded.devid ELSE u.devid END,
			first_seen = CASE WHEN excluded.first_seen < u.first_seen THEN excluded.first_seen ELSE u.first_seen END,
			last_seen  = CASE WHEN excluded.last_seen > u.last_seen THEN excluded.last_seen ELSE u.last_seen END,
			lines      = u.lines + excluded.lines`,
		src, sample(hostname), sample(devid), at, at, lines)
	if err != nil {
		return fmt.Errorf("note unassigned source %q: %w", src, err)
	}
	return nil
}

// sample trims s and cuts it to maxSampleLen bytes of valid UTF-8.
func sample(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxSampleLen && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	for len(s) > maxSampleLen {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// ListUnassigned returns the unassigned sources, the most recently seen
// first.
func (s *Store) ListUnassigned(ctx context.Context) ([]UnassignedSource, error) {
	rows, err := s.q().query(ctx, `SELECT source, hostname, devid, first_seen, last_seen, lines
		FROM unassigned_sources ORDER BY last_seen DESC, source`)
	if err != nil {
		return nil, fmt.Errorf("list unassigned sources: %w", err)
	}
	defer rows.Close()
	var us []UnassignedSource
	for rows.Next() {
		var (
			u           UnassignedSource
			first, last int64
		)
		if err := rows.Scan(&u.Source, &u.Hostname, &u.DevID, &first, &last, &u.Lines); err != nil {
			return nil, fmt.Errorf("list unassigned sources: %w", err)
		}
		u.FirstSeen, u.LastSeen = fromNanos(first), fromNanos(last)
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list unassigned sources: %w", err)
	}
	return us, nil
}

// ClearUnassigned forgets the summary of source, typically once it has been
// given to a device. It returns ErrNotFound for a source with no summary.
func (s *Store) ClearUnassigned(ctx context.Context, source string) error {
	src := normalizeSource(source)
	res, err := s.q().exec(ctx, `DELETE FROM unassigned_sources WHERE source = ?`, src)
	if err == nil {
		err = notFoundIfNone(res, "source")
	}
	if err != nil {
		return fmt.Errorf("clear unassigned source %q: %w", src, err)
	}
	return nil
}
