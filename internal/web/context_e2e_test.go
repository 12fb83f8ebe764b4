package web_test

// End-to-end test of an event's context in Search: lines of three devices
// around one moment (acme's fg-hq and fg-branch, and beta's own fg-hq);
// "Show context" on an fg-hq event lists only acme fg-hq's lines around it,
// oldest first, the event highlighted and in view, in a URL that survives a
// reload and can be widened.

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowserSearchContext(t *testing.T) {
	needChromium(t)
	f := startServer(t)

	// A second device of acme, and a device of beta with the name of acme's.
	f.must(t, http.StatusCreated, "POST", "/api/v1/devices", f.admin,
		[]byte(`{"tenant": "acme", "name": "fg-branch", "sources": ["192.0.2.11"], "format": "fortigate"}`), nil)
	f.must(t, http.StatusCreated, "POST", "/api/v1/devices", f.admin,
		[]byte(`{"tenant": "beta", "name": "fg-hq", "sources": ["192.0.2.21"], "format": "fortigate"}`), nil)

	// Three hours ago, away from the fixture's lines of the last half hour.
	jst := time.FixedZone("JST", 9*3600)
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Minute).In(jst)
	line := func(at time.Time, msg string) string {
		return fmt.Sprintf(`<189>date=%s time=%s devname="X" tz="+0900" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="context test" msg="%s"`,
			at.Format("2006-01-02"), at.Format("15:04:05"), msg)
	}
	// fg-hq every 40 s from t0-800s to t0+800s (ctxhq00 … ctxhq40, ctxhq20 at
	// t0), and once 14 minutes either side.
	var hq, branch, beta []string
	for i := range 41 {
		hq = append(hq, line(t0.Add(time.Duration(i-20)*40*time.Second), fmt.Sprintf("ctxhq%02d", i)))
	}
	hq = append(hq, line(t0.Add(-14*time.Minute), "ctxhqfar1"), line(t0.Add(14*time.Minute), "ctxhqfar2"))
	for i := range 21 {
		branch = append(branch, line(t0.Add(time.Duration(i-10)*30*time.Second), fmt.Sprintf("ctxbr%02d", i)))
	}
	for i := range 11 {
		beta = append(beta, line(t0.Add(time.Duration(i-5)*30*time.Second), fmt.Sprintf("ctxbeta%02d", i)))
	}
	f.ingest(t, "acme", "fg-hq", hq)
	f.ingest(t, "acme", "fg-branch", branch)
	f.ingest(t, "beta", "fg-hq", beta)
	window := url.Values{"q": {"*"}, "start": {t0.Add(-time.Hour).Format(time.RFC3339)}, "end": {t0.Add(time.Hour).Format(time.RFC3339)}, "limit": {"1000"}}
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, body := f.call(t, "GET", "/api/v1/search?"+window.Encode(), f.admin, nil)
		n := strings.Count(string(body), "\n")
		if n == len(hq)+len(branch)+len(beta) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d context lines searchable", n, len(hq)+len(branch)+len(beta))
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Within ±5 minutes of ctxhq20: ctxhq13 … ctxhq27, oldest first.
	var near []string
	for i := 13; i <= 27; i++ {
		near = append(near, fmt.Sprintf("ctxhq%02d", i))
	}
	b := newBrowser(t, f)
	shown := func() []string {
		return mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=context] .result-line .m')).map(m => (/msg="([^"]*)"/.exec(m.textContent) || [])[1] || m.textContent)`)
	}
	loaded := func(what, w string) {
		t.Helper()
		b.wait(t, what, `(() => { const c = document.querySelector('[data-testid=context]');
			return c && c.dataset.loaded === '1' && c.dataset.window === '`+w+`'; })()`)
	}
	var seq string
	check := func(what string, want []string) {
		t.Helper()
		if got := shown(); !slices.Equal(got, want) {
			b.fail(t, "%s: lines %q, want %q", what, got, want)
		}
		if got := b.texts(t, "[data-testid=context] .result-line .d"); slices.ContainsFunc(got, func(d string) bool { return d != "fg-hq" }) {
			t.Errorf("%s: devices %q, want fg-hq only", what, got)
		}
		marked := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('.result.mark')).map(r => r.dataset.id + ' ' + r.querySelector('.m').textContent)`)
		if len(marked) != 1 || !strings.HasPrefix(marked[0], seq+" ") || !strings.Contains(marked[0], "ctxhq20") {
			t.Errorf("%s: highlighted %q, want the event %s (ctxhq20)", what, marked, seq)
		}
		b.wait(t, "the event in view", `(() => { const r = document.querySelector('.result.mark > .result-line').getBoundingClientRect();
			return r.top >= 0 && r.bottom <= innerHeight; })()`)
	}

	t.Run("show context", func(t *testing.T) {
		q := url.Values{"q": {"ctxhq20"}, "start": {t0.Add(-30 * time.Minute).UTC().Format(time.RFC3339)}, "end": {t0.Add(30 * time.Minute).UTC().Format(time.RFC3339)}}
		b.do(t, "open the search", chromedp.Navigate(f.base+"/search?"+q.Encode()))
		b.signInToken(t, f.admin)
		b.searched(t, "", "ctxhq20")
		if n := len(b.texts(t, ".result")); n != 1 {
			b.fail(t, "%d results for ctxhq20, want 1", n)
		}
		seq = mustJS[string](t, b, `document.querySelector('.result').dataset.id`)
		b.do(t, "open the event", chromedp.Click(chromedp.CSS(".result-line")))
		b.wait(t, "the action", `document.querySelector('[data-action=context]')?.textContent === 'Show context'`)
		b.do(t, "show its context", chromedp.Click(chromedp.CSS("[data-action=context]")))
		loaded("the context", "5m")
		check("±5 min", near)
		loc, _ := url.Parse(b.location())
		if p := loc.Query(); p.Get("ctx") != seq || p.Get("cdev") != "fg-hq" || p.Get("cw") != "5m" || p.Get("ct") == "" || p.Get("ctn") == "" {
			t.Errorf("URL %s does not name the event, device, time, tenant and window", loc)
		}
		b.shot(t, "25-search-context")
	})

	t.Run("reload", func(t *testing.T) {
		b.do(t, "reload", chromedp.Reload())
		loaded("the context after a reload", "5m")
		check("after a reload", near)
	})

	t.Run("wider", func(t *testing.T) {
		b.do(t, "widen to ±15 min", chromedp.Click(chromedp.CSS(`[data-window="15m"]`)))
		loaded("±15 min", "15m")
		var all []string
		for i := range 41 {
			all = append(all, fmt.Sprintf("ctxhq%02d", i))
		}
		check("±15 min", append(append([]string{"ctxhqfar1"}, all...), "ctxhqfar2"))
		if !strings.Contains(b.location(), "cw=15m") {
			t.Errorf("URL %s does not keep the window", b.location())
		}
		b.choose(t, "#lang", "ja")
		b.wait(t, "Japanese labels", `document.querySelector('[data-window="1h"]')?.textContent === '±1 時間' && document.getElementById('context-back')?.textContent.includes('検索結果に戻る')`)
		b.choose(t, "#lang", "en")
		b.do(t, "back to ±5 min", chromedp.Click(chromedp.CSS(`[data-window="5m"]`)))
		loaded("±5 min again", "5m")
	})

	t.Run("back to the results", func(t *testing.T) {
		b.do(t, "back", chromedp.Click(chromedp.ID("context-back")))
		b.searched(t, "", "ctxhq20")
		b.wait(t, "the event open", `document.querySelector('[data-testid=event-detail]') !== null`)
		loc := b.location()
		if strings.Contains(loc, "ctx=") || !strings.Contains(loc, "ev="+seq) {
			t.Errorf("URL %s after going back", loc)
		}
	})

	t.Run("link with the event only", func(t *testing.T) {
		b.do(t, "open the link", chromedp.Navigate(f.base+"/search?ctx="+seq))
		loaded("the context of the event alone", "5m")
		check("from the event alone", near)
	})

	t.Run("tenant token", func(t *testing.T) {
		// acme's own token sees the same lines; beta's fg-hq was never in reach.
		b.signOut(t)
		b.do(t, "open the context", chromedp.Navigate(f.base+"/search?ctx="+seq))
		b.signInToken(t, f.acme)
		loaded("the context as acme", "5m")
		check("as acme", near)
	})

	b.checkConsole(t)
	t.Logf("screenshots in %s", b.shots)
}
