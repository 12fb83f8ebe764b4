package ingest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/spool"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue signs a leaf certificate for a client (or, with ip, a server) and
// returns it with the device source naming its fingerprint.
func (ca *testCA) issue(t *testing.T, cn string, ip net.IP) (tls.Certificate, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if ip != nil {
		tmpl.IPAddresses, tmpl.ExtKeyUsage = []net.IP{ip}, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, CertSHA256Prefix + hex.EncodeToString(sum[:])
}

// ingestRig is a receiver, pipeline and store, as the server joins them.
type ingestRig struct {
	recv  *Receiver
	m     *Metrics
	reg   *Registry
	store *logstore.Embedded

	mu         sync.Mutex
	unassigned []Unassigned
}

// openSpoolAndStore opens a spool and an embedded log store in a
// temporary directory, which it returns too.
func openSpoolAndStore(tb testing.TB) (*spool.Spool, *logstore.Embedded, string) {
	tb.Helper()
	dir := tb.TempDir()
	sp, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	store, err := logstore.OpenEmbedded(filepath.Join(dir, "logs"), logstore.EmbeddedOptions{Retention: 3650 * 24 * time.Hour, MinFreeDiskBytes: 1})
	if err != nil {
		tb.Fatal(err)
	}
	return sp, store, dir
}

func newIngestRig(t *testing.T, o ReceiverOptions, devs []Device) *ingestRig {
	t.Helper()
	sp, store, dir := openSpoolAndStore(t)
	rig := &ingestRig{m: NewMetrics(metrics.NewSet()), reg: NewRegistry(), store: store}
	if err := rig.reg.Set(devs); err != nil {
		t.Fatal(err)
	}
	o.DataDir, o.MinFreeBytes = dir, 1
	rig.recv = NewReceiver(sp, rig.m, o)
	p := NewPipeline(sp, store, rig.reg, rig.m, PipelineOptions{
		Workers: 1,
		NoteUnassigned: func(_ context.Context, us []Unassigned) {
			rig.mu.Lock()
			rig.unassigned = append(rig.unassigned, us...)
			rig.mu.Unlock()
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		sp.Close()
		store.Close()
	})
	return rig
}

// serve runs ServeStream on ln until the test ends.
func (rig *ingestRig) serve(t *testing.T, transport string, ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rig.recv.ServeStream(ctx, transport, transport, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeStream: %v", err)
		}
	})
}

