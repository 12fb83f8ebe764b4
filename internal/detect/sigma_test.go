package detect

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

const bruteForce = `title: SSL-VPN login failures
id: 7b1f0000-0000-4000-8000-000000000001
status: test
logsource:
  product: fortigate
detection:
  selection:
    action: ssl-login-fail
  condition: selection
level: low
---
title: SSL-VPN brute force
id: 7b1f0000-0000-4000-8000-000000000002
status: test
correlation:
  type: event_count
  rules:
    - 7b1f0000-0000-4000-8000-000000000001
  group-by:
    - remip
  timespan: 5m
  condition:
    gte: 3
level: high
`

func TestSigmaRulesPerTenantCorrelation(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "vpn.yml"), []byte(bruteForce), 0o600)
	os.WriteFile(filepath.Join(dir, "bad.yml"), []byte("title: x\ndetection:\n  condition: nope\n"), 0o600)
	s, err := LoadSigma([]string{dir, filepath.Join(dir, "missing")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rules()) != 2 || len(s.Refused()) == 0 {
		t.Fatalf("rules %d, refused %v", len(s.Rules()), s.Refused())
	}
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	fail := func(tenant uint32, seq uint64, ip string) *event.Event {
		return &event.Event{TenantID: tenant, Device: "fg", Format: "fortigate", Seq: seq, Time: t0.Add(time.Duration(seq) * time.Second),
			Fields: []event.Field{{Name: "action", Value: "ssl-login-fail"}, {Name: "remip", Value: ip}, {Name: "source.ip", Value: ip}}}
	}
	// Two failures for tenant 1 and two for tenant 2 from the same address:
	// neither tenant reaches three; mixing tenants would.
	var got []string
	for i, ev := range []*event.Event{fail(1, 1, "203.0.113.5"), fail(2, 2, "203.0.113.5"), fail(1, 3, "203.0.113.5"), fail(2, 4, "203.0.113.5")} {
		_ = i
		for _, m := range s.Match(ev.TenantID, ev, nil) {
			got = append(got, m.RuleID)
		}
	}
	if len(got) != 0 {
		t.Fatalf("the base rule is not reported on its own and no tenant reached 3: %v", got)
	}
	ms := s.Match(1, fail(1, 5, "203.0.113.5"), nil)
	if len(ms) != 1 || ms[0].RuleID != "7b1f0000-0000-4000-8000-000000000002" || ms[0].Severity != "high" || ms[0].TenantID != 1 {
		t.Fatalf("third failure of tenant 1: %+v", ms)
	}
	if ms[0].Details["group.remip"] != "203.0.113.5" || ms[0].Details["events"] != "1,3,5" {
		t.Errorf("details %+v", ms[0].Details)
	}
	// State survives a restart.
	if err := s.SaveState(filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	s2, _ := LoadSigma([]string{dir}, nil)
	if err := s2.LoadState(filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	if ms := s2.Match(2, fail(2, 6, "203.0.113.5"), nil); len(ms) != 1 || ms[0].TenantID != 2 {
		t.Fatalf("tenant 2's two earlier failures were forgotten across the restart: %+v", ms)
	}
}

func TestPerTenantFilters(t *testing.T) {
	base := `title: Admin login failure
id: 7b1f0000-0000-4000-8000-000000000010
status: test
logsource:
  product: fortigate
detection:
  sel:
    action: login
    status: failed
  condition: sel
level: medium
`
	filter := `title: Our monitoring account fails on purpose
id: 7b1f0000-0000-4000-8000-000000000011
logsource:
  product: fortigate
filter:
  rules:
    - 7b1f0000-0000-4000-8000-000000000010
  selection:
    user: probe
  condition: not selection
`
	s, err := LoadSigma(nil, nil, RuleFile{Name: "base.yml", Src: []byte(base)}, RuleFile{Name: "f.yml", Tenant: 1, Src: []byte(filter)})
	if err != nil || len(s.Refused()) > 0 {
		t.Fatalf("load: %v %v", err, s.Refused())
	}
	ev := func(tenant uint32, user string) *event.Event {
		return &event.Event{TenantID: tenant, Format: "fortigate", Device: "fg", Seq: 1,
			Fields: []event.Field{{Name: "action", Value: "login"}, {Name: "status", Value: "failed"}, {Name: "user", Value: user}}}
	}
	if ms := s.Match(1, ev(1, "probe"), nil); len(ms) != 0 {
		t.Errorf("tenant 1's filter must exclude its probe account: %+v", ms)
	}
	if ms := s.Match(1, ev(1, "admin"), nil); len(ms) != 1 {
		t.Errorf("tenant 1, another user: %+v", ms)
	}
	if ms := s.Match(2, ev(2, "probe"), nil); len(ms) != 1 {
		t.Errorf("tenant 2 has no such filter: %+v", ms)
	}
}
