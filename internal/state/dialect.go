package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is the SQL flavour of the database behind a Store. Queries are
// written once, with ? placeholders, and rebound for PostgreSQL.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

func (d dialect) String() string {
	if d == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// sqliteBusyTimeout is how long a SQLite statement waits for another
// connection or process to release the write lock.
const sqliteBusyTimeout = 5000 // milliseconds

// sqliteParams configure every SQLite connection:
//   - busy_timeout: wait for the write lock instead of failing at once;
//   - foreign_keys: SQLite leaves them off unless asked, per connection;
//   - journal_mode WAL: readers and one writer work at the same time, across
//     processes;
//   - temp_store MEMORY: temporary files stay in memory. Among them is
//     the statement journal of a statement that may write many rows inside
//     a transaction (RecordMatches' inserts and updates of a whole batch):
//     a copy of every page the statement changes, written to a file past
//     64 KiB, which in BenchmarkRecordMatches/ingest took more CPU than
//     batching the statements saved;
//   - _txlock=immediate: BEGIN takes the write lock at once, so two
//     processes never both read and then both try to upgrade to writing (a
//     deferred transaction would get SQLITE_BUSY there without waiting).
//     Read-only transactions (sql.TxOptions.ReadOnly) stay deferred.
var sqliteParams = url.Values{
	"_pragma": {
		"busy_timeout(" + strconv.Itoa(sqliteBusyTimeout) + ")",
		"foreign_keys(1)",
		"journal_mode(WAL)",
		"temp_store(MEMORY)",
	},
	"_txlock": {"immediate"},
}.Encode()

// parseDSN tells the dialect of dsn and returns the database/sql driver name
// and data source for it.
func parseDSN(dsn string) (d dialect, driver, source string, err error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return dialectPostgres, "pgx", dsn, nil
	case dsn == "":
		return 0, "", "", invalid("dsn", "empty")
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	switch {
	case path == "":
		return 0, "", "", invalid("dsn", "no SQLite file path in %q", dsn)
	case strings.Contains(path, "?"):
		// The driver takes its options after a '?'; ours are fixed.
		return 0, "", "", invalid("dsn", "SQLite file path %q must not contain '?'", path)
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		// Each pooled connection would get its own in-memory database, and
		// URI file names would bypass the options above.
		return 0, "", "", invalid("dsn", "%q: a SQLite file path is required", path)
	}
	return dialectSQLite, "sqlite", path + "?" + sqliteParams, nil
}

// rebind rewrites the ? placeholders of query for d: $1, $2, ... for
// PostgreSQL. Question marks inside quoted strings and identifiers are kept.
func (d dialect) rebind(query string) string {
	if d != dialectPostgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte // the quote character we are inside of, or 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// execQuerier is what *sql.DB and *sql.Tx have in common.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querier runs portable queries (with ? placeholders) on a database or
// inside a transaction.
type querier struct {
	e execQuerier
	d dialect
	// In write transactions: the statements prepared once for the
	// database (see cachedExec).
	stmts *stmtCache
}

// stmtCache keeps statements prepared on db by their text.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[query]; st != nil {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = nil
}

// cachedStmt returns query as a statement of q's transaction, prepared
// once per database connection rather than at every call: for statements
// run many times a second (recording alert matches). ok is false outside
// write transactions.
func (q querier) cachedStmt(ctx context.Context, query string) (st *sql.Stmt, ok bool, err error) {
	tx, isTx := q.e.(*sql.Tx)
	if !isTx || q.stmts == nil {
		return nil, false, nil
	}
	dbst, err := q.stmts.get(ctx, q.d.rebind(query))
	if err != nil {
		return nil, true, err
	}
	return tx.StmtContext(ctx, dbst), true, nil
}

// cachedExec is exec with a cached statement.
func (q querier) cachedExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, ok, err := q.cachedStmt(ctx, query)
	if !ok {
		return q.exec(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.ExecContext(ctx, args...)
}

// cachedQuery is query with a cached statement; each runs on every row
// before the statement is released.
func (q querier) cachedQuery(ctx context.Context, query string, each func(*sql.Rows) error, args ...any) error {
	st, ok, err := q.cachedStmt(ctx, query)
	if err != nil {
		return err
	}
	var rows *sql.Rows
	if ok {
		defer st.Close()
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = q.query(ctx, query, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (q querier) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.e.ExecContext(ctx, q.d.rebind(query), args...)
}

func (q querier) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.e.QueryContext(ctx, q.d.rebind(query), args...)
}

func (q querier) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return q.e.QueryRowContext(ctx, q.d.rebind(query), args...)
}

// isUniqueViolation reports whether err is a unique-constraint failure, the
// backstop for the duplicate checks that run before an insert.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" // unique_violation
	}
	return false
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// rowsAffected returns ErrNotFound when res changed no row.
func notFoundIfNone(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("rows affected: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
