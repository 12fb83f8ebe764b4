package app_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"github.com/sekimori/sekimori/internal/config"
	"github.com/sekimori/sekimori/internal/state"
)

// certAuthority signs client certificates for one test.
type certAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newAuthority(t *testing.T, name string) *certAuthority {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &certAuthority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// client issues a client certificate and returns it with its device
// source, "cert:sha256:<hex>".
func (ca *certAuthority) client(t *testing.T, cn string) (tls.Certificate, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, "cert:sha256:" + hex.EncodeToString(sum[:])
}

// metric reads one counter from /metrics.
func (p *inproc) metric(t *testing.T, name string) float64 {
	t.Helper()
	_, out := p.request(t, "GET", "/metrics", nil)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("metric %s not exported", name)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestSyslogTLSClientCertificates: with syslog.tls_client_ca_file and
// tls_require_client_cert, a device known by its certificate gets its
// connection's lines even when they name another device's host and devid;
// an unknown certificate's lines are held under its fingerprint and can be
// assigned like any source; senders without a certificate, or with one
// from another CA, are refused and counted.
func TestSyslogTLSClientCertificates(t *testing.T) {
	ctx := context.Background()
	ca, other := newAuthority(t, "devices CA"), newAuthority(t, "other CA")
	certA, fpA := ca.client(t, "tls-fw")
	certU, fpU := ca.client(t, "stranger")
	certX, _ := other.client(t, "tls-fw")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(caFile, ca.pem, 0o600)
	p := startInProcessWith(t, func(st *state.Store) {
		acme, _ := st.CreateTenant(ctx, "acme")
		beta, _ := st.CreateTenant(ctx, "beta")
		for _, d := range []state.Device{
			{TenantID: acme.ID, Name: "tls-fw", Sources: []string{fpA}, Format: "fortigate"},
			{TenantID: beta.ID, Name: "fg-beta", Sources: []string{"beta-host"}, DevID: "FGBETA0001", Format: "fortigate"},
		} {
			if _, err := st.AddDevice(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
	}, func(cfg *config.Config) {
		cfg.Syslog.TLSClientCAFile = caFile
		cfg.Syslog.TLSRequireClientCert = true
	})
	send := func(cert *tls.Certificate, line string) error {
		cfg := &tls.Config{InsecureSkipVerify: true}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		c, err := tls.Dial("tcp", p.addrs.SyslogTLS, cfg)
		if err != nil {
			return err
		}
		defer c.Close()
		fmt.Fprintf(c, "%d %s", len(line), line)
		// TLS 1.3 reports a refused certificate on the first read.
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && err != io.EOF {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				return err
			}
		}
		return nil
	}
	spoof := `<189>Nov  1 10:00:00 beta-host fw: devid="FGBETA0001" logid="0000000013" type="traffic" msg="%s"`
	if err := send(&certA, fmt.Sprintf(spoof, "spoofed-by-a")); err != nil {
		t.Fatal(err)
	}
	if err := send(&certU, fmt.Sprintf(spoof, "from-stranger")); err != nil {
		t.Fatal(err)
	}
	for name, cert := range map[string]*tls.Certificate{"no certificate": nil, "another CA": &certX} {
		if err := send(cert, fmt.Sprintf(spoof, "refused")); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	r := p.waitRows(t, `"spoofed-by-a"`, 1)[0]
	if r["device"] != "tls-fw" || r["tenant.id"] != "1" || r["tls.client.hash.sha256"] != strings.TrimPrefix(fpA, "cert:sha256:") {
		t.Errorf("certificate-mapped line naming another device's host and devid: %v", r)
	}
	r = p.waitRows(t, `"from-stranger"`, 1)[0]
	if r["tenant.id"] != "0" || r["device"] != "" {
		t.Errorf("unknown certificate's line: %v", r)
	}
	if n := p.metric(t, "sekimori_syslog_tls_handshake_failures_total"); n != 2 {
		t.Errorf("handshake failures = %v, want 2", n)
	}
	code, out := p.request(t, "GET", "/api/v1/unassigned", nil)
	if code != 200 || !strings.Contains(out, `"source":"`+fpU+`"`) || strings.Contains(out, `"source":"127.0.0.1"`) {
		t.Fatalf("unassigned: %d %s", code, out)
	}
	// Assigned like any source: its held line moves, and new lines go to
	// the device.
	if code, out := p.request(t, "POST", "/api/v1/devices", strings.NewReader(`{"tenant":"beta","name":"late-tls","format":"fortigate","sources":["`+fpU+`"]}`)); code != 201 {
		t.Fatalf("add device: %d %s", code, out)
	}
	code, out = p.request(t, "POST", "/api/v1/unassigned/assign", strings.NewReader(`{"source":"`+fpU+`","tenant":"beta","device":"late-tls"}`))
	if code != 200 || !strings.Contains(out, `"moved_lines":1`) {
		t.Fatalf("assign: %d %s", code, out)
	}
	p.waitRows(t, `device:="late-tls" "from-stranger"`, 1)
	p.waitGone(t, `tenant.id:0 "from-stranger"`)
	if err := send(&certU, fmt.Sprintf(spoof, "after-assign")); err != nil {
		t.Fatal(err)
	}
	if r := p.waitRows(t, `"after-assign"`, 1)[0]; r["device"] != "late-tls" {
		t.Errorf("line after assigning the certificate: %v", r)
	}
}

// TestHostileInput drives the limits through the real listeners and
// pipeline: a JSON line of many distinct keys over HTTP ingest, lines that
// are not UTF-8 over syslog and HTTP, a held Shift_JIS line re-assigned to
// its device, and oversized request headers.
func TestHostileInput(t *testing.T) {
	ctx := context.Background()
	p := startInProcessWith(t, func(st *state.Store) {
		acme, _ := st.CreateTenant(ctx, "acme")
		st.CreateTenant(ctx, "beta")
		st.AddDevice(ctx, state.Device{TenantID: acme.ID, Name: "json-app", Sources: []string{"198.51.100.7"}, Format: "json"})
	}, func(cfg *config.Config) {
		cfg.Syslog.MaxLineBytes = 1 << 20
	})

	// A line of ~100,000 distinct keys (as many as the 1 MiB line limit
	// holds), and one of 1,000,000 (12 MB), cut to the line limit.
	keys := func(n int, tag string) string {
		var b strings.Builder
		b.WriteString(`{"tag":"` + tag + `"`)
		for i := range n {
			fmt.Fprintf(&b, `,"%x":%d`, i, i%10)
		}
		b.WriteString("}")
		return b.String()
	}
	wide, huge := keys(95_000, "wide-line"), keys(1_000_000, "huge-line")
	if len(wide) > 1<<20 {
		t.Fatalf("test line of %d bytes is over the line limit", len(wide))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, line := range []string{wide, huge} {
		if code, out := p.request(t, "POST", "/api/v1/ingest?device=json-app", strings.NewReader(line+"\n")); code != 200 {
			t.Fatalf("ingest: %d %s", code, out)
		}
	}
	r := p.waitRows(t, `tag:="wide-line"`, 1)[0]
	runtime.ReadMemStats(&after)
	if r["_msg"] != wide {
		t.Errorf("raw line of %d bytes stored as %d bytes", len(wide), len(r["_msg"]))
	}
	if r["0"] != "0" || r["parse.truncated"] == "" || r["parse.error"] != "" {
		t.Errorf("wide line: first field %q, parse.truncated %q, parse.error %q", r["0"], r["parse.truncated"], r["parse.error"])
	}
	if n := p.metric(t, "sekimori_fields_dropped_total"); n < 90_000 {
		t.Errorf("sekimori_fields_dropped_total = %v", n)
	}
	h := p.waitRows(t, `"huge-line"`, 1)[0]
	if len(h["_msg"]) != 1<<20 || h["parse.error"] == "" {
		t.Errorf("12 MB line: stored %d bytes, parse.error %q; want it cut to 1 MiB", len(h["_msg"]), h["parse.error"])
	}
	if n := p.metric(t, "sekimori_lines_truncated_total"); n != 1 {
		t.Errorf("sekimori_lines_truncated_total = %v, want 1", n)
	}
	// The whole server, for ~13 MB of input: bounded, not by the keys.
	a := after.TotalAlloc - before.TotalAlloc
	t.Logf("ingesting ~13 MB in two lines allocated %d MB in the whole server", a>>20)
	if a > 256<<20 {
		t.Errorf("ingesting the two lines allocated %d MB, want well under 256", a>>20)
	}

	// Not UTF-8: over TCP (unassigned) and HTTP (the device); searchable,
	// valid JSON out, the bytes kept.
	badTCP := "<13>Nov  1 10:00:00 h app: tcp-bad caf\xe9 \xff\xfe end"
	badHTTP := `{"tag":"http-bad","msg":"caf` + "\xe9\x82" + `"}`
	c, _ := net.Dial("tcp", p.addrs.SyslogTCP)
	io.WriteString(c, badTCP+"\n")
	c.Close()
	if code, out := p.request(t, "POST", "/api/v1/ingest?device=json-app", strings.NewReader(badHTTP+"\n")); code != 200 {
		t.Fatalf("ingest: %d %s", code, out)
	}
	for q, raw := range map[string]string{`"tcp-bad" end`: badTCP, `"http-bad"`: badHTTP} {
		r := p.waitRows(t, q, 1)[0]
		if !utf8.ValidString(r["_msg"]) || !strings.Contains(r["_msg"], "caf\uFFFD") {
			t.Errorf("%s: _msg %q", q, r["_msg"])
		}
		if b, err := base64.StdEncoding.DecodeString(r["raw.base64"]); err != nil || string(b) != raw {
			t.Errorf("%s: raw.base64 %q does not give the line back", q, r["raw.base64"])
		}
		code, out := p.request(t, "GET", "/api/v1/search?start=3650d&q="+strings.ReplaceAll(q, " ", "+"), nil)
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			if !json.Valid(sc.Bytes()) {
				t.Errorf("%s: search answered %d with invalid JSON %q", q, code, sc.Bytes())
			}
		}
	}

	// Shift_JIS from an unknown host is held as U+FFFD text; assigned to a
	// Shift_JIS device, it is decoded from the kept bytes.
	sj, _ := japanese.ShiftJIS.NewEncoder().String("<13>Nov  1 10:00:00 sjis-late app: 管理者ログイン失敗 sjis-held")
	c, _ = net.Dial("tcp", p.addrs.SyslogTCP)
	io.WriteString(c, sj+"\n")
	c.Close()
	p.waitRows(t, `"sjis-held"`, 1)
	if code, out := p.request(t, "POST", "/api/v1/devices", strings.NewReader(`{"tenant":"beta","name":"sjis-late","format":"syslog","charset":"shift_jis","sources":["sjis-late"]}`)); code != 201 {
		t.Fatalf("add device: %d %s", code, out)
	}
	if code, out := p.request(t, "POST", "/api/v1/unassigned/assign", strings.NewReader(`{"source":"sjis-late","tenant":"beta","device":"sjis-late"}`)); code != 200 {
		t.Fatalf("assign: %d %s", code, out)
	}
	if r := p.waitRows(t, `device:="sjis-late" "sjis-held"`, 1)[0]; !strings.Contains(r["_msg"], "管理者ログイン失敗") {
		t.Errorf("re-assigned Shift_JIS line: %q", r["_msg"])
	}

	// Request headers past 64 KiB.
	req, _ := http.NewRequest("GET", "http://"+p.addrs.HTTP+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 100<<10))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KiB of headers: %v %v, want 431", resp.StatusCode, err)
	}
}
