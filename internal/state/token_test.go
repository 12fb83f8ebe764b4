package state

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Part of the shared suite (runSuite): API tokens.

func testTokens(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	expires := clk.Now().Add(24 * time.Hour)

	adminSecret, admin, err := s.CreateToken(ctx, "ops laptop", RoleAdmin, 0, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	tenantSecret, tenant, err := s.CreateToken(ctx, "acme portal", RoleTenant, acme.ID, expires)
	if err != nil {
		t.Fatal(err)
	}
	wantTokens := []Token{
		{ID: admin.ID, Name: "ops laptop", Role: RoleAdmin, CreatedAt: clk.Now()},
		{ID: tenant.ID, Name: "acme portal", Role: RoleTenant, TenantID: acme.ID, CreatedAt: clk.Now(), ExpiresAt: expires},
	}
	if diff := cmp.Diff(wantTokens, []Token{admin, tenant}); diff != "" {
		t.Errorf("CreateToken (-want +got):\n%s", diff)
	}
	for _, secret := range []string{adminSecret, tenantSecret} {
		if !strings.HasPrefix(secret, "skm_") || len(secret) != 4+43 {
			t.Errorf("secret %q: want skm_ and 43 base64url characters", secret)
		}
	}
	if adminSecret == tenantSecret {
		t.Error("two tokens got the same secret")
	}

	list, err := s.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantTokens, list); diff != "" {
		t.Errorf("ListTokens (-want +got):\n%s", diff)
	}

	// Authenticate finds each token by its secret and records its use, at
	// most once a minute.
	clk.Advance(time.Minute)
	used := clk.Now()
	for i, secret := range []string{adminSecret, tenantSecret} {
		got, err := s.Authenticate(ctx, secret)
		if err != nil {
			t.Fatalf("Authenticate(token %d): %v", i, err)
		}
		want := wantTokens[i]
		want.LastUsedAt = used
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Authenticate (-want +got):\n%s", diff)
		}
	}
	clk.Advance(30 * time.Second)
	if got, _ := s.Authenticate(ctx, adminSecret); !got.LastUsedAt.Equal(used) {
		t.Errorf("LastUsedAt after 30s = %v, want still %v", got.LastUsedAt, used)
	}
	clk.Advance(31 * time.Second)
	if got, _ := s.Authenticate(ctx, adminSecret); !got.LastUsedAt.Equal(clk.Now()) {
		t.Errorf("LastUsedAt after 61s = %v, want %v", got.LastUsedAt, clk.Now())
	}
	list, _ = s.ListTokens(ctx)
	if len(list) != 2 || !list[0].LastUsedAt.Equal(clk.Now()) || !list[1].LastUsedAt.Equal(used) {
		t.Errorf("ListTokens after use = %+v", list)
	}

	// Anything else is ErrUnauthorized itself, with no detail.
	flipped := []byte(adminSecret)
	flipped[len(flipped)-1] ^= 1
	for _, bad := range []string{
		"",
		"skm_",
		string(flipped),
		"skm_" + strings.Repeat("A", 43),
		"Bearer " + adminSecret,
		adminSecret + " ",
		strings.ToUpper(adminSecret),
	} {
		if _, err := s.Authenticate(ctx, bad); err != ErrUnauthorized {
			t.Errorf("Authenticate(%q) = %v, want exactly ErrUnauthorized", bad, err)
		}
	}
}

func testTokenInvalid(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	tests := []struct {
		name    string
		tname   string
		role    Role
		tenant  uint32
		expires time.Time
		field   string
	}{
		{"admin with tenant", "t", RoleAdmin, acme.ID, time.Time{}, "tenant_id"},
		{"tenant without tenant", "t", RoleTenant, 0, time.Time{}, "tenant_id"},
		{"unknown tenant", "t", RoleTenant, 77, time.Time{}, "tenant_id"},
		{"unknown role", "t", Role("root"), 0, time.Time{}, "role"},
		{"empty role", "t", Role(""), 0, time.Time{}, "role"},
		{"empty name", "", RoleAdmin, 0, time.Time{}, "name"},
		{"long name", strings.Repeat("n", 65), RoleAdmin, 0, time.Time{}, "name"},
		{"control character", "a\nb", RoleAdmin, 0, time.Time{}, "name"},
		{"expired", "t", RoleAdmin, 0, clk.Now().Add(-time.Second), "expires_at"},
		{"expiring now", "t", RoleAdmin, 0, clk.Now(), "expires_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret, _, err := s.CreateToken(ctx, tt.tname, tt.role, tt.tenant, tt.expires)
			wantField(t, err, tt.field)
			if secret != "" {
				t.Errorf("a refused token got a secret")
			}
		})
	}
	if list, _ := s.ListTokens(ctx); len(list) != 0 {
		t.Errorf("refused tokens were stored: %+v", list)
	}
	// A name in Japanese is fine.
	if _, _, err := s.CreateToken(ctx, "監視チーム", RoleTenant, acme.ID, time.Time{}); err != nil {
		t.Errorf("CreateToken with a Japanese name: %v", err)
	}
}

func testTokenExpiryAndRevocation(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	expiring, _, err := s.CreateToken(ctx, "short", RoleTenant, acme.ID, clk.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	lasting, lastingTok, err := s.CreateToken(ctx, "long", RoleAdmin, 0, time.Time{})
	if err != nil {
		t.Fatal(err)
	}

	clk.Advance(time.Hour - time.Nanosecond)
	if _, err := s.Authenticate(ctx, expiring); err != nil {
		t.Fatalf("token 1ns before expiry: %v", err)
	}
	clk.Advance(time.Nanosecond)
	if _, err := s.Authenticate(ctx, expiring); err != ErrUnauthorized {
		t.Errorf("token at expiry: err = %v, want ErrUnauthorized", err)
	}
	if _, err := s.Authenticate(ctx, lasting); err != nil {
		t.Fatalf("token without expiry: %v", err)
	}

	revokedAt := clk.Now()
	if err := s.RevokeToken(ctx, lastingTok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, lasting); err != ErrUnauthorized {
		t.Errorf("revoked token: err = %v, want ErrUnauthorized", err)
	}
	clk.Advance(time.Hour)
	if err := s.RevokeToken(ctx, lastingTok.ID); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	list, _ := s.ListTokens(ctx)
	if len(list) != 2 || !list[1].RevokedAt.Equal(revokedAt) || !list[0].RevokedAt.IsZero() {
		t.Errorf("ListTokens = %+v, want the second revoked at %v", list, revokedAt)
	}
	wantIs(t, s.RevokeToken(ctx, 999), ErrNotFound)
}
