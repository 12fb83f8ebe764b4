package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/totp"
)

// browser is a client with a cookie jar's one cookie and the CSRF token,
// as the web UI holds them.
type browser struct {
	f       *fixture
	session string
	csrf    string
}

// login posts a sign-in and, on 200, keeps the session cookie and CSRF
// token.
func (f *fixture) login(t *testing.T, user, pw, code string) (*browser, int, string, *http.Cookie) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user, "password": pw, "totp": code})
	status, out, hdr := f.send(t, "POST", "/api/v1/login", string(body), func(*http.Request) {})
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: hdr}).Cookies() {
		if c.Name == SessionCookie {
			cookie = c
		}
	}
	if status != http.StatusOK {
		return nil, status, out, cookie
	}
	var s sessionJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil || cookie == nil {
		t.Fatalf("sign-in answer %s, cookie %v: %v", out, cookie, err)
	}
	return &browser{f: f, session: cookie.Value, csrf: s.CSRF}, status, out, cookie
}

func (b *browser) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	return b.f.doSession(t, testRequest{method: method, path: path, body: body}, b.session, b.csrf)
}

func TestLoginSessionLogout(t *testing.T) {
	f := newFixture(t)
	// Refusals all look alike.
	for _, tc := range []struct{ user, pw string }{{"analyst", "wrong password"}, {"nobody", fixturePassword}, {"", fixturePassword}} {
		_, code, out, cookie := f.login(t, tc.user, tc.pw, "")
		want := http.StatusUnauthorized
		if tc.user == "" {
			want = http.StatusBadRequest
		}
		if code != want || cookie != nil {
			t.Errorf("sign-in as %q with %q: %d %s (cookie %v)", tc.user, tc.pw, code, out, cookie)
		}
	}
	b, code, out, cookie := f.login(t, "ANALYST", fixturePassword, "")
	if code != http.StatusOK {
		t.Fatalf("sign-in: %d %s", code, out)
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/" {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", cookie)
	}
	var s sessionJSON
	json.Unmarshal([]byte(out), &s)
	if s.Kind != "session" || s.User != "analyst" || s.Role != "provider_analyst" || s.Tenant != nil || s.Tenants != nil || s.CSRF == "" ||
		!strings.Contains(strings.Join(s.Permissions, ","), "triage") || s.ExpiresAt.IsZero() {
		t.Errorf("sign-in answer %s", out)
	}
	if code, out := b.do(t, "GET", "/api/v1/session", ""); code != 200 || !strings.Contains(out, `"csrf":"`+b.csrf+`"`) || !strings.Contains(out, `"user":"analyst"`) {
		t.Errorf("session: %d %s", code, out)
	}
	if code, out := b.do(t, "POST", "/api/v1/alerts/1/status", `{"status":"acknowledged"}`); code != 200 || !strings.Contains(out, `"status_by":"user:analyst"`) {
		t.Errorf("triage by cookie: %d %s", code, out)
	}
	// A customer's session names its tenant.
	v, _, out, _ := f.login(t, "alpha-viewer", fixturePassword, "")
	if !strings.Contains(out, `"tenant":"alpha"`) || !strings.Contains(out, `"permissions":["self","read"]`) {
		t.Errorf("viewer's sign-in answer %s", out)
	}
	if code, _ := v.do(t, "POST", "/api/v1/alerts/1/status", `{"status":"new"}`); code != http.StatusForbidden {
		t.Errorf("viewer triaging: %d, want 403", code)
	}
	// Sign-out ends the session and clears the cookie.
	code, _, hdr := f.send(t, "POST", "/api/v1/logout", "", func(req *http.Request) {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: b.session})
		req.Header.Set(CSRFHeader, b.csrf)
	})
	if code != http.StatusNoContent || !strings.Contains(hdr.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("sign-out: %d, Set-Cookie %q", code, hdr.Get("Set-Cookie"))
	}
	if code, _ := b.do(t, "GET", "/api/v1/session", ""); code != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", code)
	}
	// A token's whoami.
	if code, out := f.do(t, "GET", "/api/v1/session", f.tokA, ""); code != 200 || !strings.Contains(out, `"kind":"token"`) || !strings.Contains(out, `"role":"customer_admin"`) || !strings.Contains(out, `"tenant":"alpha"`) || strings.Contains(out, "csrf") {
		t.Errorf("token whoami: %d %s", code, out)
	}
	// Audit: success, failure, sign-out; unknown names never recorded.
	code, out = f.do(t, "GET", "/api/v1/audit?limit=1000", f.admin, "")
	for _, want := range []string{`"action":"login.success","target":"user/analyst"`, `"action":"login.failure","target":"user/analyst"`, `"target":"user/(unknown)"`, `"action":"logout"`, `"reason\":\"bad_password\"`} {
		if !strings.Contains(out, want) {
			t.Errorf("audit lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "nobody") || strings.Contains(out, "wrong password") {
		t.Errorf("the audit trail holds an unknown name or a password:\n%s", out)
	}
}

func TestLoginBadRequests(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		body, ctype string
		want        int
		mention     string
	}{
		{`{"user":"a","password":"b"}`, "text/plain", http.StatusUnsupportedMediaType, "Content-Type"},
		{`user=a&password=b`, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "Content-Type"},
		{`{"user":"a","password":"b","extra":1}`, "application/json", http.StatusBadRequest, "extra"},
		{`{"user":"a"}`, "application/json", http.StatusBadRequest, "password"},
		{`{"user":"a","password":"b","totp":"12345678901234567"}`, "application/json", http.StatusBadRequest, "totp"},
		{`{"user":"a","password":"b"} {}`, "application/json", http.StatusBadRequest, "one JSON object"},
		{`{"user":"a","password":"` + strings.Repeat("x", 20<<10) + `"}`, "application/json", http.StatusRequestEntityTooLarge, "at most"},
	} {
		code, out, _ := f.send(t, "POST", "/api/v1/login", tc.body, func(req *http.Request) { req.Header.Set("Content-Type", tc.ctype) })
		if code != tc.want || !strings.Contains(out, tc.mention) {
			t.Errorf("sign-in with %.40q (%s): %d %s; want %d mentioning %q", tc.body, tc.ctype, code, out, tc.want, tc.mention)
		}
	}
}

