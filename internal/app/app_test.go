package app_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/sekimori/sekimori/internal/app"
	"github.com/sekimori/sekimori/internal/config"
	"github.com/sekimori/sekimori/internal/state"
)

type inproc struct {
	data  string
	addrs app.Addrs
	token string
	st    *state.Store
	stop  func()
}

// startInProcess runs app.Run with every listener on a free loopback port.
func startInProcess(t *testing.T, setup func(st *state.Store)) *inproc {
	t.Helper()
	return startInProcessWith(t, setup, nil)
}

// startInProcessWith is startInProcess with configure changing the
// configuration before defaults and validation.
func startInProcessWith(t *testing.T, setup func(st *state.Store), configure func(cfg *config.Config)) *inproc {
	t.Helper()
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	cfg := &config.Config{Data: dir}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Syslog.UDP.Listen = "127.0.0.1:0"
	cfg.Syslog.TCP.Listen = "127.0.0.1:0"
	cfg.Syslog.TLS = config.Listener{Listen: "127.0.0.1:0", CertFile: cert, KeyFile: key}
	cfg.Syslog.TCP.TimeZone = "UTC" // devices without a zone of their own use the listener's
	cfg.Store.MinFreeDisk = 1 << 20
	cfg.Drift.LearnLines = 10
	if configure != nil {
		configure(cfg)
	}
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := state.Open(ctx, app.StateDSN(cfg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	setup(st)
	tok, _, err := st.CreateToken(ctx, "test", state.RoleAdmin, 0, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	ready := make(chan app.Addrs, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- app.Run(runCtx, cfg, log, func(a app.Addrs) { ready <- a }) }()
	var addrs app.Addrs
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("app.Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("app did not start")
	}
	p := &inproc{data: dir, addrs: addrs, token: tok, st: st}
	p.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app.Run returned %v", err)
		}
	}
	t.Cleanup(func() {
		if p.stop != nil {
			p.stop()
		}
	})
	return p
}

func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

func (p *inproc) request(t *testing.T, method, path string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+p.addrs.HTTP+path, body)
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitRows polls a search until it returns want rows (or fails after 20s).
func (p *inproc) waitRows(t *testing.T, q string, want int) []map[string]string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out := p.request(t, "GET", "/api/v1/search?limit=0&start=3650d&q="+url.QueryEscape(q), nil)
		if code != 200 {
			t.Fatalf("search %q: %d %s", q, code, out)
		}
		var rows []map[string]string
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 16<<20) // rows of up to 2 MiB, as JSON
		for sc.Scan() {
			var r map[string]string
			json.Unmarshal(sc.Bytes(), &r)
			rows = append(rows, r)
		}
		if len(rows) >= want {
			if len(rows) > want {
				t.Fatalf("search %q: %d rows, want %d: %v", q, len(rows), want, rows)
			}
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("search %q: %d rows after 20s, want %d: %v", q, len(rows), want, rows)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitGone polls until a search finds nothing.
func (p *inproc) waitGone(t *testing.T, q string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, out := p.request(t, "GET", "/api/v1/search?limit=0&start=3650d&q="+url.QueryEscape(q), nil)
		if strings.TrimSpace(out) == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("search %q still finds rows after 30s: %s", q, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSyslogPathsRecognitionZonesCharsets(t *testing.T) {
	ctx := context.Background()
	p := startInProcess(t, func(st *state.Store) {
		acme, _ := st.CreateTenant(ctx, "acme")
		beta, _ := st.CreateTenant(ctx, "beta")
		must := func(_ state.Device, err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		// Loopback is the sender for everything here, so devices are told
		// apart by hostname or devid; the first is recognised by address.
		must(st.AddDevice(ctx, state.Device{TenantID: acme.ID, Name: "fg-hq", DevID: "FG100FTK19000001", Format: "fortigate"}))
		must(st.AddDevice(ctx, state.Device{TenantID: acme.ID, Name: "linux1", Sources: []string{"web01"}, Format: "syslog", TimeZone: "America/New_York"}))
		must(st.AddDevice(ctx, state.Device{TenantID: beta.ID, Name: "sjis-box", Sources: []string{"sjishost"}, Format: "syslog", Charset: "shift_jis", TimeZone: "Asia/Tokyo"}))
	})

	fg := `date=2026-11-01 time=10:00:00 devname="HQ" devid="FG100FTK19000001" logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.5 dstip=203.0.113.9 dstport=443 action="accept" msg="via %s"`
	// UDP
	udp, err := net.Dial("udp", p.addrs.SyslogUDP)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(udp, "<189>"+fg+"\n", "udp")
	udp.Close()
	// TCP, LF framing, with a header time and no zone (device zone New York).
	tcp, _ := net.Dial("tcp", p.addrs.SyslogTCP)
	fmt.Fprintf(tcp, "<13>Nov  1 10:00:00 web01 sshd[42]: Accepted password for root\n<13>Nov  1 10:00:01 unknownhost app: who am i\n")
	tcp.Close()
	// TCP, octet counting; a frame split over two writes.
	tcp2, _ := net.Dial("tcp", p.addrs.SyslogTCP)
	m := "<189>" + fmt.Sprintf(fg, "octet")
	fmt.Fprintf(tcp2, "%d %s", len(m), m[:20])
	time.Sleep(20 * time.Millisecond)
	io.WriteString(tcp2, m[20:])
	tcp2.Close()
	// TLS (RFC 5425: octet counting) with a Shift_JIS payload.
	sj, _ := japanese.ShiftJIS.NewEncoder().String("<13>Nov  1 10:00:02 sjishost app: 管理者ログイン失敗")
	tc, err := tls.Dial("tcp", p.addrs.SyslogTLS, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(tc, "%d %s", len(sj), sj)
	tc.Close()

	rows := p.waitRows(t, `logid:="0000000013"`, 2)
	for _, r := range rows {
		if r["device"] != "fg-hq" || r["tenant.id"] != "1" || r["source.ip"] != "10.0.0.5" || r["destination.port"] != "443" {
			t.Errorf("fortigate line by devid: %v", r)
		}
		// No tz field and no device zone: the listener's zone applies,
		// Asia/Tokyo (the default) on UDP, UTC as configured on TCP.
		want := "2026-11-01T01:00:00Z"
		if strings.Contains(r["_msg"], "via octet") {
			want = "2026-11-01T10:00:00Z"
		}
		if r["_time"] != want {
			t.Errorf("fortigate time %s, want %s: %s", r["_time"], want, r["_msg"])
		}
	}
	rows = p.waitRows(t, `"log.syslog.hostname":=web01`, 1)
	if r := rows[0]; r["device"] != "linux1" || r["_time"] != "2026-11-01T15:00:00Z" || r["_msg"] != "<13>Nov  1 10:00:00 web01 sshd[42]: Accepted password for root" {
		// 2026-11-01 is the day US daylight time ends: 10:00 is EST (-5h).
		t.Errorf("hostname recognition / device zone New York: %v", r)
	}
	// Unknown host: unassigned, listener zone UTC.
	rows = p.waitRows(t, `"log.syslog.hostname":=unknownhost`, 1)
	if r := rows[0]; r["device"] != "" || r["tenant.id"] != "0" || r["_time"] != "2026-11-01T10:00:01Z" {
		t.Errorf("unassigned line: %v", r)
	}
	rows = p.waitRows(t, `ログイン`, 1)
	if r := rows[0]; r["device"] != "sjis-box" || !strings.HasSuffix(r["_msg"], "管理者ログイン失敗") || r["_time"] != "2026-11-01T01:00:02Z" {
		t.Errorf("Shift_JIS over TLS: %v", r)
	}

	// The unassigned source is listed for admins and can be re-assigned.
	code, out := p.request(t, "GET", "/api/v1/unassigned", nil)
	if code != 200 || !strings.Contains(out, `"source":"127.0.0.1"`) || !strings.Contains(out, `"hostname":"unknownhost"`) {
		t.Fatalf("unassigned list: %d %s", code, out)
	}
	code, out = p.request(t, "POST", "/api/v1/devices", strings.NewReader(`{"tenant":"beta","name":"late","sources":["unknownhost"],"format":"syslog"}`))
	if code != 201 {
		t.Fatalf("add device: %d %s", code, out)
	}
	code, out = p.request(t, "POST", "/api/v1/unassigned/assign", strings.NewReader(`{"source":"127.0.0.1","tenant":"beta","device":"late"}`))
	if code != 200 || !strings.Contains(out, `"moved_lines":1`) {
		t.Fatalf("assign: %d %s", code, out)
	}
	rows = p.waitRows(t, `device:=late "log.syslog.hostname":=unknownhost`, 1)
	// Re-parsed as the device's: its zone (the default Asia/Tokyo) now
	// applies instead of the listener's UTC.
	if r := rows[0]; r["tenant.id"] != "2" || r["_time"] != "2026-11-01T01:00:01Z" {
		t.Errorf("re-assigned line: %v", r)
	}
	// The held copy is deleted in the background; in the end only one is left.
	p.waitGone(t, `tenant.id:0 "log.syslog.hostname":=unknownhost`)
	// The address now belongs to "late", but more specific identities still
	// win: a devid or a registered hostname from the same address.
	udp, _ = net.Dial("udp", p.addrs.SyslogUDP)
	fmt.Fprintf(udp, "<189>"+fg+"\n", "after-assign")
	udp.Close()
	rows = p.waitRows(t, `"after-assign"`, 1)
	if rows[0]["device"] != "fg-hq" {
		t.Errorf("devid must win over the sender address: %v", rows[0])
	}
	if code, out := p.request(t, "GET", "/api/v1/unassigned", nil); code != 200 || strings.Contains(out, "127.0.0.1") {
		t.Errorf("assigned source still listed: %s", out)
	}
}

func TestHTTPIngestAndReassign(t *testing.T) {
	ctx := context.Background()
	p := startInProcess(t, func(st *state.Store) {
		acme, _ := st.CreateTenant(ctx, "acme")
		st.AddDevice(ctx, state.Device{TenantID: acme.ID, Name: "api-fw", Sources: []string{"198.51.100.1"}, Format: "kv"})
	})
	code, out := p.request(t, "POST", "/api/v1/ingest?device=api-fw", strings.NewReader("a=1 b=two\nc=\"x y\"\n"))
	if code != 200 || !strings.Contains(out, `"accepted":2`) {
		t.Fatalf("ingest: %d %s", code, out)
	}
	rows := p.waitRows(t, `device:="api-fw"`, 2)
	if rows[0]["format"] != "kv" {
		t.Errorf("format not applied: %v", rows[0])
	}
	// Lines from a stranger are held, then moved by assigning the source.
	udp, _ := net.Dial("udp", p.addrs.SyslogUDP)
	io.WriteString(udp, "<13>Nov  1 10:00:00 stranger app: k=v\n")
	udp.Close()
	p.waitRows(t, `"log.syslog.hostname":=stranger`, 1)
	code, out = p.request(t, "POST", "/api/v1/unassigned/assign", strings.NewReader(`{"source":"stranger","tenant":"acme","device":"api-fw"}`))
	if code != 200 || !strings.Contains(out, `"moved_lines":1`) {
		t.Fatalf("assign by hostname: %d %s", code, out)
	}
	rows = p.waitRows(t, `device:="api-fw" "log.syslog.hostname":=stranger`, 1)
	p.waitGone(t, `tenant.id:0 "log.syslog.hostname":=stranger`)
	if r := rows[0]; r["k"] != "v" {
		t.Errorf("moved line not parsed as the device's (kv): %v", r)
	}
}

// TestFormatDrift: after a device's baseline is learned, a line with a new
// field raises a drift alert and a searchable drift event at once.
func TestFormatDrift(t *testing.T) {
	ctx := context.Background()
	p := startInProcess(t, func(st *state.Store) {
		acme, _ := st.CreateTenant(ctx, "acme")
		st.AddDevice(ctx, state.Device{TenantID: acme.ID, Name: "fg", Sources: []string{"198.51.100.1"}, Format: "fortigate"})
	})
	var b strings.Builder
	for i := range 10 {
		fmt.Fprintf(&b, "date=2026-11-01 time=10:00:%02d logid=\"0000000013\" type=\"traffic\" srcip=10.0.0.1 dstip=10.0.0.2 action=\"accept\"\n", i)
	}
	if code, out := p.request(t, "POST", "/api/v1/ingest?device=fg", strings.NewReader(b.String())); code != 200 {
		t.Fatalf("%d %s", code, out)
	}
	p.waitRows(t, `device:=fg format:=fortigate`, 10)
	line := `date=2026-11-01 time=10:01:00 logid="0000000013" type="traffic" srcip=10.0.0.1 dstip=10.0.0.2 action="accept" newfield7x="v"`
	if code, out := p.request(t, "POST", "/api/v1/ingest?device=fg", strings.NewReader(line)); code != 200 {
		t.Fatalf("%d %s", code, out)
	}
	rows := p.waitRows(t, `format:="sekimori.drift" "drift.kind":=new_field`, 1)
	if r := rows[0]; r["drift.field"] != "newfield7x" || r["device"] != "fg" || r["drift.example"] != line {
		t.Errorf("drift event: %v", r)
	}
	code, out := p.request(t, "GET", "/api/v1/alerts?rule=drift:fortigate:new_field:newfield7x", nil)
	if code != 200 || !strings.Contains(out, `"kind":"drift"`) {
		t.Errorf("drift alert: %d %s", code, out)
	}
}

// TestDeclarativeFormat: a YAML format dropped into the formats directory is
// used by a device without restarting or recompiling.
func TestDeclarativeFormat(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile("../../formats/alliedware-plus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var formatsDir string
	p := startInProcess(t, func(st *state.Store) {
		st.CreateTenant(ctx, "acme")
	})
	formatsDir = filepath.Join(p.data, "formats")
	if err := os.WriteFile(filepath.Join(formatsDir, "alliedware-plus.yaml"), src, 0o600); err != nil {
		t.Fatal(err)
	}
	// The registry rescans every few seconds; the device can be added once
	// the format is known.
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out := p.request(t, "POST", "/api/v1/devices", strings.NewReader(`{"tenant":"acme","name":"awp","sources":["192.0.2.77"],"format":"alliedware_plus"}`))
		if code == 201 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("device with a declarative format: %d %s", code, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	line := "<6>Nov 17 02:48:01 awplus kernel: Firewall rule 10: deny IN=eth1 OUT=vlan1 SRC=203.0.113.5 DST=192.168.1.10 MARK=0x0 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1234 DF PROTO=TCP SPT=51515 DPT=23 WINDOW=29200 RES=0x00 SYN URGP=0"
	if code, out := p.request(t, "POST", "/api/v1/ingest?device=awp", strings.NewReader(line)); code != 200 {
		t.Fatalf("%d %s", code, out)
	}
	rows := p.waitRows(t, `device:=awp`, 1)
	if r := rows[0]; r["format"] != "alliedware_plus" || r["source.ip"] != "203.0.113.5" || r["rule.id"] != "10" || r["parse.error"] != "" {
		t.Errorf("declarative parse: %v", r)
	}
}

// TestUploadedRuleFires: a Sigma rule uploaded through the API is loaded by
// the running server and fires on the next matching event.
func TestUploadedRuleFires(t *testing.T) {
	ctx := context.Background()
	p := startInProcess(t, func(st *state.Store) {
		acme, _ := st.CreateTenant(ctx, "acme")
		st.AddDevice(ctx, state.Device{TenantID: acme.ID, Name: "fg", Sources: []string{"198.51.100.1"}, Format: "fortigate"})
	})
	rule := "title: SSL-VPN login failure\nid: 0c0c0c0c-0000-4000-8000-000000000001\nlogsource:\n  product: fortigate\ndetection:\n  sel:\n    action: ssl-login-fail\n  condition: sel\nlevel: medium\n"
	if code, out := p.request(t, "POST", "/api/v1/rules?name=vpn.yml", strings.NewReader(rule)); code != 201 {
		t.Fatalf("upload: %d %s", code, out)
	}
	line := `date=2026-11-01 time=10:00:00 logid="0101039426" type="event" subtype="vpn" action="ssl-login-fail" remip=203.0.113.7 user="admin"`
	if code, out := p.request(t, "POST", "/api/v1/ingest?device=fg", strings.NewReader(line)); code != 200 {
		t.Fatalf("%d %s", code, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out := p.request(t, "GET", "/api/v1/alerts?rule=0c0c0c0c-0000-4000-8000-000000000001", nil)
		if code == 200 && strings.Contains(out, `"kind":"sigma"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("uploaded rule did not fire: %d %s", code, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Detection's matches wait in memory up to a second before they are
// written together; stopping the server writes the last of them.
func TestLastMatchesRecordedAtStop(t *testing.T) {
	ctx := context.Background()
	var tenant uint32
	p := startInProcess(t, func(st *state.Store) {
		acme, _ := st.CreateTenant(ctx, "acme")
		tenant = acme.ID
		st.AddDevice(ctx, state.Device{TenantID: acme.ID, Name: "fg", Sources: []string{"198.51.100.1"}, Format: "fortigate"})
	})
	line := `date=2026-11-01 time=10:00:00 devname="FG" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" severity="critical" srcip=203.0.113.9 dstip=10.0.0.5 srcport=4444 dstport=443 proto=6 action="dropped" attack="Apache.HTTP.Server.Path.Traversal" attackid=50825`
	if code, out := p.request(t, "POST", "/api/v1/ingest?device=fg", strings.NewReader(line)); code != 200 {
		t.Fatalf("%d %s", code, out)
	}
	p.stop()
	p.stop = nil
	alerts, err := p.st.ListAlerts(ctx, state.AlertFilter{Tenants: []uint32{tenant}})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].RuleID != "fortigate:ips:50825" || alerts[0].EventCount != 1 {
		t.Fatalf("after stop: %+v, want the IPS alert with one event", alerts)
	}
}
