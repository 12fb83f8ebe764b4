package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/sekimori/sekimori/internal/assets"
	"github.com/sekimori/sekimori/internal/devconfig"
	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/ingest"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/spool"
	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/totp"
)

type fixture struct {
	srv               *httptest.Server
	api               *Server
	admin, tokA, tokB string // version-1 tokens of no user: admin, tenant alpha, tenant bravo
	st                *state.Store
	logs              *logstore.Embedded
	tenantA, tenantB  state.Tenant
	// callers has a user and a token of that user for each role; customer
	// roles are in tenant alpha.
	callers map[state.Role]caller
	seq     int // for unique names
}

// caller is one role's way in: its user (for sessions) and its token.
type caller struct {
	role  state.Role
	user  state.User
	token string
}

// fixturePassword is every fixture user's password.
const fixturePassword = "fixture passphrase"

func newFixture(t testing.TB) *fixture { return newFixtureLog(t, nil) }

func newFixtureLog(t testing.TB, logw io.Writer) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := state.Open(ctx, "sqlite:"+filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs, err := logstore.OpenEmbedded(filepath.Join(dir, "logs"), logstore.EmbeddedOptions{Retention: 3650 * 24 * time.Hour, MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logs.Close() })
	sp, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	f := &fixture{st: st, logs: logs}
	f.tenantA, _ = st.CreateTenant(ctx, "alpha")
	f.tenantB, _ = st.CreateTenant(ctx, "bravo")
	for _, d := range []state.Device{
		{TenantID: f.tenantA.ID, Name: "fw", Sources: []string{"192.0.2.1"}, Format: "fortigate"},
		{TenantID: f.tenantB.ID, Name: "fw", Sources: []string{"192.0.2.2"}, Format: "fortigate"},
	} {
		if _, err := st.AddDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, tn := range []state.Tenant{f.tenantA, f.tenantB} {
		h := assets.Host{AssetID: "web1", Hostname: tn.Name + "-secret-host", IPs: []netip.Addr{netip.MustParseAddr("10.9.9.9")}}
		if _, err := st.PutHosts(ctx, tn.ID, []assets.Host{h}, "", false, state.ImportMeta{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	f.admin, _, _ = st.CreateToken(ctx, "admin", state.RoleAdmin, 0, time.Time{})
	f.tokA, _, _ = st.CreateToken(ctx, "a", state.RoleTenant, f.tenantA.ID, time.Time{})
	f.tokB, _, _ = st.CreateToken(ctx, "b", state.RoleTenant, f.tenantB.ID, time.Time{})
	f.callers = map[state.Role]caller{}
	for _, u := range []state.User{
		{Name: "p-admin", Role: state.RoleProviderAdmin},
		{Name: "analyst", Role: state.RoleProviderAnalyst},
		{Name: "alpha-admin", Role: state.RoleCustomerAdmin, TenantID: f.tenantA.ID},
		{Name: "alpha-viewer", Role: state.RoleCustomerViewer, TenantID: f.tenantA.ID},
	} {
		u, err := st.CreateUser(ctx, u, fixturePassword)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := st.IssueToken(ctx, state.Token{Name: u.Name + "'s token", Role: u.Role, TenantID: u.TenantID, UserID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		f.callers[u.Role] = caller{role: u.Role, user: u, token: secret}
	}
	reg := ingest.NewRegistry()
	set := metrics.NewSet()
	m := ingest.NewMetrics(set)
	// Events of both tenants and the unassigned area, straight into the store.
	now := time.Now().Add(-time.Hour)
	var evs []*event.Event
	for i, tn := range []uint32{f.tenantA.ID, f.tenantB.ID, 0} {
		name := []string{"alpha-secret", "bravo-secret", "nobody-secret"}[i]
		for k := range 3 {
			evs = append(evs, &event.Event{Time: now.Add(time.Duration(k) * time.Minute), TenantID: tn, Device: map[bool]string{true: "fw"}[tn != 0], Source: "192.0.2.9",
				Raw: name + " 管理者ログイン失敗 srcip=10.9.9.9", Seq: uint64(i*10 + k + 1),
				Fields: []event.Field{{Name: "source.ip", Value: "10.9.9.9"}, {Name: "who", Value: name}}})
		}
	}
	var ms []state.Match
	for i, tn := range []uint32{f.tenantA.ID, f.tenantB.ID} {
		name := []string{"alpha-secret", "bravo-secret"}[i]
		ms = append(ms, state.Match{TenantID: tn, GroupKey: name, Kind: "native", RuleID: "fortigate:ips:1", RuleName: name, Severity: "high", Device: "fw", Time: now, Seq: uint64(i + 1)})
	}
	if err := st.RecordMatches(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for _, tn := range []state.Tenant{f.tenantA, f.tenantB} {
		dev, err := st.Device(ctx, tn.ID, "fw")
		if err != nil {
			t.Fatal(err)
		}
		for _, policy := range []string{"p1", "p2"} {
			if _, err := devconfig.Keep(ctx, st, dev, []byte(testConfig(tn.Name, policy)), "upload", "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := logs.Add(evs); err != nil {
		t.Fatal(err)
	}
	logs.Flush()
	f.api = New(Deps{
		State: st, Logs: logs, Receiver: ingest.NewReceiver(sp, m, ingest.ReceiverOptions{DataDir: dir, MinFreeBytes: 1}), Registry: reg, Metrics: set,
		ReloadDevices: func(ctx context.Context) error {
			ds, err := st.ListDevices(ctx, 0)
			if err != nil {
				return err
			}
			var out []ingest.Device
			for _, d := range ds {
				out = append(out, ingest.Device{ID: d.ID, TenantID: d.TenantID, Name: d.Name, Sources: d.Sources, Format: d.Format})
			}
			return reg.Set(out)
		},
		Reassign:     func(ctx context.Context, source string, dev state.Device) (int, error) { return 0, nil },
		Ready:        func() error { return nil },
		MaxBodyBytes: 1 << 20,
		Logger:       testLogger(logw),
		RateLimit:    RateLimit{Burst: 100_000, Per: time.Second},
	})
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	code, out, _ := f.send(t, method, path, body, func(req *http.Request) {
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
	})
	return code, out
}

// send makes a request, with JSON bodies labelled as such; prepare adds
// credentials.
func (f *fixture) send(t *testing.T, method, path, body string, prepare func(*http.Request)) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	prepare(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// testConfig is a small FortiOS backup of tenant's firewall.
func testConfig(tenant, policy string) string {
	return `#config-version=FG100F-7.2.10-FW-build1706-240625:opmode=0:vdom=0:user=admin
#conf_file_ver=1
#buildno=1706
#global_vdom=1
config system global
    set hostname "` + tenant + `-secret-fw"
end
config firewall policy
    edit 1
        set name "` + policy + `"
        set srcintf "port1"
        set dstintf "wan1"
        set srcaddr "all"
        set dstaddr "all"
        set action accept
        set schedule "always"
        set service "ALL"
    next
end
`
}

// testRequest is a request to one route.
type testRequest struct {
	method, path, body string
	// want is the status for a caller whose role has the route's
	// permission; 0 means any 2xx.
	want int
}

// request turns a route pattern into a request that caller c (zero: no
// one) may make in full when its role has the route's permission:
// parameters that pass validation, and objects it may act on, made fresh
// where the request uses them up. Authorization is exercised, not
// validation.
func (f *fixture) request(t *testing.T, pattern string, c caller) testRequest {
	t.Helper()
	ctx := context.Background()
	f.seq++
	n := f.seq
	method, path, _ := strings.Cut(pattern, " ")
	rq := testRequest{method: method, path: path}
	self := fmt.Sprint(max(c.user.ID, 1))
	switch path {
	case "/api/v1/search", "/api/v1/hits":
		rq.path += "?q=*&start=30d"
	case "/api/v1/logs/verify":
		rq.path += "?day=2026-11-01&tenant=alpha"
	case "/api/v1/facets":
		rq.path += "?q=*&field=who&start=30d"
	case "/api/v1/ingest":
		rq.path += "?device=fw&tenant=alpha"
		rq.body = "<190>date=2026-01-01 time=00:00:00 logid=\"0000000013\" srcip=10.0.0.1\n"
	case "/api/v1/tenants":
		rq.body = fmt.Sprintf(`{"name":"charlie-%d"}`, n)
	case "/api/v1/devices":
		rq.body = fmt.Sprintf(`{"tenant":"alpha","name":"fw-%d","sources":["198.51.100.%d"],"format":"fortigate"}`, n, n%250+1)
	case "/api/v1/alerts/{id}":
		rq.path = "/api/v1/alerts/1"
	case "/api/v1/alerts/{id}/assign":
		rq.path = "/api/v1/alerts/1/assign"
		rq.body = `{"assignee":"alice"}`
	case "/api/v1/alerts/{id}/status":
		rq.path = "/api/v1/alerts/1/status"
		rq.body = `{"status":"acknowledged"}`
	case "/api/v1/hunt":
		rq.path += "?start=30d"
		rq.body = "title: t\nid: 0a0a0a0a-0000-4000-8000-000000000001\nlogsource:\n  product: test\ndetection:\n  sel:\n    who|contains: secret\n  condition: sel\n"
	case "/api/v1/rules":
		if method == "POST" {
			rq.path += "?name=t.yml"
			rq.body = "title: t\nid: 0a0a0a0a-0000-4000-8000-000000000003\nlogsource:\n  product: test\ndetection:\n  sel:\n    who: x\n  condition: sel\n"
		}
	case "/api/v1/rules/{name}":
		if _, err := f.st.PutRule(ctx, state.StoredRule{Name: "d.yml", YAML: "title: d\n", UploadedBy: "test"}); err != nil {
			t.Fatal(err)
		}
		rq.path = "/api/v1/rules/d.yml"
	case "/api/v1/rules/{id}/settings":
		rq.path = "/api/v1/rules/fortigate:ips:1/settings?tenant=alpha"
		rq.body = `{"enabled":false}`
	case "/api/v1/assets/{id}":
		rq.path = "/api/v1/assets/web1"
	case "/api/v1/assets/import":
		rq.path += "?name=hosts.csv&tenant=alpha"
		rq.body = "tenant,asset_id,hostname,ip,public_ip,role,criticality,os,os_version,inventory_complete,inventory_collected_at\nalpha,web2,w2,10.9.9.10,,server,low,,,false,\n"
	case "/api/v1/knowledge/import":
		rq.path += "?name=sigs.csv"
		rq.body = "vendor,signature_id,signature_name,cves,affected_products,target\nfortigate,1,X,CVE-2021-44228,,server\n"
	case "/api/v1/devices/{id}/configs":
		rq.path = "/api/v1/devices/1/configs"
		if method == "POST" {
			rq.body = testConfig("alpha", fmt.Sprint("p", n+10))
		}
	case "/api/v1/devices/{id}/configs/pull":
		rq.path = "/api/v1/devices/1/configs/pull"
		rq.want = http.StatusNotImplemented
	case "/api/v1/devices/{id}/restores":
		rq.path = "/api/v1/devices/1/restores"
		if method == "POST" {
			rq.body = `{"generation":1,"reason":"test"}`
			rq.want = http.StatusCreated
		}
	case "/api/v1/restores/{id}/approve":
		rq.path = "/api/v1/restores/1/approve"
		rq.want = http.StatusNotImplemented
	case "/api/v1/restores/{id}/refuse":
		req, err := f.st.RequestRestore(ctx, []uint32{f.tenantA.ID}, 1, 1, "test", "someone")
		if err != nil {
			t.Fatal(err)
		}
		rq.path = fmt.Sprintf("/api/v1/restores/%d/refuse", req.ID)
	case "/api/v1/ruleset-audit":
		rq.path += "?tenant=alpha"
	case "/api/v1/devices/{id}/audit":
		rq.path = "/api/v1/devices/1/audit"
	case "/api/v1/devices/{id}/configs/diff":
		rq.path = "/api/v1/devices/1/configs/diff"
	case "/api/v1/devices/{id}/configs/{gen}":
		rq.path = "/api/v1/devices/1/configs/1"
	case "/api/v1/devices/{id}/configs/{gen}/restore-script":
		rq.path = "/api/v1/devices/1/configs/1/restore-script"
	case "/api/v1/triage/settings":
		rq.path += "?tenant=alpha"
		rq.body = `{"policy":"all","fresh_days":30}`
	case "/api/v1/unassigned/assign":
		rq.body = `{"source":"192.0.2.9","tenant":"alpha","device":"fw"}`
	case "/api/v1/login":
		rq.body = `{"user":"p-admin","password":"` + fixturePassword + `"}`
	case "/api/v1/users":
		if method == "POST" {
			rq.body = fmt.Sprintf(`{"name":"new-%d","role":"customer_viewer","tenant":"alpha","password":%q}`, n, fixturePassword)
		}
	case "/api/v1/users/{id}":
		victim, err := f.st.CreateUser(ctx, state.User{Name: fmt.Sprintf("victim-%d", n), Role: state.RoleCustomerViewer, TenantID: f.tenantA.ID}, fixturePassword)
		if err != nil {
			t.Fatal(err)
		}
		rq.path = fmt.Sprintf("/api/v1/users/%d", victim.ID)
		if method == "PATCH" {
			rq.body = `{"disabled":true}`
		}
	case "/api/v1/users/{id}/password":
		rq.path = "/api/v1/users/" + self + "/password"
		rq.body = fmt.Sprintf(`{"password":%q,"current_password":%q}`, fixturePassword, fixturePassword)
	case "/api/v1/users/{id}/totp":
		rq.path = "/api/v1/users/" + self + "/totp"
	case "/api/v1/users/{id}/totp/confirm":
		rq.path = "/api/v1/users/" + self + "/totp/confirm"
		rq.body = `{"code":"000000"}`
		if c.user.ID != 0 {
			secret, err := f.st.EnrollTOTP(ctx, c.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			code, _ := totp.Code(secret, time.Now())
			rq.body = `{"code":"` + code + `"}`
		}
	case "/api/v1/tokens":
		if method == "POST" {
			rq.body = `{"name":"t","role":"customer_viewer","tenant":"alpha"}`
		}
	case "/api/v1/tokens/{id}":
		rq.path = "/api/v1/tokens/1"
		if c.user.ID != 0 {
			_, tok, err := f.st.IssueToken(ctx, state.Token{Name: "to revoke", Role: state.RoleCustomerViewer, TenantID: f.tenantA.ID, UserID: c.user.ID})
			if err != nil {
				t.Fatal(err)
			}
			rq.path = fmt.Sprintf("/api/v1/tokens/%d", tok.ID)
		}
	}
	return rq
}

func TestEveryRouteNeedsAToken(t *testing.T) {
	f := newFixture(t)
	for _, p := range f.api.Patterns() {
		if p == "POST /api/v1/login" {
			continue // public: the way to get a session
		}
		rq := f.request(t, p, caller{})
		code, _ := f.do(t, rq.method, rq.path, "", rq.body)
		want := http.StatusUnauthorized
		if rq.path == "/healthz" {
			want = http.StatusOK
		}
		if code != want {
			t.Errorf("%s without token: %d, want %d", p, code, want)
		}
		if code, _ := f.do(t, rq.method, rq.path, "skm_not-a-real-token", rq.body); rq.path != "/healthz" && code != http.StatusUnauthorized {
			t.Errorf("%s with a bad token: %d, want 401", p, code)
		}
		code, _, _ = f.send(t, rq.method, rq.path, rq.body, func(req *http.Request) {
			req.AddCookie(&http.Cookie{Name: SessionCookie, Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
		})
		if rq.path != "/healthz" && code != http.StatusUnauthorized {
			t.Errorf("%s with a bad session cookie: %d, want 401", p, code)
		}
	}
}

func TestAlertsScopeAndWorkflow(t *testing.T) {
	f := newFixture(t)
	// Alert 1 is alpha's, alert 2 bravo's (recorded in that order).
	code, out := f.do(t, "GET", "/api/v1/alerts", f.tokA, "")
	if code != 200 || !strings.Contains(out, "alpha-secret") || strings.Contains(out, "bravo") {
		t.Fatalf("alpha's alerts: %d %s", code, out)
	}
	for _, path := range []string{"/api/v1/alerts/2", "/api/v1/alerts/999"} {
		if code, out := f.do(t, "GET", path, f.tokA, ""); code != 404 {
			t.Errorf("%s with alpha's token: %d %s, want 404", path, code, out)
		}
	}
	if code, _ := f.do(t, "POST", "/api/v1/alerts/2/status", f.tokA, `{"status":"closed","reason":"x"}`); code != 404 {
		t.Errorf("alpha closing bravo's alert: %d, want 404", code)
	}
	if code, out := f.do(t, "POST", "/api/v1/alerts/1/status", f.tokA, `{"status":"closed"}`); code != 400 || !strings.Contains(out, "reason") {
		t.Errorf("closing without a reason: %d %s", code, out)
	}
	if code, out := f.do(t, "POST", "/api/v1/alerts/1/status", f.tokA, `{"status":"closed","reason":"customer's own scanner"}`); code != 200 || !strings.Contains(out, `"status":"closed"`) {
		t.Fatalf("close: %d %s", code, out)
	}
	if code, out := f.do(t, "GET", "/api/v1/audit?action=alert.status", f.admin, ""); code != 200 || !strings.Contains(out, `"target":"alert/1"`) || !strings.Contains(out, `customer's own scanner`) {
		t.Errorf("audit of the status change: %d %s", code, out)
	}
	code, out = f.do(t, "GET", "/api/v1/alerts/1", f.tokA, "")
	if code != 200 || !strings.Contains(out, `"to":"closed"`) || !strings.Contains(out, `"actor":"token:`) || !strings.Contains(out, `"seq":1`) {
		t.Errorf("alert detail: %d %s", code, out)
	}
	if code, out := f.do(t, "GET", "/api/v1/alerts?status=open", f.admin, ""); code != 200 || strings.Contains(out, "alpha-secret") || !strings.Contains(out, "bravo-secret") {
		t.Errorf("admin open alerts: %d %s", code, out)
	}
	if code, out := f.do(t, "GET", "/api/v1/alerts?limit=1", f.admin, ""); code != 200 || !strings.Contains(out, `"next_before":4`) {
		t.Errorf("paging: %d %s", code, out)
	}
	if code, out := f.do(t, "GET", "/api/v1/alerts?severity=severe", f.admin, ""); code != 400 || !strings.Contains(out, "severity") {
		t.Errorf("bad filter: %d %s", code, out)
	}
}

func TestHuntStaysInScope(t *testing.T) {
	f := newFixture(t)
	rule := "title: secrets\nid: 0a0a0a0a-0000-4000-8000-000000000002\nlogsource:\n  product: test\ndetection:\n  sel:\n    who|endswith: -secret\n  condition: sel\n"
	for _, tc := range []struct {
		token string
		want  int
		must  string
	}{{f.tokA, 3, "alpha-secret"}, {f.tokB, 3, "bravo-secret"}, {f.admin, 9, ""}} {
		code, out := f.do(t, "POST", "/api/v1/hunt?start=30d", tc.token, rule)
		if code != 200 {
			t.Fatalf("hunt: %d %s", code, out)
		}
		n := strings.Count(out, "\n")
		if n != tc.want || !strings.Contains(out, tc.must) || !strings.Contains(out, `"rule":"0a0a0a0a-0000-4000-8000-000000000002"`) {
			t.Errorf("hunt found %d, want %d:\n%s", n, tc.want, out)
		}
		if tc.token == f.tokA && (strings.Contains(out, "bravo") || strings.Contains(out, "nobody")) {
			t.Errorf("hunt with alpha's token returned other tenants' events:\n%s", out)
		}
	}
	if code, out := f.do(t, "POST", "/api/v1/hunt", f.tokA, "title: x\ndetection:\n  condition: nope\n"); code != 400 || !strings.Contains(out, "invalid_rule") {
		t.Errorf("bad rule: %d %s", code, out)
	}
}

func TestRuleUpload(t *testing.T) {
	f := newFixture(t)
	code, out := f.do(t, "POST", "/api/v1/rules?name=bad.yml", f.admin, "title: x\ndetection:\n  sel:\n    a: b\n  condition: nope\n")
	if code != 400 || !strings.Contains(out, "bad.yml:") || !strings.Contains(out, "invalid_rule") {
		t.Fatalf("invalid rule: %d %s", code, out)
	}
	if code, out := f.do(t, "POST", "/api/v1/rules?name=../x.yml", f.admin, "title: t\nid: 0a0a0a0a-0000-4000-8000-000000000004\nlogsource:\n  product: test\ndetection:\n  sel:\n    a: b\n  condition: sel\n"); code != 400 || !strings.Contains(out, "name") {
		t.Fatalf("bad name: %d %s", code, out)
	}
	if code, out := f.do(t, "POST", "/api/v1/rules?name=ok.yml", f.admin, "title: t\nid: 0a0a0a0a-0000-4000-8000-000000000004\nlogsource:\n  product: test\ndetection:\n  sel:\n    a: b\n  condition: sel\n"); code != 201 || !strings.Contains(out, `"rules":1`) {
		t.Fatalf("upload: %d %s", code, out)
	}
	if code, out := f.do(t, "POST", "/api/v1/rules?name=alpha.yml&tenant=alpha", f.admin, "title: t\nid: 0a0a0a0a-0000-4000-8000-000000000005\nlogsource:\n  product: test\ndetection:\n  sel:\n    a: b\n  condition: sel\n"); code != 400 || !strings.Contains(out, "filters only") {
		t.Fatalf("a detection rule bound to a tenant: %d %s", code, out)
	}
	if code, out := f.do(t, "POST", "/api/v1/rules?name=alpha.yml&tenant=alpha", f.admin, "title: f\nid: 0a0a0a0a-0000-4000-8000-000000000006\nlogsource:\n  product: test\nfilter:\n  rules:\n    - 0a0a0a0a-0000-4000-8000-000000000004\n  sel:\n    a: c\n  condition: not sel\n"); code != 201 {
		t.Fatalf("a tenant's filter: %d %s", code, out)
	}
	if code, _ := f.do(t, "DELETE", "/api/v1/rules/ok.yml", f.admin, ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := f.do(t, "DELETE", "/api/v1/rules/ok.yml", f.admin, ""); code != 404 {
		t.Fatalf("delete again: %d", code)
	}
}

func testLogger(w io.Writer) *slog.Logger {
	if w == nil {
		return nil
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestSecretsNeverLogged drives every route with valid and invalid tokens,
// bad bodies and queries, and checks that no token secret reaches the log.
func TestSecretsNeverLogged(t *testing.T) {
	var logs strings.Builder
	f := newFixtureLog(t, &logs)
	for _, p := range f.api.Patterns() {
		rq := f.request(t, p, f.callers[state.RoleProviderAdmin])
		for _, tok := range []string{f.admin, f.tokA, f.admin + "x", "skm_guess"} {
			f.do(t, rq.method, rq.path, tok, rq.body)
			f.do(t, rq.method, rq.path+"&q=foo:(", tok, "{bad json")
		}
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for _, secret := range []string{f.admin, f.tokA, f.tokB, "skm_guess", strings.TrimPrefix(f.admin, "skm_")} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a token secret was logged:\n%s", logs.String())
		}
	}
}

func urlEncode(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "&", "%26", "+", "%2B", "#", "%23", "|", "%7C", "\"", "%22", "{", "%7B", "}", "%7D")
	return r.Replace(s)
}

func TestAdminScopes(t *testing.T) {
	f := newFixture(t)
	count := func(path string) int {
		code, out := f.do(t, "GET", path, f.admin, "")
		if code != 200 {
			t.Fatalf("%s: %d %s", path, code, out)
		}
		n := 0
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			n++
		}
		return n
	}
	if n := count("/api/v1/search?q=*&start=30d"); n != 9 {
		t.Errorf("admin sees %d events, want 9 (both tenants and unassigned)", n)
	}
	if n := count("/api/v1/search?q=*&start=30d&tenant=bravo"); n != 3 {
		t.Errorf("admin narrowed to bravo sees %d", n)
	}
	if n := count("/api/v1/search?q=*&start=30d&tenant=unassigned"); n != 3 {
		t.Errorf("admin's unassigned view has %d", n)
	}
	if n := count("/api/v1/search?q=" + urlEncode("ログイン") + "&start=30d&tenant=alpha"); n != 3 {
		t.Errorf("Japanese substring search found %d, want 3", n)
	}
	if n := count("/api/v1/search?q=10.9.9.9&start=30d&tenant=alpha"); n != 3 {
		t.Errorf("IP search found %d, want 3", n)
	}
	code, out := f.do(t, "GET", "/api/v1/hits?q=*&start=30d&step=1h", f.admin, "")
	var hits struct{ Buckets []logstore.Bucket }
	if code != 200 || json.Unmarshal([]byte(out), &hits) != nil {
		t.Fatalf("hits: %d %s", code, out)
	}
	var total uint64
	for _, b := range hits.Buckets {
		total += b.Count
	}
	if total != 9 {
		t.Errorf("hits total %d, want 9", total)
	}
	code, out = f.do(t, "GET", "/api/v1/facets?q=*&start=30d&field=who", f.admin, "")
	if code != 200 || !strings.Contains(out, `"value":"bravo-secret","count":3`) {
		t.Errorf("facets: %d %s", code, out)
	}
}

func TestBadRequestsNameTheProblem(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ method, path, body, want string }{
		{"GET", "/api/v1/search?q=foo:(", "", "bad_query"},
		{"GET", "/api/v1/search?start=yesterday", "", "start:"},
		{"GET", "/api/v1/search?limit=-1", "", "limit:"},
		{"GET", "/api/v1/hits?step=0s", "", "step:"},
		{"GET", "/api/v1/facets", "", "field is required"},
		{"POST", "/api/v1/ingest", "x", "device is required"},
		{"POST", "/api/v1/ingest?device=nope", "x", `device \"nope\" not found`},
		{"POST", "/api/v1/ingest?device=fw", "x", `exists in 2 tenants`},
		{"POST", "/api/v1/tenants", `{"name":"Bad Name!"}`, "name"},
		{"POST", "/api/v1/tenants", `{"nme":"x"}`, "unknown field"},
		{"POST", "/api/v1/devices", `{"tenant":"alpha","name":"x","sources":["192.0.2.50"],"format":"nosuch"}`, `format \"nosuch\" is unknown`},
	} {
		code, out := f.do(t, tc.method, tc.path, f.admin, tc.body)
		if code/100 != 4 || !strings.Contains(out, tc.want) || !strings.Contains(out, `"error"`) {
			t.Errorf("%s %s: %d %s; want a 4xx error mentioning %q", tc.method, tc.path, code, out, tc.want)
		}
	}
}

func TestIngestGzipAndLimits(t *testing.T) {
	f := newFixture(t)
	var gz strings.Builder
	{
		w := newGzip(&gz)
		io.WriteString(w, "line one\nline two\r\n\nline three")
		w.Close()
	}
	code, out := f.do(t, "POST", "/api/v1/ingest?device=fw&tenant=alpha", f.admin, gz.String())
	if code != 200 || !strings.Contains(out, `"accepted":3`) {
		t.Fatalf("gzip ingest: %d %s", code, out)
	}
	code, out = f.do(t, "POST", "/api/v1/ingest?device=fw", f.tokA, strings.Repeat("x", 2<<20))
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d %s", code, out)
	}
}

func TestConfigsScope(t *testing.T) {
	f := newFixture(t)
	// Device 1 is alpha's, device 2 bravo's.
	for _, path := range []string{"/api/v1/devices/2/configs", "/api/v1/devices/2/configs/1", "/api/v1/devices/2/configs/diff", "/api/v1/devices/99/configs"} {
		if code, out := f.do(t, "GET", path, f.tokA, ""); code != 404 {
			t.Errorf("%s with alpha's token: %d %s, want 404", path, code, out)
		}
	}
	code, out := f.do(t, "GET", "/api/v1/devices/1/configs/diff", f.tokA, "")
	if code != 200 || !strings.Contains(out, `firewall policy 1: name changed`) || !strings.Contains(out, `-        set name \"p1\"`) {
		t.Errorf("diff: %d %s", code, out)
	}
	code, out = f.do(t, "GET", "/api/v1/devices/1/audit", f.tokA, "")
	if code != 200 || !strings.Contains(out, `"kind":"overbroad_accept"`) || !strings.Contains(out, `"score":`) {
		t.Errorf("audit: %d %s", code, out)
	}
	code, out = f.do(t, "GET", "/api/v1/devices/1/configs/1", f.tokA, "")
	if code != 200 || !strings.Contains(out, `set name "p1"`) {
		t.Errorf("generation 1: %d %s", code, out)
	}
	// A truncated upload is refused and not stored.
	cut := testConfig("alpha", "p9")
	code, out = f.do(t, "POST", "/api/v1/devices/1/configs", f.tokA, cut[:len(cut)-20])
	if code != 422 || !strings.Contains(out, "rejected") {
		t.Errorf("truncated upload: %d %s", code, out)
	}
	code, out = f.do(t, "GET", "/api/v1/devices/1/configs", f.tokA, "")
	if code != 200 || strings.Contains(out, `"generation":3`) || !strings.Contains(out, `"outcome":"rejected"`) {
		t.Errorf("after the truncated upload: %d %s", code, out)
	}
}

// TestViewerSeesOnlyReportedAlerts: a customer viewer never sees the alerts
// triage hid, unless its tenant's policy is "all"; admins see them.
func TestViewerSeesOnlyReportedAlerts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	viewer, _, err := f.st.CreateToken(ctx, "v", state.RoleCustomerViewer, f.tenantA.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Alert 1 is alpha's: triage hid it.
	if _, err := f.st.SetVerdicts(ctx, []state.VerdictUpdate{{AlertID: 1, Verdict: "NOT_APPLICABLE", Report: false, Triage: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if code, out := f.do(t, "GET", "/api/v1/alerts?report=false", f.tokA, ""); code != 200 || !strings.Contains(out, `"id":1,`) {
		t.Errorf("customer admin, hidden alerts: %d %s", code, out)
	}
	if code, out := f.do(t, "GET", "/api/v1/alerts?report=false", viewer, ""); code != 200 || strings.Contains(out, `"id":1,`) {
		t.Errorf("viewer, hidden alerts: %d %s", code, out)
	}
	if code, _ := f.do(t, "GET", "/api/v1/alerts/1", viewer, ""); code != 404 {
		t.Errorf("viewer opening a hidden alert: %d, want 404", code)
	}
	if _, err := f.st.SetTriageSetting(ctx, state.TriageSetting{TenantID: f.tenantA.ID, Policy: "all", FreshDays: 30, UpdatedBy: "t"}); err != nil {
		t.Fatal(err)
	}
	if code, _ := f.do(t, "GET", "/api/v1/alerts/1", viewer, ""); code != 200 {
		t.Errorf("viewer, policy all: %d, want 200", code)
	}
}

// TestAuditUnusedFromLogs: without device counters, the ruleset audit
// counts the device's traffic logs by policyid; a policy with no line in
// 90 days (while the logs go back further) is unused.
func TestAuditUnusedFromLogs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dev, err := f.st.Device(ctx, f.tenantA.ID, "fw")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig("alpha", "p1")
	cfg = strings.Replace(cfg, "    next\nend\n", `    next
    edit 2
        set name "p-unused"
        set srcintf "port1"
        set dstintf "port2"
        set srcaddr "all"
        set dstaddr "all"
        set action accept
        set schedule "always"
        set service "HTTPS"
        set logtraffic all
    next
end
`, 1)
	if _, err := devconfig.Keep(ctx, f.st, dev, []byte(cfg), "upload", "test"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var evs []*event.Event
	for i, at := range []time.Time{now.Add(-100 * 24 * time.Hour), now.Add(-time.Hour), now.Add(-30 * time.Minute)} {
		evs = append(evs, &event.Event{Time: at, TenantID: f.tenantA.ID, Device: "fw", Source: "192.0.2.1", Raw: "traffic policyid=1",
			Seq: uint64(1000 + i), Fields: []event.Field{{Name: "policyid", Value: "1"}}})
	}
	if err := f.logs.Add(evs); err != nil {
		t.Fatal(err)
	}
	f.logs.Flush()
	code, out := f.do(t, "GET", fmt.Sprintf("/api/v1/devices/%d/audit", dev.ID), f.tokA, "")
	if code != 200 || !strings.Contains(out, `"kind":"unused","severity"`) || !strings.Contains(out, `"hits_from":"traffic logs`) {
		t.Fatalf("audit: %d %s", code, out)
	}
	var da struct {
		Reports []struct {
			Findings []struct {
				Kind  string   `json:"kind"`
				Rules []string `json:"rules"`
			} `json:"findings"`
		} `json:"reports"`
	}
	if err := json.Unmarshal([]byte(out), &da); err != nil {
		t.Fatal(err)
	}
	for _, fd := range da.Reports[0].Findings {
		if fd.Kind == "unused" && fd.Rules[0] != "2" {
			t.Errorf("policy %s called unused; only policy 2 is", fd.Rules[0])
		}
	}
}
