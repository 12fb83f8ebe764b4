package state

import (
	"context"
	"strings"
	"testing"
)

func testAudit(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	for i, e := range []AuditEntry{
		{Actor: "token:1:admin", Remote: "192.0.2.1", Action: "tenant.create", Target: "tenant/acme", After: JSON(map[string]any{"name": "acme"})},
		{Actor: "cli:root@host", Action: "device.add", Target: "device/acme/fw1", After: `{"name":"fw1"}`},
		{Actor: "token:2:analyst", Action: "alert.status", Target: "alert/3", Before: `{"status":"new"}`, After: `{"status":"closed"}`},
		{Actor: "token:2:analyst", Action: "logs.export", Target: "tenant/acme", After: `{"q":"*"}`},
	} {
		if err := s.Audit(ctx, e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	wantIs(t, s.Audit(ctx, AuditEntry{Action: "x"}), ErrInvalid)
	list, err := s.ListAudit(ctx, AuditFilter{Actor: "token:2:analyst"})
	if err != nil || len(list) != 2 || list[0].Action != "logs.export" {
		t.Fatalf("list: %+v %v", list, err)
	}
	check := func(wantOK bool, wantProblem string) {
		t.Helper()
		c, err := s.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.OK != wantOK || !strings.Contains(c.Problem, wantProblem) {
			t.Fatalf("verify: %+v, want ok=%v problem %q", c, wantOK, wantProblem)
		}
	}
	check(true, "")
	exec := func(q string) {
		t.Helper()
		if _, err := s.q().exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Edit an entry in place.
	exec(`UPDATE audit_log SET after = '{"status":"acknowledged"}' WHERE seq = 3`)
	check(false, "edited")
	exec(`UPDATE audit_log SET after = '{"status":"closed"}' WHERE seq = 3`)
	check(true, "")
	// Delete one in the middle.
	exec(`DELETE FROM audit_log WHERE seq = 2`)
	check(false, "missing")
}

func TestAuditTailCut(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	for range 3 {
		if err := s.Audit(ctx, AuditEntry{Actor: "a", Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.q().exec(ctx, `DELETE FROM audit_log WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	c, _ := s.VerifyAudit(ctx)
	if c.OK || !strings.Contains(c.Problem, "cut off the end") {
		t.Fatalf("tail cut: %+v", c)
	}
}

func openSQLite(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), "sqlite:"+t.TempDir()+"/state.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testRuleSettings(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	a := mustTenant(t, s, "alpha")
	b := mustTenant(t, s, "bravo")
	rev0, _ := s.Revision(ctx)
	if _, err := s.SetRuleSetting(ctx, RuleSetting{TenantID: a.ID, RuleID: "r1", Enabled: false, UpdatedBy: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetRuleSetting(ctx, RuleSetting{TenantID: a.ID, RuleID: "r1", Enabled: true, Severity: "critical", UpdatedBy: "y"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetRuleSetting(ctx, RuleSetting{TenantID: b.ID, RuleID: "r2", Enabled: false, UpdatedBy: "x"}); err != nil {
		t.Fatal(err)
	}
	if rev, _ := s.Revision(ctx); rev != rev0+3 {
		t.Errorf("revision %d, want %d", rev, rev0+3)
	}
	got, err := s.RuleSettings(ctx, []uint32{a.ID})
	if err != nil || len(got) != 1 || !got[0].Enabled || got[0].Severity != "critical" || got[0].UpdatedBy != "y" {
		t.Fatalf("alpha settings %+v %v", got, err)
	}
	if all, _ := s.RuleSettings(ctx, nil); len(all) != 2 {
		t.Errorf("all settings: %+v", all)
	}
	_, err = s.SetRuleSetting(ctx, RuleSetting{TenantID: a.ID, RuleID: "r1", Severity: "severe", UpdatedBy: "x"})
	wantField(t, err, "severity")
	_, err = s.SetRuleSetting(ctx, RuleSetting{TenantID: 999, RuleID: "r1", UpdatedBy: "x"})
	wantIs(t, err, ErrNotFound)
}

func testStoredRules(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	if _, err := s.PutRule(ctx, StoredRule{Name: "a.yml", YAML: "title: a", UploadedBy: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutRule(ctx, StoredRule{Name: "a.yml", YAML: "title: a2", UploadedBy: "y"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.PutRule(ctx, StoredRule{Name: "../etc/passwd", YAML: "x", UploadedBy: "x"})
	wantField(t, err, "name")
	rs, err := s.Rules(ctx)
	if err != nil || len(rs) != 1 || rs[0].YAML != "title: a2" || rs[0].UploadedBy != "y" {
		t.Fatalf("rules %+v %v", rs, err)
	}
	if err := s.DeleteRule(ctx, "a.yml"); err != nil {
		t.Fatal(err)
	}
	wantIs(t, s.DeleteRule(ctx, "a.yml"), ErrNotFound)
}
