package web_test

// End-to-end test of the Alerts screen: FortiGate IPS lines ingested over
// HTTP become alerts, which an analyst acknowledges with the keyboard,
// closes with a reason and follows to their events in Search (signed in
// with an API token, the sign-in screen's second way in); a customer
// viewer sees none of another tenant's alerts and cannot change any.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sekimori/sekimori/internal/state"
)

const (
	log4jAttack = "Apache.Log4j.Error.Log.Remote.Code.Execution"
	log4jRule   = "fortigate:ips:51006"
	traversal   = "Apache.HTTP.Server.Path.Traversal"
	closeReason = "誤検知: お客様の脆弱性スキャナー (false positive)"
)

// ipsLine is a FortiGate IPS verdict of the device whose devid is given, at now minus ago.
func ipsLine(devid string, ago time.Duration, sev, src, dst, attack string, attackID int) string {
	ts := time.Now().In(time.FixedZone("JST", 9*3600)).Add(-ago)
	return fmt.Sprintf(`<185>date=%s time=%s devname="FG" devid="%s" tz="+0900" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" severity="%s" srcip=%s srcport=4444 dstip=%s dstport=443 proto=6 action="dropped" attack="%s" attackid=%d ref="http://www.fortinet.com/ids/VID%d"`,
		ts.Format("2006-01-02"), ts.Format("15:04:05"), devid, sev, src, dst, attack, attackID, attackID)
}

