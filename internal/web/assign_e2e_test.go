package web_test

// End-to-end test of alert assignment on the Alerts screen: an analyst
// signed in with a password assigns an alert to herself and to someone else
// from the detail (each change in the alert's history with who made it),
// assigns two alerts to bob at once, filters the queue by assignee (in the
// URL), and assigns the selected row with the m key; a customer viewer's
// token reads the assignee but is offered no assignment.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sekimori/sekimori/internal/state"
)

func TestBrowserAssign(t *testing.T) {
	needChromium(t)
	f := startServer(t)

	// Four signatures on four hosts: four alerts of acme, oldest first.
	sigs := []struct {
		attack string
		id     int
		dst    string
	}{
		{"Assign.Test.Mine", 91001, "10.0.1.1"},
		{"Assign.Test.Bulk.One", 91002, "10.0.1.2"},
		{"Assign.Test.Bulk.Two", 91003, "10.0.1.3"},
		{"Assign.Test.Keyboard", 91004, "10.0.1.4"},
	}
	var ids []int64
	for i, s := range sigs {
		f.ingest(t, "acme", "fg-hq", []string{ipsLine("FG100FTK00000001", time.Duration(len(sigs)-i)*time.Minute, "high", "203.0.113.50", s.dst, s.attack, s.id)})
		ids = append(ids, f.alertOf(t, "acme", fmt.Sprintf("fortigate:ips:%d", s.id), 1).ID)
	}
	mine, bulk1, bulk2, keyed := ids[0], ids[1], ids[2], ids[3]

	b := newBrowser(t, f)
	row := func(id int64) string { return fmt.Sprintf(`tr[data-id="%d"]`, id) }
	assigneeCell := func(id int64) string {
		return `document.querySelector('` + row(id) + ` td.assignee')?.dataset.assignee`
	}
	rows := func() []string {
		return mustJS[[]string](t, b, `Array.from(document.querySelectorAll('[data-testid=alerts] tbody tr')).map(r => r.dataset.id)`)
	}
	idStrings := func(xs ...int64) []string {
		var out []string
		for _, x := range xs {
			out = append(out, fmt.Sprint(x))
		}
		slices.Sort(out)
		return out
	}
	sorted := func(xs []string) []string { slices.Sort(xs); return xs }
	history := func(t *testing.T, id int64) []state.AlertChange {
		var d struct{ History []state.AlertChange }
		f.getJSON(t, f.admin, fmt.Sprintf("/api/v1/alerts/%d", id), &d)
		return d.History
	}

	t.Run("assign from the detail", func(t *testing.T) {
		b.do(t, "open Alerts", chromedp.Navigate(f.base+"/alerts?tenant=acme"))
		b.signInAs(t, adminUser, e2ePassword)
		b.wait(t, "four alerts", `document.querySelectorAll('[data-testid=alerts] tbody tr').length === 4`)
		if got := b.texts(t, `[data-testid=alerts] thead th`); !slices.Contains(got, "Assignee") {
			t.Errorf("queue columns %q lack Assignee", got)
		}
		if got := mustJS[string](t, b, assigneeCell(mine)); got != "" {
			t.Errorf("a new alert is assigned to %q", got)
		}
		b.do(t, "open an alert", chromedp.Click(chromedp.CSS(row(mine)+" td.rule")))
		b.wait(t, "its detail", `document.querySelector('[data-testid=alert-detail]')?.dataset.id === '`+fmt.Sprint(mine)+`' && document.getElementById('assign-me') !== null`)
		if n := len(b.texts(t, "#unassign")); n != 0 {
			t.Errorf("an unassigned alert offers Unassign")
		}
		b.do(t, "assign it to me", chromedp.Click(chromedp.ID("assign-me")))
		b.wait(t, "me in the column", assigneeCell(mine)+` === '`+adminUser+`'`)
		if got := b.texts(t, row(mine)+" td.assignee"); len(got) != 1 || got[0] != adminUser {
			t.Errorf("assignee cell %q", got)
		}
		b.wait(t, "the assignment in the history", `document.querySelectorAll('[data-testid=history] li[data-kind=assign]').length === 1`)
		if h := b.texts(t, "[data-testid=history] li[data-kind=assign]"); len(h) != 1 || !strings.Contains(h[0], "Assigned to "+adminUser) || !strings.Contains(h[0], "by user:"+adminUser) {
			t.Errorf("history %q", h)
		}
		if got := mustJS[string](t, b, `document.querySelector('[data-testid=assignee]').dataset.assignee`); got != adminUser {
			t.Errorf("detail assignee %q", got)
		}
		if n := len(b.texts(t, "#assign-me")); n != 0 {
			t.Errorf("an alert assigned to me still offers Assign to me")
		}

		// To someone else, and back: the history says whom it was assigned to before.
		b.do(t, "assign to carol", chromedp.Click(chromedp.ID("assign-other")), chromedp.WaitVisible(chromedp.ID("assign-name")),
			chromedp.SendKeys(chromedp.ID("assign-name"), "carol"), chromedp.Click(chromedp.ID("assign-submit")))
		b.wait(t, "carol in the column", assigneeCell(mine)+` === 'carol'`)
		b.wait(t, "the form closed", `document.getElementById('assign-name') === null`)
		b.do(t, "assign it to me again", chromedp.Click(chromedp.ID("assign-me")))
		b.wait(t, "me again", assigneeCell(mine)+` === '`+adminUser+`'`)
		b.wait(t, "three assignments in the history", `document.querySelectorAll('[data-testid=history] li[data-kind=assign]').length === 3`)
		h := b.texts(t, "[data-testid=history] li[data-kind=assign]")
		if !strings.Contains(h[1], "Assigned to carol (was "+adminUser+")") || !strings.Contains(h[2], "Assigned to "+adminUser+" (was carol)") {
			t.Errorf("history %q", h)
		}
		a := f.alert(t, f.admin, mine)
		hist := history(t, mine)
		if a.Assignee != adminUser || len(hist) != 3 || hist[2].Reason != "assigned to "+adminUser+" (was carol)" || hist[2].Actor != "user:"+adminUser || hist[2].At.IsZero() {
			t.Errorf("after assigning: assignee %q, history %+v", a.Assignee, hist)
		}
		if a.Status != state.AlertNew {
			t.Errorf("assigning changed the status to %q", a.Status)
		}
	})

	t.Run("bulk assign and filter", func(t *testing.T) {
		b.do(t, "close the detail", chromedp.Click(chromedp.ID("detail-close")))
		b.do(t, "tick two alerts", chromedp.Click(chromedp.CSS(row(bulk1)+" td.check input")), chromedp.Click(chromedp.CSS(row(bulk2)+" td.check input")))
		b.wait(t, "the bulk buttons", `document.getElementById('bulk-assign').textContent.includes('(2)') && !document.getElementById('bulk-assign').disabled &&
			document.getElementById('bulk-assign-me').textContent.includes('(2)')`)
		b.do(t, "assign them to bob", chromedp.Click(chromedp.ID("bulk-assign")), chromedp.WaitVisible(chromedp.ID("bulk-assign-name")),
			chromedp.SendKeys(chromedp.ID("bulk-assign-name"), "bob"), chromedp.Click(chromedp.ID("bulk-assign-submit")))
		b.wait(t, "the bulk result", `document.querySelector('[data-testid=notice]')?.textContent === '2 alerts assigned to bob.'`)
		b.wait(t, "bob in the column", assigneeCell(bulk1)+` === 'bob' && `+assigneeCell(bulk2)+` === 'bob'`)
		if got := mustJS[int](t, b, `document.querySelectorAll('[data-testid=alerts] tbody input[type=checkbox]:checked').length`); got != 0 {
			t.Errorf("%d alerts still ticked after the bulk assignment", got)
		}
		for _, id := range []int64{bulk1, bulk2} {
			if a := f.alert(t, f.admin, id); a.Assignee != "bob" {
				t.Errorf("alert %d assigned to %q, want bob", id, a.Assignee)
			}
			if h := history(t, id); len(h) != 1 || h[0].Reason != "assigned to bob" || h[0].Actor != "user:"+adminUser {
				t.Errorf("history of %d: %+v", id, h)
			}
		}
		if a := f.alert(t, f.admin, keyed); a.Assignee != "" {
			t.Errorf("an unticked alert was assigned to %q", a.Assignee)
		}

		b.choose(t, "#assignee", "=")
		b.do(t, "filter by bob", chromedp.WaitVisible(chromedp.ID("assignee-name")), chromedp.SendKeys(chromedp.ID("assignee-name"), "bob\n"))
		b.wait(t, "bob's alerts", `location.search.includes('assignee=bob') && document.querySelectorAll('[data-testid=alerts] tbody tr').length === 2`)
		if got := sorted(rows()); !slices.Equal(got, idStrings(bulk1, bulk2)) {
			t.Errorf("bob's queue %q", got)
		}
		if got := b.texts(t, "td.assignee"); !slices.Equal(got, []string{"bob", "bob"}) {
			t.Errorf("assignee cells %q", got)
		}
		if got := mustJS[string](t, b, `document.getElementById('assignee-name').value`); got != "bob" {
			t.Errorf("the name box shows %q", got)
		}

		b.choose(t, "#assignee", "me")
		b.wait(t, "my alerts", `location.search.includes('assignee=me') && document.querySelectorAll('[data-testid=alerts] tbody tr').length === 1`)
		if got := rows(); !slices.Equal(got, idStrings(mine)) {
			t.Errorf("my queue %q", got)
		}
		b.choose(t, "#assignee", "-")
		b.wait(t, "unassigned alerts", `location.search.includes('assignee=-') && document.querySelector('`+row(keyed)+`') !== null`)
		if got := rows(); !slices.Equal(got, idStrings(keyed)) {
			t.Errorf("unassigned queue %q", got)
		}
		// A permalink keeps the filter.
		b.do(t, "open bob's permalink", chromedp.Navigate(f.base+"/alerts?tenant=acme&assignee=bob"))
		b.wait(t, "bob's alerts", `document.querySelectorAll('[data-testid=alerts] tbody tr').length === 2 && document.getElementById('assignee').value === '='`)
	})

	t.Run("keyboard", func(t *testing.T) {
		b.choose(t, "#assignee", "")
		b.wait(t, "every alert", `!location.search.includes('assignee') && document.querySelectorAll('[data-testid=alerts] tbody tr').length === 4`)
		if got := b.texts(t, ".alerts-bar .keys"); len(got) != 1 || !strings.Contains(got[0], "m assigns to me") {
			t.Errorf("shortcut list %q lacks m", got)
		}
		order := rows()
		from, to := slices.Index(order, fmt.Sprint(mine)), slices.Index(order, fmt.Sprint(keyed))
		b.do(t, "open my alert", chromedp.Click(chromedp.CSS(row(mine)+" td.rule")))
		b.wait(t, "it selected", `document.querySelector('tr.sel')?.dataset.id === '`+fmt.Sprint(mine)+`'`)
		for i := from; i != to; {
			key := "j"
			if to < from {
				key = "k"
				i--
			} else {
				i++
			}
			b.do(t, "press "+key, chromedp.KeyEvent(key))
		}
		b.wait(t, "the unassigned alert selected", `document.querySelector('tr.sel')?.dataset.id === '`+fmt.Sprint(keyed)+`'`)
		b.do(t, "press m", chromedp.KeyEvent("m"))
		b.wait(t, "assigned to me by m", assigneeCell(keyed)+` === '`+adminUser+`'`)
		if a := f.alert(t, f.admin, keyed); a.Assignee != adminUser {
			t.Errorf("after m: assignee %q", a.Assignee)
		}
		if a := f.alert(t, f.admin, mine); a.Assignee != adminUser || len(history(t, mine)) != 3 {
			t.Errorf("m changed the open alert too")
		}
		b.do(t, "open it", chromedp.KeyEvent("\r"))
		b.wait(t, "its detail with the assignment", `document.querySelector('[data-testid=assignee]')?.dataset.assignee === '`+adminUser+`' &&
			document.querySelectorAll('[data-testid=history] li[data-kind=assign]').length === 1`)
		b.shot(t, "27-alert-assign")

		// Unassign from the detail.
		b.do(t, "unassign", chromedp.Click(chromedp.ID("unassign")))
		b.wait(t, "unassigned", assigneeCell(keyed)+` === ''`)
		b.wait(t, "the unassignment in the history", `document.querySelectorAll('[data-testid=history] li[data-kind=assign]').length === 2`)
		if h := b.texts(t, "[data-testid=history] li[data-kind=assign]"); !strings.Contains(h[1], "Unassigned (was "+adminUser+")") {
			t.Errorf("history %q", h)
		}
	})

	t.Run("japanese dark", func(t *testing.T) {
		b.choose(t, "#lang", "ja")
		b.wait(t, "Japanese labels", `document.getElementById('unassign') === null && document.getElementById('assign-me')?.textContent === '自分に割り当て'`)
		if got := b.texts(t, `[data-testid=alerts] thead th`); !slices.Contains(got, "担当者") {
			t.Errorf("queue columns %q lack 担当者", got)
		}
		if h := b.texts(t, "[data-testid=history] li[data-kind=assign]"); len(h) != 2 || !strings.Contains(h[0], adminUser+" に割り当て") || !strings.Contains(h[1], "割り当て解除") {
			t.Errorf("history in Japanese %q", h)
		}
		b.do(t, "dark mode", chromedp.Click(chromedp.ID("theme")))
		b.wait(t, "dark mode", `document.documentElement.dataset.theme === 'dark'`)
		b.do(t, "tick two alerts", chromedp.Click(chromedp.CSS(row(bulk1)+" td.check input")), chromedp.Click(chromedp.CSS(row(bulk2)+" td.check input")),
			chromedp.Click(chromedp.ID("bulk-assign")), chromedp.WaitVisible(chromedp.ID("bulk-assign-name")))
		b.shot(t, "27b-alert-assign-ja-dark")
		b.do(t, "untick", chromedp.Click(chromedp.CSS(row(bulk1)+" td.check input")), chromedp.Click(chromedp.CSS(row(bulk2)+" td.check input")))
		b.do(t, "light mode", chromedp.Click(chromedp.ID("theme")))
		b.choose(t, "#lang", "en")
	})

	t.Run("viewer", func(t *testing.T) {
		var tok struct{ Token string }
		f.must(t, http.StatusCreated, "POST", "/api/v1/tokens", f.admin, []byte(`{"name": "acme reader", "role": "customer_viewer", "tenant": "acme"}`), &tok)
		b.signOut(t)
		b.do(t, "open an alert", chromedp.Navigate(fmt.Sprintf("%s/alerts?tenant=acme&id=%d", f.base, mine)))
		b.signInToken(t, tok.Token)
		b.wait(t, "the queue and the detail", `document.querySelectorAll('[data-testid=alerts] tbody tr').length === 4 &&
			document.querySelector('[data-testid=assignee]')?.dataset.assignee === '`+adminUser+`'`)
		if got := mustJS[string](t, b, assigneeCell(bulk1)); got != "bob" {
			t.Errorf("a viewer reads the assignee %q, want bob", got)
		}
		for _, css := range []string{"#assign-me", "#assign-other", "#unassign", "#bulk-assign", "#bulk-assign-me", "[data-testid=bulk-assign-form]", "#assign-name"} {
			if n := len(b.texts(t, css)); n != 0 {
				t.Errorf("a customer viewer is offered %s", css)
			}
		}
		// A token of no user has no "me".
		if got := mustJS[[]string](t, b, `Array.from(document.querySelectorAll('#assignee option')).map(o => o.value)`); !slices.Equal(got, []string{"", "-", "="}) {
			t.Errorf("assignee filter options %q", got)
		}
		if got := b.texts(t, ".alerts-bar .keys"); len(got) != 1 || strings.Contains(got[0], "m assigns") {
			t.Errorf("a viewer is told about m: %q", got)
		}
		b.do(t, "press m", chromedp.KeyEvent("m"))
		status, _ := f.call(t, "POST", fmt.Sprintf("/api/v1/alerts/%d/assign", bulk1), tok.Token, []byte(`{"assignee": "mallory"}`))
		if status != http.StatusForbidden {
			t.Errorf("a viewer's assignment: %d, want 403", status)
		}
		time.Sleep(300 * time.Millisecond)
		for id, want := range map[int64]string{mine: adminUser, bulk1: "bob", bulk2: "bob", keyed: ""} {
			if a := f.alert(t, f.admin, id); a.Assignee != want {
				t.Errorf("alert %d assigned to %q after the viewer, want %q", id, a.Assignee, want)
			}
		}
	})

	b.checkConsole(t)
	t.Logf("screenshots in %s", b.shots)
}
