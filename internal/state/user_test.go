package state

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/password"
	"github.com/sekimori/sekimori/internal/totp"
)

// TestMain makes password hashing cheap: the tests are about the state,
// not about argon2's cost.
func TestMain(m *testing.M) {
	password.Current = password.Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

// Part of the shared suite (runSuite): users, sign-in, second factor.

const testPassword = "correct horse battery"

func mustUser(t *testing.T, s *Store, u User) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), u, testPassword)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", u.Name, err)
	}
	return u
}

func testUsers(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	beta := mustTenant(t, s, "beta")
	now := clk.Now()
	admin := mustUser(t, s, User{Name: "Root@Example.JP", Role: RoleProviderAdmin})
	analyst := mustUser(t, s, User{Name: "analyst", Role: RoleProviderAnalyst, Tenants: []uint32{beta.ID, acme.ID, beta.ID}})
	viewer := mustUser(t, s, User{Name: "acme.viewer", Role: RoleCustomerViewer, TenantID: acme.ID})
	base := User{AuthSource: AuthLocal, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	want := []User{base, base, base}
	want[0].ID, want[0].Name, want[0].Role = admin.ID, "root@example.jp", RoleProviderAdmin
	want[1].ID, want[1].Name, want[1].Role, want[1].Tenants = analyst.ID, "analyst", RoleProviderAnalyst, []uint32{acme.ID, beta.ID}
	want[2].ID, want[2].Name, want[2].Role, want[2].TenantID = viewer.ID, "acme.viewer", RoleCustomerViewer, acme.ID
	if diff := cmp.Diff(want, []User{admin, analyst, viewer}); diff != "" {
		t.Errorf("CreateUser (-want +got):\n%s", diff)
	}
	list, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("ListUsers (-want +got):\n%s", diff)
	}
	for name, w := range map[string]User{"ROOT@example.jp": want[0], " analyst ": want[1]} {
		got, err := s.UserByName(ctx, name)
		if err != nil || !cmp.Equal(w, got) {
			t.Errorf("UserByName(%q) = %+v, %v", name, got, err)
		}
	}
	if got, err := s.User(ctx, analyst.ID); err != nil || !cmp.Equal(want[1], got) {
		t.Errorf("User(analyst) = %+v, %v", got, err)
	}
	_, err = s.CreateUser(ctx, User{Name: "ANALYST", Role: RoleProviderAdmin}, testPassword)
	wantIs(t, err, ErrExists)
	_, err = s.User(ctx, 999)
	wantIs(t, err, ErrNotFound)

	for _, tc := range []struct {
		name  string
		u     User
		pw    string
		field string
	}{
		{"empty name", User{Role: RoleProviderAdmin}, testPassword, "name"},
		{"space in name", User{Name: "a b", Role: RoleProviderAdmin}, testPassword, "name"},
		{"leading dot", User{Name: ".a", Role: RoleProviderAdmin}, testPassword, "name"},
		{"long name", User{Name: strings.Repeat("a", 65), Role: RoleProviderAdmin}, testPassword, "name"},
		{"unknown role", User{Name: "x", Role: "root"}, testPassword, "role"},
		{"old role name", User{Name: "x", Role: "admin"}, testPassword, "role"},
		{"admin with tenant", User{Name: "x", Role: RoleProviderAdmin, TenantID: acme.ID}, testPassword, "tenant_id"},
		{"admin with tenants", User{Name: "x", Role: RoleProviderAdmin, Tenants: []uint32{acme.ID}}, testPassword, "tenant_id"},
		{"analyst with tenant", User{Name: "x", Role: RoleProviderAnalyst, TenantID: acme.ID}, testPassword, "tenant_id"},
		{"analyst with unknown tenant", User{Name: "x", Role: RoleProviderAnalyst, Tenants: []uint32{77}}, testPassword, "tenants"},
		{"viewer without tenant", User{Name: "x", Role: RoleCustomerViewer}, testPassword, "tenant_id"},
		{"viewer with unknown tenant", User{Name: "x", Role: RoleCustomerViewer, TenantID: 77}, testPassword, "tenant_id"},
		{"viewer with a list", User{Name: "x", Role: RoleCustomerViewer, TenantID: acme.ID, Tenants: []uint32{beta.ID}}, testPassword, "tenants"},
		{"short password", User{Name: "x", Role: RoleProviderAdmin}, "elevenchars", "password"},
		{"no password", User{Name: "x", Role: RoleProviderAdmin}, "", "password"},
		{"password is the name", User{Name: "averylongname", Role: RoleProviderAdmin}, "AVeryLongName", "password"},
		{"huge password", User{Name: "x", Role: RoleProviderAdmin}, strings.Repeat("p", password.MaxLen+1), "password"},
		{"local user with a subject", User{Name: "x", Role: RoleProviderAdmin, Subject: "abc"}, testPassword, "subject"},
		{"sso user without subject", User{Name: "x", Role: RoleProviderAdmin, AuthSource: "oidc"}, "", "subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tc.u, tc.pw)
			wantField(t, err, tc.field)
		})
	}
	// A user of an identity provider: no password, a unique subject.
	sso, err := s.CreateUser(ctx, User{Name: "sso-user", Role: RoleCustomerAdmin, TenantID: beta.ID, AuthSource: "oidc", Subject: "sub-1"}, "")
	if err != nil || sso.AuthSource != "oidc" || sso.Subject != "sub-1" {
		t.Fatalf("SSO user: %+v, %v", sso, err)
	}
	_, err = s.CreateUser(ctx, User{Name: "sso-other", Role: RoleCustomerAdmin, TenantID: beta.ID, AuthSource: "oidc", Subject: "sub-1"}, "")
	wantIs(t, err, ErrExists)
	if _, err := s.Login(ctx, "sso-user", "", ""); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("password sign-in of an SSO user: %v", err)
	}
	if err := s.SetPassword(ctx, sso.ID, testPassword, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetPassword of an SSO user: %v", err)
	}
}

