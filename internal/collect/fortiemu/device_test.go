package fortiemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/sekimori/sekimori/internal/devconfig"
)

func TestSampleValidates(t *testing.T) {
	info, err := devconfig.Validate(devconfig.KindFortiOS, SampleConfig())
	if err != nil {
		t.Fatal(err)
	}
	if n := info.Total(devconfig.ClassPolicy); n != 10 || info.Firmware.Version != "7.2.10" {
		t.Errorf("sample: %d policies, firmware %+v", n, info.Firmware)
	}
}

func TestReencrypt(t *testing.T) {
	in := SampleConfig()
	a, b := reencrypt(in), reencrypt(in)
	if bytes.Equal(a, b) || bytes.Equal(a, in) {
		t.Fatal("exports not re-encrypted")
	}
	if devconfig.Fingerprint(devconfig.KindFortiOS, a) != devconfig.Fingerprint(devconfig.KindFortiOS, in) {
		t.Error("re-encryption changed more than secrets")
	}
	if _, err := devconfig.Validate(devconfig.KindFortiOS, a); err != nil {
		t.Error(err)
	}
}

func TestUpgradeHeaderAndWipe(t *testing.T) {
	d := New(Options{})
	d.Upgrade("v7.6.1 build3462", false)
	info, err := devconfig.Validate(devconfig.KindFortiOS, d.Config())
	if err != nil {
		t.Fatal(err)
	}
	if info.Firmware.Version != "7.6.1" || info.Firmware.Build != "3462" || info.Total(devconfig.ClassPolicy) != 10 {
		t.Errorf("after upgrade: %+v, %d policies", info.Firmware, info.Total(devconfig.ClassPolicy))
	}
	if d.Version() != "v7.6.1" {
		t.Errorf("Version() = %q", d.Version())
	}
}

// TestWipeMultiVDOM uses devconfig's multi-VDOM sample (read only).
func TestWipeMultiVDOM(t *testing.T) {
	in, err := os.ReadFile("../../devconfig/testdata/fortios_vdom.conf")
	if err != nil {
		t.Skip("devconfig testdata not found:", err)
	}
	before, err := devconfig.Validate(devconfig.KindFortiOS, in)
	if err != nil {
		t.Fatal(err)
	}
	after, err := devconfig.Validate(devconfig.KindFortiOS, wipePolicies(in))
	if err != nil {
		t.Fatal(err)
	}
	if before.Total(devconfig.ClassPolicy) == 0 || after.Total(devconfig.ClassPolicy) != 0 {
		t.Errorf("policies before %d, after %d", before.Total(devconfig.ClassPolicy), after.Total(devconfig.ClassPolicy))
	}
	if before.Total(devconfig.ClassObject) != after.Total(devconfig.ClassObject) {
		t.Error("wipe removed objects too")
	}
}

func TestHandler(t *testing.T) {
	d := New(Options{Version: "7.6.0"})
	do := func(method, target, auth, body string) (int, string) {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	tests := []struct {
		name, method, target, auth, body string
		status                           int
		contains                         string
	}{
		{"no token", "GET", "/api/v2/monitor/system/status", "", "", 401, `"http_status": 401`},
		{"wrong token", "GET", "/api/v2/monitor/system/status", "nope", "", 401, ""},
		{"query token", "GET", "/api/v2/monitor/system/status?access_token=emu-token", "", "", 200, `"version": "v7.6.0"`},
		{"GET backup on 7.6", "GET", "/api/v2/monitor/system/config/backup?scope=global", "emu-token", "", 405, ""},
		{"POST backup", "POST", "/api/v2/monitor/system/config/backup", "emu-token", `{"scope":"global"}`, 200, "#config-version="},
		{"POST without scope", "POST", "/api/v2/monitor/system/config/backup", "emu-token", `{}`, 400, ""},
		{"unknown vdom", "GET", "/api/v2/monitor/firewall/policy/select?vdom=x", "emu-token", "", 404, ""},
		{"hits", "GET", "/api/v2/monitor/firewall/policy/select", "emu-token", "", 200, `"hit_count": 0`},
		{"unknown path", "GET", "/api/v2/cmdb/firewall/policy", "emu-token", "", 404, ""},
	}
	for _, tt := range tests {
		code, body := do(tt.method, tt.target, tt.auth, tt.body)
		if code != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s: %d %q; want %d containing %q", tt.name, code, body, tt.status, tt.contains)
		}
		if strings.HasPrefix(body, "{") && !json.Valid([]byte(body)) {
			t.Errorf("%s: invalid JSON %q", tt.name, body)
		}
	}
	for _, r := range d.Requests() {
		if strings.Contains(r.Query, "emu-token") {
			t.Errorf("token kept in the request log: %+v", r)
		}
	}
	if code, _ := do(http.MethodGet, "/api/v2/monitor/system/status", "emu-token", ""); code != 200 {
		t.Error(code)
	}
}
