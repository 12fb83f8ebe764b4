package app_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/api"
	"github.com/sekimori/sekimori/internal/app"
	"github.com/sekimori/sekimori/internal/config"
	"github.com/sekimori/sekimori/internal/state"
)

// TestHTTPS serves the UI and API with a self-signed certificate: a user
// signs in over TLS and gets a Secure cookie; plain HTTP is refused.
func TestHTTPS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	cfg := &config.Config{Data: dir}
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HTTP.TLSCertFile, cfg.HTTP.TLSKeyFile = cert, key
	cfg.Store.MinFreeDisk = 1 << 20
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := state.Open(ctx, app.StateDSN(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, state.User{Name: "ops", Role: state.RoleProviderAdmin}, "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	runCtx, cancel := context.WithCancel(ctx)
	ready := make(chan app.Addrs, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(runCtx, cfg, slog.New(slog.DiscardHandler), func(a app.Addrs) { ready <- a }) }()
	var addrs app.Addrs
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("app.Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("app did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app.Run returned %v", err)
		}
	})
	if !addrs.HTTPS {
		t.Error("Addrs.HTTPS is false")
	}
	pem, _ := os.ReadFile(cert)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	res, err := client.Post("https://"+addrs.HTTP+"/api/v1/login", "application/json", strings.NewReader(`{"user":"ops","password":"a long passphrase"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == api.SessionCookie {
			session = c
		}
	}
	if res.StatusCode != 200 || session == nil || !session.Secure || !session.HttpOnly || res.TLS == nil {
		t.Fatalf("sign-in over TLS: %d %s, cookie %+v", res.StatusCode, body, session)
	}
	req, _ := http.NewRequest("GET", "https://"+addrs.HTTP+"/api/v1/session", nil)
	req.AddCookie(session)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"user":"ops"`) {
		t.Errorf("session over TLS: %d %s", res.StatusCode, body)
	}
	// The UI is served over TLS too.
	if res, err := client.Get("https://" + addrs.HTTP + "/"); err != nil || res.StatusCode != 200 {
		t.Errorf("UI over TLS: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	// Plain HTTP to the TLS port gets nothing useful.
	if res, err := http.Get("http://" + addrs.HTTP + "/api/v1/session"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the HTTPS port: %d", res.StatusCode)
		}
	}
}
