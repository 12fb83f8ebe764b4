package web_test

// End-to-end test of relevance verdicts in the UI: knowledge (NVD, KEV,
// EPSS, FortiGate IPS signatures) and a hosts inventory are imported over
// the API, an SBOM through the Assets screen's import form; FortiGate IPS
// lines aimed at those hosts become alerts that the server's triage gives
// verdicts. The browser shows the verdicts, hides what cannot hurt behind
// the Reported / Hidden filter, explains a verdict with its evidence in
// English and Japanese, and lists the hosts with their software and alerts.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sekimori/sekimori/internal/state"
)

const (
	fortiosSig     = "Fortinet.FortiOS.SSL.VPN.Web.Portal.Pathname.Information.Disclosure"
	fortiosRule    = "fortigate:ips:9100001"
	fortiosSigID   = 9100001
	triageTestdata = "testdata/triage"
)

// post sends body to path with the admin token and fails the test unless it is answered 200.
func (f *fixture) post(t *testing.T, path string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.base+path, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+f.admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("POST %s: %s %s", path, res.Status, b)
	}
}

// triageResult is the part of an alert's triage document the test checks.
type triageResult struct {
	Verdict string            `json:"verdict"`
	Report  bool              `json:"report"`
	Reason  map[string]string `json:"reason"`
}