// alertsOf polls the alert list of tenant (admin token) until want alerts of rule exist.
func (f *fixture) alertOf(t *testing.T, tenant, rule string, count int64) state.Alert {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var r struct{ Alerts []state.Alert }
		f.getJSON(t, f.admin, "/api/v1/alerts?status=&tenant="+tenant+"&rule="+url.QueryEscape(rule), &r)
		if len(r.Alerts) == 1 && r.Alerts[0].EventCount == count {
			return r.Alerts[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("alerts of %s in %s: %+v, want one with %d events", rule, tenant, r.Alerts, count)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (f *fixture) alert(t *testing.T, token string, id int64) state.Alert {
	t.Helper()
	var d struct{ Alert state.Alert }
	f.getJSON(t, token, fmt.Sprintf("/api/v1/alerts/%d", id), &d)
	return d.Alert
}

func (f *fixture) status(t *testing.T, token, path string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", f.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func TestBrowserAlerts(t *testing.T) {
	needChromium(t)
	f := startServer(t)

	// Three Log4j attempts on one host make one alert; a second signature
	// on another host, ingested later, is the newest alert; beta has its own.
	f.ingest(t, "acme", "fg-hq", []string{
		ipsLine("FG100FTK00000001", 3*time.Minute, "high", "203.0.113.1", "10.0.0.5", log4jAttack, 51006),
		ipsLine("FG100FTK00000001", 2*time.Minute, "high", "203.0.113.1", "10.0.0.5", log4jAttack, 51006),
		ipsLine("FG100FTK00000001", 1*time.Minute, "high", "203.0.113.2", "10.0.0.5", log4jAttack, 51006),
	})
	log4j := f.alertOf(t, "acme", log4jRule, 3)
	f.ingest(t, "acme", "fg-hq", []string{ipsLine("FG100FTK00000001", time.Minute, "critical", "198.51.100.7", "10.0.0.6", traversal, 50825)})
	other := f.alertOf(t, "acme", "fortigate:ips:50825", 1)
	f.ingest(t, "beta", "fg-beta", []string{ipsLine("FG60FTK00000002", time.Minute, "medium", "198.51.100.99", "172.16.9.9", "Beta.Secret.Signature", 99999)})
	betaAlert := f.alertOf(t, "beta", "fortigate:ips:99999", 1)

	b := newBrowser(t, f)
	row := func(id int64) string { return fmt.Sprintf(`tr[data-id="%d"]`, id) }

	t.Run("queue", func(t *testing.T) {
		b.do(t, "open Alerts", chromedp.Navigate(f.base+"/alerts?tenant=acme"))
		b.signInToken(t, f.admin)
		b.wait(t, "both alerts", fmt.Sprintf(`document.querySelector('%s') !== null && document.querySelector('%s') !== null`, row(log4j.ID), row(other.ID)))
		if ids := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=alerts] tbody tr')).map(r => r.dataset.id)`); !slices.Equal(ids, []string{fmt.Sprint(other.ID), fmt.Sprint(log4j.ID)}) {
			b.fail(t, "queue rows %q, want the newest (%d) then %d", ids, other.ID, log4j.ID)
		}
		if got := b.texts(t, row(log4j.ID)+" td.rule"); len(got) != 1 || got[0] != log4jAttack {
			t.Errorf("rule cell %q", got)
		}
		if got := b.texts(t, row(log4j.ID)+" td.count"); len(got) != 1 || got[0] != "3" {
			t.Errorf("count cell %q, want 3", got)
		}
		if got := b.texts(t, row(log4j.ID)+" td.target"); len(got) != 1 || got[0] != "10.0.0.5" {
			t.Errorf("target cell %q", got)
		}
		if got := mustJS[string](t, b, `document.querySelector('`+row(other.ID)+` .sev').dataset.severity`); got != "critical" {
			t.Errorf("severity badge %q", got)
		}
		if got := b.texts(t, `header nav a[aria-current=page]`); len(got) != 1 || got[0] != "Alerts" {
			t.Errorf("current navigation link %q", got)
		}
		b.shot(t, "10-alerts")
	})

	t.Run("keyboard acknowledge", func(t *testing.T) {
		b.wait(t, "the first row selected", `document.querySelector('tr.sel')?.dataset.id === '`+fmt.Sprint(other.ID)+`'`)
		b.do(t, "press j", chromedp.KeyEvent("j"))
		b.wait(t, "the second row selected", `document.querySelector('tr.sel')?.dataset.id === '`+fmt.Sprint(log4j.ID)+`'`)
		b.do(t, "press a", chromedp.KeyEvent("a"))
		b.wait(t, "acknowledged in the queue", `document.querySelector('`+row(log4j.ID)+` .status')?.dataset.status === 'acknowledged'`)
		if a := f.alert(t, f.admin, log4j.ID); a.Status != state.AlertAcknowledged || !strings.HasPrefix(a.StatusBy, "token:") {
			t.Errorf("after a: status %q by %q", a.Status, a.StatusBy)
		}
		if a := f.alert(t, f.admin, other.ID); a.Status != state.AlertNew {
			t.Errorf("the other alert is %q, want new", a.Status)
		}
		b.do(t, "press Enter", chromedp.KeyEvent("\r"))
		b.wait(t, "the detail", `document.querySelector('[data-testid=alert-detail]')?.dataset.status === 'acknowledged'`)
		if !strings.Contains(b.location(), fmt.Sprintf("id=%d", log4j.ID)) {
			t.Errorf("URL %s does not name the open alert", b.location())
		}
		if got := b.texts(t, "[data-testid=rule-id]"); len(got) != 1 || got[0] != log4jRule {
			t.Errorf("rule id %q", got)
		}
		details := strings.Join(b.texts(t, "[data-testid=alert-details] dd"), " ")
		if !strings.Contains(details, "10.0.0.5") || !strings.Contains(details, "dropped") {
			t.Errorf("details %q lack the target and the action", details)
		}
		if h := b.texts(t, "[data-testid=history] li"); len(h) != 1 || !strings.Contains(h[0], "New → Acknowledged") || !strings.Contains(h[0], "token:") {
			t.Errorf("history %q", h)
		}
		b.shot(t, "11-alert-detail")
	})

	t.Run("close with a reason", func(t *testing.T) {
		b.do(t, "open the other alert", chromedp.Click(chromedp.CSS(row(other.ID)+" td.rule")))
		b.wait(t, "its detail", `document.querySelector('[data-testid=alert-detail]')?.dataset.status === 'new'`)
		b.do(t, "open the close form", chromedp.Click(chromedp.ID("close-alert")))
		if !mustJS[bool](t, b, `document.getElementById('close-submit').disabled`) {
			t.Errorf("closing is possible without a reason")
		}
		b.do(t, "type a reason", chromedp.SendKeys(chromedp.ID("close-reason"), closeReason))
		b.shot(t, "12-alert-close-form")
		b.do(t, "close", chromedp.Click(chromedp.ID("close-submit")))
		b.wait(t, "closed", `document.querySelector('[data-testid=alert-detail]')?.dataset.status === 'closed'`)
		b.wait(t, "the reason in the history", `document.querySelector('[data-testid=history] .reason')?.textContent === `+jsString(closeReason))
		if a := f.alert(t, f.admin, other.ID); a.Status != state.AlertClosed || a.StatusReason != closeReason {
			t.Errorf("after closing: status %q, reason %q", a.Status, a.StatusReason)
		}
		if got := mustJS[string](t, b, `document.querySelector('`+row(other.ID)+` .status').dataset.status`); got != "closed" {
			t.Errorf("queue shows %q", got)
		}
		if n := len(b.texts(t, "#reopen")); n != 1 {
			t.Errorf("a closed alert has no re-open button")
		}
		// The default filter (open) no longer lists it after a refresh.
		b.do(t, "refresh", chromedp.Click(chromedp.ID("refresh")))
		b.wait(t, "the closed alert gone from the open queue", `document.querySelector('`+row(other.ID)+`') === null`)
		b.choose(t, "#status", "closed")
		b.wait(t, "the closed queue", `document.querySelectorAll('[data-testid=alerts] tbody tr').length === 1 && document.querySelector('`+row(other.ID)+`') !== null`)
		if !strings.Contains(b.location(), "status=closed") {
			t.Errorf("URL %s does not keep the status filter", b.location())
		}
	})

	t.Run("reopen and bulk acknowledge", func(t *testing.T) {
		b.do(t, "open the closed alert", chromedp.Navigate(fmt.Sprintf("%s/alerts?tenant=acme&status=all&id=%d", f.base, other.ID)))
		b.wait(t, "its detail", `document.querySelector('[data-testid=alert-detail]')?.dataset.status === 'closed'`)
		b.do(t, "re-open", chromedp.Click(chromedp.ID("reopen")))
		b.wait(t, "re-opened", `document.querySelector('[data-testid=alert-detail]')?.dataset.status === 'new'`)
		b.wait(t, "two changes in the history", `document.querySelectorAll('[data-testid=history] li').length === 2`)
		b.do(t, "select every alert", chromedp.Click(chromedp.CSS(`[data-testid=alerts] thead input[type=checkbox]`)))
		// Only the new one is acknowledged; the other already is.
		b.wait(t, "the bulk button", `document.getElementById('bulk-ack').textContent.includes('(1)') && !document.getElementById('bulk-ack').disabled`)
		b.do(t, "acknowledge the selection", chromedp.Click(chromedp.ID("bulk-ack")))
		b.wait(t, "the bulk result", `document.querySelector('[data-testid=notice]')?.textContent.includes('1')`)
		if a := f.alert(t, f.admin, other.ID); a.Status != state.AlertAcknowledged {
			t.Errorf("after the bulk acknowledgement: %q", a.Status)
		}
		b.wait(t, "acknowledged in the detail", `document.querySelector('[data-testid=alert-detail]')?.dataset.status === 'acknowledged'`)
	})

	t.Run("filters", func(t *testing.T) {
		b.do(t, "open all of acme's alerts", chromedp.Navigate(f.base+"/alerts?tenant=acme&status=all&severity=critical"))
		b.wait(t, "critical alerts only", `document.querySelectorAll('[data-testid=alerts] tbody tr').length === 1 && document.querySelector('`+row(other.ID)+`') !== null`)
		b.choose(t, "#severity", "high")
		b.wait(t, "high and critical", `document.querySelectorAll('[data-testid=alerts] tbody tr').length === 2`)
	})

	t.Run("events in search", func(t *testing.T) {
		var d struct {
			Events []struct{ Seq uint64 }
		}
		f.getJSON(t, f.admin, fmt.Sprintf("/api/v1/alerts/%d", log4j.ID), &d)
		var seqs []string
		for _, e := range d.Events {
			seqs = append(seqs, fmt.Sprint(e.Seq))
		}
		b.do(t, "open the Log4j alert", chromedp.Click(chromedp.CSS(row(log4j.ID)+" td.rule")))
		b.wait(t, "the events link", `document.querySelector('[data-testid=events-link]') !== null`)
		b.do(t, "follow it", chromedp.Click(chromedp.CSS("[data-testid=events-link]")))
		b.searched(t, "acme", "ingest.seq:in("+strings.Join(seqs, ",")+")")
		msgs := b.texts(t, ".result .m")
		if len(msgs) != 3 {
			b.fail(t, "the alert's events: %d rows, want 3", len(msgs))
		}
		for _, m := range msgs {
			if !strings.Contains(m, log4jAttack) {
				t.Errorf("row of another event: %s", m)
			}
		}
	})

	t.Run("japanese dark", func(t *testing.T) {
		b.do(t, "open Alerts", chromedp.Click(chromedp.CSS(`header nav a[href^="/alerts"]`)))
		b.wait(t, "the queue", `document.querySelector('`+row(log4j.ID)+`') !== null`)
		b.do(t, "select the Log4j alert", chromedp.Click(chromedp.CSS(row(log4j.ID)+" td.rule")))
		b.choose(t, "#lang", "ja")
		b.wait(t, "Japanese labels", `document.querySelector('.alerts-bar h1')?.textContent === 'アラート'`)
		if got := b.texts(t, row(log4j.ID)+" .status"); len(got) != 1 || got[0] != "確認済み" {
			t.Errorf("status in Japanese: %q", got)
		}
		b.do(t, "dark mode", chromedp.Click(chromedp.ID("theme")))
		b.wait(t, "dark mode", `document.documentElement.dataset.theme === 'dark'`)
		b.shot(t, "13-alerts-ja-dark")
		b.do(t, "light mode", chromedp.Click(chromedp.ID("theme")))
		b.choose(t, "#lang", "en")
	})

	t.Run("tenant isolation", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/alerts/%d", betaAlert.ID)
		if code := f.status(t, f.acme, path); code != http.StatusNotFound {
			t.Errorf("GET %s with acme's token: %d, want 404", path, code)
		}
		var r struct{ Alerts []state.Alert }
		f.getJSON(t, f.acme, "/api/v1/alerts?status=", &r)
		for _, a := range r.Alerts {
			if a.ID == betaAlert.ID || a.TenantID == betaAlert.TenantID {
				t.Errorf("acme's token lists beta's alert %d", a.ID)
			}
		}

		b.signOut(t)
		b.do(t, "open beta's alert by URL", chromedp.Navigate(fmt.Sprintf("%s/alerts?status=all&id=%d", f.base, betaAlert.ID)))
		b.signInAs(t, viewerUser, e2ePassword)
		b.wait(t, "acme's alerts", `document.querySelector('[data-testid=alert-count]')?.dataset.loading === '0'`)
		ids := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=alerts] tbody tr')).map(r => r.dataset.id)`)
		if !slices.Contains(ids, fmt.Sprint(log4j.ID)) || slices.Contains(ids, fmt.Sprint(betaAlert.ID)) {
			t.Errorf("acme's queue %q", ids)
		}
		b.wait(t, "not found", `document.querySelector('[data-testid=detail-error]') !== null`)
		if body := mustJS[string](t, b, `document.body.innerText`); strings.Contains(body, "Beta.Secret") || strings.Contains(body, "172.16.9.9") {
			t.Errorf("beta's alert on acme's screen:\n%s", body)
		}
		b.shot(t, "14-alerts-tenant")
		// A viewer reads: no status changes offered, and the API refuses them.
		b.do(t, "open acme's alert", chromedp.Click(chromedp.CSS(row(log4j.ID)+" td.rule")))
		b.wait(t, "its detail", `document.querySelector('[data-testid=alert-detail]')?.dataset.status === 'closed' || document.querySelector('[data-testid=alert-detail]')?.dataset.status === 'acknowledged'`)
		for _, id := range []string{"ack", "close-alert", "reopen", "bulk-ack"} {
			if n := len(b.texts(t, "#"+id)); n != 0 {
				t.Errorf("a customer viewer is offered #%s", id)
			}
		}
		b.do(t, "press a", chromedp.KeyEvent("a"))
		if got := awaitJS[int](t, b, `(async () => (await fetch('/api/v1/alerts/`+fmt.Sprint(log4j.ID)+`/status', {method: 'POST', credentials: 'same-origin',
			headers: {'Content-Type': 'application/json'}, body: '{"status":"new"}'})).status)()`); got != 403 {
			t.Errorf("a status change by the viewer's cookie without a CSRF token: %d, want 403", got)
		}
		if a := f.alert(t, f.admin, log4j.ID); a.Status == state.AlertNew {
			t.Errorf("the viewer changed the alert's status")
		}
	})

	b.checkConsole(t)
	t.Logf("screenshots in %s", b.shots)
}