func testUserUpdate(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	beta := mustTenant(t, s, "beta")
	u := mustUser(t, s, User{Name: "yamada", Role: RoleCustomerAdmin, TenantID: acme.ID})
	secret, _, err := s.IssueToken(ctx, Token{Name: "yamada's", Role: RoleCustomerViewer, TenantID: acme.ID, UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := s.CreateSession(ctx, u.ID, "192.0.2.1", time.Hour, 8*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)

	// Disabling ends sessions and suspends tokens; enabling brings the
	// tokens back, not the sessions.
	yes, no := true, false
	before, after, err := s.UpdateUser(ctx, u.ID, UserChange{Disabled: &yes})
	if err != nil || before.Disabled || !after.Disabled || !after.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("disable: %+v → %+v, %v", before, after, err)
	}
	if _, err := s.Authenticate(ctx, secret); err != ErrUnauthorized {
		t.Errorf("token of a disabled user: %v", err)
	}
	if _, _, err := s.SessionUser(ctx, sess); err != ErrUnauthorized {
		t.Errorf("session of a disabled user: %v", err)
	}
	if _, _, err := s.CreateSession(ctx, u.ID, "", time.Hour, time.Hour); !errors.Is(err, ErrInvalid) {
		t.Errorf("session for a disabled user: %v", err)
	}
	if _, err := s.Login(ctx, "yamada", testPassword, ""); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("sign-in of a disabled user: %v", err)
	}
	if _, _, err := s.UpdateUser(ctx, u.ID, UserChange{Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); err != nil {
		t.Errorf("token after enabling again: %v", err)
	}

	// A change of rights revokes the tokens and ends the sessions.
	sess, _, _ = s.CreateSession(ctx, u.ID, "", time.Hour, time.Hour)
	viewer := RoleCustomerViewer
	if _, after, err = s.UpdateUser(ctx, u.ID, UserChange{Role: &viewer}); err != nil || after.Role != viewer || after.TenantID != acme.ID {
		t.Fatalf("to viewer: %+v, %v", after, err)
	}
	if _, err := s.Authenticate(ctx, secret); err != ErrUnauthorized {
		t.Errorf("token after a role change: %v", err)
	}
	if _, _, err := s.SessionUser(ctx, sess); err != ErrUnauthorized {
		t.Errorf("session after a role change: %v", err)
	}
	// To a provider role the tenant goes; back to a customer role it must
	// be given.
	analyst := RoleProviderAnalyst
	tenants := []uint32{beta.ID}
	if _, after, err = s.UpdateUser(ctx, u.ID, UserChange{Role: &analyst, Tenants: &tenants}); err != nil || after.TenantID != 0 || !cmp.Equal(after.Tenants, tenants) {
		t.Fatalf("to analyst: %+v, %v", after, err)
	}
	if got, _ := s.User(ctx, u.ID); !cmp.Equal(got, after) {
		t.Errorf("User after update = %+v, want %+v", got, after)
	}
	admin := RoleCustomerAdmin
	_, _, err = s.UpdateUser(ctx, u.ID, UserChange{Role: &admin})
	wantField(t, err, "tenant_id")
	bad := uint32(77)
	_, _, err = s.UpdateUser(ctx, u.ID, UserChange{Role: &admin, TenantID: &bad})
	wantField(t, err, "tenant_id")
	_, _, err = s.UpdateUser(ctx, 999, UserChange{Disabled: &yes})
	wantIs(t, err, ErrNotFound)

	// Deleting revokes tokens and ends sessions.
	secret, _, _ = s.IssueToken(ctx, Token{Name: "t", Role: RoleProviderAnalyst, UserID: u.ID})
	sess, _, _ = s.CreateSession(ctx, u.ID, "", time.Hour, time.Hour)
	if gone, err := s.DeleteUser(ctx, u.ID); err != nil || gone.Name != "yamada" {
		t.Fatalf("DeleteUser: %+v, %v", gone, err)
	}
	if _, err := s.Authenticate(ctx, secret); err != ErrUnauthorized {
		t.Errorf("token of a deleted user: %v", err)
	}
	if _, _, err := s.SessionUser(ctx, sess); err != ErrUnauthorized {
		t.Errorf("session of a deleted user: %v", err)
	}
	_, err = s.DeleteUser(ctx, u.ID)
	wantIs(t, err, ErrNotFound)
	// The name is free again.
	mustUser(t, s, User{Name: "yamada", Role: RoleProviderAdmin})
}

func testLogin(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	u := mustUser(t, s, User{Name: "sato", Role: RoleProviderAdmin})
	reason := func(err error) string {
		var le *LoginError
		if errors.As(err, &le) {
			return le.Reason
		}
		return "not a LoginError: " + err.Error()
	}
	got, err := s.Login(ctx, "Sato", testPassword, "")
	if err != nil || got.ID != u.ID || !got.LastLoginAt.Equal(clk.Now()) {
		t.Fatalf("Login = %+v, %v", got, err)
	}
	if _, err := s.Login(ctx, "nobody", testPassword, ""); reason(err) != LoginUnknownUser || !errors.Is(err, ErrUnauthorized) {
		t.Errorf("unknown user: %v", err)
	}
	// Four failures, then a success, forget the count.
	for range LockoutFailures - 1 {
		if _, err := s.Login(ctx, "sato", "wrong password!", ""); reason(err) != LoginBadPassword || !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, err := s.Login(ctx, "sato", testPassword, ""); err != nil {
		t.Fatalf("after %d failures: %v", LockoutFailures-1, err)
	}
	// Failures spread beyond the window do not lock.
	for range LockoutFailures - 1 {
		s.Login(ctx, "sato", "wrong password!", "")
	}
	clk.Advance(LockoutWindow)
	if _, err := s.Login(ctx, "sato", "wrong password!", ""); err.(*LoginError).LockedNow {
		t.Fatal("a failure after the window locked the user")
	}
	// The fifth failure within the window locks, for LockoutDuration.
	for i := range LockoutFailures - 1 {
		_, err := s.Login(ctx, "sato", "wrong password!", "")
		if locked := err.(*LoginError).LockedNow; locked != (i == LockoutFailures-2) {
			t.Fatalf("failure %d: locked now = %v", i+2, locked)
		}
	}
	lockedAt := clk.Now()
	if got, _ := s.User(ctx, u.ID); !got.LockedUntil.Equal(lockedAt.Add(LockoutDuration)) {
		t.Errorf("LockedUntil = %v, want %v", got.LockedUntil, lockedAt.Add(LockoutDuration))
	}
	clk.Advance(LockoutDuration - time.Second)
	if _, err := s.Login(ctx, "sato", testPassword, ""); reason(err) != LoginLocked {
		t.Errorf("the right password while locked: %v", err)
	}
	clk.Advance(time.Second)
	if _, err := s.Login(ctx, "sato", testPassword, ""); err != nil {
		t.Errorf("after the lockout: %v", err)
	}
	// An administrator can unlock at once.
	for range LockoutFailures {
		s.Login(ctx, "sato", "wrong password!", "")
	}
	if err := s.UnlockUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "sato", testPassword, ""); err != nil {
		t.Errorf("after unlocking: %v", err)
	}

	// A new password works at once, the old one no longer; it clears a
	// lockout.
	for range LockoutFailures {
		s.Login(ctx, "sato", "wrong password!", "")
	}
	if err := s.SetPassword(ctx, u.ID, "a new passphrase", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "sato", testPassword, ""); reason(err) != LoginBadPassword {
		t.Errorf("old password: %v", err)
	}
	if _, err := s.Login(ctx, "sato", "a new passphrase", ""); err != nil {
		t.Errorf("new password: %v", err)
	}
	wantField(t, s.SetPassword(ctx, u.ID, "short", ""), "password")

	// A hash made with older parameters is replaced at the next sign-in.
	var before, after string
	s.q().queryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&before)
	old := password.Current
	password.Current.Time = 2
	t.Cleanup(func() { password.Current = old })
	if _, err := s.Login(ctx, "sato", "a new passphrase", ""); err != nil {
		t.Fatal(err)
	}
	s.q().queryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&after)
	if after == before || !strings.Contains(after, ",t=2,") {
		t.Errorf("hash after sign-in with new parameters: %q (was %q)", after, before)
	}
}