// waitStored waits until n lines are stored and returns every stored row
// as the line's text → its device ("" when unassigned) and TLS fields.
func (rig *ingestRig) waitStored(t *testing.T, n uint64) map[string]map[string]string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); rig.m.Stored.Get() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines stored", rig.m.Stored.Get(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rig.store.Flush()
	rows := map[string]map[string]string{}
	err := rig.store.Search(context.Background(), logstore.Request{Tenants: []uint32{0, 1, 2}}, func(row []event.Field) error {
		r := map[string]string{}
		for _, f := range row {
			r[f.Name] = f.Value
		}
		rows[r["_msg"][strings.LastIndexByte(r["_msg"], ' ')+1:]] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestTLSClientCertificates: on the TLS listener, a verified client
// certificate decides the device, whatever hostname and devid its lines
// carry; an unknown one is held under its fingerprint; a sender without a
// certificate, or with one from another CA, is refused in the handshake.
func TestTLSClientCertificates(t *testing.T) {
	ca, other := newTestCA(t, "devices CA"), newTestCA(t, "someone else's CA")
	certA, fpA := ca.issue(t, "fw-a.example", nil)
	certC, _ := ca.issue(t, "FW-C", nil)
	certU, fpU := ca.issue(t, "stranger", nil)
	certX, _ := other.issue(t, "fw-a.example", nil)
	serverCert, _ := ca.issue(t, "127.0.0.1", net.ParseIP("127.0.0.1"))

	rig := newIngestRig(t, ReceiverOptions{HandshakeTimeout: 5 * time.Second}, []Device{
		{ID: 1, TenantID: 1, Name: "fw-a", Sources: []string{fpA}},
		{ID: 2, TenantID: 2, Name: "fw-b", Sources: []string{"fw-b", "127.0.0.1"}, DevID: "FGB0001", Format: "fortigate"},
		{ID: 3, TenantID: 1, Name: "fw-c", Sources: []string{CertCNPrefix + "fw-c"}},
	})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serverCert}, ClientCAs: ca.pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	rig.serve(t, "tls", ln)

	send := func(cert *tls.Certificate, lines ...string) error {
		cfg := &tls.Config{RootCAs: ca.pool, ServerName: "127.0.0.1"}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		c, err := tls.Dial("tcp", ln.Addr().String(), cfg)
		if err != nil {
			return err
		}
		defer c.Close()
		for _, l := range lines {
			if _, err := fmt.Fprintf(c, "%d %s", len(l), l); err != nil {
				return err
			}
		}
		// TLS 1.3 reports a refused client certificate on the first read.
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeoutErr(err) && err != io.EOF {
			return err
		}
		return nil
	}
	// fw-a names fw-b as its host and carries fw-b's devid: still fw-a's.
	if err := send(&certA, "<13>Oct  1 00:00:00 fw-b app: devid=FGB0001 logid=0000000013 spoof-a"); err != nil {
		t.Fatal(err)
	}
	if err := send(&certC, "<13>Oct  1 00:00:00 fw-b app: by-cn"); err != nil {
		t.Fatal(err)
	}
	if err := send(&certU, "<13>Oct  1 00:00:00 fw-b app: devid=FGB0001 stranger"); err != nil {
		t.Fatal(err)
	}
	// Refused in the handshake: no certificate, and one from another CA.
	for name, cert := range map[string]*tls.Certificate{"no certificate": nil, "another CA": &certX} {
		if err := send(cert, "<13>Oct  1 00:00:00 fw-b app: refused"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	rows := rig.waitStored(t, 3)
	type got struct{ Device, Tenant, Hash, CN string }
	want := map[string]got{
		"spoof-a":  {"fw-a", "1", strings.TrimPrefix(fpA, CertSHA256Prefix), "fw-a.example"},
		"by-cn":    {"fw-c", "1", "", "FW-C"},
		"stranger": {"", "0", strings.TrimPrefix(fpU, CertSHA256Prefix), "stranger"},
	}
	for k, w := range want {
		r, ok := rows[k]
		if !ok {
			t.Errorf("line %q not stored", k)
			continue
		}
		g := got{r["device"], r["tenant.id"], r[FieldTLSClientHash], r[FieldTLSClientCN]}
		if k == "by-cn" {
			g.Hash = ""
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("line %q (-want +got):\n%s", k, diff)
		}
	}
	if _, ok := rows["refused"]; ok {
		t.Error("a refused sender's line was stored")
	}
	// The server counts a failed handshake after sending its alert, so
	// the client may see the refusal first.
	for deadline := time.Now().Add(5 * time.Second); rig.m.HandshakeFailures.Get() < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := rig.m.HandshakeFailures.Get(); n != 2 {
		t.Errorf("handshake failures = %d, want 2", n)
	}
	rig.mu.Lock()
	defer rig.mu.Unlock()
	if len(rig.unassigned) != 1 || rig.unassigned[0].Source != fpU || rig.unassigned[0].Hostname != "fw-b" {
		t.Errorf("unassigned = %+v, want the stranger's line held under %s", rig.unassigned, fpU)
	}
}

func isTimeoutErr(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestTLSOptionalClientCertificate: when certificates are asked for but not
// required, a sender without one is recognised as before, by hostname.
func TestTLSOptionalClientCertificate(t *testing.T) {
	ca := newTestCA(t, "devices CA")
	serverCert, _ := ca.issue(t, "127.0.0.1", net.ParseIP("127.0.0.1"))
	rig := newIngestRig(t, ReceiverOptions{}, []Device{{ID: 2, TenantID: 2, Name: "fw-b", Sources: []string{"fw-b"}}})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serverCert}, ClientCAs: ca.pool, ClientAuth: tls.VerifyClientCertIfGiven,
	})
	if err != nil {
		t.Fatal(err)
	}
	rig.serve(t, "tls", ln)
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: ca.pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "<13>Oct  1 00:00:00 fw-b app: plain\n")
	c.Close()
	if r := rig.waitStored(t, 1)["plain"]; r["device"] != "fw-b" || r[FieldTLSClientHash] != "" {
		t.Errorf("line without a certificate stored as %v", r)
	}
}

