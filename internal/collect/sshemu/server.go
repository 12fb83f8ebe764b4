// Package sshemu is an SSH server that behaves like the CLI of a FortiGate,
// a Yamaha RTX, a Cisco IOS router or a Cisco ASA, far enough for
// Sekimori's collector to pull a configuration from it in tests and
// end-to-end runs. It listens on 127.0.0.1 only.
//
// Each Server plays one device (Options.Kind) with a generated ed25519
// host key, password and/or public-key authentication, exec requests
// (FortiOS only, as the others refuse them) and interactive shells with
// the device's prompt, echo, pager and commands:
//
//   - fortios: "show full-configuration", prompt "FG100F # ", pager
//     "--More-- " (FortiOS pages unless the console output is set to
//     standard in the configuration), also in exec channels.
//   - yamaha_rtx: "show config", prompt "> " or "NAME> ", pager
//     "---つづく---", "console lines infinity" turns paging off.
//   - cisco_ios: "terminal length 0", "show running-config" (privileged),
//     "enable", prompt "NAME>" / "NAME#", pager " --More-- ".
//   - cisco_asa: "terminal pager 0", "show running-config" (privileged),
//     "enable", prompt "NAME>" / "NAME#", pager "<--- More --->".
//
// Paging is off unless Options.PageLines is set. A Server is safe for
// concurrent use; Close stops it and waits for its goroutines.
package sshemu

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/sekimori/sekimori/internal/collect/fortiemu"
	"github.com/sekimori/sekimori/internal/devconfig"
)

var (
	//go:embed testdata/rtx1220.conf
	sampleRTX []byte
	//go:embed testdata/ios.conf
	sampleIOS []byte
	//go:embed testdata/asa.conf
	sampleASA []byte
)

// Sample returns a copy of a realistic configuration of that kind:
// FortiOS 7.2 (fortiemu.SampleConfig), RTX1220, IOS 15.7, ASA 9.12.
func Sample(kind devconfig.Kind) []byte {
	switch kind {
	case devconfig.KindFortiOS:
		return fortiemu.SampleConfig()
	case devconfig.KindYamahaRTX:
		return bytes.Clone(sampleRTX)
	case devconfig.KindCiscoIOS:
		return bytes.Clone(sampleIOS)
	case devconfig.KindCiscoASA:
		return bytes.Clone(sampleASA)
	}
	return nil
}

// Options configures a Server. Kind is required; for the rest the zero
// value works: user "admin" with password "admin-pass", the Sample
// configuration, no paging.
type Options struct {
	Kind          devconfig.Kind
	Config        []byte        // what "show …" prints; Sample(Kind)
	User          string        // "admin"
	Password      string        // "admin-pass"; see NoPassword
	NoPassword    bool          // refuse password and keyboard-interactive logins
	AuthorizedKey ssh.PublicKey // also accept this key
	Hostname      string        // prompt name; "FG100F", "" (RTX: "> "), "rtr-kobe-01", "asa-kobe-01"
	PageLines     int           // > 0: show the pager every PageLines lines
	NoExec        bool          // refuse exec requests even as FortiOS
	// EnableSecret makes an IOS or ASA session start unprivileged (">")
	// until "enable" is given this secret.
	EnableSecret string
	// NoHeader leaves the "#config-version=" header lines out of FortiOS
	// "show" output, as a CLI session may print it without them; "get
	// system status" still tells the firmware.
	NoHeader bool
}

// Server is a running emulated device.
type Server struct {
	opts     Options
	ln       net.Listener
	cfg      *ssh.ServerConfig
	hostKey  ssh.PublicKey
	mu       sync.Mutex
	config   []byte
	conns    map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
	sessions int
}

