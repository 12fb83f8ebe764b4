package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sekimori/sekimori/internal/collect/fortiemu"
)

// TestConfigsWorkflow drives the configuration commands as an operator
// would, against the FortiOS emulator: set a source, pull, a wiping
// upgrade, diff, audit, and a restore that needs a second person.
func TestConfigsWorkflow(t *testing.T) {
	data := t.TempDir()
	emu := fortiemu.New(fortiemu.Options{Token: "tok-secret-123", Config: fortiemu.SampleConfig()})
	srv := httptest.NewTLSServer(emu)
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok-secret-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	alice := map[string]string{"USER": "alice"}
	run := func(env map[string]string, args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, env, args...)
		if code != 0 {
			t.Fatalf("sekimori %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	run(nil, "tenant", "create", "acme", "--data", data)
	run(nil, "device", "add", "--data", data, "--tenant", "acme", "--name", "fw01", "--source", "192.0.2.1", "--format", "fortigate")
	run(nil, "configs", "source", "--data", data, "--device", "fw01", "--address", strings.TrimPrefix(srv.URL, "https://"),
		"--token-file", tokenFile, "--insecure")
	if out := run(nil, "configs", "pull", "--data", data, "--device", "fw01"); !strings.Contains(out, "generation 1") {
		t.Fatalf("first pull: %s", out)
	}
	emu.Upgrade("v7.6.0 build3401", true)
	if out := run(nil, "configs", "pull", "--data", data, "--device", "fw01"); !strings.Contains(out, "generation 2") || !strings.Contains(out, "critical") {
		t.Fatalf("pull after the wipe: %s", out)
	}
	if out := run(nil, "configs", "diff", "--data", data, "--device", "fw01"); !strings.Contains(out, "# firewall policy 1: deleted") || !strings.Contains(out, "-    edit 1") {
		t.Fatalf("diff: %s", out)
	}
	if out := run(nil, "audit", "ruleset", "--data", data, "--device", "fw01", "--generation", "1"); !strings.Contains(out, "score") {
		t.Fatalf("audit: %s", out)
	}
	if out := run(nil, "audit", "ruleset", "--data", data, "--tenant", "acme"); !strings.Contains(out, "tenant acme: score") || !strings.Contains(out, "fw01") {
		t.Fatalf("tenant audit: %s", out)
	}
	run(alice, "configs", "restore", "request", "--data", data, "--device", "fw01", "1", "--reason", "upgrade wiped it")
	if _, errOut, code := runCLI(t, alice, "configs", "restore", "approve", "--data", data, "--device", "fw01", "1"); code == 0 || !strings.Contains(errOut, "second person") {
		t.Fatalf("self-approval: exit %d %s", code, errOut)
	}
	if out := run(map[string]string{"USER": "bob"}, "configs", "restore", "approve", "--data", data, "--device", "fw01", "1"); !strings.Contains(out, "verified: true") {
		t.Fatalf("approval: %s", out)
	}
	if emu.Restores() != 1 {
		t.Fatalf("restores on the device: %d", emu.Restores())
	}
	// The token was sealed: it is nowhere in the state database in clear.
	db, err := os.ReadFile(filepath.Join(data, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(db), "tok-secret-123") {
		t.Fatal("the device token is stored in clear")
	}
}
