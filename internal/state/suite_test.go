package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// runSuite is the shared suite: every test in it runs against SQLite and
// PostgreSQL (see TestSQLite, TestPostgres); its parts live in the
// *_test.go file of their topic.
// open returns a Store on a fresh, empty database, closed at the end of
// the test.
func runSuite(t *testing.T, open func(t *testing.T) *Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *Store, clk *clock)
	}{
		{"Tenants", testTenants},
		{"TenantNames", testTenantNames},
		{"Retention", testRetention},
		{"Devices", testDevices},
		{"DeviceInvalid", testDeviceInvalid},
		{"DeviceSources", testDeviceSources},
		{"DeleteDevice", testDeleteDevice},
		{"Revision", testRevision},
		{"Tokens", testTokens},
		{"TokenInvalid", testTokenInvalid},
		{"TokenExpiryAndRevocation", testTokenExpiryAndRevocation},
		{"Unassigned", testUnassigned},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Alerts", testAlerts},
		{"AlertWorkflow", testAlertWorkflow},
		{"AlertBatch", testAlertBatch},
		{"AlertBatchCap", testAlertBatchCap},
		{"AlertBatchTenants", testAlertBatchTenants},
		{"Audit", testAudit},
		{"RuleSettings", testRuleSettings},
		{"StoredRules", testStoredRules},
		{"Assets", testAssets},
		{"KnowledgeAndVerdicts", testKnowledgeAndVerdicts},
		{"Configs", testConfigs},
		{"AlertAssign", testAlertAssign},
		{"TOTPSealed", testTOTPSealed},
		{"Users", testUsers},
		{"UserUpdate", testUserUpdate},
		{"Login", testLogin},
		{"TOTP", testTOTP},
		{"Sessions", testSessions},
		{"UserTokens", testUserTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			clk := newClock()
			s.Now = clk.Now
			tt.run(t, s, clk)
		})
	}
}

// runSharedDatabase runs the tests that need several Stores on one
// database. fresh names a new, empty database for each call.
func runSharedDatabase(t *testing.T, fresh func(t *testing.T) string) {
	t.Run("ConcurrentOpen", func(t *testing.T) { testConcurrentOpen(t, fresh(t)) })
	t.Run("TwoStores", func(t *testing.T) { testTwoStores(t, fresh(t)) })
	t.Run("Reopen", func(t *testing.T) { testReopen(t, fresh(t)) })
	t.Run("MigrateV1Tokens", func(t *testing.T) { testMigrateV1Tokens(t, fresh(t)) })
}

// clock is a settable clock for Store.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 4, 1, 9, 0, 0, 123456789, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// wantField fails unless err is a *FieldError for field (and so matches
// ErrInvalid) whose message names the field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want a *FieldError for %q", err, field)
	}
	if fe.Field != field || !strings.Contains(err.Error(), field) {
		t.Errorf("err = %v (field %q), want field %q named in the message", err, fe.Field, field)
	}
}

func wantIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}

func mustTenant(t *testing.T, s *Store, name string) Tenant {
	t.Helper()
	tn, err := s.CreateTenant(context.Background(), name)
	if err != nil {
		t.Fatalf("CreateTenant(%q): %v", name, err)
	}
	return tn
}

func mustDevice(t *testing.T, s *Store, d Device) Device {
	t.Helper()
	d, err := s.AddDevice(context.Background(), d)
	if err != nil {
		t.Fatalf("AddDevice(%q): %v", d.Name, err)
	}
	return d
}

func testTenants(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	want := Tenant{ID: 1, Name: "acme", RetentionDays: 90, CreatedAt: clk.Now()}
	if diff := cmp.Diff(want, acme); diff != "" {
		t.Errorf("CreateTenant (-want +got):\n%s", diff)
	}
	clk.Advance(time.Second)
	beta := mustTenant(t, s, "beta-2_x")
	if beta.ID != 2 || !beta.CreatedAt.Equal(clk.Now()) {
		t.Errorf("second tenant = %+v, want ID 2 created at %v", beta, clk.Now())
	}

	got, err := s.Tenant(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(acme, got); diff != "" {
		t.Errorf("Tenant (-want +got):\n%s", diff)
	}
	got, err = s.TenantByName(ctx, "beta-2_x")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(beta, got); diff != "" {
		t.Errorf("TenantByName (-want +got):\n%s", diff)
	}
	list, err := s.ListTenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Tenant{acme, beta}, list); diff != "" {
		t.Errorf("ListTenants (-want +got):\n%s", diff)
	}

	_, err = s.CreateTenant(ctx, "acme")
	wantIs(t, err, ErrExists)
	if !strings.Contains(err.Error(), "name") {
		t.Errorf("duplicate error %q does not name the field", err)
	}

	for _, id := range []uint32{0, 3, 1 << 31} {
		_, err := s.Tenant(ctx, id)
		wantIs(t, err, ErrNotFound)
	}
	_, err = s.TenantByName(ctx, "nobody")
	wantIs(t, err, ErrNotFound)
}

