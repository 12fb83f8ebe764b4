// Package logstore keeps events and answers LogsQL queries over them. The
// Store interface is what the rest of Sekimori uses; Embedded implements it
// with the VictoriaLogs storage library linked into the binary.
//
// Every read takes the tenants the caller may see as an explicit,
// non-empty list; the store scopes the query to them below the query
// language, so no LogsQL text (pipes, _stream filters, or-branches) can
// reach another tenant's rows.
package logstore

import (
	"context"
	"errors"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// Stored field names that Sekimori adds to every event.
const (
	FieldTenant        = "tenant.id"
	FieldDevice        = "device"
	FieldSource        = "log.source.address"
	FieldSeq           = "ingest.seq"
	FieldFormat        = "format"
	FieldFormatVersion = "format.version"
	FieldParseError    = "parse.error"
	// FieldParseTruncated holds event.Event.FieldsDropped when not zero.
	FieldParseTruncated = "parse.truncated"
)

// ErrNoTenants is returned by reads given an empty tenant scope.
var ErrNoTenants = errors.New("no tenant in scope")

// ErrBadQuery wraps query syntax errors so callers can answer 400.
var ErrBadQuery = errors.New("bad query")

// Request is a read over a time range.
type Request struct {
	// Tenants the caller may read: required, taken from the authenticated
	// session, never from the client.
	Tenants []uint32
	// Query is LogsQL; "" means "*".
	Query string
	// Start and End bound _time (End exclusive); zero means unbounded.
	Start, End time.Time
	// Limit caps the rows of Search (newest first); 0 means all rows,
	// unsorted, streamed as found.
	Limit int
}

// Bucket is one step of a time histogram.
type Bucket struct {
	Time  time.Time `json:"time"`
	Count uint64    `json:"count"`
}

// ValueCount is one top value of a field.
type ValueCount struct {
	Value string `json:"value"`
	Count uint64 `json:"count"`
}

// Stats describes the store for /metrics.
type Stats struct {
	Rows      uint64
	DiskBytes uint64
	ReadOnly  bool
	// LeanRows counts the rows added lean since the store was opened (see
	// FieldDerived): when a device's lines stop qualifying (a format
	// change), this stops growing with its traffic.
	LeanRows uint64
}

// Store is implemented by Embedded (and later by a cluster client).
// All methods are safe for concurrent use.
type Store interface {
	// Add stores events. It does not retain evs. Added events become
	// searchable within about a second and durable within FlushInterval.
	//
	// Every event is stored: fields past the store's limits (see
	// Embedded) are left out and added to the event's FieldsDropped, which
	// the caller may read once Add returns; a raw line too long for a row
	// is cut, and the event's ParseError says so.
	Add(evs []*event.Event) error
	// Search calls fn for each matching row; fields are ordered _time,
	// _msg, then the stored fields, then (for lean rows) the fields read
	// from _msg. Returning an error from fn stops the search and returns
	// that error.
	Search(ctx context.Context, req Request, fn func(row []event.Field) error) error
	// Hits returns a histogram of matching rows with the given step.
	Hits(ctx context.Context, req Request, step time.Duration) ([]Bucket, error)
	// Facets returns the top limit values of field among matching rows,
	// most frequent first; rows without the field (or with it empty) are
	// not counted as a value.
	Facets(ctx context.Context, req Request, field string, limit int) ([]ValueCount, error)
	// Seqs returns the ingest sequence numbers ≥ from stored for tenants:
	// used once at start-up to make spool replay idempotent.
	Seqs(ctx context.Context, tenants []uint32, from uint64) (map[uint64]struct{}, error)
	// Delete removes, in the background, the rows of tenants that match the
	// LogsQL filter (no pipes) and are older than before (zero: any age).
	// Used for per-tenant retention and for moving re-assigned lines.
	Delete(ctx context.Context, tenants []uint32, filter string, before time.Time) error
	// Flush makes everything added so far searchable.
	Flush()
	Stats() Stats
	Close() error
}
