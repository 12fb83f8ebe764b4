package api

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/password"
	"github.com/sekimori/sekimori/internal/state"
)

// TestMain makes password hashing cheap: these tests are about the API.
func TestMain(m *testing.M) {
	password.Current = password.Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

var (
	allRoles  = state.Roles
	providers = []state.Role{state.RoleProviderAdmin, state.RoleProviderAnalyst}
	admins    = []state.Role{state.RoleProviderAdmin, state.RoleCustomerAdmin}
	workers   = []state.Role{state.RoleProviderAdmin, state.RoleProviderAnalyst, state.RoleCustomerAdmin}
	padmin    = []state.Role{state.RoleProviderAdmin}
)

// routeRoles is what each role must be allowed: every route but the
// public ones, with the roles that may call it. The test below proves the
// server matches it exactly, for tokens and for session cookies.
var routeRoles = map[string][]state.Role{
	"POST /api/v1/logout":                                   allRoles,
	"GET /api/v1/session":                                   allRoles,
	"GET /readyz":                                           allRoles,
	"GET /metrics":                                          providers,
	"GET /api/v1/openapi.json":                              allRoles,
	"POST /api/v1/ingest":                                   admins,
	"GET /api/v1/search":                                    allRoles,
	"GET /api/v1/hits":                                      allRoles,
	"GET /api/v1/facets":                                    allRoles,
	"GET /api/v1/tenants":                                   allRoles,
	"POST /api/v1/tenants":                                  padmin,
	"GET /api/v1/devices":                                   allRoles,
	"POST /api/v1/devices":                                  padmin,
	"GET /api/v1/alerts":                                    allRoles,
	"GET /api/v1/alerts/{id}":                               allRoles,
	"POST /api/v1/alerts/{id}/status":                       workers,
	"POST /api/v1/alerts/{id}/assign":                       workers,
	"GET /api/v1/logs/verify":                               allRoles,
	"GET /api/v1/audit":                                     padmin,
	"GET /api/v1/rules":                                     allRoles,
	"POST /api/v1/hunt":                                     workers,
	"GET /api/v1/rules/settings":                            allRoles,
	"POST /api/v1/rules":                                    padmin,
	"DELETE /api/v1/rules/{name}":                           padmin,
	"PUT /api/v1/rules/{id}/settings":                       workers,
	"GET /api/v1/assets":                                    allRoles,
	"GET /api/v1/assets/{id}":                               allRoles,
	"POST /api/v1/assets/import":                            workers,
	"GET /api/v1/knowledge":                                 allRoles,
	"POST /api/v1/knowledge/import":                         padmin,
	"GET /api/v1/triage/tasks":                              allRoles,
	"PUT /api/v1/triage/settings":                           workers,
	"GET /api/v1/devices/{id}/configs":                      allRoles,
	"POST /api/v1/devices/{id}/configs":                     admins,
	"GET /api/v1/devices/{id}/configs/diff":                 allRoles,
	"GET /api/v1/devices/{id}/restores":                     allRoles,
	"POST /api/v1/devices/{id}/restores":                    admins,
	"POST /api/v1/restores/{id}/approve":                    admins,
	"POST /api/v1/restores/{id}/refuse":                     admins,
	"POST /api/v1/devices/{id}/configs/pull":                admins,
	"GET /api/v1/devices/{id}/audit":                        allRoles,
	"GET /api/v1/ruleset-audit":                             allRoles,
	"GET /api/v1/devices/{id}/configs/{gen}":                allRoles,
	"GET /api/v1/devices/{id}/configs/{gen}/restore-script": admins,
	"GET /api/v1/unassigned":                                padmin,
	"POST /api/v1/unassigned/assign":                        padmin,
	"GET /api/v1/users":                                     admins,
	"POST /api/v1/users":                                    admins,
	"PATCH /api/v1/users/{id}":                              admins,
	"DELETE /api/v1/users/{id}":                             admins,
	"POST /api/v1/users/{id}/password":                      allRoles, // their own
	"POST /api/v1/users/{id}/totp":                          allRoles,
	"POST /api/v1/users/{id}/totp/confirm":                  allRoles,
	"DELETE /api/v1/users/{id}/totp":                        allRoles,
	"GET /api/v1/tokens":                                    workers,
	"POST /api/v1/tokens":                                   workers,
	"DELETE /api/v1/tokens/{id}":                            workers,
}

// publicRoutes need no authentication.
var publicRoutes = []string{"GET /healthz", "POST /api/v1/login"}

// sessionFor signs caller c in directly in the store (the sign-in route
// has its own tests) and returns the cookie's secret.
func (f *fixture) sessionFor(t *testing.T, c caller) string {
	t.Helper()
	secret, _, err := f.st.CreateSession(context.Background(), c.user.ID, "192.0.2.200", time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// doSession makes a request with a session cookie and, when csrf is not
// "", the X-CSRF-Token header.
func (f *fixture) doSession(t *testing.T, rq testRequest, session, csrf string) (int, string) {
	t.Helper()
	code, out, _ := f.send(t, rq.method, rq.path, rq.body, func(req *http.Request) {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: session})
		if csrf != "" {
			req.Header.Set(CSRFHeader, csrf)
		}
	})
	return code, out
}

func errorCode(out string) string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal([]byte(out), &e)
	return e.Error.Code
}

