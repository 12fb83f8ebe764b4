package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestSQLite(t *testing.T) {
	fresh := func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "state.db") }
	runSuite(t, func(t *testing.T) *Store {
		s, err := Open(context.Background(), fresh(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
	runSharedDatabase(t, fresh)
}

// TestSQLiteSecretNotStored looks for a token's secret in every file of the
// database: only its hash may be there.
func TestSQLiteSecretNotStored(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, filepath.Join(dir, "state.db")) // a plain path works too
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.CreateToken(ctx, "ci", RoleAdmin, 0, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	// Read the files while the Store is open (the WAL holds the recent
	// writes) and after Close (checkpointed into the main file).
	check := func(when string) {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		var all []byte
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		if bytes.Contains(all, []byte(secret)) || bytes.Contains(all, []byte(secret[len(SecretPrefix):])) {
			t.Errorf("%s: the secret is in the database files", when)
		}
		// The search works: the hash is there.
		if !bytes.Contains(all, []byte(hashSecret(secret))) {
			t.Errorf("%s: the secret's hash is not in the database files %v", when, files)
		}
	}
	check("open")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check("closed")
}

func TestSQLiteDSN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{"", "sqlite:", ":memory:", "sqlite::memory:", "file:x.db", filepath.Join(dir, "a?b.db")} {
		if s, err := Open(ctx, dsn); !errors.Is(err, ErrInvalid) {
			if s != nil {
				s.Close()
			}
			t.Errorf("Open(%q): err = %v, want ErrInvalid", dsn, err)
		}
	}
	if _, err := Open(ctx, filepath.Join(dir, "missing", "state.db")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
	s, err := Open(ctx, "sqlite:"+filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mode string
	var fk, timeout int
	q := s.q()
	if err := q.queryRow(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := q.queryRow(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	if err := q.queryRow(ctx, `PRAGMA busy_timeout`).Scan(&timeout); err != nil || timeout != sqliteBusyTimeout {
		t.Errorf("busy_timeout = %d, %v; want %d", timeout, err, sqliteBusyTimeout)
	}
}

// helperEnv names the database a helper process writes to; see
// TestSQLiteProcesses.
const helperEnv = "SEKIMORI_STATE_TEST_HELPER"

// TestSQLiteProcesses runs three processes on one new SQLite file at once,
// the way the server and CLI commands share a data directory: all migrate,
// all write, nothing is lost.
func TestSQLiteProcesses(t *testing.T) {
	if dsn := os.Getenv(helperEnv); dsn != "" {
		helperProcess(t, dsn)
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "state.db")
	const procs = 3
	cmds := make([]*exec.Cmd, procs)
	outs := make([]bytes.Buffer, procs)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+dsn, fmt.Sprintf("SEKIMORI_STATE_TEST_PREFIX=p%d", i))
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i].String())
		}
	}
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tenants, _ := s.ListTenants(context.Background())
	tokens, _ := s.ListTokens(context.Background())
	if len(tenants) != procs*helperWrites || len(tokens) != procs*helperWrites {
		t.Errorf("%d tenants and %d tokens, want %d each", len(tenants), len(tokens), procs*helperWrites)
	}
}

const helperWrites = 10

func helperProcess(t *testing.T, dsn string) {
	ctx := context.Background()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prefix := os.Getenv("SEKIMORI_STATE_TEST_PREFIX")
	for i := range helperWrites {
		tn, err := s.CreateTenant(ctx, fmt.Sprintf("%s-%d", prefix, i))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CreateToken(ctx, "helper", RoleTenant, tn.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
}
