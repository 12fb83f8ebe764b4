package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/sekimori/sekimori/internal/devconfig"
)

// cliProfile is how to get the configuration out of one kind of CLI.
type cliProfile struct {
	exec   bool     // try an exec channel first; fall back to a shell when refused
	setup  []string // shell commands before show (paging off)
	show   string
	enable bool // ">" prompt means unprivileged; "enable" raises it
}

// cliProfiles: FortiOS accepts exec requests; the others are driven
// through an interactive shell, which every one of them offers.
//
//   - FortiOS cannot turn paging off for one session without changing
//     the configuration ("config system console / set output standard"),
//     which would change what is being backed up, so the pager is
//     answered instead.
//   - Yamaha RTX: "show config" runs at the normal user's ">" prompt;
//     "administrator" (which asks for the administrator password) is not
//     needed and not used. Paging is answered too.
//   - Cisco IOS and ASA: "terminal length 0" / "terminal pager 0" turn
//     paging off for the session only. "show running-config" needs
//     privileged mode, hence EnablePassword.
var cliProfiles = map[devconfig.Kind]cliProfile{
	devconfig.KindFortiOS:   {exec: true, show: "show full-configuration"},
	devconfig.KindYamahaRTX: {show: "show config"},
	devconfig.KindCiscoIOS:  {setup: []string{"terminal length 0"}, show: "show running-config", enable: true},
	devconfig.KindCiscoASA:  {setup: []string{"terminal pager 0"}, show: "show running-config", enable: true},
}

// pullSSH runs the profile's commands and cleans the output.
func pullSSH(ctx context.Context, t Target, p *Pull) error {
	prof, ok := cliProfiles[t.Kind]
	if !ok {
		return stepError(StepTarget, t.Address, fmt.Errorf("ssh pull of %s: %w", t.Kind, ErrUnsupported))
	}
	client, seen, err := dialSSH(ctx, t)
	p.HostKeySHA256 = seen
	if err != nil {
		return err
	}
	defer client.Close()
	// Closing the client unblocks every read and write when ctx ends.
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()

	var out []byte
	if prof.exec {
		out, err = runExec(ctx, client, t, prof.show)
		if errors.Is(err, errExecRefused) {
			out, err = runShell(ctx, client, t, prof)
		}
	} else {
		out, err = runShell(ctx, client, t, prof)
	}
	if err != nil {
		if ctx.Err() != nil {
			return stepError(StepDownload, t.Address, context.Cause(ctx))
		}
		return err
	}
	if t.Kind == devconfig.KindFortiOS && !bytes.Contains(firstLines(out), []byte("#config-version=")) {
		// The CLI printed the configuration without the backup header:
		// ask for the firmware and write the header a backup would have.
		st, err := runCommand(ctx, client, t, prof, "get system status")
		if err != nil {
			return err
		}
		header, err := fortiHeader(st)
		if err != nil {
			return stepError(StepVersion, t.Address, err)
		}
		out = append([]byte(header), out...)
	}
	p.Data = out
	return nil
}

// runCommand runs one command the way the profile's "show" runs.
func runCommand(ctx context.Context, client *ssh.Client, t Target, prof cliProfile, cmd string) ([]byte, error) {
	if prof.exec {
		out, err := runExec(ctx, client, t, cmd)
		if !errors.Is(err, errExecRefused) {
			return out, err
		}
	}
	prof.show = cmd
	return runShell(ctx, client, t, prof)
}

func firstLines(b []byte) []byte { return b[:min(len(b), 512)] }

// fortiHeader builds the "#config-version=" header of a FortiOS backup from
// "get system status" ("Version: FortiGate-100F v7.2.10,build1706,240625
// (GA.M)"), so that a configuration read over the CLI validates and
// records its firmware like a backup. user=sekimori marks it as written
// by us.
func fortiHeader(status []byte) (string, error) {
	for _, line := range strings.Split(string(status), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "Version:")
		if !ok {
			continue
		}
		f := strings.Fields(v) // FortiGate-100F v7.2.10,build1706,240625 (GA.M)
		if len(f) < 2 {
			break
		}
		model := strings.Replace(f[0], "FortiGate-", "FG", 1)
		parts := strings.Split(strings.TrimPrefix(f[1], "v"), ",")
		if len(parts) < 2 {
			break
		}
		date := "000000"
		if len(parts) > 2 {
			date = parts[2]
		}
		return fmt.Sprintf("#config-version=%s-%s-FW-%s-%s:opmode=0:vdom=0:user=sekimori\n", model, parts[0], parts[1], date), nil
	}
	return "", errors.New(`"get system status" gave no "Version:" line`)
}

// dialSSH connects and authenticates. It returns the host key
// fingerprint it saw even when it refused it.
func dialSSH(ctx context.Context, t Target) (*ssh.Client, string, error) {
	var auths []ssh.AuthMethod
	if len(t.PrivateKey) > 0 {
		signer, err := ssh.ParsePrivateKey(t.PrivateKey)
		if err != nil {
			// The parser's message names the key format, not the key.
			return nil, "", stepError(StepTarget, t.Address, fmt.Errorf("private key: %w", err))
		}
		auths = append(auths, ssh.PublicKeys(signer))
	}
	if t.Password != "" {
		pw := t.Password
		auths = append(auths, ssh.Password(pw),
			// Many network devices offer keyboard-interactive only.
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	want := normSSHFingerprint(t.HostKeySHA256)
	var seen string
	cfg := &ssh.ClientConfig{
		User: t.User,
		Auth: auths,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			seen = ssh.FingerprintSHA256(key)
			switch {
			case want == "" && t.TrustOnFirstUse:
				return nil
			case want == "":
				return fmt.Errorf("%w: no host key pinned (device presents %s)", ErrHostKey, seen)
			case seen != want:
				return fmt.Errorf("%w: device presents %s, pinned %s", ErrHostKey, seen, want)
			}
			return nil
		},
	}
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", t.Address)
	if err != nil {
		return nil, "", stepError(StepConnect, t.Address, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(conn, t.Address, cfg)
	stop()
	if err != nil {
		conn.Close()
		switch {
		case errors.Is(err, ErrHostKey):
			return nil, seen, stepError(StepConnect, t.Address, err)
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, seen, stepError(StepAuth, t.Address, fmt.Errorf("%w: user %q: password or key refused", ErrAuth, t.User))
		}
		return nil, seen, stepError(StepConnect, t.Address, err)
	}
	return ssh.NewClient(sc, chans, reqs), seen, nil
}

// normSSHFingerprint adds the "SHA256:" prefix and drops base64 padding,
// as ssh.FingerprintSHA256 prints it.
func normSSHFingerprint(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if s == "" {
		return ""
	}
	if !strings.HasPrefix(s, "SHA256:") {
		s = "SHA256:" + s
	}
	return s
}
