package sshemu

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/sekimori/sekimori/internal/devconfig"
)

func TestSamplesValidate(t *testing.T) {
	for _, kind := range devconfig.Kinds() {
		info, err := devconfig.Validate(kind, Sample(kind))
		if err != nil {
			t.Errorf("%s: %v", kind, err)
			continue
		}
		if info.Total(devconfig.ClassPolicy) == 0 {
			t.Errorf("%s: sample has no rules", kind)
		}
	}
}

func dial(t *testing.T, s *Server) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial("tcp", s.Addr(), &ssh.ClientConfig{
		User:            "admin",
		Auth:            []ssh.AuthMethod{ssh.Password("admin-pass")},
		HostKeyCallback: ssh.FixedHostKey(s.hostKey),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestExecPager: the FortiOS exec output stops at "--More-- " until a
// key arrives, and "q" ends it.
func TestExecPager(t *testing.T) {
	s, err := Start(Options{Kind: devconfig.KindFortiOS, PageLines: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sess, err := dial(t, s).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	sess.Stdin = strings.NewReader("  q")
	var out bytes.Buffer
	sess.Stdout = &out
	if err := sess.Run("show full-configuration"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "--More-- "); got != 3 {
		t.Errorf("%d pager prompts; want 3 (two answered with space, one with q):\n%s", got, out.String())
	}
	if lines := strings.Count(out.String(), "\n"); lines != 16 {
		t.Errorf("%d lines; want 15 and the one after q", lines)
	}
}

// TestShellRefusesUnprivilegedShow: IOS without enable answers
// "show running-config" with an error, not the config.
func TestShellRefusesUnprivilegedShow(t *testing.T) {
	s, err := Start(Options{Kind: devconfig.KindCiscoIOS, EnableSecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sess, err := dial(t, s).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("vt100", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	sess.Stdin = strings.NewReader("show running-config\r\nexit\r\n")
	var out bytes.Buffer
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	_ = sess.Wait()
	got := out.String()
	if !strings.Contains(got, "rtr-kobe-01>show running-config\r\n") || !strings.Contains(got, "% Invalid input") || strings.Contains(got, "hostname") {
		t.Errorf("output:\n%q", got)
	}
}

func TestExecRefusedOutsideFortiOS(t *testing.T) {
	s, err := Start(Options{Kind: devconfig.KindCiscoASA})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sess, err := dial(t, s).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Start("show running-config"); err == nil {
		t.Fatal("exec accepted")
	}
}