// verdicts polls acme's alerts of rule until every target in want has its
// verdict and report flag, and returns the alerts by target.
func (f *fixture) verdicts(t *testing.T, rule string, want map[string]string, hidden []string) map[string]state.Alert {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var r struct{ Alerts []state.Alert }
		f.getJSON(t, f.admin, "/api/v1/alerts?status=&tenant=acme&limit=100&rule="+url.QueryEscape(rule), &r)
		got := map[string]state.Alert{}
		ok := len(r.Alerts) == len(want)
		for _, a := range r.Alerts {
			got[a.TargetIP] = a
			if a.Verdict != want[a.TargetIP] || a.Report == slices.Contains(hidden, a.TargetIP) {
				ok = false
			}
		}
		if ok {
			return got
		}
		if time.Now().After(deadline) {
			var s []string
			for _, a := range r.Alerts {
				s = append(s, fmt.Sprintf("%s: %q report=%v", a.TargetIP, a.Verdict, a.Report))
			}
			t.Fatalf("verdicts of %s: %s; want %v, hidden %v", rule, strings.Join(s, "; "), want, hidden)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// triagedWith waits until alert id's triage mentions what (the new
// inventory file after an import: triage re-runs every second).
func (f *fixture) triagedWith(t *testing.T, id int64, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if a := f.alert(t, f.admin, id); strings.Contains(string(a.Triage), what) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("alert %d: triage never mentions %s", id, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestBrowserTriage(t *testing.T) {
	needChromium(t)
	f := startServer(t)

	// Knowledge, as `sekimori knowledge import` takes it.
	for _, name := range []string{"nvd-fortios.json", "kev.json", "epss.csv", "fortigate-ips.csv"} {
		data, err := os.ReadFile(filepath.Join(triageTestdata, name))
		if err != nil {
			t.Fatal(err)
		}
		f.post(t, "/api/v1/knowledge/import?name="+name, data)
	}
	// The inventory: two FortiGates (one vulnerable to CVE-2018-13379, one
	// fixed) reached through NAT, a Debian web server, and a host whose
	// inventory is too old to hide anything.
	day := func(ago int) string { return time.Now().UTC().AddDate(0, 0, -ago).Format("2006-01-02") }
	hosts := "tenant,asset_id,hostname,ip,public_ip,role,criticality,os,os_version,inventory_complete,inventory_collected_at,notes\n" +
		"acme,fw01,fw01.acme.local,10.0.0.1,203.0.113.1,firewall,critical,FortiOS,6.0.4,true," + day(3) + ",本社 FortiGate\n" +
		"acme,fw02,fw02.acme.local,10.0.0.2,203.0.113.2,firewall,critical,FortiOS,6.0.5,true," + day(3) + ",支社 FortiGate\n" +
		"acme,web01,web01.acme.local,10.0.1.10,,server,medium,Debian GNU/Linux,12,true," + day(2) + ",公開 Web サーバー (nginx)\n" +
		"acme,old01,old01.acme.local,10.0.1.15,,server,medium,Debian GNU/Linux,12,true," + day(45) + ",棚卸しが古い\n"
	f.post(t, "/api/v1/assets/import?tenant=acme&name=hosts.csv", []byte(hosts))

	// One signature against every host, and against an address the inventory lacks.
	targets := []string{"203.0.113.1", "203.0.113.2", "10.0.1.10", "10.0.1.15", "10.0.9.9"}
	var lines []string
	for i, dst := range targets {
		lines = append(lines, ipsLine("FG100FTK00000001", time.Duration(len(targets)-i)*time.Minute, "high", "198.51.100.7", dst, fortiosSig, fortiosSigID))
	}
	f.ingest(t, "acme", "fg-hq", lines)
	byTarget := f.verdicts(t, fortiosRule, map[string]string{
		"203.0.113.1": "RELEVANT_VULNERABLE",
		"203.0.113.2": "NOT_VULNERABLE_PATCHED",
		"10.0.1.10":   "NOT_APPLICABLE",
		"10.0.1.15":   "NOT_APPLICABLE", // stale inventory: reported all the same
		"10.0.9.9":    "UNKNOWN_ASSET",
	}, []string{"203.0.113.2", "10.0.1.10"})
	vuln, patched, notApp, stale, unknown := byTarget["203.0.113.1"], byTarget["203.0.113.2"], byTarget["10.0.1.10"], byTarget["10.0.1.15"], byTarget["10.0.9.9"]
	var vulnTriage triageResult
	if err := json.Unmarshal(vuln.Triage, &vulnTriage); err != nil || vulnTriage.Reason["ja"] == "" || vulnTriage.Reason["en"] == "" {
		t.Fatalf("triage of alert %d: %s (%v)", vuln.ID, vuln.Triage, err)
	}

	b := newBrowser(t, f)
	row := func(a state.Alert) string { return fmt.Sprintf(`tr[data-id="%d"]`, a.ID) }
	rowIDs := func() []string {
		return mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=alerts] tbody tr')).map(r => r.dataset.id)`)
	}
	ids := func(as ...state.Alert) []string {
		var out []string
		for _, a := range as {
			out = append(out, fmt.Sprint(a.ID))
		}
		slices.Sort(out)
		return out
	}
	queueIs := func(what string, as ...state.Alert) {
		t.Helper()
		want := ids(as...)
		js, _ := json.Marshal(want)
		b.wait(t, what, `(() => { const ids = Array.from(document.querySelectorAll('[data-testid=alerts] tbody tr')).map(r => r.dataset.id).sort();
			return document.querySelector('[data-testid=alert-count]')?.dataset.loading === '0' && JSON.stringify(ids) === `+jsString(string(js))+`; })()`)
	}

	t.Run("reported by default", func(t *testing.T) {
		b.do(t, "open Alerts", chromedp.Navigate(f.base+"/alerts?tenant=acme"))
		b.signInToken(t, f.admin)
		queueIs("the reported alerts", vuln, stale, unknown)
		for _, a := range []state.Alert{patched, notApp} {
			if slices.Contains(rowIDs(), fmt.Sprint(a.ID)) {
				t.Errorf("hidden alert %d (%s) in the default queue", a.ID, a.Verdict)
			}
		}
		if got := mustJS[string](t, b, `document.querySelector('`+row(vuln)+` .verdict').dataset.verdict`); got != "RELEVANT_VULNERABLE" {
			t.Errorf("verdict badge %q", got)
		}
		if got := b.texts(t, row(vuln)+" .verdict"); len(got) != 1 || got[0] != "Vulnerable" {
			t.Errorf("verdict label %q, want Vulnerable", got)
		}
		if got := b.texts(t, row(unknown)+" .verdict"); len(got) != 1 || got[0] != "Unknown asset" {
			t.Errorf("verdict label %q, want Unknown asset", got)
		}
		// The target's host name comes from the evidence (through NAT here).
		if got := b.texts(t, row(vuln)+" td.target"); len(got) != 1 || !strings.Contains(got[0], "fw01.acme.local") || !strings.Contains(got[0], "203.0.113.1") {
			t.Errorf("target cell %q, want the host name and the address", got)
		}
		if got := mustJS[string](t, b, `document.querySelector('#report button.on')?.dataset.report`); got != "reported" {
			t.Errorf("report filter %q, want reported", got)
		}
	})

	t.Run("hidden", func(t *testing.T) {
		b.do(t, "show hidden alerts", chromedp.Click(chromedp.CSS(`#report [data-report=hidden]`)))
		queueIs("the hidden alerts", patched, notApp)
		if !strings.Contains(b.location(), "report=hidden") {
			t.Errorf("URL %s does not keep the report filter", b.location())
		}
		if got := b.texts(t, row(notApp)+" .verdict"); len(got) != 1 || got[0] != "Not applicable" {
			t.Errorf("verdict label %q, want Not applicable", got)
		}
		if got := b.texts(t, row(patched)+" .verdict"); len(got) != 1 || got[0] != "Patched" {
			t.Errorf("verdict label %q, want Patched", got)
		}
		if n := len(b.texts(t, row(notApp)+" .hidden-tag")); n != 1 {
			t.Errorf("a hidden alert lacks its hidden tag")
		}
		b.do(t, "show all", chromedp.Click(chromedp.CSS(`#report [data-report=all]`)))
		b.choose(t, "#verdict", "NOT_APPLICABLE")
		queueIs("not applicable, reported or not", notApp, stale)
		if loc := b.location(); !strings.Contains(loc, "verdict=NOT_APPLICABLE") || !strings.Contains(loc, "report=all") {
			t.Errorf("URL %s does not keep the filters", loc)
		}
		// A reload keeps them.
		b.do(t, "reload", chromedp.Reload())
		queueIs("the same queue after a reload", notApp, stale)
		if got := mustJS[string](t, b, `document.getElementById('verdict').value`); got != "NOT_APPLICABLE" {
			t.Errorf("verdict filter after reload: %q", got)
		}
	})

	t.Run("evidence", func(t *testing.T) {
		b.do(t, "open the vulnerable alert", chromedp.Navigate(fmt.Sprintf("%s/alerts?tenant=acme&id=%d", f.base, vuln.ID)))
		b.wait(t, "its triage", `document.querySelector('[data-testid=triage]')?.dataset.verdict === 'RELEVANT_VULNERABLE'`)
		if got := b.texts(t, "[data-testid=reason]"); len(got) != 1 || got[0] != vulnTriage.Reason["en"] {
			t.Errorf("reason %q, want %q", got, vulnTriage.Reason["en"])
		}
		if got := b.texts(t, "[data-testid=report-tag]"); len(got) != 1 || got[0] != "Reported to the customer" {
			t.Errorf("report tag %q", got)
		}
		if got := b.texts(t, "[data-testid=cves]"); len(got) != 1 || !strings.Contains(got[0], "CVE-2018-13379") {
			t.Errorf("CVEs %q", got)
		}
		asset := strings.Join(b.texts(t, "[data-testid=ev-asset] dd"), " | ")
		for _, want := range []string{"fw01.acme.local", "its public address (NAT)", "Complete", " days old", "firewall"} {
			if !strings.Contains(asset, want) {
				t.Errorf("host evidence %q lacks %q", asset, want)
			}
		}
		check := b.texts(t, "[data-testid=checks] li[data-outcome=vulnerable]")
		if len(check) != 1 || !strings.Contains(check[0], "6.0.4") || !strings.Contains(check[0], "KEV") || !strings.Contains(check[0], "EPSS 94%") {
			t.Errorf("checks %q, want FortiOS 6.0.4 vulnerable, KEV, EPSS 94%%", check)
		}
		if got := b.texts(t, "[data-testid=urgency]"); len(got) != 1 || !strings.HasPrefix(got[0], "Raised") {
			t.Errorf("urgency %q: a KEV CVE on a vulnerable host raises it", got)
		}
		if n := len(b.texts(t, "[data-testid=verdict-history] li")); n < 1 {
			t.Errorf("no verdict history")
		}
		b.shot(t, "15-alert-verdict")
		b.do(t, "scroll to the checks", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=checks]').scrollIntoView({block: 'end'})`))
		b.shot(t, "15b-alert-evidence")

		b.choose(t, "#lang", "ja")
		b.wait(t, "the Japanese reason", `document.querySelector('[data-testid=reason]')?.textContent === `+jsString(vulnTriage.Reason["ja"]))
		if got := b.texts(t, `[data-testid=triage] .triage-head .verdict`); len(got) != 1 || got[0] != "影響あり" {
			t.Errorf("verdict in Japanese %q", got)
		}
		if got := b.texts(t, row(unknown)+" .verdict"); len(got) != 1 || got[0] != "資産不明" {
			t.Errorf("queue verdict in Japanese %q", got)
		}
		b.shot(t, "16-alert-verdict-ja")
		b.choose(t, "#lang", "en")

		// Keyboard navigation still moves through the queue and opens the detail.
		b.do(t, "focus the queue", chromedp.Click(chromedp.CSS(".alerts-bar h1")))
		b.wait(t, "the open alert selected", `document.querySelector('tr.sel')?.dataset.id === '`+fmt.Sprint(vuln.ID)+`'`)
		b.do(t, "press k", chromedp.KeyEvent("k"))
		b.wait(t, "the newer alert selected", `document.querySelector('tr.sel')?.dataset.id === '`+fmt.Sprint(stale.ID)+`'`)
		b.do(t, "press Enter", chromedp.KeyEvent("\r"))
		b.wait(t, "its detail", `document.querySelector('[data-testid=alert-detail]')?.dataset.id === '`+fmt.Sprint(stale.ID)+`'
			&& document.querySelector('[data-testid=triage]')?.dataset.report === '1'`)
		if r := b.texts(t, "[data-testid=reason]"); len(r) != 1 || !strings.Contains(r[0], "limit 30") {
			t.Errorf("the stale host's reason %q does not say why it is reported", r)
		}
		if got := mustJS[string](t, b, `document.querySelector('[data-testid=ev-inventory] .inv-age')?.dataset.stale`); got != "1" {
			t.Errorf("the stale inventory is not marked stale")
		}
	})

	sbom := filepath.Join(t.TempDir(), "sbom-web01.cdx.json")
	data, err := os.ReadFile(filepath.Join(triageTestdata, "sbom-web01.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "2026-11-01T00:00:00Z", time.Now().UTC().Add(-24*time.Hour).Format(time.RFC3339), 1))
	if err := os.WriteFile(sbom, data, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("assets", func(t *testing.T) {
		b.do(t, "open Assets", chromedp.Click(chromedp.CSS(`header nav a[href^="/assets"]`)))
		b.wait(t, "acme's hosts", `document.querySelectorAll('[data-testid=assets] tbody tr').length === 4`)
		if got := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=assets] tbody tr')).map(r => r.dataset.asset)`); !slices.Equal(got, []string{"fw01", "fw02", "old01", "web01"}) {
			t.Errorf("assets %q", got)
		}
		stale := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=assets] tbody tr[data-stale="1"]')).map(r => r.dataset.asset)`)
		if !slices.Equal(stale, []string{"old01"}) {
			t.Errorf("stale hosts %q, want old01", stale)
		}
		if got := b.texts(t, `tr[data-asset=fw01] td`); !slices.Contains(got, "203.0.113.1") {
			t.Errorf("fw01's row %q lacks its public address", got)
		}
		b.do(t, "filter", chromedp.SendKeys(chromedp.ID("asset-filter"), "fortios"))
		b.wait(t, "the FortiGates", `document.querySelectorAll('[data-testid=assets] tbody tr').length === 2`)
		if !strings.Contains(b.location(), "q=fortios") {
			t.Errorf("URL %s does not keep the filter", b.location())
		}
		b.do(t, "clear the filter", chromedp.Evaluate[chromedp.Void](`(() => { const el = document.getElementById('asset-filter');
			el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); })()`))
		b.wait(t, "every host", `document.querySelectorAll('[data-testid=assets] tbody tr').length === 4`)

		// web01's SBOM through the import form.
		b.do(t, "open web01", chromedp.Click(chromedp.CSS(`tr[data-asset=web01] td.host`)))
		b.wait(t, "its detail", `document.querySelector('[data-testid=asset-detail]')?.dataset.loaded === '1'`)
		b.do(t, "open the import form", chromedp.Click(chromedp.ID("import-open")))
		b.wait(t, "the form with the open host", `document.getElementById('import-asset')?.value === 'web01'`)
		b.do(t, "choose the SBOM", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{sbom}))
		b.wait(t, "the import button", `!document.getElementById('import-submit').disabled`)
		b.do(t, "import", chromedp.Click(chromedp.ID("import-submit")))
		b.wait(t, "the import result", `document.querySelector('[data-testid=import-done]')?.textContent.includes('cyclonedx')`)
		b.wait(t, "nginx in web01's software", `document.querySelector('[data-testid=software] tr[data-name=nginx]') !== null`)
		b.do(t, "search the software", chromedp.SendKeys(chromedp.ID("software-filter"), "ssl"))
		b.wait(t, "openssl only", `Array.from(document.querySelectorAll('[data-testid=software] tbody tr')).map(r => r.dataset.name).join() === 'openssl'`)
		if loc := b.location(); !strings.Contains(loc, "id=web01") || !strings.Contains(loc, "sw=ssl") {
			t.Errorf("URL %s does not keep the open host and its software search", loc)
		}
		inv := b.texts(t, "[data-testid=inventories] li")
		if len(inv) != 1 || !strings.Contains(inv[0], "sbom-web01.cdx.json") {
			t.Errorf("inventories %q", inv)
		}
		if h := b.texts(t, "[data-testid=asset-history] li"); len(h) < 2 || !strings.Contains(strings.Join(h, " "), "nginx") {
			t.Errorf("history %q lacks the SBOM's software", h)
		}
		// The host's alert, hidden from the customer, is one click away.
		f.triagedWith(t, notApp.ID, "sbom-web01.cdx.json")
		b.wait(t, "web01's alert", `document.querySelector('[data-testid=asset-alerts] li[data-id="`+fmt.Sprint(notApp.ID)+`"]') !== null`)
		b.shot(t, "17-assets")
		b.do(t, "follow it", chromedp.Click(chromedp.CSS(`[data-testid=asset-alerts] li[data-id="`+fmt.Sprint(notApp.ID)+`"] a`)))
		b.wait(t, "the alert's detail", `document.querySelector('[data-testid=triage]')?.dataset.verdict === 'NOT_APPLICABLE'
			&& document.querySelector('[data-testid=alert-detail]')?.dataset.id === '`+fmt.Sprint(notApp.ID)+`'`)
		if got := b.texts(t, "[data-testid=report-tag]"); len(got) != 1 || got[0] != "Hidden from the customer" {
			t.Errorf("report tag %q", got)
		}
		b.wait(t, "the SBOM in the evidence", `document.querySelector('[data-testid=ev-asset]')?.textContent.includes('sbom-web01.cdx.json')`)
		b.do(t, "back to the host", chromedp.Click(chromedp.CSS("[data-testid=asset-link]")))
		b.wait(t, "web01 again", `document.querySelector('[data-testid=asset-detail]')?.dataset.id === 'web01' && document.querySelector('[data-testid=asset-detail]')?.dataset.loaded === '1'`)
	})

	t.Run("pivot to the asset and back to logs", func(t *testing.T) {
		// An IPS event's destination, from the pivot menu in Search.
		b.do(t, "search the vulnerable alert's event", chromedp.Navigate(f.base+"/search?tenant=acme&start=1h&q=203.0.113.1"))
		b.searched(t, "acme", "203.0.113.1")
		b.do(t, "open the event", chromedp.Click(chromedp.CSS(".result-line")))
		b.wait(t, "its fields", `document.querySelector('.kv dt') !== null`)
		mustJS[string](t, b, `(() => { const dt = Array.from(document.querySelectorAll('.kv dt')).find(e => e.textContent === 'dstip');
			const btn = dt.nextElementSibling.querySelector('button'); btn.click(); return btn.textContent; })()`)
		b.wait(t, "the pivot menu", `document.querySelector('[data-testid=pivot] [data-action=asset]') !== null`)
		b.do(t, "show its asset", chromedp.Click(chromedp.CSS(`[data-testid=pivot] [data-action=asset]`)))
		b.wait(t, "fw01 opened", `document.querySelector('[data-testid=asset-detail]')?.dataset.id === 'fw01' && document.querySelector('[data-testid=asset-detail]')?.dataset.loaded === '1'`)
		if loc := b.location(); !strings.HasPrefix(loc, "/assets?") || !strings.Contains(loc, "ip=203.0.113.1") {
			t.Errorf("URL %s", loc)
		}
		if got := b.texts(t, "[data-testid=ip-filter]"); len(got) != 1 || !strings.Contains(got[0], "203.0.113.1") {
			t.Errorf("IP filter %q", got)
		}
		if got := b.texts(t, "[data-testid=asset-public-ips]"); len(got) != 1 || got[0] != "203.0.113.1" {
			t.Errorf("NAT addresses %q", got)
		}
		b.wait(t, "fw01's alert", `document.querySelector('[data-testid=asset-alerts] li[data-id="`+fmt.Sprint(vuln.ID)+`"]') !== null`)
		b.choose(t, "#lang", "ja")
		b.do(t, "dark mode", chromedp.Click(chromedp.ID("theme")))
		b.wait(t, "dark Japanese", `document.documentElement.dataset.theme === 'dark' && document.querySelector('.alerts-bar h1')?.textContent === '資産'`)
		b.shot(t, "18-assets-ja-dark")
		b.do(t, "light mode", chromedp.Click(chromedp.ID("theme")))
		b.choose(t, "#lang", "en")
		b.do(t, "search its logs", chromedp.Click(chromedp.CSS(`[data-testid=search-links] a[data-ip="203.0.113.1"]`)))
		b.searched(t, "acme", "203.0.113.1")
		if msgs := b.texts(t, ".result .m"); len(msgs) != 1 || !strings.Contains(msgs[0], "dstip=203.0.113.1") {
			t.Errorf("logs of 203.0.113.1: %q", msgs)
		}
	})

	t.Run("tenant token", func(t *testing.T) {
		b.signOut(t)
		b.do(t, "open Assets", chromedp.Navigate(f.base+"/assets"))
		b.signInToken(t, f.acme)
		b.wait(t, "acme's hosts", `document.querySelectorAll('[data-testid=assets] tbody tr').length === 4`)
		if n := len(b.texts(t, "#import-open")); n != 0 {
			t.Errorf("a tenant token sees the import form")
		}
		b.do(t, "open Alerts", chromedp.Click(chromedp.CSS(`header nav a[href^="/alerts"]`)))
		queueIs("acme's reported alerts", vuln, stale, unknown)
	})

	b.checkConsole(t)
	t.Logf("screenshots in %s", b.shots)
}
