package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/state"
)

// fuzzRoutes are the read routes whose query strings FuzzQueryParams
// drives.
var fuzzRoutes = []string{"/api/v1/search", "/api/v1/hits", "/api/v1/facets", "/api/v1/alerts"}

// fuzzParams are the query parameters those routes read, in the order of
// FuzzQueryParams's arguments.
var fuzzParams = []string{"q", "start", "end", "limit", "step", "field", "tenant", "verdict", "report", "severity", "since", "before"}

// FuzzQueryParams sends arbitrary query strings to the read routes with a
// token of tenant alpha and checks that nothing panics, that the answer is
// 200, 400 or 404 with the one error shape, valid JSON (and UTF-8) either
// way, and that nothing of another tenant or of the unassigned area comes
// back. Those hold random markers the fuzzer cannot make up; the fixture's
// fixed "bravo-secret" and "nobody-secret" are checked too unless the
// request could have spelled them (named them, or used a pipe).
func FuzzQueryParams(f *testing.F) {
	fx := newFixture(f)
	foreign := fuzzMarkers(f, fx)
	seeds := [][]string{
		{"*"},
		{"* | stats count() hits", "3650d"},
		{`_stream:{device="fw"}`, "", "", "10"},
		{"tenant.id:2 or tenant.id:0 or *", "3650d"},
		{`tenant.id:="2"`},
		{`* | fields tenant.id, _msg, who`, "", "", "0"},
		{`"bravo-secret" or "nobody-secret"`},
		{`* | union (tenant.id:*)`},
		{`* | join by (who) (*) inner`},
		{`who:in(* | fields who)`},
		{`_stream_id:*`},
		{`foo:(`, "1e300", "-1", "-5"},
		{`* | limit 99999999999999`, "", "", "99999999999999999999"},
		{`* | sort by (_time) limit 9223372036854775807`, "", "", "9223372036854775807"},
		{"caf\xe9 \xff\xfe", "\xff", "\xff", "\xff", "\xff", "\xff", "\xff", "\xff", "\xff", "\xff", "\xff", "\xff"},
		{"管理者ログイン失敗", "24h", "1h"},
		{"*", "2026-13-45T99:00:00Z", "NaN", "1e3"},
		{"*", "9999999999999999999", "inf", "", "1ns"},
		{"*", "3650d", "", "", "1e300d"},
		{"*", "3650d", "", "", "-1h"},
		{"*", "1", "", "", "1ms"},
		{"*", "", "", "5", "", "_stream"},
		{"*", "", "", "5", "", "tenant.id"},
		{"*", "", "", "5", "", "\"; drop"},
		{"*", "", "", "", "", "who", "bravo"},
		{"*", "", "", "", "", "who", "unassigned"},
		{"*", "", "", "", "", "", "alpha"},
		{"", "", "", "1001", "", "", "", "true_positive", "true", "high", "3650d", "999999999999"},
		{"", "", "", "-1", "", "", "", "bogus", "hidden", "critical", "yesterday", "-1"},
		{"", "", "", "", "", "", "", "", "reported", "", "", "99999999999999999999"},
	}
	for i, s := range seeds {
		args := make([]string, len(fuzzParams))
		copy(args, s)
		f.Add(uint8(i), args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10], args[11], "")
	}
	f.Add(uint8(0), "*", "", "", "", "", "", "", "", "", "", "", "", "q=%zz&limit=%&;&tenant=bravo&tenant=alpha")
	f.Fuzz(func(t *testing.T, route uint8, q, start, end, limit, step, field, tenant, verdict, report, severity, since, before, raw string) {
		v := url.Values{}
		for i, s := range []string{q, start, end, limit, step, field, tenant, verdict, report, severity, since, before} {
			if s != "" {
				v.Set(fuzzParams[i], s)
			}
		}
		path := fuzzRoutes[int(route)%len(fuzzRoutes)]
		req := httptest.NewRequest("GET", path, nil)
		req.URL.RawQuery = v.Encode()
		if raw != "" {
			req.URL.RawQuery += "&" + url.PathEscape(raw)
		}
		req.Header.Set("Authorization", "Bearer "+fx.tokA)
		ctx, cancel := context.WithTimeout(req.Context(), 20*time.Second)
		defer cancel()
		w := httptest.NewRecorder()
		fx.api.ServeHTTP(w, req.WithContext(ctx))

		body := w.Body.Bytes()
		switch w.Code {
		case http.StatusOK:
		case http.StatusBadRequest, http.StatusNotFound:
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s?%s: %d with a body not of the error shape: %q", path, req.URL.RawQuery, w.Code, body)
			}
		default:
			t.Fatalf("%s?%s: status %d, want 200, 400 or 404: %q", path, req.URL.RawQuery, w.Code, body)
		}
		if !utf8.Valid(body) {
			t.Fatalf("%s?%s: response not valid UTF-8: %q", path, req.URL.RawQuery, body)
		}
		if w.Code == http.StatusOK && path == "/api/v1/search" {
			sc := bufio.NewScanner(bytes.NewReader(body))
			sc.Buffer(nil, 16<<20)
			for sc.Scan() {
				if !json.Valid(sc.Bytes()) {
					t.Fatalf("%s?%s: search line not valid JSON: %q", path, req.URL.RawQuery, sc.Bytes())
				}
			}
		} else if !json.Valid(body) {
			t.Fatalf("%s?%s: response not valid JSON: %q", path, req.URL.RawQuery, body)
		}
		for _, m := range foreign {
			if bytes.Contains(body, []byte(m)) {
				t.Fatalf("%s?%s: response has another tenant's marker %s: %q", path, req.URL.RawQuery, m, body)
			}
		}
		asked := strings.ToLower(q + start + end + limit + step + field + tenant + verdict + report + severity + since + before + raw)
		if !strings.ContainsAny(asked, "|") && !strings.Contains(asked, "bravo") && !strings.Contains(asked, "nobody") {
			for _, m := range []string{"bravo-secret", "nobody-secret"} {
				if bytes.Contains(body, []byte(m)) {
					t.Fatalf("%s?%s: response has %s: %q", path, req.URL.RawQuery, m, body)
				}
			}
		}
	})
}

