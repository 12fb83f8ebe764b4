package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
)

// postgresEnv names the environment variable with the DSN of a PostgreSQL
// database the tests may create schemas in; .ci/postgres.sh prints it.
const postgresEnv = "SEKIMORI_TEST_POSTGRES"

func TestPostgres(t *testing.T) {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; CI must test PostgreSQL (eval \"$(bash .ci/postgres.sh | tail -1)\")", postgresEnv)
		}
		t.Skipf("%s is not set; to run: eval \"$(bash .ci/postgres.sh | tail -1)\"", postgresEnv)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if err := admin.PingContext(context.Background()); err != nil {
		t.Fatalf("connect to %s: %v", postgresEnv, err)
	}

	// fresh creates an empty schema, dropped after the test, and returns a
	// DSN whose search_path points at it, so runs and tests never collide.
	fresh := func(t *testing.T) string {
		t.Helper()
		raw := make([]byte, 8)
		rand.Read(raw)
		schema := "state_test_" + hex.EncodeToString(raw)
		ctx := context.Background()
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
		})
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s is not a URL: %v", postgresEnv, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
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
