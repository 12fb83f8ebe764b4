package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/totp"
)

// TestUserCommands makes users on the data directory of a running server,
// the way an operator sets up sign-in, and signs in with them.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addrs := startServer(t, data)
	run := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		var out, errb bytes.Buffer
		code := Main(context.Background(), Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin), Getenv: func(string) string { return "" }}, args)
		return out.String(), errb.String(), code
	}
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, errs, code := run(stdin, args...)
		if code != 0 {
			t.Fatalf("sekimori %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	login := func(user, pw, code string) (int, string) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"user": user, "password": pw, "totp": code})
		res, err := http.Post("http://"+addrs.HTTP+"/api/v1/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	must("", "tenant", "create", "acme", "--data", data)
	must("first admin passphrase\n", "user", "create", "--data", data, "--name", "ops", "--role", "provider_admin", "--password-stdin")
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("acme viewer passphrase\r\n"), 0o600)
	must("", "user", "create", "--data", data, "--name", "acme-viewer", "--role", "customer_viewer", "--tenant", "acme", "--password-file", pwFile)
	if out := must("", "user", "list", "--data", data); !regexp.MustCompile(`ops\s+provider_admin\s+\*\s+false\s+enabled`).MatchString(out) ||
		!regexp.MustCompile(`acme-viewer\s+customer_viewer\s+acme`).MatchString(out) {
		t.Errorf("user list:\n%s", out)
	}
	if code, out := login("acme-viewer", "acme viewer passphrase", ""); code != 200 || !strings.Contains(out, `"tenant":"acme"`) {
		t.Fatalf("sign-in as the viewer: %d %s", code, out)
	}

	for _, args := range [][]string{
		{"user", "create", "--data", data, "--name", "x", "--role", "customer_viewer", "--tenant", "acme"}, // no password, no terminal
		{"user", "create", "--data", data, "--name", "x", "--role", "admin", "--password-stdin"},
		{"user", "create", "--data", data, "--name", "x", "--role", "customer_viewer", "--password-stdin"},
		{"user", "create", "--data", data, "--name", "x", "--role", "provider_admin", "--tenant", "acme", "--password-stdin"},
		{"user", "create", "--data", data, "--name", "ops", "--role", "provider_admin", "--password-stdin"},
		{"user", "passwd", "--data", data, "--name", "nobody", "--password-stdin"},
		{"user", "totp", "confirm", "--data", data, "--name", "ops", "--code", "123456"},
	} {
		if _, errs, code := run("some long passphrase\n", args...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want a failure with a message", args, code, errs)
		}
	}

	// Disabled users cannot sign in; enabled again, they can.
	must("", "user", "disable", "--data", data, "--name", "acme-viewer")
	if code, _ := login("acme-viewer", "acme viewer passphrase", ""); code != 401 {
		t.Errorf("sign-in of a disabled user: %d", code)
	}
	must("", "user", "enable", "--data", data, "--name", "acme-viewer")
	must("a new viewer passphrase\n", "user", "passwd", "--data", data, "--name", "acme-viewer", "--password-stdin")
	if code, _ := login("acme-viewer", "a new viewer passphrase", ""); code != 200 {
		t.Errorf("sign-in with the new password: %d", code)
	}

	// A second factor, enrolled and confirmed offline.
	out := must("", "user", "totp", "enroll", "--data", data, "--name", "ops")
	m := regexp.MustCompile(`secret: ([A-Z2-7]+)\nuri:    (otpauth://totp/Sekimori:ops\?\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("totp enroll:\n%s", out)
	}
	now := time.Now()
	code, _ := totp.Code(m[1], now)
	must("", "user", "totp", "confirm", "--data", data, "--name", "ops", "--code", code)
	if status, out := login("ops", "first admin passphrase", ""); status != 401 || !strings.Contains(out, "totp_required") {
		t.Errorf("sign-in without a code: %d %s", status, out)
	}
	next, _ := totp.Code(m[1], now.Add(totp.Period))
	if status, out := login("ops", "first admin passphrase", next); status != 200 {
		t.Errorf("sign-in with a code: %d %s", status, out)
	}
	must("", "user", "totp", "disable", "--data", data, "--name", "ops")

	// Tokens with the new roles, belonging to a user.
	tok := strings.TrimSpace(must("", "token", "create", "--data", data, "--role", "customer_viewer", "--tenant", "acme", "--user", "acme-viewer"))
	req, _ := http.NewRequest("GET", "http://"+addrs.HTTP+"/api/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `"role":"customer_viewer"`) || !strings.Contains(string(b), `"user":"acme-viewer"`) {
		t.Errorf("the viewer's token: %d %s", res.StatusCode, b)
	}
	must("", "token", "create", "--data", data, "--role", "provider_analyst", "--tenant", "acme")
	if out := must("", "audit", "verify", "--data", data); !strings.Contains(out, "intact") {
		t.Errorf("audit verify: %s", out)
	}
}
