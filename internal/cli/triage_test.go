package cli

import (
	"strings"
	"testing"
)

// TestAssetsAndKnowledgeCommands imports the triage scenario's files as an
// operator would.
func TestAssetsAndKnowledgeCommands(t *testing.T) {
	data := t.TempDir()
	const sc = "../triage/testdata/scenario/"
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, map[string]string{"USER": "ops"}, args...)
		if code != 0 {
			t.Fatalf("sekimori %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	run("tenant", "create", "acme", "--data", data)
	if out := run("assets", "import", "--data", data, "--tenant", "acme", sc+"hosts.csv", sc+"scan.xml"); !strings.Contains(out, "18 created") || !strings.Contains(out, "nmap") {
		t.Fatalf("hosts and scan: %s", out)
	}
	if out := run("assets", "import", "--data", data, "--tenant", "acme", "--asset", "app01", sc+"sbom-app01.cdx.json"); !strings.Contains(out, "cyclonedx") {
		t.Fatalf("sbom: %s", out)
	}
	if _, errOut, code := runCLI(t, nil, "assets", "import", "--data", data, "--tenant", "acme", sc+"sbom-app02.cdx.json"); code == 0 || !strings.Contains(errOut, "--asset") {
		t.Fatalf("sbom without --asset: %d %s", code, errOut)
	}
	if out := run("assets", "list", "--data", data, "--tenant", "acme"); !strings.Contains(out, "app01.acme.local") || !strings.Contains(out, "203.0.113.13") {
		t.Fatalf("list: %s", out)
	}
	if out := run("knowledge", "import", "--data", data, sc+"nvd-cves.json", sc+"et-scenario.rules"); !strings.Contains(out, "nvd, 9 records") || !strings.Contains(out, "suricata, 8 records") {
		t.Fatalf("knowledge: %s", out)
	}
	if _, errOut, code := runCLI(t, nil, "knowledge", "import", "--data", data, sc+"hosts.csv"); code == 0 || !strings.Contains(errOut, "hosts.csv") {
		t.Fatalf("a hosts file as knowledge: %d %s", code, errOut)
	}
	if out := run("triage", "settings", "--data", data, "--tenant", "acme", "--policy", "all"); !strings.Contains(out, "policy all") {
		t.Fatalf("settings: %s", out)
	}
	if _, errOut, code := runCLI(t, nil, "triage", "settings", "--data", data, "--tenant", "acme", "--policy", "some"); code == 0 || !strings.Contains(errOut, "policy") {
		t.Fatalf("bad policy: %d %s", code, errOut)
	}
}
