package collect_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/collect"
	"github.com/sekimori/sekimori/internal/collect/fortiemu"
	"github.com/sekimori/sekimori/internal/devconfig"
)

// startForti serves a Device over TLS on loopback and returns a Target
// for it with the certificate pinned.
func startForti(t *testing.T, h http.Handler) (*httptest.Server, collect.Target) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	sum := sha256.Sum256(srv.Certificate().Raw)
	return srv, collect.Target{
		Kind:                 devconfig.KindFortiOS,
		Address:              strings.TrimPrefix(srv.URL, "https://"),
		Method:               collect.MethodAPI,
		Token:                "emu-token",
		TLSFingerprintSHA256: strings.ToUpper(hex.EncodeToString(sum[:])),
		Timeout:              10 * time.Second,
	}
}

// calls lists "METHOD path status auth" of the requests a device saw.
func calls(d *fortiemu.Device) []string {
	var out []string
	for _, r := range d.Requests() {
		out = append(out, r.Method+" "+r.Path+" "+http.StatusText(r.Status)+" "+r.Auth)
	}
	return out
}

const (
	statusCall = "GET /api/v2/monitor/system/status OK bearer"
	getBackup  = "GET /api/v2/monitor/system/config/backup OK bearer"
	postBackup = "POST /api/v2/monitor/system/config/backup OK bearer"
)

func TestPullAPIByVersion(t *testing.T) {
	tests := []struct {
		version  string
		build    int
		firmware string
		calls    []string
	}{
		{"v7.2.10", 1706, "v7.2.10 build1706", []string{statusCall, getBackup}},
		{"7.4.4", 2662, "v7.4.4 build2662", []string{statusCall, getBackup}},
		{"v7.6.0", 3401, "v7.6.0 build3401", []string{statusCall, postBackup}},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			d := fortiemu.New(fortiemu.Options{Version: tt.version, Build: tt.build})
			srv, target := startForti(t, d)
			p, err := collect.PullConfig(context.Background(), target)
			if err != nil {
				t.Fatal(err)
			}
			if p.Firmware != tt.firmware || p.Method != collect.MethodAPI {
				t.Errorf("firmware %q method %q; want %q api", p.Firmware, p.Method, tt.firmware)
			}
			if diff := cmp.Diff(tt.calls, calls(d)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if _, err := devconfig.Validate(devconfig.KindFortiOS, p.Data); err != nil {
				t.Errorf("pulled config does not validate: %v", err)
			}
			if got, want := devconfig.Fingerprint(devconfig.KindFortiOS, p.Data), devconfig.Fingerprint(devconfig.KindFortiOS, d.Config()); got != want {
				t.Errorf("pulled config differs from the device's beyond secrets")
			}
			sum := sha256.Sum256(srv.Certificate().Raw)
			if p.TLSFingerprintSHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("TLSFingerprintSHA256 = %q", p.TLSFingerprintSHA256)
			}
			if p.Started.IsZero() || p.Finished.Before(p.Started) {
				t.Errorf("Started %v Finished %v", p.Started, p.Finished)
			}
		})
	}
}

// TestPullAPIMethodFallback: a device whose status claims 7.4 but whose
// backup is POST-only answers GET with 405; the collector retries POST.
func TestPullAPIMethodFallback(t *testing.T) {
	d := fortiemu.New(fortiemu.Options{Version: "v7.6.0"})
	lying := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/monitor/system/status" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"success","version":"v7.4.5","build":2702,"results":{}}`))
			return
		}
		d.ServeHTTP(w, r)
	})
	_, target := startForti(t, lying)
	p, err := collect.PullConfig(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /api/v2/monitor/system/config/backup Method Not Allowed bearer", postBackup}
	if diff := cmp.Diff(want, calls(d)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(p.Data) == 0 {
		t.Error("no data")
	}
}

func TestPullAPIVDOMScope(t *testing.T) {
	d := fortiemu.New(fortiemu.Options{})
	_, target := startForti(t, d)
	target.VDOM = "root"
	if _, err := collect.PullConfig(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	reqs := d.Requests()
	if got := reqs[len(reqs)-1].Query; got != "scope=vdom&vdom=root" {
		t.Errorf("backup query = %q", got)
	}
	target.VDOM = "no-such-vdom"
	_, err := collect.PullConfig(context.Background(), target)
	var e *collect.Error
	if !errors.As(err, &e) || e.Step != collect.StepDownload || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("unknown VDOM: %v", err)
	}
}

func TestPullAPIWrongToken(t *testing.T) {
	const wrong = "wr0ng-T0ken-ab12cd34ef56"
	d := fortiemu.New(fortiemu.Options{})
	_, target := startForti(t, d)
	target.Token = wrong
	for _, f := range []func() error{
		func() error { _, err := collect.PullConfig(context.Background(), target); return err },
		func() error { _, err := collect.PolicyHits(context.Background(), target); return err },
	} {
		err := f()
		if !errors.Is(err, collect.ErrAuth) {
			t.Fatalf("err = %v; want ErrAuth", err)
		}
		var e *collect.Error
		if !errors.As(err, &e) || e.Step != collect.StepAuth {
			t.Errorf("step of %v; want auth", err)
		}
		t.Logf("wrong token: %v", err)
		if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), d.Token()) {
			t.Errorf("error leaks a token: %v", err)
		}
	}
	for _, r := range d.Requests() {
		if strings.Contains(r.Query, "access_token") {
			t.Errorf("token sent in the query: %+v", r)
		}
	}
}