func TestRouteTableIsComplete(t *testing.T) {
	f := newFixture(t)
	var got, want []string
	for _, p := range f.api.Patterns() {
		if !slices.Contains(publicRoutes, p) {
			got = append(got, p)
		}
	}
	for p := range routeRoles {
		want = append(want, p)
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes without an entry in routeRoles, or entries without a route (-table +routes):\n%s", diff)
	}
}

// TestEveryRoleOnEveryRoute calls every route as every role, with the
// role's token and with a session cookie (and its CSRF token): allowed
// roles succeed, the others get 403. Customer roles of tenant alpha never
// see tenant bravo's data, and naming bravo gets 404.
func TestEveryRoleOnEveryRoute(t *testing.T) {
	f := newFixture(t)
	scoped := []string{"/api/v1/alerts", "/api/v1/logs", "/api/v1/rules/", "/api/v1/hunt", "/api/v1/search", "/api/v1/hits", "/api/v1/facets", "/api/v1/devices", "/api/v1/ingest"}
	for _, p := range f.api.Patterns() {
		allowed, ok := routeRoles[p]
		if !ok {
			continue // public; see TestRouteTableIsComplete
		}
		for _, role := range allRoles {
			c := f.callers[role]
			for _, how := range []string{"token", "session"} {
				rq := f.request(t, p, c)
				var code int
				var out string
				if how == "token" {
					code, out = f.do(t, rq.method, rq.path, c.token, rq.body)
				} else {
					session := f.sessionFor(t, c)
					code, out = f.doSession(t, rq, session, csrfToken(session))
				}
				switch {
				case !slices.Contains(allowed, role):
					if code != http.StatusForbidden || errorCode(out) != "forbidden" {
						t.Errorf("%s as %s (%s): %d %s, want 403 forbidden", p, role, how, code, out)
					}
					continue
				case rq.want != 0 && code != rq.want, rq.want == 0 && code/100 != 2:
					t.Errorf("%s as %s (%s): %d %s, want success", p, role, how, code, out)
				}
				if !role.Customer() {
					continue
				}
				for _, leak := range []string{"bravo-secret", "nobody-secret", "bravo"} {
					if strings.Contains(out, leak) {
						t.Errorf("%s as %s of alpha (%s) returned %q:\n%s", p, role, how, leak, out)
					}
				}
				if how == "token" && slices.ContainsFunc(scoped, func(s string) bool { return strings.HasPrefix(rq.path, s) }) {
					other := strings.Replace(rq.path, "tenant=alpha", "tenant=bravo", 1)
					if other == rq.path {
						other += map[bool]string{true: "&", false: "?"}[strings.Contains(other, "?")] + "tenant=bravo"
					}
					rq2 := f.request(t, p, c)
					if code, out := f.do(t, rq2.method, other, c.token, rq2.body); code != http.StatusNotFound {
						t.Errorf("%s naming tenant bravo as %s of alpha: %d %s, want 404", p, role, code, out)
					}
				}
			}
		}
	}
	// Crafted queries that try to reach other tenants.
	for _, role := range []state.Role{state.RoleCustomerAdmin, state.RoleCustomerViewer} {
		for _, q := range []string{`* or who:bravo-secret`, `_stream:{device="fw"}`, `tenant.id:2`, `* | union (who:bravo-secret)`, `who:in(* | fields who)`} {
			code, out := f.do(t, "GET", "/api/v1/search?start=30d&q="+urlEncode(q), f.callers[role].token, "")
			if code == 200 && (strings.Contains(out, "bravo") || strings.Contains(out, "nobody")) {
				t.Errorf("query %q as %s escaped the tenant scope:\n%s", q, role, out)
			}
		}
	}
}