func TestLoginTOTPAndLockout(t *testing.T) {
	f := newFixture(t)
	b, _, _, _ := f.login(t, "alpha-admin", fixturePassword, "")
	id := f.callers[state.RoleCustomerAdmin].user.ID
	path := "/api/v1/users/" + itoa(id) + "/totp"
	code, out := b.do(t, "POST", path, "")
	var enr struct{ Secret, URI string }
	if json.Unmarshal([]byte(out), &enr); code != 200 || enr.Secret == "" || !strings.HasPrefix(enr.URI, "otpauth://totp/Sekimori:alpha-admin?") {
		t.Fatalf("enrol: %d %s", code, out)
	}
	if code, out := b.do(t, "POST", path+"/confirm", `{"code":"000000"}`); code != 400 || !strings.Contains(out, "code") {
		t.Errorf("confirm with a wrong code: %d %s", code, out)
	}
	now := time.Now()
	c, _ := totp.Code(enr.Secret, now)
	if code, out := b.do(t, "POST", path+"/confirm", `{"code":"`+c+`"}`); code != http.StatusNoContent {
		t.Fatalf("confirm: %d %s", code, out)
	}
	if _, code, out, _ := f.login(t, "alpha-admin", fixturePassword, ""); code != 401 || errorCode(out) != "totp_required" {
		t.Errorf("sign-in without a code: %d %s", code, out)
	}
	// The confirmation spent this step's code; the next step's is good
	// (within the ±1 step window), once.
	next, _ := totp.Code(enr.Secret, now.Add(totp.Period))
	if _, code, out, _ := f.login(t, "alpha-admin", fixturePassword, c); code != 401 || errorCode(out) != "unauthorized" {
		t.Errorf("sign-in with a spent code: %d %s", code, out)
	}
	if _, code, out, _ := f.login(t, "alpha-admin", fixturePassword, next); code != 200 {
		t.Errorf("sign-in with a fresh code: %d %s", code, out)
	}
	if _, code, _, _ := f.login(t, "alpha-admin", fixturePassword, next); code != 401 {
		t.Errorf("the same code twice: %d, want 401", code)
	}
	// The two failures above and three more lock the user; the right
	// password is then refused too, with the same answer.
	for range 3 {
		f.login(t, "alpha-admin", "wrong password", "")
	}
	later, _ := totp.Code(enr.Secret, now.Add(-totp.Period))
	if _, code, out, _ := f.login(t, "alpha-admin", fixturePassword, later); code != 401 || errorCode(out) != "unauthorized" {
		t.Errorf("locked: %d %s", code, out)
	}
	_, out = f.do(t, "GET", "/api/v1/audit?action=user.lock", f.admin, "")
	if !strings.Contains(out, `"target":"user/alpha-admin"`) {
		t.Errorf("no lockout in the audit trail: %s", out)
	}
	// A manager unlocks and removes the second factor.
	pa := f.callers[state.RoleProviderAdmin].token
	if code, out := f.do(t, "PATCH", "/api/v1/users/"+itoa(id), pa, `{"unlock":true}`); code != 200 || strings.Contains(out, "locked_until") {
		t.Errorf("unlock: %d %s", code, out)
	}
	if code, _ := f.do(t, "DELETE", path, pa, ""); code != http.StatusNoContent {
		t.Errorf("remove the second factor: %d", code)
	}
	if _, code, out, _ := f.login(t, "alpha-admin", fixturePassword, ""); code != 200 {
		t.Errorf("after unlock and without a second factor: %d %s", code, out)
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	f.api.limiter = newLimiter(RateLimit{Burst: 3, Per: time.Hour}, nil)
	for i := range 3 {
		if _, code, out, _ := f.login(t, "nobody", "x", ""); code != 401 {
			t.Fatalf("attempt %d: %d %s", i+1, code, out)
		}
	}
	_, code, out, _ := f.login(t, "analyst", fixturePassword, "")
	if code != http.StatusTooManyRequests || errorCode(out) != "rate_limited" {
		t.Errorf("4th attempt: %d %s, want 429", code, out)
	}
	// Token creation and password changes share the budget; reads do not.
	c := f.callers[state.RoleProviderAdmin]
	code, _, hdr := f.send(t, "POST", "/api/v1/tokens", `{"role":"customer_viewer","tenant":"alpha"}`, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+c.token)
	})
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Errorf("token creation over the limit: %d, Retry-After %q", code, hdr.Get("Retry-After"))
	}
	if code, _ := f.do(t, "GET", "/api/v1/tokens", c.token, ""); code != 200 {
		t.Errorf("listing tokens over the limit: %d", code)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimit{Burst: 2, Per: 10 * time.Second}, func() time.Time { return now })
	for _, step := range []struct {
		advance time.Duration
		key     string
		ok      bool
		wait    time.Duration
	}{
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 5 * time.Second},
		{0, "b", true, 0},
		{4 * time.Second, "a", false, time.Second},
		{time.Second, "a", true, 0},
		{time.Hour, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 5 * time.Second},
	} {
		now = now.Add(step.advance)
		ok, wait := l.allow(step.key)
		if ok != step.ok || (!ok && wait.Round(time.Second) != step.wait) {
			t.Errorf("after %v, %s: allow = %v, wait %v; want %v, %v", step.advance, step.key, ok, wait, step.ok, step.wait)
		}
	}
}

