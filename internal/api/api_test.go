package api

import (
	"bufio"
	"context"
	"encoding/json"
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
)

type fixture struct {
	srv               *httptest.Server
	api               *Server
	admin, tokA, tokB string
	st                *state.Store
	logs              *logstore.Embedded
	tenantA, tenantB  state.Tenant
}

func newFixture(t *testing.T) *fixture { return newFixtureLog(t, nil) }

func newFixtureLog(t *testing.T, logw io.Writer) *fixture {
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
	})
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
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

// pathFor turns a route pattern into a request path with plausible
// parameters, so that authorization is exercised, not validation.
func pathFor(pattern string) (method, path, body string) {
	method, path, _ = strings.Cut(pattern, " ")
	switch path {
	case "/api/v1/search", "/api/v1/hits":
		path += "?q=*&start=30d"
	case "/api/v1/logs/verify":
		path += "?day=2026-11-01"
	case "/api/v1/facets":
		path += "?q=*&field=who&start=30d"
	case "/api/v1/ingest":
		path += "?device=fw"
		body = "<190>date=2026-01-01 time=00:00:00 logid=\"0000000013\" srcip=10.0.0.1\n"
	case "/api/v1/tenants":
		body = `{"name":"charlie"}`
	case "/api/v1/devices":
		body = `{"tenant":"alpha","name":"fw2","sources":["192.0.2.77"],"format":"fortigate"}`
	case "/api/v1/alerts/{id}":
		path = "/api/v1/alerts/1"
	case "/api/v1/alerts/{id}/status":
		path = "/api/v1/alerts/1/status"
		body = `{"status":"acknowledged"}`
	case "/api/v1/hunt":
		path += "?start=30d"
		body = "title: t\nid: 0a0a0a0a-0000-4000-8000-000000000001\nlogsource:\n  product: test\ndetection:\n  sel:\n    who|contains: secret\n  condition: sel\n"
	case "/api/v1/rules":
		if method == "POST" {
			path += "?name=t.yml"
			body = "title: t\nid: 0a0a0a0a-0000-4000-8000-000000000003\nlogsource:\n  product: test\ndetection:\n  sel:\n    who: x\n  condition: sel\n"
		}
	case "/api/v1/rules/{name}":
		path = "/api/v1/rules/t.yml"
	case "/api/v1/rules/{id}/settings":
		path = "/api/v1/rules/fortigate:ips:1/settings"
		body = `{"enabled":false}`
	case "/api/v1/assets/{id}":
		path = "/api/v1/assets/web1"
	case "/api/v1/assets/import":
		path += "?name=hosts.csv"
		body = "tenant,asset_id,hostname,ip,public_ip,role,criticality,os,os_version,inventory_complete,inventory_collected_at\nalpha,web2,w2,10.9.9.10,,server,low,,,false,\n"
	case "/api/v1/knowledge/import":
		path += "?name=sigs.csv"
		body = "vendor,signature_id,signature_name,cves,affected_products,target\nfortigate,1,X,CVE-2021-44228,,server\n"
	case "/api/v1/devices/{id}/configs":
		path = "/api/v1/devices/1/configs"
		if method == "POST" {
			body = testConfig("alpha", "p3")
		}
	case "/api/v1/devices/{id}/configs/diff":
		path = "/api/v1/devices/1/configs/diff"
	case "/api/v1/devices/{id}/configs/{gen}":
		path = "/api/v1/devices/1/configs/1"
	case "/api/v1/devices/{id}/configs/{gen}/restore-script":
		path = "/api/v1/devices/1/configs/1/restore-script"
	case "/api/v1/triage/settings":
		body = `{"policy":"all","fresh_days":30}`
	case "/api/v1/unassigned/assign":
		body = `{"source":"192.0.2.9","tenant":"alpha","device":"fw"}`
	}
	return
}

func TestEveryRouteNeedsAToken(t *testing.T) {
	f := newFixture(t)
	for _, p := range f.api.Patterns() {
		method, path, body := pathFor(p)
		code, _ := f.do(t, method, path, "", body)
		want := http.StatusUnauthorized
		if path == "/healthz" {
			want = http.StatusOK
		}
		if code != want {
			t.Errorf("%s without token: %d, want %d", p, code, want)
		}
		if code, _ := f.do(t, method, path, "skm_not-a-real-token", body); path != "/healthz" && code != http.StatusUnauthorized {
			t.Errorf("%s with a bad token: %d, want 401", p, code)
		}
	}
}

func TestTenantTokenSeesOnlyItsTenant(t *testing.T) {
	f := newFixture(t)
	adminOnly := map[string]bool{"POST /api/v1/rules": true, "DELETE /api/v1/rules/{name}": true, "GET /api/v1/audit": true, "POST /api/v1/tenants": true, "POST /api/v1/devices": true, "GET /api/v1/unassigned": true, "POST /api/v1/unassigned/assign": true, "POST /api/v1/knowledge/import": true}
	for _, p := range f.api.Patterns() {
		method, path, body := pathFor(p)
		code, out := f.do(t, method, path, f.tokA, body)
		if adminOnly[p] {
			if code != http.StatusForbidden {
				t.Errorf("%s with a tenant token: %d, want 403", p, code)
			}
			continue
		}
		if code/100 != 2 {
			t.Errorf("%s with a tenant token: %d %s", p, code, out)
		}
		for _, leak := range []string{"bravo-secret", "nobody-secret", "bravo"} {
			if strings.Contains(out, leak) {
				t.Errorf("%s with tenant alpha's token returned %q:\n%s", p, leak, out)
			}
		}
		// Naming another tenant gets 404, as for one that does not exist.
		if strings.HasPrefix(path, "/api/v1/alerts") || strings.HasPrefix(path, "/api/v1/logs") || strings.HasPrefix(path, "/api/v1/rules/") || strings.HasPrefix(path, "/api/v1/hunt") || strings.HasPrefix(path, "/api/v1/search") || strings.HasPrefix(path, "/api/v1/hits") || strings.HasPrefix(path, "/api/v1/facets") || strings.HasPrefix(path, "/api/v1/devices") || strings.HasPrefix(path, "/api/v1/ingest") ||
			strings.HasPrefix(path, "/api/v1/assets") || strings.HasPrefix(path, "/api/v1/triage") {
			sep := "&"
			if !strings.Contains(path, "?") {
				sep = "?"
			}
			if code, out := f.do(t, method, path+sep+"tenant=bravo", f.tokA, body); code != http.StatusNotFound {
				t.Errorf("%s naming tenant bravo with alpha's token: %d %s, want 404", p, code, out)
			}
		}
	}
	// Crafted queries that try to reach other tenants.
	for _, q := range []string{`* or who:bravo-secret`, `_stream:{device="fw"}`, `tenant.id:2`, `* | union (who:bravo-secret)`, `who:in(* | fields who)`} {
		code, out := f.do(t, "GET", "/api/v1/search?start=30d&q="+urlEncode(q), f.tokA, "")
		if code == 200 && (strings.Contains(out, "bravo") || strings.Contains(out, "nobody")) {
			t.Errorf("query %q escaped the tenant scope:\n%s", q, out)
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
		method, path, body := pathFor(p)
		for _, tok := range []string{f.admin, f.tokA, f.admin + "x", "skm_guess"} {
			f.do(t, method, path, tok, body)
			f.do(t, method, path+"&q=foo:(", tok, "{bad json")
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
