package web_test

// End-to-end tests of the UI in Debian's Chromium, driven by chromedp,
// against a real server (app.Run) holding real FortiGate lines of two
// tenants. Screenshots of the main screens go to $SEKIMORI_SCREENSHOTS (or
// a temporary directory) for people to review.

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/sekimori/sekimori/internal/totp"
)

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

func (b *tab) signIn(t *testing.T) {
	b.do(t, "open /search", chromedp.Navigate(b.f.base+"/search"), chromedp.WaitVisible(chromedp.ID("user")))
	b.shot(t, "01-sign-in")
	b.signInAs(t, adminUser, "wrong password")
	b.wait(t, "the refusal", `document.querySelector('.login [role=alert]')?.textContent.includes('refused')`)
	// A second factor: the password first, then the code.
	b.do(t, "clear the form", chromedp.Evaluate[chromedp.Void](`(() => { for (const id of ['user', 'password']) { const el = document.getElementById(id);
		el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); } })()`))
	b.signInAs(t, totpUser, e2ePassword)
	b.wait(t, "the code box", `document.getElementById('totp') !== null && document.activeElement?.id === 'totp'`)
	b.shot(t, "01b-sign-in-code")
	code, _ := totp.Code(b.f.totpSecret, time.Now())
	b.do(t, "enter the code", chromedp.SendKeys(chromedp.ID("totp"), code+"\n"))
	b.wait(t, "signed in with a second factor", `document.querySelector('[data-testid=user]')?.textContent === '`+totpUser+`'`)
	b.signOut(t)
	// The provider admin, for the rest of the test.
	b.signInAs(t, adminUser, e2ePassword)
	b.searched(t, "", "*")
	if got := mustJS[any](t, b, `sessionStorage.getItem('sekimori.token')`); got != nil {
		t.Errorf("a token in sessionStorage after a password sign-in: %v", got)
	}
	if c := mustJS[string](t, b, `document.cookie`); strings.Contains(c, "sekimori_session") {
		t.Errorf("the session cookie is readable by scripts: %q", c)
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

// isolation signs in as a customer viewer of acme: nothing of beta shows,
// by search, by URL or on the devices screen.
func (b *tab) isolation(t *testing.T) {
	b.signOut(t)
	if mustJS[bool](t, b, `document.querySelector('[data-testid=user]') !== null`) {
		t.Errorf("still signed in after sign-out")
	}
	b.do(t, "open /search", chromedp.Navigate(b.f.base+"/search"))
	b.signInAs(t, viewerUser, e2ePassword)
	b.searched(t, "", "*")
	if badge := b.texts(t, "[data-testid=tenant]"); len(badge) != 1 || badge[0] != "acme" {
		t.Errorf("tenant badge %q", badge)
	}
	if n := len(b.texts(t, "#tenant")); n != 0 {
		t.Errorf("a customer viewer sees the tenant switcher")
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
		t.Errorf("tenant=beta for acme's viewer: error %q", errs)
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
		t.Errorf("a customer viewer sees the unassigned area")
	}
	b.shot(t, "08-devices-tenant")
}