// FuzzLogin: no body makes the sign-in decoding panic, and what it accepts
// is within bounds.
func FuzzLogin(f *testing.F) {
	for _, s := range []string{
		`{"user":"yamada","password":"correct horse battery","totp":"123456"}`,
		`{"user":"山田","password":"パスワード"}`,
		`{"user":"a","password":"b","x":1}`,
		`{"user":null,"password":[]}`,
		`{"user":"a","password":"b"}{"user":"c"}`,
		`{"user":"\u0000","password":"\ud800"}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := parseLogin(b)
		if err != nil {
			if in != (loginRequest{}) {
				t.Errorf("an error with a request: %+v", in)
			}
			return
		}
		if in.User == "" || in.Password == "" || len(in.User) > 256 || len(in.Password) > 1024 || len(in.TOTP) > 16 {
			t.Errorf("accepted out of bounds: %+v", in)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestCredentialsNeverLogged signs in and out, with right and wrong
// passwords and codes, enrols a second factor, uses the session and makes
// tokens, with debug logging on: no password, TOTP secret or code, session
// id, CSRF token or token secret reaches the log.
func TestCredentialsNeverLogged(t *testing.T) {
	var logs strings.Builder
	f := newFixtureLog(t, &logs)
	secrets := []string{fixturePassword, "wrong passphrase 1", "typed-in-the-name-box"}
	f.login(t, "analyst", "wrong passphrase 1", "")
	f.login(t, "typed-in-the-name-box", fixturePassword, "")
	b, _, _, _ := f.login(t, "analyst", fixturePassword, "")
	secrets = append(secrets, b.session, b.csrf)
	id := itoa(f.callers[state.RoleProviderAnalyst].user.ID)
	_, out := b.do(t, "POST", "/api/v1/users/"+id+"/totp", "")
	var enr struct{ Secret string }
	json.Unmarshal([]byte(out), &enr)
	code, _ := totp.Code(enr.Secret, time.Now())
	b.do(t, "POST", "/api/v1/users/"+id+"/totp/confirm", `{"code":"`+code+`"}`)
	next, _ := totp.Code(enr.Secret, time.Now().Add(totp.Period))
	secrets = append(secrets, enr.Secret, code, next)
	f.login(t, "analyst", fixturePassword, "")
	f.login(t, "analyst", fixturePassword, code)
	b2, _, _, _ := f.login(t, "analyst", fixturePassword, next)
	_, out = b2.do(t, "POST", "/api/v1/tokens", `{"role":"customer_viewer","tenant":"alpha"}`)
	var tj tokenJSON
	json.Unmarshal([]byte(out), &tj)
	secrets = append(secrets, b2.session, b2.csrf, tj.Secret)
	b2.do(t, "POST", "/api/v1/users/"+id+"/password", `{"password":"the new passphrase","current_password":"`+fixturePassword+`"}`)
	secrets = append(secrets, "the new passphrase")
	b2.do(t, "GET", "/api/v1/search?q=*", "")
	b2.do(t, "POST", "/api/v1/logout", "")
	b2.do(t, "GET", "/api/v1/session", "")
	if !strings.Contains(logs.String(), "sign-in refused") || !strings.Contains(logs.String(), "rejected session") {
		t.Fatalf("the refusals were not logged: the test would prove little\n%s", logs.String())
	}
	for _, s := range secrets {
		if s == "" || strings.Contains(logs.String(), s) {
			t.Fatalf("secret %q is empty or in the log:\n%s", s, logs.String())
		}
	}
}
