package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/sekimori/sekimori/internal/app"
	"github.com/sekimori/sekimori/internal/config"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}, args)
	return out.String(), errb.String(), code
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("http:\n  listen: nowhere\nsyslog:\n  udp:\n    listen: 0.0.0.0:514\n    time_zone: Nowhere/Land\n"), 0o600)
	out, errs, code := runCLI(t, nil, "config", "check", bad)
	if code != 1 || !strings.Contains(out, bad+":2:11: http.listen") || !strings.Contains(out, bad+":6:16: syslog.udp.time_zone") || !strings.Contains(errs, "2 problem(s)") {
		t.Fatalf("code %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("syslog:\n  udp:\n    listen: 0.0.0.0:514\n"), 0o600)
	if out, _, code := runCLI(t, nil, "config", "check", good); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("good config: %d %s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"nosuch"},
		{"token", "create", "--role", "wizard"},
		{"token", "create", "--role", "tenant"},
		{"device", "add", "--tenant", "x"},
		{"search"},
		{"import", "f.log"},
		{"serve", "--http", "localhost"},
	} {
		_, errs, code := runCLI(t, nil, args...)
		if code == 0 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want a failure with a message", args, code, errs)
		}
	}
}

// startServer runs the whole server in-process on a free port.
func startServer(t *testing.T, data string) app.Addrs {
	t.Helper()
	cfg := &config.Config{Data: data}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Store.MinFreeDisk = 1 << 20
	cfg.Defaults()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan app.Addrs, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, cfg, slog.New(slog.DiscardHandler), func(a app.Addrs) { ready <- a }) }()
	var addrs app.Addrs
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return addrs
}