func testTOTP(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	u := mustUser(t, s, User{Name: "ito", Role: RoleProviderAnalyst})
	secret, err := s.EnrollTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string {
		c, _ := totp.Code(secret, at)
		return c
	}
	// Pending until confirmed: sign-in needs no code yet.
	if got, _ := s.User(ctx, u.ID); got.TOTP {
		t.Error("TOTP on before confirmation")
	}
	if _, err := s.Login(ctx, "ito", testPassword, ""); err != nil {
		t.Fatalf("sign-in with a pending enrolment: %v", err)
	}
	wantField(t, s.ConfirmTOTP(ctx, u.ID, "000000"), "code")
	if err := s.ConfirmTOTP(ctx, u.ID, code(clk.Now())); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, u.ID); !got.TOTP {
		t.Error("TOTP off after confirmation")
	}
	if _, err := s.Login(ctx, "ito", testPassword, ""); !errors.Is(err, ErrTOTPRequired) || errors.Is(err, ErrUnauthorized) {
		t.Errorf("sign-in without a code: %v, want ErrTOTPRequired", err)
	}
	// The confirmation used the current step: its code is spent.
	if _, err := s.Login(ctx, "ito", testPassword, code(clk.Now())); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("the confirmation's code again: %v", err)
	}
	clk.Advance(totp.Period)
	if _, err := s.Login(ctx, "ito", testPassword, code(clk.Now())); err != nil {
		t.Errorf("a fresh code: %v", err)
	}
	if _, err := s.Login(ctx, "ito", testPassword, code(clk.Now())); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a replayed code: %v", err)
	}
	if _, err := s.Login(ctx, "ito", "wrong password!", code(clk.Now().Add(totp.Period))); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a wrong password with a good code: %v", err)
	}
	// Wrong codes count toward the lockout.
	for range LockoutFailures - 1 {
		s.Login(ctx, "ito", testPassword, "123456")
	}
	if got, _ := s.User(ctx, u.ID); !got.LockedUntil.After(clk.Now()) {
		t.Error("wrong codes did not lock the user")
	}
	s.UnlockUser(ctx, u.ID)
	// A new enrolment keeps the old factor until it is confirmed.
	if _, err := s.EnrollTOTP(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	clk.Advance(totp.Period)
	if _, err := s.Login(ctx, "ito", testPassword, code(clk.Now())); err != nil {
		t.Errorf("old factor during a new enrolment: %v", err)
	}
	if err := s.DisableTOTP(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "ito", testPassword, ""); err != nil {
		t.Errorf("after disabling TOTP: %v", err)
	}
	wantField(t, s.ConfirmTOTP(ctx, u.ID, code(clk.Now())), "code")
	wantIs(t, s.DisableTOTP(ctx, 999), ErrNotFound)
	_, err = s.EnrollTOTP(ctx, 999)
	wantIs(t, err, ErrNotFound)
}