// fuzzMarkers stores events of tenant bravo and of the unassigned area and
// an alert of bravo, each carrying a random marker, and returns the
// markers.
func fuzzMarkers(t testing.TB, fx *fixture) []string {
	t.Helper()
	mark := func() string {
		b := make([]byte, 16)
		rand.Read(b)
		return "mk" + hex.EncodeToString(b)
	}
	bravo, nobody, alert := mark(), mark(), mark()
	now := time.Now().Add(-30 * time.Minute)
	var evs []*event.Event
	for i, m := range []struct {
		tenant uint32
		marker string
	}{{fx.tenantB.ID, bravo}, {0, nobody}} {
		evs = append(evs, &event.Event{Time: now, TenantID: m.tenant, Device: map[bool]string{true: "fw"}[m.tenant != 0], Source: "192.0.2.9",
			Raw: m.marker + " 管理者ログイン失敗 srcip=10.9.9.9 who=" + m.marker, Seq: uint64(100 + i),
			Fields: []event.Field{{Name: "source.ip", Value: "10.9.9.9"}, {Name: "who", Value: m.marker}, {Name: m.marker, Value: m.marker}}})
	}
	if err := fx.logs.Add(evs); err != nil {
		t.Fatal(err)
	}
	fx.logs.Flush()
	err := fx.st.RecordMatches(context.Background(), []state.Match{{TenantID: fx.tenantB.ID, GroupKey: alert, Kind: "native", RuleID: alert,
		RuleName: alert, Severity: "critical", Device: "fw", Time: now, Seq: 100, Details: map[string]string{"who": alert}}})
	if err != nil {
		t.Fatal(err)
	}
	return []string{bravo, nobody, alert}
}
