package state

import "testing"

func TestRebind(t *testing.T) {
	tests := []struct {
		in, sqlite, postgres string
	}{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ?", "x = '?' AND y = ?", "x = '?' AND y = $1"},
		{`"we?ird" = ? OR z = 'it''s?'`, `"we?ird" = ? OR z = 'it''s?'`, `"we?ird" = $1 OR z = 'it''s?'`},
		{"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"},
	}
	for _, tt := range tests {
		if got := dialectSQLite.rebind(tt.in); got != tt.sqlite {
			t.Errorf("sqlite rebind(%q) = %q, want %q", tt.in, got, tt.sqlite)
		}
		if got := dialectPostgres.rebind(tt.in); got != tt.postgres {
			t.Errorf("postgres rebind(%q) = %q, want %q", tt.in, got, tt.postgres)
		}
	}
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn    string
		d      dialect
		driver string
	}{
		{"postgres://u:p@127.0.0.1/db?sslmode=disable", dialectPostgres, "pgx"},
		{"postgresql://u@db.example/db", dialectPostgres, "pgx"},
		{"sqlite:/var/lib/sekimori/state.db", dialectSQLite, "sqlite"},
		{"/var/lib/sekimori/state.db", dialectSQLite, "sqlite"},
		{"state.db", dialectSQLite, "sqlite"},
	}
	for _, tt := range tests {
		d, driver, _, err := parseDSN(tt.dsn)
		if err != nil || d != tt.d || driver != tt.driver {
			t.Errorf("parseDSN(%q) = %v, %q, %v; want %v, %q", tt.dsn, d, driver, err, tt.d, tt.driver)
		}
	}
}
