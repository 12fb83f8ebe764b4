package web_test

// The browser side of the browser tests: a Chromium tab driven by
// chromedp, with helpers to act and wait as a person would.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

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

// awaitJS evaluates an expression whose value is a promise and returns
// what it resolves to.
func awaitJS[T any](t *testing.T, b *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail(t, "evaluate %s: %v", expr, err)
	}
	return v
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

// signInAs signs in on the sign-in screen with a user name and password.
func (b *tab) signInAs(t *testing.T, user, password string) {
	t.Helper()
	b.do(t, "sign in as "+user, chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user), chromedp.SendKeys(chromedp.ID("password"), password), chromedp.Click(chromedp.ID("signin")))
}

// signInToken signs in on the sign-in screen with an API token, its second
// way in.
func (b *tab) signInToken(t *testing.T, token string) {
	t.Helper()
	b.do(t, "sign in with a token", chromedp.WaitVisible(chromedp.ID("user")), chromedp.Click(chromedp.ID("use-token")),
		chromedp.WaitVisible(chromedp.ID("token")), chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.ID("signin")))
}

// signOut signs out and waits for the sign-in screen.
func (b *tab) signOut(t *testing.T) {
	t.Helper()
	b.do(t, "sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("user")))
}
