package collect_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"

	"github.com/sekimori/sekimori/internal/collect"
	"github.com/sekimori/sekimori/internal/collect/sshemu"
	"github.com/sekimori/sekimori/internal/devconfig"
)

// startSSH starts an emulated device and returns a Target for it with
// its host key pinned and the default password.
func startSSH(t *testing.T, opts sshemu.Options) (*sshemu.Server, collect.Target) {
	t.Helper()
	s, err := sshemu.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, collect.Target{
		Kind:          opts.Kind,
		Address:       s.Addr(),
		Method:        collect.MethodSSH,
		User:          "admin",
		Password:      "admin-pass",
		HostKeySHA256: s.HostKeySHA256(),
		Timeout:       10 * time.Second,
	}
}

func TestPullSSHProfiles(t *testing.T) {
	for _, kind := range devconfig.Kinds() {
		for _, pageLines := range []int{0, 23} {
			name := string(kind)
			if pageLines > 0 {
				name += "/paged"
			}
			t.Run(name, func(t *testing.T) {
				opts := sshemu.Options{Kind: kind, PageLines: pageLines}
				if kind == devconfig.KindCiscoIOS || kind == devconfig.KindCiscoASA {
					opts.EnableSecret = "en-secret"
				}
				s, target := startSSH(t, opts)
				target.EnablePassword = "en-secret"
				p, err := collect.PullConfig(context.Background(), target)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(sshemu.Sample(kind)), string(p.Data)); diff != "" {
					t.Errorf("pulled text (-want +got):\n%s", diff)
				}
				if _, err := devconfig.Validate(kind, p.Data); err != nil {
					t.Errorf("Validate: %v", err)
				}
				if p.HostKeySHA256 != s.HostKeySHA256() || p.Method != collect.MethodSSH || p.Firmware != "" {
					t.Errorf("pull = %+v", p)
				}
			})
		}
	}
}

// TestPullSSHFortiOSShellFallback: a FortiGate that refuses exec is read
// through a shell, with its pager answered.
func TestPullSSHFortiOSShellFallback(t *testing.T) {
	s, target := startSSH(t, sshemu.Options{Kind: devconfig.KindFortiOS, NoExec: true, PageLines: 10})
	p, err := collect.PullConfig(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(sshemu.Sample(devconfig.KindFortiOS)), string(p.Data)); diff != "" {
		t.Errorf("pulled text (-want +got):\n%s", diff)
	}
	if n := s.Sessions(); n != 2 {
		t.Errorf("%d sessions; want an exec then a shell", n)
	}
}

func TestPullSSHPrivateKey(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	_, target := startSSH(t, sshemu.Options{Kind: devconfig.KindYamahaRTX, NoPassword: true, AuthorizedKey: sshPub})
	target.Password = ""
	target.PrivateKey = pem.EncodeToMemory(block)
	if _, err := collect.PullConfig(context.Background(), target); err != nil {
		t.Fatal(err)
	}
}