func TestPullAPITLS(t *testing.T) {
	d := fortiemu.New(fortiemu.Options{})
	srv, pinned := startForti(t, d)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	otherCA := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(otherCA, selfSignedCA(t), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		modify func(*collect.Target)
		ok     bool
	}{
		{"pinned", func(*collect.Target) {}, true},
		{"pinned with colons", func(tg *collect.Target) { tg.TLSFingerprintSHA256 = colons(tg.TLSFingerprintSHA256) }, true},
		{"wrong pin", func(tg *collect.Target) { tg.TLSFingerprintSHA256 = strings.Repeat("ab", 32) }, false},
		{"system roots", func(tg *collect.Target) { tg.TLSFingerprintSHA256 = "" }, false},
		{"CA file", func(tg *collect.Target) { tg.TLSFingerprintSHA256, tg.CAFile = "", caFile }, true},
		{"other CA file", func(tg *collect.Target) { tg.TLSFingerprintSHA256, tg.CAFile = "", otherCA }, false},
		{"insecure", func(tg *collect.Target) { tg.TLSFingerprintSHA256, tg.Insecure = "", true }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := pinned
			tt.modify(&target)
			_, err := collect.PullConfig(context.Background(), target)
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, collect.ErrCertificate) {
				t.Fatalf("err = %v; want ErrCertificate", err)
			}
			if err != nil {
				t.Logf("%v", err)
			}
		})
	}
}