func testTenantNames(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	tests := []struct {
		name string
		ok   bool
	}{
		{"a", true},
		{"0", true},
		{"customer-01_jp", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"Acme", false},
		{"-acme", false},
		{"_acme", false},
		{"ac me", false},
		{"acme.jp", false},
		{"顧客", false},
	}
	for _, tt := range tests {
		_, err := s.CreateTenant(ctx, tt.name)
		if tt.ok {
			if err != nil {
				t.Errorf("CreateTenant(%q): %v", tt.name, err)
			}
			continue
		}
		wantField(t, err, "name")
	}
}

func testRetention(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	other := mustTenant(t, s, "other")
	tests := []struct {
		days int
		ok   bool
	}{
		{1, true},
		{3650, true},
		{365, true},
		{0, false},
		{-1, false},
		{3651, false},
	}
	for _, tt := range tests {
		err := s.SetRetention(ctx, acme.ID, tt.days)
		if !tt.ok {
			wantField(t, err, "retention_days")
			continue
		}
		if err != nil {
			t.Fatalf("SetRetention(%d): %v", tt.days, err)
		}
		got, err := s.Tenant(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RetentionDays != tt.days {
			t.Errorf("after SetRetention(%d), RetentionDays = %d", tt.days, got.RetentionDays)
		}
	}
	// The other tenant keeps its own setting.
	if got, _ := s.Tenant(ctx, other.ID); got.RetentionDays != DefaultRetentionDays {
		t.Errorf("other tenant's retention = %d, want %d", got.RetentionDays, DefaultRetentionDays)
	}
	wantIs(t, s.SetRetention(ctx, 99, 30), ErrNotFound)
	wantIs(t, s.SetRetention(ctx, 0, 30), ErrNotFound)
}

func testRevision(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	rev := func() int64 {
		t.Helper()
		r, err := s.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	last := rev()
	step := func(what string, bumps bool, f func() error) {
		t.Helper()
		err := f()
		if bumps && err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got := rev()
		switch {
		case bumps && got <= last:
			t.Errorf("%s: revision %d, want more than %d", what, got, last)
		case !bumps && got != last:
			t.Errorf("%s: revision %d, want it unchanged at %d", what, got, last)
		}
		last = got
	}
	var tn Tenant
	var d Device
	step("CreateTenant", true, func() (err error) { tn, err = s.CreateTenant(ctx, "acme"); return err })
	step("SetRetention", true, func() error { return s.SetRetention(ctx, tn.ID, 30) })
	step("AddDevice", true, func() (err error) {
		d, err = s.AddDevice(ctx, Device{TenantID: tn.ID, Name: "fw", Sources: []string{"10.0.0.1"}, Format: "kv"})
		return err
	})
	step("UpdateDeviceSources", true, func() (err error) {
		_, err = s.UpdateDeviceSources(ctx, d.ID, []string{"10.0.0.2"})
		return err
	})
	step("DeleteDevice", true, func() error { return s.DeleteDevice(ctx, d.ID) })

	step("duplicate CreateTenant", false, func() (err error) { _, err = s.CreateTenant(ctx, "acme"); return err })
	step("invalid AddDevice", false, func() (err error) { _, err = s.AddDevice(ctx, Device{TenantID: tn.ID}); return err })
	step("DeleteDevice of nothing", false, func() error { return s.DeleteDevice(ctx, d.ID) })
	step("reads", false, func() error {
		s.ListTenants(ctx)
		s.ListDevices(ctx, 0)
		s.Tenant(ctx, tn.ID)
		return nil
	})
	step("CreateToken", false, func() (err error) {
		_, _, err = s.CreateToken(ctx, "t", RoleAdmin, 0, time.Time{})
		return err
	})
}

// testConcurrentWrites runs many writers on one Store.
func testConcurrentWrites(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	const workers, each = 8, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("t%d-%d", w, i)
				tn, err := s.CreateTenant(ctx, name)
				if err != nil {
					errs <- err
					return
				}
				_, err = s.AddDevice(ctx, Device{TenantID: tn.ID, Name: "fw",
					Sources: []string{fmt.Sprintf("10.%d.%d.1", w, i)}, Format: "kv"})
				if err != nil {
					errs <- err
					return
				}
				if _, _, err := s.CreateToken(ctx, name, RoleTenant, tn.ID, time.Time{}); err != nil {
					errs <- err
					return
				}
				if err := s.NoteUnassigned(ctx, "198.51.100.1", "", "", time.Time{}, 1); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tenants, _ := s.ListTenants(ctx)
	devices, _ := s.ListDevices(ctx, 0)
	tokens, _ := s.ListTokens(ctx)
	unassigned, _ := s.ListUnassigned(ctx)
	if len(tenants) != workers*each || len(devices) != workers*each || len(tokens) != workers*each {
		t.Errorf("got %d tenants, %d devices, %d tokens, want %d each", len(tenants), len(devices), len(tokens), workers*each)
	}
	if len(unassigned) != 1 || unassigned[0].Lines != workers*each {
		t.Errorf("unassigned = %+v, want one source with %d lines", unassigned, workers*each)
	}
	if rev, _ := s.Revision(ctx); rev != 2*workers*each {
		t.Errorf("revision = %d, want %d", rev, 2*workers*each)
	}
}

// testConcurrentOpen opens a fresh database from several goroutines at
// once: each migrates or finds the work done, and it is done once.
func testConcurrentOpen(t *testing.T, dsn string) {
	ctx := context.Background()
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = Open(ctx, dsn)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if t.Failed() {
		return
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := stores[0].q().queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) {
		t.Errorf("%d migrations recorded, want %d", applied, len(ms))
	}
	for i, s := range stores {
		if _, err := s.CreateTenant(ctx, fmt.Sprintf("t%d", i)); err != nil {
			t.Errorf("store %d: %v", i, err)
		}
	}
}

// testTwoStores writes through two Stores on one database at once, as the
// server and the CLI do, and checks that each sees the other's changes.
func testTwoStores(t *testing.T, dsn string) {
	ctx := context.Background()
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	server, cli := stores[0], stores[1]

	const n = 10
	secrets := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	wg.Add(2)
	go func() { // the server: devices, unassigned notes, authentication
		defer wg.Done()
		for i := range n {
			tn, err := server.CreateTenant(ctx, fmt.Sprintf("server-%d", i))
			if err != nil {
				errs <- err
				continue
			}
			if _, err := server.AddDevice(ctx, Device{TenantID: tn.ID, Name: "fw", Sources: []string{fmt.Sprintf("10.0.%d.1", i)}, Format: "kv"}); err != nil {
				errs <- err
			}
			if err := server.NoteUnassigned(ctx, "203.0.113.9", "", "", time.Time{}, 1); err != nil {
				errs <- err
			}
		}
	}()
	go func() { // the CLI: tenants and tokens
		defer wg.Done()
		for i := range n {
			tn, err := cli.CreateTenant(ctx, fmt.Sprintf("cli-%d", i))
			if err != nil {
				errs <- err
				continue
			}
			if secrets[i], _, err = cli.CreateToken(ctx, "cli", RoleTenant, tn.ID, time.Time{}); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	for i, s := range stores {
		tenants, err := s.ListTenants(ctx)
		if err != nil || len(tenants) != 2*n {
			t.Errorf("store %d: %d tenants, %v; want %d", i, len(tenants), err, 2*n)
		}
		rev, err := s.Revision(ctx)
		if err != nil || rev != 3*n {
			t.Errorf("store %d: revision %d, %v; want %d", i, rev, err, 3*n)
		}
	}
	for i, secret := range secrets {
		if _, err := server.Authenticate(ctx, secret); err != nil {
			t.Errorf("the server does not accept the CLI's token %d: %v", i, err)
		}
	}
	// A change by one is seen by the other at once.
	before, _ := server.Revision(ctx)
	if _, err := cli.CreateTenant(ctx, "late"); err != nil {
		t.Fatal(err)
	}
	if after, _ := server.Revision(ctx); after != before+1 {
		t.Errorf("server's revision %d after the CLI's change, want %d", after, before+1)
	}
	if _, err := server.TenantByName(ctx, "late"); err != nil {
		t.Errorf("server does not see the CLI's tenant: %v", err)
	}
}

// testReopen closes and reopens a database: the migrations are not applied
// twice and the data is kept.
func testReopen(t *testing.T, dsn string) {
	ctx := context.Background()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := s.CreateTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.Tenant(ctx, tn.ID)
	if err != nil || !cmp.Equal(tn, got) {
		t.Errorf("after reopen Tenant = %+v, %v; want %+v", got, err, tn)
	}
}
