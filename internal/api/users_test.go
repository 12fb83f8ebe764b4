package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sekimori/sekimori/internal/state"
)

func TestUsersAPI(t *testing.T) {
	f := newFixture(t)
	pa := f.callers[state.RoleProviderAdmin].token
	ca := f.callers[state.RoleCustomerAdmin].token
	// A customer admin manages its tenant's customer users only.
	for _, tc := range []struct {
		token, body string
		want        int
		mention     string
	}{
		{ca, `{"name":"suzuki","role":"customer_viewer","tenant":"alpha","password":"a long passphrase"}`, 201, `"tenant":"alpha"`},
		{ca, `{"name":"kimura","role":"customer_admin","tenant":"alpha","password":"a long passphrase"}`, 201, `"role":"customer_admin"`},
		{ca, `{"name":"x1","role":"customer_viewer","tenant":"bravo","password":"a long passphrase"}`, 400, `tenant: tenant \"bravo\" not found`},
		{ca, `{"name":"x2","role":"provider_analyst","password":"a long passphrase"}`, 403, "beyond your own rights"},
		{ca, `{"name":"x3","role":"customer_viewer","password":"a long passphrase"}`, 400, "tenant: role customer_viewer needs a tenant"},
		{ca, `{"name":"x4","role":"wizard","tenant":"alpha","password":"a long passphrase"}`, 400, "role:"},
		{ca, `{"name":"x5","role":"customer_viewer","tenant":"alpha","password":"short"}`, 400, "password"},
		{ca, `{"name":"Bad Name","role":"customer_viewer","tenant":"alpha","password":"a long passphrase"}`, 400, "name"},
		{ca, `{"name":"suzuki","role":"customer_viewer","tenant":"alpha","password":"a long passphrase"}`, 409, "exists"},
		{ca, `{"name":"x6","role":"customer_viewer","tenant":"alpha","pasword":"typo"}`, 400, "unknown field"},
		{pa, `{"name":"bravo-viewer","role":"customer_viewer","tenant":"bravo","password":"a long passphrase"}`, 201, `"tenant":"bravo"`},
		{pa, `{"name":"listed","role":"provider_analyst","tenants":["bravo","alpha"],"password":"a long passphrase"}`, 201, `"tenants":["alpha","bravo"]`},
	} {
		code, out := f.do(t, "POST", "/api/v1/users", tc.token, tc.body)
		if code != tc.want || !strings.Contains(out, tc.mention) {
			t.Errorf("create %s: %d %s; want %d mentioning %s", tc.body, code, out, tc.want, tc.mention)
		}
		if strings.Contains(out, "passphrase") {
			t.Errorf("the answer holds the password: %s", out)
		}
	}
	code, out := f.do(t, "GET", "/api/v1/users", ca, "")
	var list []userJSON
	json.Unmarshal([]byte(out), &list)
	var names []string
	for _, u := range list {
		names = append(names, u.Name)
	}
	if code != 200 || strings.Join(names, ",") != "alpha-admin,alpha-viewer,suzuki,kimura" {
		t.Errorf("customer admin's users: %d %q", code, names)
	}
	bravoViewer, _ := f.st.UserByName(t.Context(), "bravo-viewer")
	suzuki, _ := f.st.UserByName(t.Context(), "suzuki")
	self := f.callers[state.RoleCustomerAdmin].user
	for _, tc := range []struct {
		method, path, body string
		want               int
		mention            string
	}{
		{"PATCH", "/api/v1/users/" + itoa(bravoViewer.ID), `{"disabled":true}`, 404, "not found"},
		{"DELETE", "/api/v1/users/" + itoa(bravoViewer.ID), ``, 404, "not found"},
		{"POST", "/api/v1/users/" + itoa(bravoViewer.ID) + "/password", `{"password":"another passphrase"}`, 404, "not found"},
		{"POST", "/api/v1/users/" + itoa(f.callers[state.RoleProviderAdmin].user.ID) + "/totp", ``, 404, "not found"},
		{"PATCH", "/api/v1/users/" + itoa(suzuki.ID), `{"role":"provider_admin"}`, 403, "beyond your own rights"},
		{"PATCH", "/api/v1/users/" + itoa(self.ID), `{"disabled":true}`, 400, "your own"},
		{"DELETE", "/api/v1/users/" + itoa(self.ID), ``, 400, "yourself"},
		{"PATCH", "/api/v1/users/" + itoa(suzuki.ID), `{"role":"customer_admin"}`, 200, `"role":"customer_admin"`},
		{"POST", "/api/v1/users/" + itoa(suzuki.ID) + "/password", `{"password":"another passphrase"}`, 204, ""},
		{"POST", "/api/v1/users/" + itoa(self.ID) + "/password", `{"password":"another passphrase"}`, 400, "current_password"},
		{"POST", "/api/v1/users/" + itoa(self.ID) + "/password", `{"password":"another passphrase","current_password":"wrong one"}`, 403, "current_password"},
		{"POST", "/api/v1/users/" + itoa(self.ID) + "/password", `{"password":"another passphrase","current_password":"` + fixturePassword + `"}`, 204, ""},
		{"PATCH", "/api/v1/users/abc", `{}`, 400, "positive integer"},
		{"DELETE", "/api/v1/users/" + itoa(suzuki.ID), ``, 204, ""},
		{"DELETE", "/api/v1/users/" + itoa(suzuki.ID), ``, 404, "not found"},
	} {
		code, out := f.do(t, tc.method, tc.path, ca, tc.body)
		if code != tc.want || !strings.Contains(out, tc.mention) {
			t.Errorf("%s %s %s: %d %s; want %d mentioning %q", tc.method, tc.path, tc.body, code, out, tc.want, tc.mention)
		}
	}
	if _, code, _, _ := f.login(t, "alpha-admin", "another passphrase", ""); code != 200 {
		t.Errorf("sign-in with the new password: %d", code)
	}
	// A provider admin's role change revokes the user's tokens.
	v := f.callers[state.RoleCustomerViewer]
	if code, out := f.do(t, "PATCH", "/api/v1/users/"+itoa(v.user.ID), pa, `{"role":"provider_analyst","tenants":["alpha"]}`); code != 200 || !strings.Contains(out, `"tenants":["alpha"]`) || !strings.Contains(out, `"tenant":null`) {
		t.Errorf("to analyst: %d %s", code, out)
	}
	if code, _ := f.do(t, "GET", "/api/v1/session", v.token, ""); code != 401 {
		t.Errorf("token after its user's role changed: %d, want 401", code)
	}
	// Every change is in the audit trail, with no secret.
	_, out = f.do(t, "GET", "/api/v1/audit?limit=1000", pa, "")
	for _, want := range []string{`"action":"user.create","target":"user/suzuki"`, `"action":"user.update","target":"user/suzuki"`, `"action":"user.password","target":"user/suzuki"`,
		`"action":"user.password_refused","target":"user/alpha-admin"`, `"action":"user.delete","target":"user/suzuki"`, `"actor":"token:`} {
		if !strings.Contains(out, want) {
			t.Errorf("audit lacks %s", want)
		}
	}
	if strings.Contains(out, "passphrase") || strings.Contains(out, "wrong one") {
		t.Errorf("a password in the audit trail:\n%s", out)
	}
}