// TestPullSSHAuthRefused: wrong secrets give ErrAuth and never show up
// in the error text.
func TestPullSSHAuthRefused(t *testing.T) {
	tests := []struct {
		name   string
		opts   sshemu.Options
		modify func(*collect.Target)
		secret string
	}{
		{"wrong password", sshemu.Options{Kind: devconfig.KindFortiOS},
			func(tg *collect.Target) { tg.Password = "Wrong-Pa55word!" }, "Wrong-Pa55word!"},
		{"wrong user", sshemu.Options{Kind: devconfig.KindYamahaRTX},
			func(tg *collect.Target) { tg.User = "nobody" }, "admin-pass"},
		{"wrong enable", sshemu.Options{Kind: devconfig.KindCiscoIOS, EnableSecret: "en-secret"},
			func(tg *collect.Target) { tg.EnablePassword = "Bad-Enable-42" }, "Bad-Enable-42"},
		{"asa wrong enable", sshemu.Options{Kind: devconfig.KindCiscoASA, EnableSecret: "en-secret"},
			func(tg *collect.Target) { tg.EnablePassword = "Bad-Enable-43" }, "Bad-Enable-43"},
		{"no enable", sshemu.Options{Kind: devconfig.KindCiscoASA, EnableSecret: "en-secret"},
			func(*collect.Target) {}, "admin-pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, target := startSSH(t, tt.opts)
			tt.modify(&target)
			_, err := collect.PullConfig(context.Background(), target)
			if !errors.Is(err, collect.ErrAuth) {
				t.Fatalf("err = %v; want ErrAuth", err)
			}
			var e *collect.Error
			if !errors.As(err, &e) || e.Step != collect.StepAuth {
				t.Errorf("step of %v; want auth", err)
			}
			t.Logf("%v", err)
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestPullSSHHostKey(t *testing.T) {
	s, target := startSSH(t, sshemu.Options{Kind: devconfig.KindCiscoIOS})

	wrong := target
	wrong.HostKeySHA256 = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	_, err := collect.PullConfig(context.Background(), wrong)
	if !errors.Is(err, collect.ErrHostKey) {
		t.Errorf("mismatch: err = %v; want ErrHostKey", err)
	}
	t.Logf("%v", err)

	unpinned := target
	unpinned.HostKeySHA256 = ""
	if _, err := collect.PullConfig(context.Background(), unpinned); !errors.Is(err, collect.ErrHostKey) {
		t.Errorf("unpinned: err = %v; want ErrHostKey", err)
	}

	unpinned.TrustOnFirstUse = true
	p, err := collect.PullConfig(context.Background(), unpinned)
	if err != nil {
		t.Fatal(err)
	}
	if p.HostKeySHA256 != s.HostKeySHA256() {
		t.Errorf("seen host key %q; want %q", p.HostKeySHA256, s.HostKeySHA256())
	}

	noPrefix := target
	noPrefix.HostKeySHA256 = strings.TrimPrefix(s.HostKeySHA256(), "SHA256:") + "="
	if _, err := collect.PullConfig(context.Background(), noPrefix); err != nil {
		t.Errorf("pin without prefix, with padding: %v", err)
	}
}

func TestPullSSHTooLarge(t *testing.T) {
	for _, kind := range []devconfig.Kind{devconfig.KindFortiOS, devconfig.KindYamahaRTX} {
		_, target := startSSH(t, sshemu.Options{Kind: kind})
		target.MaxBytes = 1500
		_, err := collect.PullConfig(context.Background(), target)
		if !errors.Is(err, collect.ErrTooLarge) {
			t.Errorf("%s: err = %v; want ErrTooLarge", kind, err)
		}
	}
}

// TestPullSSHTimeout: a peer that accepts TCP and never speaks SSH.
func TestPullSSHTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		<-done
		c.Close()
	}()
	_, err = collect.PullConfig(context.Background(), collect.Target{
		Kind: devconfig.KindCiscoIOS, Address: ln.Addr().String(), User: "u", Password: "p",
		TrustOnFirstUse: true, Timeout: 300 * time.Millisecond,
	})
	var e *collect.Error
	if !errors.Is(err, collect.ErrTimeout) || !errors.As(err, &e) || e.Step != collect.StepConnect {
		t.Fatalf("err = %v; want ErrTimeout in connect", err)
	}
	t.Logf("%v", err)
}

func TestPullSSHCanceled(t *testing.T) {
	_, target := startSSH(t, sshemu.Options{Kind: devconfig.KindCiscoIOS})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := collect.PullConfig(ctx, target); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
}

// TestPullSSHFortiOSNoHeader: a CLI that prints the configuration without
// the backup header still gives a configuration that validates, with the
// firmware from "get system status" — over exec and over a shell.
func TestPullSSHFortiOSNoHeader(t *testing.T) {
	for _, noExec := range []bool{false, true} {
		_, target := startSSH(t, sshemu.Options{Kind: devconfig.KindFortiOS, NoHeader: true, NoExec: noExec})
		p, err := collect.PullConfig(context.Background(), target)
		if err != nil {
			t.Fatal(err)
		}
		info, err := devconfig.Validate(devconfig.KindFortiOS, p.Data)
		if err != nil {
			t.Fatalf("exec=%v: the pulled configuration does not validate: %v\n%.300s", !noExec, err, p.Data)
		}
		if got := info.Firmware.String(); !strings.Contains(got, "7.2.10") || !strings.Contains(got, "1706") {
			t.Errorf("exec=%v: firmware %q", !noExec, got)
		}
	}
}
