package web_test

// End-to-end tests of the UI in Debian's Chromium, driven by chromedp,
// against a real server (app.Run) holding real FortiGate lines of two
// tenants. Screenshots of the main screens go to $SEKIMORI_SCREENSHOTS (or
// a temporary directory) for people to review.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/sekimori/sekimori/internal/app"
	"github.com/sekimori/sekimori/internal/config"
	"github.com/sekimori/sekimori/internal/state"
)

const chromiumPath = "/usr/bin/chromium"

// fixture is a running server with two tenants, acme and beta, and one
// source that no device claims.
type fixture struct {
	base         string // http://127.0.0.1:PORT
	admin, acme  string // tokens
	acmeLines    []string
	acmeDeny     int // acme events with action=deny
	acmeLogin    int // acme events whose message contains ログイン
	betaLogin    int
	betaIP       string
	unassignedIP string
}

func TestBrowser(t *testing.T) {
	needChromium(t)
	f := startServer(t)
	b := newBrowser(t, f)

	t.Run("sign in", b.signIn)
	t.Run("search", b.search)
	t.Run("facet", b.facet)
	t.Run("event", b.event)
	t.Run("export", b.export)
	t.Run("pivot", b.pivot)
	t.Run("zoom", b.zoom)
	t.Run("saved search", b.saved)
	t.Run("japanese", b.japanese)
	t.Run("devices", b.devices)
	t.Run("live tail", b.tail)
	t.Run("tenant isolation", b.isolation)
	b.checkConsole(t)
	t.Logf("screenshots in %s", b.shots)
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

// startServer runs app.Run on a loopback port with tenants, devices and
// tokens made through the state store, then ingests lines over HTTP and
// syslog TCP and waits until they are searchable.
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

// tab is the browser tab with the fixture it tests.
type tab struct {
	f         *fixture
	ctx       context.Context
	shots     string
	downloads string
	mu        sync.Mutex
	console   []string // CSP violations and uncaught exceptions
}

func newBrowser(t *testing.T, f *fixture) *tab {
	t.Helper()
	profile, err := os.MkdirTemp("", "sekimori-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's children can still write for a moment after it exits.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	shots := os.Getenv("SEKIMORI_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US"),
		chromedp.WindowSize(1440, 900),
	)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	b := &tab{f: f, ctx: ctx, shots: shots, downloads: t.TempDir()}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	// Dates in the screenshots as an analyst in Japan sees them.
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: b.downloads, EventsEnabled: new(true),
	}); err != nil {
		t.Fatal(err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.console = append(b.console, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs actions with a time limit, failing the test (with a screenshot)
// when one fails.
func (b *tab) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(t, "%s: %v", what, err)
	}
}

func (b *tab) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	b.shot(t, "failed-"+strings.NewReplacer(" ", "-", "/", "-").Replace(t.Name()))
	body, _ := evalJS[string](b, `document.body.innerText.slice(0, 3000)`)
	t.Fatalf(format+"\npage %s:\n%s", append(args, b.location(), body)...)
}

func evalJS[T any](b *tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

func mustJS[T any](t *testing.T, b *tab, expr string) T {
	t.Helper()
	v, err := evalJS[T](b, expr)
	if err != nil {
		b.fail(t, "evaluate %s: %v", expr, err)
	}
	return v
}

// wait polls a JavaScript condition until it holds.
func (b *tab) wait(t *testing.T, what, cond string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 25*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		b.fail(t, "waiting for %s (%s): %v", what, cond, err)
	}
}

func (b *tab) location() string {
	loc, _ := evalJS[string](b, `location.pathname + location.search`)
	return loc
}

func (b *tab) shot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644); err != nil {
		t.Error(err)
	}
}

// searched waits until the result rows are those of tenant and query.
func (b *tab) searched(t *testing.T, tenant, query string) {
	t.Helper()
	key, _ := json.Marshal(tenant + "|" + query)
	b.wait(t, "results of "+string(key), `(() => { const s = document.querySelector('[data-testid=summary]');
		return s && s.dataset.loading === '0' && s.dataset.for === `+string(key)+`; })()`)
}

