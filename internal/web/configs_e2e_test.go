package web_test

// End-to-end test of device configurations in the UI (issue 8): a tenant
// and its devices are made over the API and two generations of a
// FortiGate's configuration uploaded there; the browser shows the
// generations with the severity and reason of the change, the semantic and
// unified diff, the ruleset audit (the unlocked rule, the score and its
// trend) in English and Japanese, refuses a truncated upload with its
// reason, flags a firmware upgrade that wiped the ruleset as critical,
// downloads a generation and its restore script, and takes a restore
// request through the four-eyes rule: the requester cannot approve it, a
// second person's approval fails without a collect source (the backup pull
// comes first) and says why, and a request can be refused.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

const configsTestdata = "testdata/configs"

// call sends body to path with token and returns the status and the answer.
func (f *fixture) call(t *testing.T, method, path, token string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, f.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// must is call that fails the test unless the status is want, decoding the answer into v (when not nil).
func (f *fixture) must(t *testing.T, want int, method, path, token string, body []byte, v any) {
	t.Helper()
	status, b := f.call(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, status, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(configsTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// download runs the actions that start a download and returns the file.
func (b *tab) download(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	b.do(t, what, actions...)
	for ev, err := range progress {
		if err != nil {
			b.fail(t, "download of %s: %v", what, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(b.downloads, ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			return data
		case browser.DownloadProgressStateCanceled:
			b.fail(t, "download of %s canceled", what)
		}
	}
	return nil
}

type auditJSON struct {
	Generation int `json:"generation"`
	Score      int `json:"score"`
	Reports    []struct {
		Findings []struct {
			Kind    string            `json:"kind"`
			Rules   []string          `json:"rules"`
			Message map[string]string `json:"message"`
		} `json:"findings"`
	} `json:"reports"`
}

func TestBrowserConfigs(t *testing.T) {
	needChromium(t)
	f := startServer(t)

	// A tenant and its devices over the API, as an administrator would.
	f.must(t, http.StatusCreated, "POST", "/api/v1/tenants", f.admin, []byte(`{"name": "gamma"}`), nil)
	var fg, sw struct{ ID int64 }
	f.must(t, http.StatusCreated, "POST", "/api/v1/devices", f.admin,
		[]byte(`{"tenant": "gamma", "name": "fw-tokyo", "sources": ["198.51.100.61"], "format": "fortigate"}`), &fg)
	f.must(t, http.StatusCreated, "POST", "/api/v1/devices", f.admin,
		[]byte(`{"tenant": "gamma", "name": "sw-core", "sources": ["198.51.100.62"]}`), &sw)
	cfgPath := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/devices/%d%s", id, rest) }

	// Two generations: policy 3 also serves HTTP, policy 1 logs all its
	// traffic and policy 12 is gone.
	gen1, gen2 := readFixture(t, "fortigate-gen1.conf"), readFixture(t, "fortigate-gen2.conf")
	var kept struct {
		Generation struct{ Generation int }
		Severity   string
	}
	f.must(t, 200, "POST", cfgPath(fg.ID, "/configs"), f.admin, gen1, &kept)
	f.must(t, 200, "POST", cfgPath(fg.ID, "/configs"), f.admin, gen2, &kept)
	if kept.Generation.Generation != 2 || kept.Severity != "medium" {
		t.Fatalf("second upload: generation %d, severity %q; want 2, medium", kept.Generation.Generation, kept.Severity)
	}
	f.must(t, 200, "POST", cfgPath(sw.ID, "/configs"), f.admin, readFixture(t, "ios.conf"), nil)
	var audit auditJSON
	f.getJSON(t, f.admin, cfgPath(fg.ID, "/audit"), &audit)
	var unlocked map[string]string
	for _, r := range audit.Reports {
		for _, x := range r.Findings {
			if x.Kind == "unlocked_rule" && x.Rules[0] == "1" {
				unlocked = x.Message
			}
		}
	}
	if unlocked == nil || !strings.Contains(unlocked["en"], "LAN-to-Internet") {
		t.Fatalf("the API's audit lacks policy 1's unlocked rule: %+v", audit)
	}

	// The upload form takes files from disk.
	dir := t.TempDir()
	truncated := filepath.Join(dir, "fw-tokyo-truncated.conf")
	if err := os.WriteFile(truncated, gen2[:len(gen2)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	wiped, err := filepath.Abs(filepath.Join(configsTestdata, "fortigate-wiped.conf"))
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, f)
	rows := func() []string {
		return mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=generations] tbody tr')).map(r => r.dataset.gen + ':' + r.dataset.severity)`)
	}
	auditOf := func(what string, gen int) {
		t.Helper()
		b.wait(t, what, fmt.Sprintf(`(() => { const a = document.querySelector('[data-testid=audit]');
			return a && a.dataset.generation === '%d' && a.dataset.loaded === '1'; })()`, gen))
	}
	diffOf := func(a, bb int) {
		t.Helper()
		b.wait(t, fmt.Sprintf("the diff %d → %d", a, bb), fmt.Sprintf(`(() => { const d = document.querySelector('[data-testid=diff]');
			return d && d.dataset.a === '%d' && d.dataset.b === '%d' && d.dataset.loaded === '1'; })()`, a, bb))
	}

	t.Run("generations", func(t *testing.T) {
		b.do(t, "open Devices", chromedp.Navigate(f.base+"/devices?tenant=gamma"))
		b.signInToken(t, f.admin)
		b.wait(t, "gamma's devices", `document.querySelectorAll('[data-testid=devices] tbody tr').length === 2`)
		b.do(t, "open fw-tokyo's configuration", chromedp.Click(chromedp.CSS(`tr[data-device=fw-tokyo] [data-testid=config-link]`)))
		b.wait(t, "its generations", `document.querySelectorAll('[data-testid=generations] tbody tr').length === 2`)
		if loc := b.location(); loc != fmt.Sprintf("/devices/%d?tenant=gamma", fg.ID) {
			t.Errorf("URL %s", loc)
		}
		if got := rows(); strings.Join(got, " ") != "2:medium 1:" {
			t.Errorf("generations %q, want 2 (medium) then 1 (the first)", got)
		}
		if got := b.texts(t, `tr[data-gen="2"] .sev`); len(got) != 1 || got[0] != "Medium" {
			t.Errorf("severity of generation 2: %q", got)
		}
		if got := b.texts(t, `tr[data-gen="2"] [data-testid=gen-reason]`); len(got) != 1 || !strings.Contains(got[0], "rule changes") {
			t.Errorf("reason of generation 2: %q", got)
		}
		if got := b.texts(t, `tr[data-gen="2"] details.changes li`); !strings.Contains(strings.Join(got, "\n"), `firewall policy 3: service added "HTTP"`) {
			t.Errorf("change list of generation 2: %q", got)
		}
		if got := b.texts(t, `h1`); len(got) != 1 || !strings.Contains(got[0], "fw-tokyo") {
			t.Errorf("title %q", got)
		}
		pulls := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=pulls] tbody tr')).map(r => r.dataset.outcome)`)
		if strings.Join(pulls, " ") != "new new" {
			t.Errorf("pull log %q, want two new generations", pulls)
		}
		auditOf("the audit of the latest generation", 2)
		diffOf(1, 2)
		b.shot(t, "19-configs")
	})

	t.Run("diff", func(t *testing.T) {
		sem := b.texts(t, "[data-testid=semantic] li")
		for _, want := range []string{`firewall policy 3: service added "HTTP"`, `firewall policy 12: deleted`, `firewall policy 1: logtraffic set to "all"`} {
			if !strings.Contains(strings.Join(sem, "\n"), want) {
				t.Errorf("semantic diff %q lacks %s", sem, want)
			}
		}
		if got := b.texts(t, "[data-testid=unified] .add"); !strings.Contains(strings.Join(got, ""), `set service "HTTP" "HTTPS"`) {
			t.Errorf("added lines %q lack policy 3's new service", got)
		}
		if got := b.texts(t, "[data-testid=unified] .del"); !strings.Contains(strings.Join(got, ""), `set name "Mgmt-SSH"`) {
			t.Errorf("removed lines %q lack policy 12", got)
		}
		// Swapped, the same change reads the other way.
		b.do(t, "swap", chromedp.Click(chromedp.ID("diff-swap")))
		diffOf(2, 1)
		if got := b.texts(t, "[data-testid=semantic] li"); !strings.Contains(strings.Join(got, "\n"), `firewall policy 12: added`) {
			t.Errorf("swapped semantic diff %q", got)
		}
		if loc := b.location(); !strings.Contains(loc, "a=2") || !strings.Contains(loc, "b=1") {
			t.Errorf("URL %s does not keep the diff's generations", loc)
		}
		b.do(t, "swap back", chromedp.Click(chromedp.ID("diff-swap")))
		diffOf(1, 2)
		b.do(t, "scroll to the diff", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=diff]').scrollIntoView()`))
		b.shot(t, "20-config-diff")
		b.do(t, "scroll back", chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))
	})

	t.Run("audit", func(t *testing.T) {
		first := mustJS[[]string](t, b, `(() => { const r = document.querySelector('[data-testid=findings] tbody tr');
			return [r.dataset.kind, r.dataset.rule, r.querySelector('.kind').textContent, r.querySelector('.msg').textContent]; })()`)
		if first[0] != "unlocked_rule" || first[1] != "1" || first[2] != "Unlocked rule" || first[3] != unlocked["en"] {
			t.Errorf("first finding %q, want policy 1's unlocked rule: %s", first, unlocked["en"])
		}
		if got := mustJS[string](t, b, `document.querySelector('[data-testid=score]').dataset.score`); got != fmt.Sprint(audit.Score) {
			t.Errorf("score %s, want %d", got, audit.Score)
		}
		sevs := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=findings] tbody tr')).map(r => r.dataset.severity)`)
		rank := map[string]int{"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
		for i := 1; i < len(sevs); i++ {
			if rank[sevs[i]] < rank[sevs[i-1]] {
				t.Errorf("findings not worst first: %q", sevs)
				break
			}
		}
		if got := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=trend] li')).map(l => l.dataset.gen)`); strings.Join(got, ",") != "1,2" {
			t.Errorf("trend generations %q", got)
		}
		b.do(t, "scroll to the audit", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=audit]').scrollIntoView()`))
		b.shot(t, "21-ruleset-audit")

		// Another generation's audit, kept in the URL.
		b.do(t, "audit generation 1", chromedp.Click(chromedp.CSS(`tr[data-gen="1"] [data-action=audit]`)))
		auditOf("the audit of generation 1", 1)
		if !strings.Contains(b.location(), "gen=1") {
			t.Errorf("URL %s does not keep the audited generation", b.location())
		}
		b.do(t, "reload", chromedp.Reload())
		auditOf("generation 1 after a reload", 1)
		if got := mustJS[string](t, b, `document.querySelector('tr.sel')?.dataset.gen`); got != "1" {
			t.Errorf("selected generation after reload: %q", got)
		}
		b.do(t, "back to the latest", chromedp.Click(chromedp.CSS(`[data-testid=trend] li[data-gen="2"] button`)))
		auditOf("the latest again", 2)
	})

	t.Run("japanese", func(t *testing.T) {
		b.do(t, "scroll up", chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))
		b.choose(t, "#lang", "ja")
		b.wait(t, "Japanese finding labels", `document.querySelector('[data-testid=findings] tbody tr .kind')?.textContent === '全開放ルール'`)
		if got := mustJS[string](t, b, `document.querySelector('[data-testid=findings] tbody tr .msg').textContent`); got != unlocked["ja"] {
			t.Errorf("Japanese message %q, want %q", got, unlocked["ja"])
		}
		if got := b.texts(t, `tr[data-gen="2"] [data-testid=gen-reason]`); len(got) != 1 || !strings.Contains(got[0], "ルール変更") {
			t.Errorf("Japanese reason %q", got)
		}
		if got := b.texts(t, "[data-testid=semantic] li"); !strings.Contains(strings.Join(got, "\n"), `firewall policy 3: service に "HTTP" を追加`) {
			t.Errorf("Japanese semantic diff %q", got)
		}
		if got := b.texts(t, `tr[data-gen="2"] details.changes li`); !strings.Contains(strings.Join(got, "\n"), `firewall policy 3: service に "HTTP" を追加`) {
			t.Errorf("Japanese change list of generation 2: %q", got)
		}
		if got := b.texts(t, `tr[data-gen="2"] .sev`); len(got) != 1 || got[0] != "中" {
			t.Errorf("Japanese severity %q", got)
		}
		b.do(t, "dark mode", chromedp.Click(chromedp.ID("theme")))
		b.wait(t, "dark mode", `document.documentElement.dataset.theme === 'dark'`)
		b.shot(t, "22-configs-ja-dark")
		b.do(t, "light mode", chromedp.Click(chromedp.ID("theme")))
		b.wait(t, "light mode", `document.documentElement.dataset.theme === 'light'`)
		b.choose(t, "#lang", "en")
		b.wait(t, "English again", `document.querySelector('[data-testid=findings] tbody tr .kind')?.textContent === 'Unlocked rule'`)
	})

	t.Run("rejected upload", func(t *testing.T) {
		b.do(t, "open the upload form", chromedp.Click(chromedp.ID("upload-open")))
		b.wait(t, "the form", `document.getElementById('config-file') !== null`)
		b.do(t, "choose the truncated file", chromedp.SetUploadFiles(chromedp.CSS("#config-file"), []string{truncated}))
		b.wait(t, "the upload button", `!document.getElementById('config-submit').disabled`)
		b.do(t, "upload", chromedp.Click(chromedp.ID("config-submit")))
		b.wait(t, "the rejection", `document.querySelector('[data-testid=upload-error]')?.textContent.includes('truncated')`)
		if got := b.texts(t, "[data-testid=upload-error]")[0]; !strings.HasPrefix(got, "Rejected: ") {
			t.Errorf("rejection %q", got)
		}
		b.wait(t, "the rejection in the pull log", `document.querySelector('[data-testid=pulls] tbody tr')?.dataset.outcome === 'rejected'`)
		if got := b.texts(t, `[data-testid=pulls] tbody tr[data-outcome=rejected] .reason-cell`); len(got) != 1 || !strings.Contains(got[0], "truncated") {
			t.Errorf("pull log reason %q", got)
		}
		if got := rows(); len(got) != 2 {
			t.Errorf("a rejected file became a generation: %q", got)
		}
		b.shot(t, "23-config-rejected")
	})

	t.Run("wipe", func(t *testing.T) {
		b.do(t, "choose the wiped configuration", chromedp.SetUploadFiles(chromedp.CSS("#config-file"), []string{wiped}))
		b.do(t, "upload", chromedp.Click(chromedp.ID("config-submit")))
		b.wait(t, "the new generation", `document.querySelector('[data-testid=upload-done]')?.textContent.includes('Generation 3')`)
		if got := b.texts(t, "[data-testid=upload-done]")[0]; !strings.Contains(got, "Critical") {
			t.Errorf("upload result %q", got)
		}
		b.wait(t, "three generations", `document.querySelectorAll('[data-testid=generations] tbody tr').length === 3`)
		if got := rows(); strings.Join(got, " ") != "3:critical 2:medium 1:" {
			t.Errorf("generations %q", got)
		}
		if !mustJS[bool](t, b, `document.querySelector('tr[data-gen="3"]').classList.contains('crit')`) {
			t.Errorf("the wipe is not highlighted")
		}
		if got := b.texts(t, `tr[data-gen="3"] [data-testid=gen-reason]`); len(got) != 1 || !strings.Contains(got[0], "possible upgrade wipe") {
			t.Errorf("reason of the wipe %q", got)
		}
		if got := b.texts(t, `tr[data-gen="3"] .fw-change`); len(got) != 1 || !strings.Contains(got[0], "7.4.4") {
			t.Errorf("firmware change %q", got)
		}
		// The audit follows the new latest generation; the diff keeps the
		// generations the URL names until asked for the new step.
		auditOf("the audit of the wipe", 3)
		diffOf(1, 2)
		b.do(t, "diff the wipe with its previous generation", chromedp.Click(chromedp.CSS(`tr[data-gen="3"] [data-action=compare]`)))
		diffOf(2, 3)
		if n := len(b.texts(t, "[data-testid=semantic] li")); n != 19 {
			t.Errorf("%d semantic changes, want the 19 deleted policies", n)
		}
		if got := b.texts(t, "[data-testid=after-wipe]"); len(got) != 1 {
			t.Errorf("the audit of the wipe does not warn that its score rose because rules were lost")
		}
		if n := mustJS[int](t, b, `document.querySelectorAll('[data-testid=trend] .trend-pt.crit').length`); n != 1 {
			t.Errorf("%d critical points in the trend, want the wipe's", n)
		}
		b.do(t, "close the upload form", chromedp.Click(chromedp.ID("upload-open")))
		b.shot(t, "24-config-wipe")
	})

	t.Run("downloads", func(t *testing.T) {
		got := b.download(t, "generation 2", chromedp.Click(chromedp.CSS(`tr[data-gen="2"] [data-download=file]`)))
		if !bytes.Equal(got, gen2) {
			t.Errorf("generation 2 downloaded: %d bytes, want the uploaded %d", len(got), len(gen2))
		}
		script := string(b.download(t, "the restore script of generation 2", chromedp.Click(chromedp.CSS(`tr[data-gen="2"] [data-download=restore]`))))
		if !strings.Contains(script, "config firewall policy") || !strings.Contains(script, "edit 2") {
			t.Errorf("restore script:\n%s", script)
		}
		if n := len(b.texts(t, `tr[data-gen="3"] [data-download=restore]`)); n != 0 {
			t.Errorf("the latest generation offers a restore script")
		}
	})

	t.Run("pull without a source", func(t *testing.T) {
		b.do(t, "pull now", chromedp.Click(chromedp.ID("pull-now")))
		b.wait(t, "the answer", `document.querySelector('[data-testid=action-error]')?.textContent.includes('sekimori configs source')`)
	})

	t.Run("restores", func(t *testing.T) {
		// The requester is gamma's customer admin, the approver the provider's admin: two tokens.
		var requester struct {
			ID    int64
			Token string
		}
		f.must(t, http.StatusCreated, "POST", "/api/v1/tokens", f.admin, []byte(`{"name": "gamma admin", "role": "customer_admin", "tenant": "gamma"}`), &requester)
		statuses := func() string {
			return strings.Join(mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=restores] tbody tr')).map(r => r.dataset.status)`), " ")
		}
		open := func(token string) {
			t.Helper()
			b.signOut(t)
			b.do(t, "open fw-tokyo", chromedp.Navigate(fmt.Sprintf("%s/devices/%d?tenant=gamma", f.base, fg.ID)))
			b.signInToken(t, token)
			b.wait(t, "the generations", `document.querySelectorAll('[data-testid=generations] tbody tr').length === 3`)
			b.wait(t, "the restores", `document.querySelector('[data-testid=restores-panel]')?.dataset.loaded === '1'`)
		}
		request := func(gen int, reason string) {
			t.Helper()
			b.do(t, fmt.Sprintf("request a restore of generation %d", gen), chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-gen="%d"] [data-action=request-restore]`, gen))))
			b.wait(t, "the form", fmt.Sprintf(`document.querySelector('[data-testid=restore-form]')?.dataset.gen === '%d' && document.activeElement?.id === 'restore-reason'`, gen))
			if !strings.Contains(b.location(), fmt.Sprintf("restore=%d", gen)) {
				t.Errorf("URL %s does not keep the restore form", b.location())
			}
			b.do(t, "give a reason and send", chromedp.SendKeys(chromedp.ID("restore-reason"), reason), chromedp.Click(chromedp.ID("restore-submit")))
			b.wait(t, "the request", fmt.Sprintf(`document.querySelector('[data-testid=restore-notice]')?.textContent.includes('generation %d') && document.querySelector('[data-testid=restores] tbody tr')?.dataset.status === 'pending' && !document.querySelector('[data-testid=restore-form]')`, gen))
		}
		approve := func() {
			t.Helper()
			b.do(t, "approve", chromedp.Click(chromedp.CSS(`[data-testid=restores] tr[data-status=pending] [data-action=approve]`)))
			b.wait(t, "the confirmation", `document.querySelector('[data-action=confirm-approve]') !== null`)
			b.do(t, "confirm", chromedp.Click(chromedp.CSS(`[data-action=confirm-approve]`)))
		}

		open(requester.Token)
		if got := statuses(); got != "" {
			t.Errorf("restores before any request: %q", got)
		}
		// Generation 2, the last before the firmware upgrade wiped the rules.
		request(2, "ファームウェア更新で消えたポリシーを戻す")
		if got := b.texts(t, `[data-testid=restores] tbody tr .mono`); !strings.Contains(strings.Join(got, " "), fmt.Sprintf("token:%d:gamma admin", requester.ID)) {
			t.Errorf("requester %q", got)
		}
		if got := b.texts(t, "[data-testid=restores] .restore-reason"); len(got) != 1 || got[0] != "ファームウェア更新で消えたポリシーを戻す" {
			t.Errorf("reason %q", got)
		}

		// The requester cannot approve its own request (in Japanese here).
		b.choose(t, "#lang", "ja")
		b.wait(t, "Japanese", `document.querySelector('[data-testid=restores] [data-action=approve]')?.textContent === '承認'`)
		approve()
		b.wait(t, "the second-person rule", `document.querySelector('[data-testid=restore-error]')?.textContent === '承認は依頼者以外が行う必要があります。'`)
		b.choose(t, "#lang", "en")
		if got := statuses(); got != "pending" {
			t.Errorf("after the requester's approval: %q, want still pending", got)
		}

		// A second person approves; without a collect source the backup
		// pull that comes first fails, and the request is failed with why.
		open(f.admin)
		approve()
		b.wait(t, "the failure", `document.querySelector('[data-testid=restore-error]')?.textContent.startsWith('The restore failed: ') && document.querySelector('[data-testid=restores] tbody tr')?.dataset.status === 'failed'`)
		var api struct {
			Restores []struct {
				Status    string `json:"status"`
				Result    string `json:"result"`
				DecidedBy string `json:"decided_by"`
			} `json:"restores"`
		}
		f.getJSON(t, f.admin, cfgPath(fg.ID, "/restores"), &api)
		if len(api.Restores) != 1 || api.Restores[0].Status != "failed" || !strings.Contains(api.Restores[0].Result, "backup before the restore") || !strings.HasSuffix(api.Restores[0].DecidedBy, ":e2e admin") {
			t.Fatalf("restores after the approval: %+v", api.Restores)
		}
		reason := api.Restores[0].Result
		if got := b.texts(t, "[data-testid=restore-error]")[0]; got != "The restore failed: "+reason {
			t.Errorf("message %q, want the recorded reason %q", got, reason)
		}
		if got := b.texts(t, "[data-testid=restores] tbody tr [data-testid=restore-result]"); len(got) != 1 || !strings.Contains(got[0], reason) {
			t.Errorf("outcome in the list %q, want %q", got, reason)
		}
		if n := len(b.texts(t, "[data-testid=restores] [data-action=approve]")); n != 0 {
			t.Errorf("a failed request can still be approved")
		}
		b.do(t, "scroll to the restores", chromedp.Evaluate[chromedp.Void](`scrollTo(0, document.querySelector('[data-testid=generations-panel]').getBoundingClientRect().top + scrollY - 60)`))
		b.shot(t, "26-restores")
		b.do(t, "scroll back", chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))

		// A request can be refused.
		request(1, "test")
		b.do(t, "refuse", chromedp.Click(chromedp.CSS(`[data-testid=restores] tr[data-status=pending] [data-action=refuse]`)))
		b.wait(t, "the refusal", `document.querySelector('[data-testid=restore-notice]')?.textContent.includes('refused') && document.querySelector('[data-testid=restores] tbody tr')?.dataset.status === 'refused'`)
		if got := statuses(); got != "refused failed" {
			t.Errorf("restores %q, want the refused request above the failed one", got)
		}
		if got := rows(); len(got) != 3 {
			t.Errorf("generations after the restores: %q", got)
		}
	})

	t.Run("unsupported device", func(t *testing.T) {
		b.do(t, "back to the devices", chromedp.Click(chromedp.CSS(".device-config .back")))
		b.wait(t, "gamma's devices", `document.querySelectorAll('[data-testid=devices] tbody tr').length === 2`)
		b.do(t, "open sw-core", chromedp.Click(chromedp.CSS(`tr[data-device=sw-core] [data-testid=config-link]`)))
		b.wait(t, "its generation", `document.querySelector('.device-config')?.dataset.id === '`+fmt.Sprint(sw.ID)+`' && document.querySelectorAll('[data-testid=generations] tbody tr').length === 1`)
		b.wait(t, "no audit", `document.querySelector('[data-testid=audit-error]')?.textContent.includes('not available for this device type')`)
		if got := b.texts(t, "[data-testid=diff] p"); len(got) != 1 || !strings.Contains(got[0], "two generations") {
			t.Errorf("diff of one generation: %q", got)
		}
	})

	t.Run("viewer", func(t *testing.T) {
		var tok struct{ Token string }
		f.must(t, http.StatusCreated, "POST", "/api/v1/tokens", f.admin, []byte(`{"name": "gamma viewer", "role": "customer_viewer", "tenant": "gamma"}`), &tok)
		b.signOut(t)
		b.do(t, "open the device", chromedp.Navigate(fmt.Sprintf("%s/devices/%d", f.base, fg.ID)))
		b.signInToken(t, tok.Token)
		b.wait(t, "the generations", `document.querySelectorAll('[data-testid=generations] tbody tr').length === 3`)
		auditOf("the audit", 3)
		b.wait(t, "the restores", `document.querySelectorAll('[data-testid=restores] tbody tr').length === 2`)
		for _, css := range []string{"#pull-now", "#upload-open", "[data-download=restore]", "[data-download=masked]", "[data-action=request-restore]", "[data-action=refuse]"} {
			if n := len(b.texts(t, css)); n != 0 {
				t.Errorf("a viewer sees %s", css)
			}
		}
		// The file comes masked.
		got := b.download(t, "generation 1 as a viewer", chromedp.Click(chromedp.CSS(`tr[data-gen="1"] [data-download=file]`)))
		if bytes.Equal(got, gen1) || !bytes.Contains(got, []byte("config firewall policy")) {
			t.Errorf("a viewer's download of generation 1 is not the masked file (%d bytes)", len(got))
		}
	})

	b.checkConsole(t)
	t.Logf("screenshots in %s", b.shots)
}
