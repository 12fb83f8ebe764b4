package web_test

// The server side of the browser tests: a real server with two tenants,
// their devices, users and tokens, and lines that are searchable.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/app"
	"github.com/sekimori/sekimori/internal/config"
	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/totp"
)

const chromiumPath = "/usr/bin/chromium"

// fixture is a running server with two tenants, acme and beta, and one
// source that no device claims.
type fixture struct {
	base        string // http://127.0.0.1:PORT
	admin, acme string // tokens
	// totpSecret is the second factor of user e2e-2fa (see users).
	totpSecret   string
	acmeLines    []string
	acmeDeny     int // acme events with action=deny
	acmeLogin    int // acme events whose message contains ログイン
	betaLogin    int
	betaIP       string
	unassignedIP string
}

// needChromium skips the test when Debian's Chromium is not installed,
// except in CI, where its absence is a failure.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI must install it (bash .ci/chromium.sh)", chromiumPath)
		}
		t.Skipf("%s is missing: install it with `bash .ci/chromium.sh` (apt-get install chromium fonts-noto-cjk) to run the browser tests", chromiumPath)
	}
}

// The fixture's users, all with password e2ePassword: a provider admin,
// a provider admin with a second factor, and a customer viewer of acme.
const (
	adminUser   = "e2e-admin"
	totpUser    = "e2e-2fa"
	viewerUser  = "acme-viewer"
	e2ePassword = "ブラウザ試験 passphrase"
)