func colons(h string) string {
	var parts []string
	for i := 0; i+2 <= len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// TestPullAPITruncated: a cut export comes back as the bytes that
// arrived; devconfig.Validate is what refuses it as a generation.
func TestPullAPITruncated(t *testing.T) {
	d := fortiemu.New(fortiemu.Options{})
	_, target := startForti(t, d)
	d.Truncate(4000)
	p, err := collect.PullConfig(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data) != 4000 {
		t.Fatalf("got %d bytes; want the 4000 that were sent", len(p.Data))
	}
	_, verr := devconfig.Validate(devconfig.KindFortiOS, p.Data)
	var se *devconfig.SyntaxError
	if !errors.As(verr, &se) {
		t.Fatalf("Validate accepted a truncated export: %v", verr)
	}
	t.Logf("Validate: %v", verr)

	p, err = collect.PullConfig(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := devconfig.Validate(devconfig.KindFortiOS, p.Data); err != nil {
		t.Fatalf("the next, whole export does not validate: %v", err)
	}
}

// TestPullAPIReencryption: FortiOS re-encrypts secrets on every export,
// so two pulls differ byte for byte but have one fingerprint.
func TestPullAPIReencryption(t *testing.T) {
	d := fortiemu.New(fortiemu.Options{})
	_, target := startForti(t, d)
	a, err := collect.PullConfig(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	b, err := collect.PullConfig(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Data, b.Data) {
		t.Fatal("two exports are identical; secrets were not re-encrypted")
	}
	if devconfig.Fingerprint(devconfig.KindFortiOS, a.Data) != devconfig.Fingerprint(devconfig.KindFortiOS, b.Data) {
		t.Error("fingerprints differ for the same configuration")
	}
}

// TestPullAPIUpgradeWipe replays the field story: a recommended upgrade
// to 7.6 silently emptied the ruleset. The next pull uses POST and
// carries no policy.
func TestPullAPIUpgradeWipe(t *testing.T) {
	d := fortiemu.New(fortiemu.Options{})
	_, target := startForti(t, d)
	before, err := collect.PullConfig(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	info, err := devconfig.Validate(devconfig.KindFortiOS, before.Data)
	if err != nil || info.Total(devconfig.ClassPolicy) != 10 {
		t.Fatalf("before: %d policies, %v", info.Total(devconfig.ClassPolicy), err)
	}

	d.Upgrade("7.6.0 build3401", true)
	after, err := collect.PullConfig(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if after.Firmware != "v7.6.0 build3401" {
		t.Errorf("firmware after upgrade = %q", after.Firmware)
	}
	reqs := d.Requests()
	if last := reqs[len(reqs)-1]; last.Method != http.MethodPost {
		t.Errorf("backup after upgrade used %s", last.Method)
	}
	info, err = devconfig.Validate(devconfig.KindFortiOS, after.Data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Firmware.Version != "7.6.0" || info.Firmware.Build != "3401" {
		t.Errorf("config header firmware = %+v", info.Firmware)
	}
	if n := info.Total(devconfig.ClassPolicy); n != 0 {
		t.Errorf("%d policies after a wiping upgrade; want 0", n)
	}
}

func TestPullAPITooLarge(t *testing.T) {
	d := fortiemu.New(fortiemu.Options{})
	_, target := startForti(t, d)
	target.MaxBytes = 2000 // the status answer fits, the backup does not
	_, err := collect.PullConfig(context.Background(), target)
	var e *collect.Error
	if !errors.Is(err, collect.ErrTooLarge) || !errors.As(err, &e) || e.Step != collect.StepDownload {
		t.Fatalf("err = %v; want ErrTooLarge in download", err)
	}
}

func TestPullAPITimeout(t *testing.T) {
	stall := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	_, target := startForti(t, stall)
	target.Timeout = 200 * time.Millisecond
	_, err := collect.PullConfig(context.Background(), target)
	if !errors.Is(err, collect.ErrTimeout) {
		t.Fatalf("err = %v; want ErrTimeout", err)
	}
	t.Logf("%v", err)
}

func TestPolicyHits(t *testing.T) {
	d := fortiemu.New(fortiemu.Options{})
	_, target := startForti(t, d)
	first, last := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC), time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	d.SetHits("", 1, fortiemu.Hits{Hits: 1234567, Bytes: 9876543210, Packets: 4567, ActiveSessions: 12, FirstUsed: first, LastUsed: last})
	d.SetHits("root", 9, fortiemu.Hits{Hits: 3, LastUsed: last})

	hits, err := collect.PolicyHits(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 10 {
		t.Fatalf("%d entries; want one per policy (10)", len(hits))
	}
	byID := map[string]collect.PolicyHit{}
	for _, h := range hits {
		byID[h.PolicyID] = h
	}
	want := map[string]collect.PolicyHit{
		"1": {VDOM: "root", PolicyID: "1", Hits: 1234567, Bytes: 9876543210, Packets: 4567, ActiveSessions: 12, FirstUsed: first, LastUsed: last},
		"9": {VDOM: "root", PolicyID: "9", Hits: 3, LastUsed: last},
		"8": {VDOM: "root", PolicyID: "8"},
	}
	for id, w := range want {
		if diff := cmp.Diff(w, byID[id]); diff != "" {
			t.Errorf("policy %s (-want +got):\n%s", id, diff)
		}
	}

	target.Method = collect.MethodSSH
	target.User, target.Password = "admin", "x"
	if _, err := collect.PolicyHits(context.Background(), target); !errors.Is(err, collect.ErrUnsupported) {
		t.Errorf("hits over ssh: %v; want ErrUnsupported", err)
	}
}

func TestTargetChecks(t *testing.T) {
	tests := []struct {
		name   string
		target collect.Target
		want   []string
	}{
		{"empty", collect.Target{}, []string{"kind", "address", "user"}},
		{"api without token", collect.Target{Kind: devconfig.KindFortiOS, Address: "fw:443", Method: "api"}, []string{"token"}},
		{"api for rtx", collect.Target{Kind: devconfig.KindYamahaRTX, Address: "rtx", Method: "api", Token: "t0k"}, []string{"only for kind fortios"}},
		{"ssh without secret", collect.Target{Kind: devconfig.KindCiscoIOS, Address: "r1", User: "u"}, []string{"password/private key"}},
		{"bad method", collect.Target{Kind: devconfig.KindCiscoIOS, Address: "r1", Method: "telnet"}, []string{"method \"telnet\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collect.PullConfig(context.Background(), tt.target)
			var e *collect.Error
			if !errors.As(err, &e) || e.Step != collect.StepTarget {
				t.Fatalf("err = %v; want a target error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// selfSignedCA returns the PEM of a new CA unrelated to the test server.
func selfSignedCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "other CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestPullAPIConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = collect.PullConfig(context.Background(), collect.Target{
		Kind: devconfig.KindFortiOS, Address: addr, Token: "t0ken-value", Timeout: 5 * time.Second,
	})
	var e *collect.Error
	if !errors.As(err, &e) || e.Step != collect.StepConnect {
		t.Fatalf("err = %v; want a connect error", err)
	}
}