// TestStreamLimits: connections past MaxConns are closed at once and
// counted; a TLS sender that never finishes its handshake is cut after
// HandshakeTimeout; a huge octet count closes the connection, counted,
// keeping the lines before it.
func TestStreamLimits(t *testing.T) {
	rig := newIngestRig(t, ReceiverOptions{MaxConns: 2, HandshakeTimeout: 200 * time.Millisecond}, nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	rig.serve(t, "tcp", ln)

	var open []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "hello\n") // accepted and being served
		open = append(open, c)
	}
	rig.waitStored(t, 2)
	extra, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err == nil || isTimeoutErr(err) {
		t.Errorf("third connection: read %v, want it closed at once", err)
	}
	extra.Close()
	if n := rig.m.ConnsRefused["tcp"].Get(); n != 1 {
		t.Errorf("connections refused = %d, want 1", n)
	}
	// A slot frees up when a connection ends.
	open[0].Close()
	var again net.Conn
	for deadline := time.Now().Add(5 * time.Second); ; {
		again, _ = net.Dial("tcp", ln.Addr().String())
		fmt.Fprintf(again, "5 octet99999999999 xxxx") // octet counting, then a count of 93 GiB
		again.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := again.Read(make([]byte, 1))
		again.Close()
		if rig.m.FramingErrors["tcp"].Get() == 1 {
			if err == nil || isTimeoutErr(err) {
				t.Errorf("after a framing error: read %v, want the connection closed", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot freed: refused %d", rig.m.ConnsRefused["tcp"].Get())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, ok := rig.waitStored(t, 3)["octet"]; !ok {
		t.Error("the line before the bad octet count was lost")
	}

	// Handshake timeout: a TLS listener, a client that says nothing.
	ca := newTestCA(t, "ca")
	serverCert, _ := ca.issue(t, "127.0.0.1", net.ParseIP("127.0.0.1"))
	tln, _ := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{serverCert}})
	rig.serve(t, "tls", tln)
	mute, err := net.Dial("tcp", tln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	start := time.Now()
	mute.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := mute.Read(make([]byte, 1)); isTimeoutErr(err) {
		t.Fatal("a silent TLS client was not cut")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("silent TLS client cut after %v, want about 200ms", d)
	}
	for deadline := time.Now().Add(5 * time.Second); rig.m.HandshakeFailures.Get() != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("handshake failures = %d, want 1", rig.m.HandshakeFailures.Get())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCertSourceIsNotAHostname: a device known by its certificate is not
// found by a syslog header that names the certificate as its hostname.
func TestCertSourceIsNotAHostname(t *testing.T) {
	fp := CertSHA256Prefix + strings.Repeat("ab", 32)
	reg := NewRegistry()
	if err := reg.Set([]Device{{ID: 1, TenantID: 1, Name: "fw", Sources: []string{fp, CertCNPrefix + "fw-1"}}}); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{fp, CertCNPrefix + "fw-1"} {
		if d := reg.lookup("192.0.2.1", host, []byte("x")); d != nil {
			t.Errorf("hostname %q found device %s", host, d.Name)
		}
	}
	if d := reg.lookupCert(fp, ""); d == nil || d.Name != "fw" {
		t.Errorf("lookupCert by fingerprint = %v", d)
	}
	if d := reg.lookupCert(CertSHA256Prefix+strings.Repeat("cd", 32), "FW-1"); d == nil || d.Name != "fw" {
		t.Errorf("lookupCert by common name (any case) = %v", d)
	}
}