// typeQuery replaces the query box's text, as typed on the keyboard, and runs it.
func (b *tab) typeQuery(t *testing.T, q string) {
	t.Helper()
	b.do(t, "clear the query box", chromedp.Evaluate[chromedp.Void](`(() => { const el = document.getElementById('query');
		el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); })()`))
	b.do(t, "type "+q, chromedp.SendKeys(chromedp.ID("query"), q+"\n"))
}

// choose picks an option of a <select> as a person would (a change event).
func (b *tab) choose(t *testing.T, css, value string) {
	t.Helper()
	sel, _ := json.Marshal(css)
	val, _ := json.Marshal(value)
	b.do(t, "choose "+value+" in "+css, chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(`+string(sel)+`);
		el.value = `+string(val)+`; el.dispatchEvent(new Event('change', {bubbles: true})); })()`))
}

func (b *tab) texts(t *testing.T, css string) []string {
	t.Helper()
	sel, _ := json.Marshal(css)
	return mustJS[[]string](t, b, `Array.from(document.querySelectorAll(`+string(sel)+`)).map(e => e.textContent)`)
}

func (b *tab) signIn(t *testing.T) {
	b.do(t, "open /search", chromedp.Navigate(b.f.base+"/search"), chromedp.WaitVisible(chromedp.ID("token")))
	b.shot(t, "01-sign-in")
	b.do(t, "sign in with a wrong token", chromedp.SendKeys(chromedp.ID("token"), "skm_wrong"), chromedp.Click(chromedp.ID("signin")))
	b.wait(t, "the refusal", `document.querySelector('.login [role=alert]')?.textContent.includes('invalid')`)
	b.do(t, "clear the token", chromedp.Evaluate[chromedp.Void](`(() => { const el = document.getElementById('token');
		el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); })()`))
	b.do(t, "sign in", chromedp.SendKeys(chromedp.ID("token"), b.f.admin), chromedp.Click(chromedp.ID("signin")))
	b.searched(t, "", "*")
	if got := mustJS[string](t, b, `sessionStorage.getItem('sekimori.token')`); got != b.f.admin {
		t.Errorf("sessionStorage token = %q", got)
	}
	if n := len(b.texts(t, ".result")); n != 163 {
		b.fail(t, "%d rows after sign-in, want all 163 events of the last hour", n)
	}
	b.wait(t, "the histogram", `document.querySelector('[data-testid=histogram] canvas') !== null`)
	b.wait(t, "the field sidebar", `document.querySelector('.field[data-field=device]') !== null`)
}

func (b *tab) search(t *testing.T) {
	// "/" anywhere but in a text box focuses the query box.
	b.do(t, "press /", chromedp.Click(chromedp.CSS(".fields h2")), chromedp.KeyEvent("/"))
	if id := mustJS[string](t, b, `document.activeElement.id`); id != "query" {
		t.Errorf("after /, focus is on %q, want the query box", id)
	}
	b.typeQuery(t, "ログイン")
	b.searched(t, "", "ログイン")
	msgs := b.texts(t, ".result .m")
	if len(msgs) != b.f.acmeLogin+b.f.betaLogin {
		b.fail(t, "ログイン: %d rows, want %d", len(msgs), b.f.acmeLogin+b.f.betaLogin)
	}
	for _, m := range msgs {
		if !strings.Contains(m, "ログイン") {
			t.Errorf("row without ログイン: %s", m)
		}
	}
	if loc := b.location(); !strings.Contains(loc, "q="+url.QueryEscape("ログイン")) {
		t.Errorf("URL %s does not keep the query", loc)
	}
}

func (b *tab) facet(t *testing.T) {
	b.choose(t, "#tenant", "acme")
	b.searched(t, "acme", "ログイン")
	b.typeQuery(t, "")
	b.searched(t, "acme", "*")
	if n := len(b.texts(t, ".result")); n != len(b.f.acmeLines) {
		b.fail(t, "tenant acme: %d rows, want %d", n, len(b.f.acmeLines))
	}
	for _, d := range b.texts(t, ".result .d") {
		if d != "fg-hq" {
			b.fail(t, "tenant acme shows a row of device %q", d)
		}
	}
	b.wait(t, "the action facet", `document.querySelector('.field[data-field=action] .facet-value[data-value=deny]') !== null`)
	b.do(t, "click action=deny", chromedp.Click(chromedp.CSS(`.field[data-field=action] .facet-value[data-value=deny]`)))
	b.searched(t, "acme", `action:="deny"`)
	if chips := b.texts(t, ".chip"); len(chips) != 1 || !strings.Contains(chips[0], "action") || !strings.Contains(chips[0], "deny") {
		t.Errorf("chips %q, want one for action = deny", chips)
	}
	if q := b.texts(t, "[data-testid=effective-query]"); len(q) != 1 || q[0] != `action:="deny"` {
		t.Errorf("query shown %q", q)
	}
	if n := len(b.texts(t, ".result")); n != b.f.acmeDeny {
		b.fail(t, "action=deny: %d rows, want %d", n, b.f.acmeDeny)
	}
	b.shot(t, "02-search-facet")
}

func (b *tab) event(t *testing.T) {
	b.do(t, "open the first event", chromedp.Click(chromedp.CSS(".result-line")))
	b.wait(t, "the original line", `document.querySelector('[data-testid=original]') !== null`)
	orig := b.texts(t, "[data-testid=original]")[0]
	if !slices.Contains(b.f.acmeLines, orig) {
		t.Errorf("original line %q is not one of the ingested lines", orig)
	}
	if !strings.Contains(orig, `action="deny"`) {
		t.Errorf("original line of a deny event: %s", orig)
	}
	if !strings.Contains(b.location(), "ev=") {
		t.Errorf("URL %s has no event", b.location())
	}
	fields := b.texts(t, ".kv dt")
	for _, want := range []string{"_time", "device", "srcip", "source.ip", "event.action", "app"} {
		if !slices.Contains(fields, want) {
			t.Errorf("event fields %q lack %s", fields, want)
		}
	}
	// The link reopens the event on a fresh load.
	loc := b.location()
	b.do(t, "reload", chromedp.Navigate(b.f.base+loc))
	b.wait(t, "the event after reload", `document.querySelector('[data-testid=original]')?.textContent === `+jsString(orig))
	b.shot(t, "03-event")
}

func (b *tab) export(t *testing.T) {
	for _, format := range []string{"csv", "jsonl"} {
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
		b.do(t, "export "+format, chromedp.Click(chromedp.ID("export")), chromedp.Click(chromedp.CSS(`[data-format=`+format+`]`)))
		var file string
		for ev, err := range progress {
			if err != nil {
				cancel()
				b.fail(t, "download of %s: %v", format, err)
			}
			if ev.State == browser.DownloadProgressStateCompleted {
				file = filepath.Join(b.downloads, ev.GUID)
				break
			}
			if ev.State == browser.DownloadProgressStateCanceled {
				cancel()
				b.fail(t, "download of %s canceled", format)
			}
		}
		cancel()
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if format == "jsonl" {
			if n := strings.Count(string(data), "\n"); n != b.f.acmeDeny {
				t.Errorf("JSON lines export: %d lines, want %d", n, b.f.acmeDeny)
			}
			continue
		}
		if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
			t.Errorf("CSV export does not start with a UTF-8 BOM: % x", data[:min(8, len(data))])
		}
		if !strings.Contains(string(data), "取引先ポータル") {
			t.Errorf("CSV export lacks the Japanese app name")
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))).ReadAll()
		if err != nil {
			t.Fatalf("CSV export: %v", err)
		}
		if len(recs) != b.f.acmeDeny+1 {
			t.Errorf("CSV export: %d records, want a header and %d rows", len(recs), b.f.acmeDeny)
		}
		head := recs[0]
		if head[0] != "_time" || head[1] != "_msg" {
			t.Errorf("CSV header %q", head)
		}
		action, dev := slices.Index(head, "action"), slices.Index(head, "device")
		if action < 0 || dev < 0 {
			t.Fatalf("CSV header %q lacks action or device", head)
		}
		for _, r := range recs[1:] {
			if r[action] != "deny" || r[dev] != "fg-hq" || !slices.Contains(b.f.acmeLines, r[1]) {
				t.Errorf("CSV row %q", r)
			}
		}
	}
	b.wait(t, "the export message", `document.querySelector('[data-testid=export-done]') !== null`)
}

func (b *tab) pivot(t *testing.T) {
	// The pivot menu of the open event's srcip: search that IP everywhere.
	ip := mustJS[string](t, b, `(() => { const dt = Array.from(document.querySelectorAll('.kv dt')).find(e => e.textContent === 'srcip');
		const btn = dt.nextElementSibling.querySelector('button'); btn.click(); return btn.textContent; })()`)
	b.wait(t, "the pivot menu", `document.querySelector('[data-testid=pivot] [data-action=ip]') !== null`)
	b.do(t, "search this IP", chromedp.Click(chromedp.CSS(`[data-testid=pivot] [data-action=ip]`)))
	b.searched(t, "acme", ip)
	msgs := b.texts(t, ".result .m")
	if len(msgs) == 0 {
		b.fail(t, "no rows for %s", ip)
	}
	for _, m := range msgs {
		if !strings.Contains(m, "srcip="+ip+" ") {
			t.Errorf("row without %s: %s", ip, m)
		}
	}
}

func (b *tab) zoom(t *testing.T) {
	b.do(t, "open acme's last hour", chromedp.Navigate(b.f.base+"/search?tenant=acme&start=1h"))
	b.searched(t, "acme", "*")
	// The histogram is drawn after its own request, not with the rows.
	b.wait(t, "the histogram", `document.querySelector('.histogram .u-over') !== null`)
	r := mustJS[[]float64](t, b, `(() => { const r = document.querySelector('.histogram .u-over').getBoundingClientRect();
		return [r.left, r.top, r.width, r.height]; })()`)
	y := r[1] + r[3]/2
	b.do(t, "drag across the histogram", chromedp.DragAndDropXY(r[0]+r[2]*0.5, y, r[0]+r[2]*0.9, y))
	b.wait(t, "an absolute range in the URL", `new URLSearchParams(location.search).get('end') !== null`)
	b.searched(t, "acme", "*")
	if n := len(b.texts(t, ".result")); n == 0 || n >= len(b.f.acmeLines) {
		b.fail(t, "after zooming to part of the hour: %d rows, want some of %d", n, len(b.f.acmeLines))
	}
	if l := b.texts(t, "[data-testid=range-label]"); len(l) != 1 || !strings.Contains(l[0], "→") {
		t.Errorf("range label after zoom: %q", l)
	}
}

func (b *tab) saved(t *testing.T) {
	b.do(t, "open a search with a chip", chromedp.Navigate(b.f.base+"/search?tenant=acme&start=1h&f=action:deny"))
	b.searched(t, "acme", `action:="deny"`)
	b.do(t, "save it", chromedp.Click(chromedp.ID("save")), chromedp.SendKeys(chromedp.CSS(".save-form input"), "拒否された通信\n"))
	b.do(t, "open another search", chromedp.Navigate(b.f.base+"/search?tenant=acme&start=1h"))
	b.searched(t, "acme", "*")
	b.do(t, "open the saved search", chromedp.Click(chromedp.ID("saved")))
	b.wait(t, "the saved search", `Array.from(document.querySelectorAll('.menu-row a')).some(a => a.textContent === '拒否された通信')`)
	b.do(t, "click it", chromedp.Click(chromedp.CSS(".menu-row a")))
	b.searched(t, "acme", `action:="deny"`)
	if n := len(b.texts(t, ".result")); n != b.f.acmeDeny {
		t.Errorf("saved search: %d rows, want %d", n, b.f.acmeDeny)
	}
}

func (b *tab) japanese(t *testing.T) {
	b.do(t, "open a search with an event", chromedp.Navigate(b.f.base+"/search?tenant=acme&start=1h&q=%E3%83%AD%E3%82%B0%E3%82%A4%E3%83%B3"))
	b.searched(t, "acme", "ログイン")
	b.do(t, "open the first event", chromedp.Click(chromedp.CSS(".result-line")))
	b.choose(t, "#lang", "ja")
	b.wait(t, "Japanese labels", `document.getElementById('run').textContent === '検索' && document.documentElement.lang === 'ja'`)
	for css, want := range map[string]string{
		"header nav a":        "検索",
		".fields h2":          "フィールド",
		".result-head .d":     "デバイス",
		"#signout":            "サインアウト",
		"[data-range=custom]": "期間指定",
	} {
		if got := b.texts(t, css); len(got) == 0 || got[0] != want {
			t.Errorf("%s: %q, want %q", css, got, want)
		}
	}
	if s := b.texts(t, "[data-testid=summary]"); len(s) != 1 || !strings.Contains(s[0], "件") {
		t.Errorf("summary %q is not Japanese", s)
	}
	// The choice is remembered.
	b.do(t, "reload", chromedp.Reload())
	b.wait(t, "Japanese after reload", `document.getElementById('run')?.textContent === '検索'`)
	b.searched(t, "acme", "ログイン")
	b.wait(t, "the event", `document.querySelector('[data-testid=original]') !== null`)
	b.shot(t, "04-search-ja")
	b.do(t, "dark mode", chromedp.Click(chromedp.ID("theme")))
	b.wait(t, "dark mode", `document.documentElement.dataset.theme === 'dark'`)
	b.shot(t, "05-search-ja-dark")
	b.do(t, "light mode", chromedp.Click(chromedp.ID("theme")))
	b.wait(t, "light mode", `document.documentElement.dataset.theme === 'light'`)
}

func (b *tab) devices(t *testing.T) {
	b.do(t, "open Devices", chromedp.Click(chromedp.CSS(`header nav a[href^="/devices"]`)))
	b.wait(t, "acme's devices", `document.querySelectorAll('[data-testid=devices] tbody tr').length === 1`)
	b.choose(t, "#tenant", "")
	b.wait(t, "every device", `document.querySelectorAll('[data-testid=devices] tbody tr').length === 2`)
	b.wait(t, "activity", `document.querySelector('tr[data-device=fg-hq] td.num')?.textContent === '120'`)
	if h := b.texts(t, "[data-testid=devices] th"); !slices.Contains(h, "名前") || !slices.Contains(h, "テナント") {
		t.Errorf("device table headers %q are not Japanese", h)
	}
	b.wait(t, "the unassigned source", `document.querySelector('tr[data-source="127.0.0.1"]') !== null`)
	b.shot(t, "06-devices-ja")
	b.choose(t, `tr[data-source="127.0.0.1"] select`, "acme/fg-hq")
	b.do(t, "assign", chromedp.Click(chromedp.CSS(`tr[data-source="127.0.0.1"] button`)))
	b.wait(t, "the assignment", `document.querySelector('.unassigned [role=status]')?.textContent.includes('127.0.0.1')`)
	b.wait(t, "an empty holding area", `document.querySelector('tr[data-source="127.0.0.1"]') === null`)
	if msg := b.texts(t, ".unassigned [role=status]")[0]; !strings.Contains(msg, "3 行") {
		t.Errorf("assignment message %q does not say 3 lines moved", msg)
	}
}

// tail switches live tail on and sees a line ingested afterwards appear.
func (b *tab) tail(t *testing.T) {
	b.do(t, "open live tail", chromedp.Navigate(b.f.base+"/search?tenant=acme&start=15m&tail=1"))
	b.searched(t, "acme", "*")
	if !mustJS[bool](t, b, `document.getElementById('tail').checked`) {
		t.Errorf("live tail is not on")
	}
	now := time.Now().In(time.FixedZone("JST", 9*3600))
	b.f.ingest(t, "acme", "fg-hq", []string{fmt.Sprintf(`<185>date=%s time=%s devname="HQ" devid="FG100FTK00000001" tz="+0900" logid="0100032002" type="event" subtype="system" level="alert" vd="root" user="admin" srcip=10.1.0.99 action="login" status="failed" msg="ライブ確認 管理者の認証に失敗"`,
		now.Format("2006-01-02"), now.Format("15:04:05"))})
	b.wait(t, "the new line at the top", `document.querySelector('.result.fresh .m')?.textContent.includes('ライブ確認')`)
	b.shot(t, "09-live-tail")
	b.do(t, "stop live tail", chromedp.Click(chromedp.ID("tail")))
	b.wait(t, "tail off in the URL", `!location.search.includes('tail=1')`)
}

func (b *tab) isolation(t *testing.T) {
	b.do(t, "sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("token")))
	if tok := mustJS[any](t, b, `sessionStorage.getItem('sekimori.token')`); tok != nil {
		t.Errorf("token still stored after sign-out: %v", tok)
	}
	b.do(t, "sign in as acme", chromedp.Navigate(b.f.base+"/search"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), b.f.acme), chromedp.Click(chromedp.ID("signin")))
	b.searched(t, "", "*")
	if badge := b.texts(t, "[data-testid=tenant]"); len(badge) != 1 || badge[0] != "acme" {
		t.Errorf("tenant badge %q", badge)
	}
	if n := len(b.texts(t, "#tenant")); n != 0 {
		t.Errorf("a tenant token sees the tenant switcher")
	}
	if vals := b.texts(t, ".field[data-field=device] .facet-value .v"); !slices.Equal(vals, []string{"fg-hq"}) {
		t.Errorf("device facet for acme: %q", vals)
	}

	b.typeQuery(t, "ログイン")
	b.searched(t, "", "ログイン")
	for _, m := range b.texts(t, ".result .m") {
		if strings.Contains(m, "ベータ") {
			t.Errorf("acme sees a beta line: %s", m)
		}
	}
	if n := len(b.texts(t, ".result")); n != b.f.acmeLogin {
		t.Errorf("acme's ログイン: %d rows, want %d", n, b.f.acmeLogin)
	}

	b.typeQuery(t, b.f.betaIP)
	b.searched(t, "", b.f.betaIP)
	if n := len(b.texts(t, ".result")); n != 0 {
		t.Errorf("acme sees %d rows for beta's IP %s", n, b.f.betaIP)
	}

	b.do(t, "open beta by URL", chromedp.Navigate(b.f.base+"/search?tenant=beta&start=24h"))
	b.searched(t, "beta", "*")
	if errs := b.texts(t, "[data-testid=error]"); len(errs) != 1 || !strings.Contains(errs[0], "beta") {
		t.Errorf("tenant=beta for an acme token: error %q", errs)
	}
	if n := len(b.texts(t, ".result")); n != 0 {
		t.Errorf("acme sees %d rows of tenant beta", n)
	}
	if body := mustJS[string](t, b, `document.body.innerText`); strings.Contains(body, "ベータ") || strings.Contains(body, "fg-beta") {
		t.Errorf("beta's data on acme's screen:\n%s", body)
	}
	b.shot(t, "07-tenant-isolation")

	b.do(t, "open Devices", chromedp.Navigate(b.f.base+"/devices"))
	b.wait(t, "acme's devices", `document.querySelectorAll('[data-testid=devices] tbody tr').length >= 1`)
	if devs := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=devices] tbody tr')).map(r => r.dataset.device)`); !slices.Equal(devs, []string{"fg-hq"}) {
		t.Errorf("acme's device list: %q", devs)
	}
	if n := len(b.texts(t, "[data-testid=unassigned]")); n != 0 {
		t.Errorf("a tenant token sees the unassigned area")
	}
	b.shot(t, "08-devices-tenant")
}

func (b *tab) checkConsole(t *testing.T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		t.Errorf("browser console: %s", m)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