func TestTokensAPI(t *testing.T) {
	f := newFixture(t)
	an := f.callers[state.RoleProviderAnalyst]
	ca := f.callers[state.RoleCustomerAdmin]
	pa := f.callers[state.RoleProviderAdmin]
	create := func(token, body string) (int, tokenJSON, string) {
		t.Helper()
		code, out := f.do(t, "POST", "/api/v1/tokens", token, body)
		var tj tokenJSON
		json.Unmarshal([]byte(out), &tj)
		return code, tj, out
	}
	// An analyst makes its own analyst token, narrowed to alpha.
	code, tj, out := create(an.token, `{"name":"my script","role":"provider_analyst","tenants":["alpha"],"expires_in":"30d"}`)
	if code != 201 || !strings.HasPrefix(tj.Secret, "skm_") || tj.User != "analyst" || tj.ExpiresAt.IsZero() || strings.Join(tj.Tenants, ",") != "alpha" {
		t.Fatalf("analyst's token: %d %s", code, out)
	}
	if code, out := f.do(t, "GET", "/api/v1/search?q=*&start=30d", tj.Secret, ""); code != 200 || strings.Contains(out, "bravo") || !strings.Contains(out, "alpha-secret") {
		t.Errorf("the narrowed token's search: %d %s", code, out)
	}
	if code, _ := f.do(t, "GET", "/api/v1/search?q=*&start=30d&tenant=bravo", tj.Secret, ""); code != 404 {
		t.Errorf("the narrowed token naming bravo: %d, want 404", code)
	}
	for _, tc := range []struct {
		token, body string
		want        int
		mention     string
	}{
		{an.token, `{"role":"provider_admin"}`, 403, "beyond your own rights"},
		{an.token, `{"role":"customer_admin","tenant":"alpha"}`, 403, "beyond your own rights"},
		{an.token, `{"role":"customer_viewer","tenant":"alpha","user":"alpha-viewer"}`, 400, `user: \"alpha-viewer\" not found`},
		{ca.token, `{"role":"customer_viewer","tenant":"bravo"}`, 400, "tenant"},
		{ca.token, `{"role":"provider_analyst"}`, 403, "beyond"},
		{ca.token, `{"role":"customer_viewer","tenant":"alpha","user":"alpha-viewer"}`, 201, `"user":"alpha-viewer"`},
		{pa.token, `{"role":"customer_admin","tenant":"alpha","user":"alpha-viewer"}`, 403, "beyond the rights of user alpha-viewer"},
		{pa.token, `{"role":"customer_viewer","tenant":"alpha","expires_in":"soon"}`, 400, "expires_in"},
		{pa.token, `{"role":"admin"}`, 201, `"role":"provider_admin"`},
		{f.tokA, `{"role":"tenant","tenant":"alpha"}`, 201, `"role":"customer_admin"`},
	} {
		code, _, out := create(tc.token, tc.body)
		if code != tc.want || !strings.Contains(out, tc.mention) {
			t.Errorf("create %s: %d %s; want %d mentioning %q", tc.body, code, out, tc.want, tc.mention)
		}
	}
	// Lists: the analyst sees its own; the customer admin its tenant's.
	_, out = f.do(t, "GET", "/api/v1/tokens", an.token, "")
	if strings.Count(out, `"id"`) != 2 || strings.Contains(out, "skm_") {
		t.Errorf("analyst's tokens: %s", out)
	}
	_, out = f.do(t, "GET", "/api/v1/tokens", ca.token, "")
	if strings.Contains(out, "provider_") || !strings.Contains(out, `"user":"alpha-viewer"`) {
		t.Errorf("customer admin's tokens: %s", out)
	}
	// Revoking: others' tokens are not found.
	if code, _ := f.do(t, "DELETE", "/api/v1/tokens/"+itoa(tj.ID), ca.token, ""); code != 404 {
		t.Errorf("customer admin revoking the analyst's token: %d, want 404", code)
	}
	if code, _ := f.do(t, "DELETE", "/api/v1/tokens/"+itoa(tj.ID), an.token, ""); code != http.StatusNoContent {
		t.Errorf("analyst revoking its token: %d", code)
	}
	if code, _ := f.do(t, "GET", "/api/v1/session", tj.Secret, ""); code != 401 {
		t.Errorf("revoked token: %d, want 401", code)
	}
	_, out = f.do(t, "GET", "/api/v1/audit?limit=1000", pa.token, "")
	if !strings.Contains(out, `"action":"token.create"`) || !strings.Contains(out, `"action":"token.revoke","target":"token/`+itoa(tj.ID)) || strings.Contains(out, tj.Secret) {
		t.Errorf("audit of tokens: %s", out)
	}
}
