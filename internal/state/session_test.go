package state

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Part of the shared suite (runSuite): sessions, tokens of users, and the
// migration of version-1 tokens.

func testSessions(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	u := mustUser(t, s, User{Name: "kato", Role: RoleProviderAnalyst, Tenants: []uint32{acme.ID}})
	secret, se, err := s.CreateSession(ctx, u.ID, "192.0.2.7", 30*time.Minute, 8*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	start := clk.Now()
	want := Session{UserID: u.ID, Remote: "192.0.2.7", CreatedAt: start, LastSeenAt: start, Idle: 30 * time.Minute, ExpiresAt: start.Add(8 * time.Hour)}
	if diff := cmp.Diff(want, se); diff != "" {
		t.Errorf("CreateSession (-want +got):\n%s", diff)
	}
	if len(secret) != 43 {
		t.Errorf("secret %q: want 43 base64url characters", secret)
	}
	got, gu, err := s.SessionUser(ctx, secret)
	if err != nil || gu.ID != u.ID || !cmp.Equal(gu.Tenants, []uint32{acme.ID}) || !cmp.Equal(got, want) {
		t.Fatalf("SessionUser = %+v, %+v, %v", got, gu, err)
	}
	// Each request within the idle time keeps it alive, up to the absolute
	// expiry.
	for clk.Now().Before(start.Add(8*time.Hour - 20*time.Minute)) {
		clk.Advance(20 * time.Minute)
		if _, _, err := s.SessionUser(ctx, secret); err != nil {
			t.Fatalf("at %v: %v", clk.Now().Sub(start), err)
		}
	}
	clk.Advance(start.Add(8 * time.Hour).Sub(clk.Now()))
	if _, _, err := s.SessionUser(ctx, secret); err != ErrUnauthorized {
		t.Errorf("at the absolute expiry: %v", err)
	}
	// Idle for too long.
	secret, _, _ = s.CreateSession(ctx, u.ID, "", 30*time.Minute, 8*time.Hour)
	clk.Advance(29 * time.Minute)
	if _, _, err := s.SessionUser(ctx, secret); err != nil {
		t.Fatalf("after 29 idle minutes: %v", err)
	}
	clk.Advance(30 * time.Minute)
	if _, _, err := s.SessionUser(ctx, secret); err != ErrUnauthorized {
		t.Errorf("after 30 idle minutes: %v", err)
	}
	// Signing out; a password change ends the others.
	a, _, _ := s.CreateSession(ctx, u.ID, "", time.Hour, time.Hour)
	b, _, _ := s.CreateSession(ctx, u.ID, "", time.Hour, time.Hour)
	c, _, _ := s.CreateSession(ctx, u.ID, "", time.Hour, time.Hour)
	if list, _ := s.ListSessions(ctx, u.ID); len(list) != 3 {
		t.Errorf("ListSessions: %d, want 3 (expired ones gone)", len(list))
	}
	if err := s.EndSession(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, a); err != ErrUnauthorized {
		t.Errorf("after sign-out: %v", err)
	}
	if err := s.EndSession(ctx, a); err != nil {
		t.Errorf("signing out twice: %v", err)
	}
	if err := s.SetPassword(ctx, u.ID, "another passphrase", b); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionUser(ctx, b); err != nil {
		t.Errorf("the session that changed the password: %v", err)
	}
	if _, _, err := s.SessionUser(ctx, c); err != ErrUnauthorized {
		t.Errorf("another session after a password change: %v", err)
	}
	last := "A" // a different last character (the secret may end in "A")
	if strings.HasSuffix(b, last) {
		last = "B"
	}
	for _, bad := range []string{"", "x", b + "x", b[:42] + last} {
		if _, _, err := s.SessionUser(ctx, bad); err != ErrUnauthorized {
			t.Errorf("SessionUser(%q) = %v", bad, err)
		}
	}
	_, _, err = s.CreateSession(ctx, 999, "", time.Hour, time.Hour)
	wantIs(t, err, ErrNotFound)
}

func testUserTokens(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	beta := mustTenant(t, s, "beta")
	u := mustUser(t, s, User{Name: "abe", Role: RoleProviderAnalyst})
	secret, tok, err := s.IssueToken(ctx, Token{Name: "abe's script", Role: RoleProviderAnalyst, Tenants: []uint32{beta.ID, acme.ID}, UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := Token{ID: tok.ID, Name: "abe's script", Role: RoleProviderAnalyst, Tenants: []uint32{acme.ID, beta.ID}, UserID: u.ID, CreatedAt: clk.Now()}
	if diff := cmp.Diff(want, tok); diff != "" {
		t.Errorf("IssueToken (-want +got):\n%s", diff)
	}
	got, err := s.Authenticate(ctx, secret)
	want.LastUsedAt = clk.Now()
	if err != nil || !cmp.Equal(want, got) {
		t.Errorf("Authenticate = %+v, %v; want %+v", got, err, want)
	}
	if got, err := s.TokenByID(ctx, tok.ID); err != nil || !cmp.Equal(want, got) {
		t.Errorf("TokenByID = %+v, %v", got, err)
	}
	if list, _ := s.ListTokens(ctx); len(list) != 1 || !cmp.Equal(list[0], want) {
		t.Errorf("ListTokens = %+v", list)
	}
	_, err = s.TokenByID(ctx, 999)
	wantIs(t, err, ErrNotFound)
	for _, tc := range []struct {
		name  string
		tok   Token
		field string
	}{
		{"unknown user", Token{Name: "t", Role: RoleProviderAdmin, UserID: 999}, "user_id"},
		{"analyst with unknown tenants", Token{Name: "t", Role: RoleProviderAnalyst, Tenants: []uint32{77}}, "tenants"},
		{"viewer without tenant", Token{Name: "t", Role: RoleCustomerViewer}, "tenant_id"},
		{"viewer with a list", Token{Name: "t", Role: RoleCustomerViewer, TenantID: acme.ID, Tenants: []uint32{acme.ID}}, "tenants"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.IssueToken(ctx, tc.tok)
			wantField(t, err, tc.field)
		})
	}
	yes := true
	s.UpdateUser(ctx, u.ID, UserChange{Disabled: &yes})
	_, _, err = s.IssueToken(ctx, Token{Name: "t", Role: RoleProviderAnalyst, UserID: u.ID})
	wantField(t, err, "user_id")
}

// testMigrateV1Tokens opens a database written by schema version 6, with
// tokens of the roles admin and tenant, and checks that after the
// migration to users their secrets still work, with the new role names.
func testMigrateV1Tokens(t *testing.T, dsn string) {
	ctx := context.Background()
	d, driver, source, err := parseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(ctx, db, d, 6); err != nil {
		t.Fatal(err)
	}
	q := querier{e: db, d: d}
	if _, err := q.exec(ctx, `INSERT INTO tenants (id, name, retention_days, created_at) VALUES (1, 'acme', 90, 1)`); err != nil {
		t.Fatal(err)
	}
	adminSecret, tenantSecret := SecretPrefix+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SecretPrefix+"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	for i, row := range []struct {
		role   string
		tenant int64
		secret string
	}{{"admin", 0, adminSecret}, {"tenant", 1, tenantSecret}} {
		if _, err := q.exec(ctx, `INSERT INTO tokens (id, name, role, tenant_id, secret_hash, created_at, expires_at, revoked_at, last_used_at)
			VALUES (?, 'v1', ?, ?, ?, 1, 0, 0, 0)`, i+1, row.role, row.tenant, hashSecret(row.secret)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for secret, want := range map[string]Token{adminSecret: {Role: RoleProviderAdmin}, tenantSecret: {Role: RoleCustomerAdmin, TenantID: 1}} {
		got, err := s.Authenticate(ctx, secret)
		if err != nil || got.Role != want.Role || got.TenantID != want.TenantID || got.UserID != 0 {
			t.Errorf("version-1 token after migration: %+v, %v; want role %s, tenant %d", got, err, want.Role, want.TenantID)
		}
	}
	if _, err := s.Authenticate(ctx, SecretPrefix+"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("unknown secret: %v", err)
	}
}
