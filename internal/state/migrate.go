package state

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationFS holds the schema migrations, NNNN_name.sql, applied in order
// of NNNN. A released migration is never edited: a change is a new file.
// Each file is portable SQL that both SQLite and PostgreSQL accept.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serializes
// migrations of concurrent Opens ("skmstate" in ASCII).
const migrationLockKey int64 = 0x736b6d7374617465

type migration struct {
	version int64
	name    string
	sql     string
}

// migrations returns the embedded migrations in order of version.
func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	seen := map[int64]string{}
	for _, f := range files {
		base := path.Base(f)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s: same version %d", other, base, v)
		}
		seen[v] = base
		body, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies the migrations that db lacks, all in one transaction, and
// records each in schema_migrations. Two processes migrating at once take
// turns: SQLite's BEGIN IMMEDIATE holds the file's write lock, PostgreSQL
// an advisory lock held until the transaction ends; the second finds the
// work done.
func migrate(ctx context.Context, db *sql.DB, d dialect) error { return migrateTo(ctx, db, d, 0) }

// migrateTo is migrate stopping after version upTo (0: the newest), for
// tests of a migration on data written by the schema before it.
func migrateTo(ctx context.Context, db *sql.DB, d dialect, upTo int64) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	q := querier{e: tx, d: d}
	if d == dialectPostgres {
		if _, err := q.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrationLockKey); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := q.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, q)
	if err != nil {
		return err
	}
	known := map[int64]bool{}
	for _, m := range ms {
		known[m.version] = true
	}
	for v := range applied {
		if !known[v] {
			return fmt.Errorf("migrate: database has schema version %d, unknown to this program (newer?)", v)
		}
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if upTo > 0 && m.version > upTo {
			break
		}
		if _, err := q.exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.name, err)
		}
		if _, err := q.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, q querier) (map[int64]bool, error) {
	rows, err := q.query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	return applied, nil
}
