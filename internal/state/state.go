// Package state keeps Sekimori's relational state: tenants, devices, API
// tokens and the summary of log sources that belong to no device yet.
//
// One Store type serves two databases through database/sql and the same SQL:
// SQLite (the default, pure Go, one file under the data directory) and
// PostgreSQL (when one machine is not enough). Several processes may use the
// same SQLite file at once — the server keeps running while the CLI creates a
// tenant or a token — so every write is a short IMMEDIATE transaction and
// readers never block writers (WAL). A long-running process notices changes
// made by another one by polling [Store.Revision].
//
// Times are stored as UTC Unix nanoseconds, identifiers as 64-bit integers,
// so that the schema reads the same in both dialects. The schema is created
// and upgraded by numbered migrations embedded in the binary and applied by
// [Open].
package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Errors returned by the Store, wrapped with the operation that failed;
// match them with errors.Is.
var (
	// ErrNotFound: the tenant, device, token or source does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a unique name, source or device ID is already taken.
	// A *ConflictError says which device holds it.
	ErrExists = errors.New("already exists")
	// ErrInvalid: an argument is not acceptable. A *FieldError names it.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthorized: a token secret is unknown, revoked or expired.
	// It is returned bare, without saying which.
	ErrUnauthorized = errors.New("unauthorized")
)

// FieldError reports an unacceptable value of one field. It matches
// ErrInvalid.
type FieldError struct {
	Field  string // the field's snake_case name, as the API spells it: "name", "retention_days"
	Reason string // why the value is refused
}

func (e *FieldError) Error() string { return "invalid " + e.Field + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Store is the relational state. It is safe for concurrent use by many
// goroutines, and several Stores (in one process or several) may share one
// database. Close it when done.
type Store struct {
	// Now is the clock used for creation times and token expiry; nil means
	// time.Now. Set it right after Open, before the Store is shared.
	Now func() time.Time
	// Secrets, when set (right after Open), seals the TOTP keys of users.
	Secrets Sealer

	db    *sql.DB
	d     dialect
	stmts stmtCache
}

// Open connects to the database named by dsn and brings its schema up to
// date. The dsn is either a PostgreSQL URL (postgres://user:pass@host/db?...,
// postgresql:// also works) or a SQLite file: sqlite:/path/to/state.db or
// just the path. A SQLite file is created if missing; its directory must
// exist.
//
// Open may run at the same moment in several processes on the same database:
// migrations are serialized and applied once.
func Open(ctx context.Context, dsn string) (*Store, error) {
	d, driver, source, err := parseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("open state: %w", err)
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", d, err)
	}
	// A new connection sets its pragmas; switching a new file to WAL
	// needs the file to itself and can fail at once with SQLITE_BUSY,
	// without SQLite's busy wait, while another process or Open does the
	// same (TestSQLite/ConcurrentOpen: 20 failures in 400 runs without
	// this, none with it). Retry it for as
	// long as a statement would wait.
	for deadline := time.Now().Add(sqliteBusyTimeout * time.Millisecond); ; {
		err = db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open state %s: %w", d, err)
	}
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, fmt.Errorf("open state %s: %w", d, err)
	}
	return &Store{db: db, d: d, stmts: stmtCache{db: db}}, nil
}

// Close closes the database connections. Calls in flight may fail.
func (s *Store) Close() error {
	s.stmts.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close state: %w", err)
	}
	return nil
}

// Revision returns a counter that grows with every committed change to
// tenants and devices, made by this process or another. A server polls it
// to know when to reload its device map.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.q().queryRow(ctx, `SELECT value FROM counters WHERE name = 'revision'`).Scan(&rev)
	if err != nil {
		return 0, fmt.Errorf("read revision: %w", err)
	}
	return rev, nil
}

// now returns the current time from the Store's clock, in UTC and with the
// nanosecond precision it will be stored with.
func (s *Store) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return fromNanos(toNanos(now()))
}

// toNanos turns t into the stored form: Unix nanoseconds, 0 for the zero time.
func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of toNanos; times come back in UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// q returns a querier outside any transaction.
func (s *Store) q() querier { return querier{e: s.db, d: s.d} }

// write runs fn in a write transaction. When bump is set, the revision
// counter is incremented first; on PostgreSQL that row lock also serializes
// the writers of tenants and devices, so their checks see every committed
// change (SQLite's IMMEDIATE transactions do the same for all writers).
func (s *Store) write(ctx context.Context, bump bool, fn func(q querier) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	q := querier{e: tx, d: s.d, stmts: &s.stmts}
	if bump {
		if _, err := q.exec(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'revision'`); err != nil {
			return fmt.Errorf("bump revision: %w", err)
		}
	}
	if err := fn(q); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn in a read-only transaction, for reads that need one
// consistent snapshot across several statements.
func (s *Store) read(ctx context.Context, fn func(q querier) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	return fn(querier{e: tx, d: s.d})
}

// nextID allocates the next identifier of the named sequence in the
// counters table. Explicit sequences keep the schema the same in both
// dialects (no AUTOINCREMENT or BIGSERIAL).
func nextID(ctx context.Context, q querier, name string) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value`, name).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("next %s id: %w", name, err)
	}
	return id, nil
}