// TestAdminImportSearch drives the CLI like an operator: tenant, device and
// token commands on the data directory of a running server, then import of
// a plain and a gzipped file, then search in every output format.
func TestAdminImportSearch(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addrs := startServer(t, data)
	mustRun := func(env map[string]string, args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, env, args...)
		if code != 0 {
			t.Fatalf("sekimori %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	mustRun(nil, "tenant", "create", "acme", "--data", data, "--retention-days", "30")
	mustRun(nil, "device", "add", "--data", data, "--tenant", "acme", "--name", "fg1", "--source", "192.0.2.10,fw-hq", "--format", "fortigate")
	token := strings.TrimSpace(mustRun(nil, "token", "create", "--data", data, "--role", "admin"))
	if !strings.HasPrefix(token, "skm_") {
		t.Fatalf("token %q", token)
	}
	if out := mustRun(nil, "device", "list", "--data", data); !strings.Contains(out, "fg1") || !strings.Contains(out, "fw-hq") {
		t.Fatalf("device list:\n%s", out)
	}
	if out := mustRun(nil, "audit", "verify", "--data", data); !strings.Contains(out, "intact: 3 entries") {
		t.Fatalf("audit verify after tenant, device and token: %s", out)
	}
	env := map[string]string{"SEKIMORI_SERVER": "http://" + addrs.HTTP, "SEKIMORI_TOKEN": token}

	plain := filepath.Join(dir, "a.log")
	var lines []string
	for i := range 50 {
		lines = append(lines, fmt.Sprintf(`<189>date=2026-11-0%d time=09:00:%02d devname="HQ" devid="FG1" logid="0000000013" type="traffic" srcip=10.0.0.%d dstip=198.51.100.1 dstport=443 action="accept" msg="取引先ログイン %d"`, 1+i%3, i, i, i))
	}
	os.WriteFile(plain, []byte(strings.Join(lines[:30], "\n")+"\n"), 0o600)
	gz := filepath.Join(dir, "b.log.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, strings.Join(lines[30:], "\r\n"))
	zw.Close()
	os.WriteFile(gz, buf.Bytes(), 0o600)
	if out := mustRun(env, "import", plain, gz, "--device", "fg1", "--progress=false"); !strings.Contains(out, "imported 50 lines from 2 file(s)") {
		t.Fatalf("import: %s", out)
	}

	var out string
	deadline := time.Now().Add(20 * time.Second)
	for {
		out = mustRun(env, "search", "ログイン", "--since", "3650d", "--limit", "0", "-o", "csv")
		if strings.Count(out, "\n") == 51 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 51 {
		t.Fatalf("csv: %d records, err %v\n%s", len(recs), err, out)
	}
	if recs[0][0] != "_time" || recs[0][1] != "_msg" {
		t.Fatalf("csv header %v", recs[0])
	}
	if out := mustRun(env, "search", "10.0.0.7", "--since", "3650d"); !strings.Contains(out, "fg1") || strings.Count(out, "\n") != 2 {
		t.Fatalf("table search for an IP:\n%s", out)
	}
	if out := mustRun(env, "search", "srcip:=10.0.0.7", "--since", "3650d", "-o", "json"); !strings.Contains(out, `"logid":"0000000013"`) {
		t.Fatalf("json search:\n%s", out)
	}
	if _, errs, code := runCLI(t, map[string]string{"SEKIMORI_SERVER": "http://" + addrs.HTTP, "SEKIMORI_TOKEN": "skm_wrong"}, "search", "*"); code != 1 || !strings.Contains(errs, "401") {
		t.Fatalf("bad token: %d %s", code, errs)
	}
}

// TestNativeAlerts: FortiGate IPS lines become one grouped alert that the
// CLI lists, acknowledges and closes.
func TestNativeAlerts(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addrs := startServer(t, data)
	run := func(env map[string]string, args ...string) string {
		t.Helper()
		out, errs, code := runCLI(t, env, args...)
		if code != 0 {
			t.Fatalf("sekimori %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	run(nil, "tenant", "create", "acme", "--data", data)
	run(nil, "device", "add", "--data", data, "--tenant", "acme", "--name", "fg1", "--source", "192.0.2.10", "--format", "fortigate")
	token := strings.TrimSpace(run(nil, "token", "create", "--data", data, "--role", "tenant", "--tenant", "acme"))
	env := map[string]string{"SEKIMORI_SERVER": "http://" + addrs.HTTP, "SEKIMORI_TOKEN": token}
	f := filepath.Join(dir, "ips.log")
	var lines []string
	for i := range 5 { // a burst from two attackers against one host
		lines = append(lines, fmt.Sprintf(`date=2026-11-01 time=10:00:0%d devname="FG" logid="0419016384" type="utm" subtype="ips" severity="high" srcip=203.0.113.%d dstip=10.0.0.5 dstport=443 action="dropped" attack="Apache.Log4j.Error.Log.Remote.Code.Execution" attackid=51006`, i, 1+i%2))
	}
	lines = append(lines, `date=2026-11-01 time=10:00:09 logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.5 dstip=198.51.100.1 action="accept"`)
	os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o600)
	run(env, "import", f, "--device", "fg1", "--progress=false")
	var out string
	deadline := time.Now().Add(20 * time.Second)
	for {
		out = run(env, "alerts", "-o", "json")
		if strings.Contains(out, `"event_count":5`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Count(out, `"rule_id"`) != 1 || !strings.Contains(out, `"rule_id":"fortigate:ips:51006"`) || !strings.Contains(out, `"event_count":5`) || !strings.Contains(out, `"target_ip":"10.0.0.5"`) {
		t.Fatalf("want one alert counting 5 events:\n%s", out)
	}
	if out := run(env, "alerts"); !strings.Contains(out, "Apache.Log4j") || !strings.Contains(out, "high") {
		t.Fatalf("table:\n%s", out)
	}
	ruleFile := filepath.Join(dir, "log4j.yml")
	os.WriteFile(ruleFile, []byte("title: Log4j attempts\nid: 0b0b0b0b-0000-4000-8000-000000000001\nlogsource:\n  product: fortigate\ndetection:\n  sel:\n    attack|contains: Log4j\n  condition: sel\nlevel: high\n"), 0o600)
	// Events become searchable about a second after they are stored.
	deadline = time.Now().Add(20 * time.Second)
	for {
		out = run(env, "hunt", "--rule", ruleFile, "--since", "3650d")
		if strings.Count(out, "\n") >= 5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Count(out, "\n") != 5 || !strings.Contains(out, `"rule":"0b0b0b0b-0000-4000-8000-000000000001"`) {
		t.Fatalf("hunt:\n%s", out)
	}
	run(env, "alerts", "ack", "1")
	if _, errs, code := runCLI(t, env, "alerts", "close", "1"); code != 2 || !strings.Contains(errs, "--reason") {
		t.Fatalf("close without reason: %d %s", code, errs)
	}
	run(env, "alerts", "close", "1", "--reason", "blocked by IPS; host patched")
	if out := run(env, "alerts", "show", "1"); !strings.Contains(out, `"status":"closed"`) || !strings.Contains(out, `"from":"acknowledged"`) {
		t.Fatalf("show:\n%s", out)
	}
	if out := run(env, "alerts"); strings.Contains(out, "Apache.Log4j") {
		t.Fatalf("closed alert still listed as open:\n%s", out)
	}
}

// TestParseCommand: an operator tries sample lines against a format, and
// against a registered device's settings (Shift_JIS, zone).
func TestParseCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	f := filepath.Join(dir, "s.log")
	os.WriteFile(f, []byte("<189>date=2026-11-01 time=10:00:00 logid=\"0000000013\" type=\"traffic\" srcip=10.0.0.1 action=\"deny\"\nnot a fortigate line\n"), 0o600)
	out, errs, code := runCLI(t, nil, "parse", "--format", "fortigate", f)
	if code != 1 || !strings.Contains(out, `"logid":"0000000013"`) || !strings.Contains(out, `"_time":"2026-11-01T01:00:00Z"`) || !strings.Contains(errs, "2 lines, 1 with parse errors") {
		t.Fatalf("parse: %d\n%s\n%s", code, out, errs)
	}
	if _, _, code := runCLI(t, nil, "tenant", "create", "acme", "--data", data); code != 0 {
		t.Fatal("tenant create")
	}
	if out, errs, code := runCLI(t, nil, "device", "add", "--data", data, "--tenant", "acme", "--name", "box", "--source", "192.0.2.5", "--format", "syslog", "--charset", "shift_jis", "--time-zone", "UTC"); code != 0 {
		t.Fatalf("device add: %s %s", out, errs)
	}
	sj, _ := japanese.ShiftJIS.NewEncoder().String("<13>Nov  1 10:00:00 host app: 管理者ログイン失敗\n")
	os.WriteFile(f, []byte(sj), 0o600)
	out, errs, code = runCLI(t, nil, "parse", "--device", "box", "--data", data, "--msg", f)
	if code != 0 || !strings.Contains(out, "管理者ログイン失敗") || !strings.Contains(out, `"_time":"2026-11-01T10:00:00Z"`) {
		t.Fatalf("parse --device: %d\n%s\n%s", code, out, errs)
	}
}

// TestDeviceAddCertificateSource: a device known by its TLS client
// certificate, with the fingerprint as openssl prints it.
func TestDeviceAddCertificateSource(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if _, errs, code := runCLI(t, nil, "tenant", "create", "acme", "--data", data); code != 0 {
		t.Fatalf("tenant create: %s", errs)
	}
	openssl := strings.TrimSuffix(strings.Repeat("0A:", 32), ":")
	out, errs, code := runCLI(t, nil, "device", "add", "--data", data, "--tenant", "acme", "--name", "fw-tls",
		"--source", "cert:sha256:"+openssl, "--source", "cert:cn:FW-TLS.example", "--format", "fortigate")
	want := "cert:cn:fw-tls.example,cert:sha256:" + strings.Repeat("0a", 32)
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("device add: %d %s %s; want sources %s", code, out, errs, want)
	}
	_, errs, code = runCLI(t, nil, "device", "add", "--data", data, "--tenant", "acme", "--name", "fw-bad", "--source", "cert:sha256:0a0b", "--format", "fortigate")
	if code == 0 || !strings.Contains(errs, "sources") || !strings.Contains(errs, "64 hex digits") {
		t.Fatalf("a short fingerprint: exit %d, %s", code, errs)
	}
}