// startServer runs app.Run on a loopback port with tenants, devices, users
// and tokens made through the state store, then ingests lines over HTTP
// and syslog TCP and waits until they are searchable.
func startServer(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	cfg := &config.Config{Data: filepath.Join(dir, "data")}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Syslog.TCP.Listen = "127.0.0.1:0"
	cfg.Store.MinFreeDisk = 1 << 20
	cfg.Defaults()
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	st, err := state.Open(ctx, app.StateDSN(cfg))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{betaIP: "172.16.5.3", unassignedIP: "127.0.0.1"}
	acme, err := st.CreateTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	beta, err := st.CreateTenant(ctx, "beta")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []state.Device{
		{TenantID: acme.ID, Name: "fg-hq", Sources: []string{"192.0.2.10"}, DevID: "FG100FTK00000001", Format: "fortigate"},
		{TenantID: beta.ID, Name: "fg-beta", Sources: []string{"192.0.2.20"}, DevID: "FG60FTK00000002", Format: "fortigate"},
	} {
		if _, err := st.AddDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if f.admin, _, err = st.CreateToken(ctx, "e2e admin", state.RoleAdmin, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if f.acme, _, err = st.CreateToken(ctx, "e2e acme", state.RoleTenant, acme.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []state.User{
		{Name: adminUser, Role: state.RoleProviderAdmin},
		{Name: totpUser, Role: state.RoleProviderAdmin},
		{Name: viewerUser, Role: state.RoleCustomerViewer, TenantID: acme.ID},
	} {
		if _, err := st.CreateUser(ctx, u, e2ePassword); err != nil {
			t.Fatal(err)
		}
	}
	// The second factor is confirmed with the previous step's code, so
	// that the current one is still unused when the browser signs in.
	u2, _ := st.UserByName(ctx, totpUser)
	if f.totpSecret, err = st.EnrollTOTP(ctx, u2.ID); err != nil {
		t.Fatal(err)
	}
	prev, _ := totp.Code(f.totpSecret, time.Now().Add(-totp.Period))
	if err := st.ConfirmTOTP(ctx, u2.ID, prev); err != nil {
		t.Fatal(err)
	}
	st.Close()

	runCtx, cancel := context.WithCancel(ctx)
	ready := make(chan app.Addrs, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(runCtx, cfg, slog.New(slog.DiscardHandler), func(a app.Addrs) { ready <- a }) }()
	var addrs app.Addrs
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	f.base = "http://" + addrs.HTTP

	// Lines of the last half hour, in the devices' zone (Asia/Tokyo).
	jst := time.FixedZone("JST", 9*3600)
	now := time.Now().In(jst)
	at := func(i int) (string, string) {
		ts := now.Add(-time.Duration(i) * 15 * time.Second)
		return ts.Format("2006-01-02"), ts.Format("15:04:05")
	}
	actions := []string{"accept", "deny", "close"}
	for i := range 120 {
		d, tm := at(i)
		var line string
		if i%4 == 0 {
			line = fmt.Sprintf(`<189>date=%s time=%s devname="HQ" devid="FG100FTK00000001" tz="+0900" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" user="yamada" srcip=10.1.0.%d action="login" status="success" msg="管理者 山田 が GUI からログインしました"`, d, tm, i%20)
			f.acmeLogin++
		} else {
			act := actions[i%3]
			line = fmt.Sprintf(`<189>date=%s time=%s devname="HQ" devid="FG100FTK00000001" tz="+0900" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.1.0.%d srcport=%d srcintf="port1" dstip=198.51.100.%d dstport=443 dstintf="wan1" proto=6 action="%s" policyid=1 service="HTTPS" app="取引先ポータル" sentbyte=%d rcvdbyte=%d`, d, tm, i%20, 40000+i, i%5, act, i*10, i*20)
			if act == "deny" {
				f.acmeDeny++
			}
		}
		f.acmeLines = append(f.acmeLines, line)
	}
	var betaLines []string
	for i := range 40 {
		d, tm := at(i)
		if i%4 == 0 {
			betaLines = append(betaLines, fmt.Sprintf(`<189>date=%s time=%s devname="BETA" devid="FG60FTK00000002" tz="+0900" logid="0100032001" type="event" subtype="system" level="information" vd="root" user="suzuki" srcip=172.16.5.%d action="login" status="success" msg="ベータ社 機密 ログイン %d"`, d, tm, i%10, i))
			f.betaLogin++
		} else {
			betaLines = append(betaLines, fmt.Sprintf(`<189>date=%s time=%s devname="BETA" devid="FG60FTK00000002" tz="+0900" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=172.16.5.%d srcport=%d dstip=203.0.113.9 dstport=22 action="deny" app="ベータ社システム"`, d, tm, i%10, 50000+i))
		}
	}
	f.ingest(t, "acme", "fg-hq", f.acmeLines)
	f.ingest(t, "beta", "fg-beta", betaLines)

	// A sender no device claims: its lines wait in the unassigned area.
	conn, err := net.Dial("tcp", addrs.SyslogTCP)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		d, tm := at(i)
		fmt.Fprintf(conn, "<189>date=%s time=%s devname=\"LAB\" devid=\"FGLAB0000000009\" tz=\"+0900\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" srcip=10.9.9.%d dstip=192.0.2.99 dstport=80 action=\"accept\" app=\"未登録の機器\"\n", d, tm, i)
	}
	conn.Close()

	want := len(f.acmeLines) + len(betaLines) + 3
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := len(f.apiSearch(t, f.admin, "*", ""))
		var un []map[string]any
		f.getJSON(t, f.admin, "/api/v1/unassigned", &un)
		if n == want && len(un) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingest: %d of %d events searchable, %d unassigned sources", n, want, len(un))
		}
		time.Sleep(200 * time.Millisecond)
	}
	return f
}

func (f *fixture) ingest(t *testing.T, tenant, device string, lines []string) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.base+"/api/v1/ingest?tenant="+tenant+"&device="+device, strings.NewReader(strings.Join(lines, "\n")+"\n"))
	req.Header.Set("Authorization", "Bearer "+f.admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("ingest %s: %s %s", device, res.Status, body)
	}
}

func (f *fixture) getJSON(t *testing.T, token, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %s %s", path, res.Status, b)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func (f *fixture) apiSearch(t *testing.T, token, q, tenant string) []map[string]string {
	t.Helper()
	v := url.Values{"q": {q}, "start": {"1h"}, "limit": {"0"}, "tenant": {tenant}}
	req, _ := http.NewRequest("GET", f.base+"/api/v1/search?"+v.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("search %q: %s %s", q, res.Status, body)
	}
	var rows []map[string]string
	for l := range strings.Lines(string(body)) {
		var r map[string]string
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		rows = append(rows, r)
	}
	return rows
}