// TestCSRF: a cookie request that changes something needs the session's
// CSRF token; reads do not, and neither do token requests.
func TestCSRF(t *testing.T) {
	f := newFixture(t)
	c := f.callers[state.RoleProviderAdmin]
	for _, p := range f.api.Patterns() {
		if slices.Contains(publicRoutes, p) {
			continue
		}
		rq := f.request(t, p, c)
		session := f.sessionFor(t, c) // a password change ends the others
		if safeMethod(rq.method) {
			if code, out := f.doSession(t, rq, session, ""); code/100 != 2 {
				t.Errorf("%s by cookie without a CSRF token: %d %s, want success (a read)", p, code, out)
			}
			continue
		}
		for _, bad := range []string{"", "x", csrfToken(session + "x")} {
			if code, out := f.doSession(t, rq, session, bad); code != http.StatusForbidden || errorCode(out) != "csrf" {
				t.Errorf("%s by cookie with CSRF token %q: %d %s, want 403 csrf", p, bad, code, out)
			}
		}
		// With a token, the cookie is not what authenticates.
		code, out, _ := f.send(t, rq.method, rq.path, rq.body, func(req *http.Request) {
			req.Header.Set("Authorization", "Bearer "+c.token)
			req.AddCookie(&http.Cookie{Name: SessionCookie, Value: session})
		})
		if code/100 != 2 && code != rq.want {
			t.Errorf("%s with a token and a cookie, no CSRF token: %d %s", p, code, out)
		}
	}
}

func TestSeesHiddenAlerts(t *testing.T) {
	for _, tc := range []struct {
		role   state.Role
		policy string
		want   bool
	}{
		{state.RoleProviderAdmin, "", true},
		{state.RoleProviderAnalyst, "relevant", true},
		{state.RoleCustomerAdmin, "relevant", true},
		{state.RoleCustomerViewer, "relevant", false},
		{state.RoleCustomerViewer, "", false},
		{state.RoleCustomerViewer, "all", true},
	} {
		p := principal{Role: tc.role, TenantID: 1}
		if got := p.seesHiddenAlerts(tc.policy); got != tc.want {
			t.Errorf("%s with policy %q: seesHiddenAlerts = %v, want %v", tc.role, tc.policy, got, tc.want)
		}
	}
}

// TestCovers: what each role may hand out to the users and tokens it makes.
func TestCovers(t *testing.T) {
	type r struct {
		role    state.Role
		tenant  uint32
		tenants []uint32
	}
	admin := principal{Role: state.RoleProviderAdmin}
	analystAll := principal{Role: state.RoleProviderAnalyst}
	analyst12 := principal{Role: state.RoleProviderAnalyst, Tenants: []uint32{1, 2}}
	cadmin := principal{Role: state.RoleCustomerAdmin, TenantID: 1}
	viewer := principal{Role: state.RoleCustomerViewer, TenantID: 1}
	for _, tc := range []struct {
		name string
		p    principal
		r    r
		want bool
	}{
		{"admin: anything", admin, r{role: state.RoleProviderAdmin}, true},
		{"analyst: analyst of all", analystAll, r{role: state.RoleProviderAnalyst}, true},
		{"analyst: viewer", analystAll, r{role: state.RoleCustomerViewer, tenant: 3}, true},
		{"analyst: not customer admin", analystAll, r{role: state.RoleCustomerAdmin, tenant: 3}, false},
		{"analyst: not provider admin", analystAll, r{role: state.RoleProviderAdmin}, false},
		{"listed analyst: a subset", analyst12, r{role: state.RoleProviderAnalyst, tenants: []uint32{2}}, true},
		{"listed analyst: not all", analyst12, r{role: state.RoleProviderAnalyst}, false},
		{"listed analyst: not another tenant", analyst12, r{role: state.RoleProviderAnalyst, tenants: []uint32{2, 3}}, false},
		{"listed analyst: viewer in its tenants", analyst12, r{role: state.RoleCustomerViewer, tenant: 2}, true},
		{"listed analyst: not a viewer elsewhere", analyst12, r{role: state.RoleCustomerViewer, tenant: 3}, false},
		{"customer admin: its tenant's admin", cadmin, r{role: state.RoleCustomerAdmin, tenant: 1}, true},
		{"customer admin: its tenant's viewer", cadmin, r{role: state.RoleCustomerViewer, tenant: 1}, true},
		{"customer admin: not another tenant", cadmin, r{role: state.RoleCustomerViewer, tenant: 2}, false},
		{"customer admin: not an analyst", cadmin, r{role: state.RoleProviderAnalyst, tenants: []uint32{1}}, false},
		{"viewer: a viewer of its tenant", viewer, r{role: state.RoleCustomerViewer, tenant: 1}, true},
		{"viewer: not an admin", viewer, r{role: state.RoleCustomerAdmin, tenant: 1}, false},
	} {
		if got := tc.p.covers(tc.r.role, tc.r.tenant, tc.r.tenants); got != tc.want {
			t.Errorf("%s: covers = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(openapiDoc), &doc); err != nil {
		t.Fatalf("openapi.go is not JSON: %v", err)
	}
	f := newFixture(t)
	for _, p := range f.api.Patterns() {
		method, path, _ := strings.Cut(p, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("%s is not in the OpenAPI description", p)
		}
	}
}