// Start listens on 127.0.0.1:0 and serves until Close.
func Start(opts Options) (*Server, error) {
	if Sample(opts.Kind) == nil {
		return nil, fmt.Errorf("sshemu: unknown kind %q", opts.Kind)
	}
	if opts.User == "" {
		opts.User = "admin"
	}
	if opts.Password == "" {
		opts.Password = "admin-pass"
	}
	if opts.Hostname == "" {
		opts.Hostname = map[devconfig.Kind]string{
			devconfig.KindFortiOS: "FG100F", devconfig.KindCiscoIOS: "rtr-kobe-01", devconfig.KindCiscoASA: "asa-kobe-01",
		}[opts.Kind]
	}
	s := &Server{opts: opts, config: bytes.Clone(opts.Config), conns: make(map[net.Conn]struct{})}
	if s.config == nil {
		s.config = Sample(opts.Kind)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sshemu: host key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("sshemu: host key: %w", err)
	}
	s.hostKey = signer.PublicKey()
	s.cfg = &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if !opts.NoPassword && c.User() == opts.User && string(pw) == opts.Password {
				return nil, nil
			}
			return nil, errors.New("password refused")
		},
		KeyboardInteractiveCallback: func(c ssh.ConnMetadata, ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			if opts.NoPassword {
				return nil, errors.New("keyboard-interactive refused")
			}
			ans, err := ask("", "", []string{"Password: "}, []bool{false})
			if err == nil && c.User() == opts.User && len(ans) == 1 && ans[0] == opts.Password {
				return nil, nil
			}
			return nil, errors.New("keyboard-interactive refused")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if opts.AuthorizedKey != nil && c.User() == opts.User &&
				bytes.Equal(key.Marshal(), opts.AuthorizedKey.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("key refused")
		},
	}
	s.cfg.AddHostKey(signer)
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sshemu: listen: %w", err)
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// HostKeySHA256 returns the host key fingerprint, "SHA256:…".
func (s *Server) HostKeySHA256() string { return ssh.FingerprintSHA256(s.hostKey) }

// SetConfig replaces what "show …" prints from the next command on.
func (s *Server) SetConfig(text []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.config = bytes.Clone(text)
}

// Sessions returns how many SSH sessions (exec or shell) were opened.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Close stops listening, drops the open connections and waits for every
// goroutine of the Server to end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[nc] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(nc)
	}
}

func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
		nc.Close()
	}()
	sc, chans, reqs, err := ssh.NewServerConn(nc, s.cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	for nch := range chans {
		if nch.ChannelType() != "session" {
			_ = nch.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveSession(ch, creqs)
	}
}

// serveSession answers the requests of one session channel; the exec
// or shell it starts runs in its own goroutine and closes the channel.
func (s *Server) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer s.wg.Done()
	started := false
	for req := range reqs {
		switch req.Type {
		case "pty-req", "env", "window-change":
			_ = req.Reply(true, nil)
		case "exec":
			cmd, ok := parseString(req.Payload)
			if started || !ok || s.opts.NoExec || s.opts.Kind != devconfig.KindFortiOS {
				_ = req.Reply(false, nil)
				continue
			}
			started = true
			_ = req.Reply(true, nil)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.runExec(ch, cmd)
			}()
		case "shell":
			if started {
				_ = req.Reply(false, nil)
				continue
			}
			started = true
			_ = req.Reply(true, nil)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.runShell(ch)
			}()
		default:
			_ = req.Reply(false, nil)
		}
	}
	if !started {
		ch.Close()
	}
}

// parseString reads an SSH "string": uint32 length, bytes (RFC 4251 §5).
func parseString(p []byte) (string, bool) {
	if len(p) < 4 {
		return "", false
	}
	n := binary.BigEndian.Uint32(p)
	if uint64(n) > uint64(len(p)-4) {
		return "", false
	}
	return string(p[4 : 4+n]), true
}

func (s *Server) currentConfig() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := bytes.Clone(s.config)
	if s.opts.NoHeader {
		for bytes.HasPrefix(cfg, []byte("#")) {
			_, cfg, _ = bytes.Cut(cfg, []byte("\n"))
		}
	}
	return cfg
}

// fortiStatus answers FortiOS "get system status" from the config's
// header ("#config-version=FG100F-7.2.10-FW-build1706-240625:...").
func (s *Server) fortiStatus() string {
	s.mu.Lock()
	first, _, _ := bytes.Cut(s.config, []byte("\n"))
	s.mu.Unlock()
	v, _ := strings.CutPrefix(string(first), "#config-version=")
	v, _, _ = strings.Cut(v, ":")
	parts := strings.Split(v, "-") // FG100F 7.2.10 FW build1706 240625
	if len(parts) < 5 {
		return "Version: FortiGate-VM64 v0.0.0,build0000,000000 (GA)\n"
	}
	model := strings.Replace(parts[0], "FG", "FortiGate-", 1)
	return fmt.Sprintf("Version: %s v%s,%s,%s (GA.M)\nSerial-Number: %sTK00000001\nHostname: %s\nOperation Mode: NAT\n",
		model, parts[1], parts[3], parts[4], parts[0], s.opts.Hostname)
}

// exitStatus sends the "exit-status" request (RFC 4254 §6.10).
func exitStatus(ch ssh.Channel, code uint32) {
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{code}))
}
