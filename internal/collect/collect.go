package collect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/devconfig"
)

// Methods of Target.Method.
const (
	MethodAPI = "api" // FortiOS REST API over HTTPS
	MethodSSH = "ssh" // the device CLI over SSH
)

// Defaults for the zero values of Target.
const (
	DefaultTimeout  = 2 * time.Minute
	DefaultMaxBytes = 64 << 20
)

// Target says how to reach one device. The zero values of the optional
// fields work: verification of TLS certificates is on, and an unpinned
// SSH host key is refused unless TrustOnFirstUse is set.
//
// The secret fields (Token, Password, EnablePassword, PrivateKey) are
// only sent to the device; they never appear in errors.
type Target struct {
	Kind    devconfig.Kind // devconfig.KindFortiOS, KindYamahaRTX, KindCiscoIOS, KindCiscoASA
	Address string         // "host:port"; the port defaults to 443 (api) or 22 (ssh)
	// Method is MethodAPI or MethodSSH. Empty means MethodAPI for a
	// FortiOS target with a Token and MethodSSH otherwise.
	Method string

	// API (FortiOS only).
	Token string // REST API admin token
	// TLSFingerprintSHA256 pins the device certificate: the SHA-256 of
	// its DER bytes in hex, colons and case ignored (the form of
	// "openssl x509 -fingerprint -sha256"). When set, it replaces chain
	// and name verification, which a self-signed device certificate
	// would fail.
	TLSFingerprintSHA256 string
	CAFile               string // PEM file of CAs to verify the chain and name against, instead of the system roots
	Insecure             bool   // accept any certificate; for labs only
	VDOM                 string // "" = global scope; else scope=vdom for that VDOM

	// SSH.
	User           string
	Password       string
	PrivateKey     []byte // PEM private key, unencrypted; tried before Password
	EnablePassword string // Cisco IOS/ASA: sent to "enable" when the login lands at a ">" prompt
	// HostKeySHA256 pins the SSH host key: "SHA256:base64" as printed by
	// ssh-keygen -l (the "SHA256:" prefix may be left out).
	HostKeySHA256 string
	// TrustOnFirstUse accepts any host key when HostKeySHA256 is empty;
	// Pull.HostKeySHA256 then says which one to pin from now on.
	TrustOnFirstUse bool

	Timeout  time.Duration // for the whole pull; DefaultTimeout
	MaxBytes int64         // largest output accepted; DefaultMaxBytes
}

// Pull is one configuration pulled from a device.
type Pull struct {
	Data     []byte // as received, except that SSH terminal noise is removed
	Firmware string // "v7.2.10 build1706" from the FortiOS status API; "" over SSH
	Method   string // MethodAPI or MethodSSH
	Started  time.Time
	Finished time.Time
	// What the device presented; store it to pin it on the next pull.
	HostKeySHA256        string // SSH, "SHA256:…"
	TLSFingerprintSHA256 string // API, lower-case hex
}

// PolicyHit holds the traffic counters of one firewall policy since the
// last counter reset or reboot.
type PolicyHit struct {
	VDOM           string
	PolicyID       string // "12"; "0" is the implicit deny
	Hits           int64  // new sessions matched
	Bytes          int64
	Packets        int64
	ActiveSessions int64
	FirstUsed      time.Time // zero: never used
	LastUsed       time.Time // zero: never used
}

// Sentinel errors; match with errors.Is.
var (
	ErrAuth        = errors.New("authentication refused")   // 401/403, SSH auth failure, enable refused
	ErrHostKey     = errors.New("ssh host key not trusted") // mismatch, or none pinned without TrustOnFirstUse
	ErrCertificate = errors.New("tls certificate refused")  // pin mismatch or failed verification
	ErrTooLarge    = errors.New("output too large")         // more than Target.MaxBytes
	ErrTimeout     = errors.New("timed out")                // Target.Timeout passed
	ErrUnsupported = errors.New("not supported")            // kind/method combination
)

// Steps of a pull, named in Error.Step.
const (
	StepTarget   = "target"   // checking the Target fields
	StepConnect  = "connect"  // TCP, TLS or SSH handshake
	StepAuth     = "auth"     // token, password, key, enable
	StepVersion  = "version"  // FortiOS status request
	StepDownload = "download" // the backup or CLI output
	StepHits     = "hits"     // the policy counters request
)

// Error is what PullConfig and PolicyHits return: which step failed for
// which address, and why.
type Error struct {
	Step    string
	Address string
	Err     error
}

func (e *Error) Error() string { return e.Step + " " + e.Address + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// PullConfig fetches the running configuration of one device.
func PullConfig(ctx context.Context, t Target) (Pull, error) {
	t, err := t.withDefaults()
	if err != nil {
		return Pull{}, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, t.Timeout, fmt.Errorf("%w after %s", ErrTimeout, t.Timeout))
	defer cancel()
	p := Pull{Method: t.Method, Started: time.Now()}
	switch t.Method {
	case MethodAPI:
		err = pullAPI(ctx, t, &p)
	default:
		err = pullSSH(ctx, t, &p)
	}
	p.Finished = time.Now()
	if err != nil {
		return Pull{}, t.finish(ctx, err)
	}
	return p, nil
}

// PolicyHits fetches the policy counters of a FortiOS target over the
// API, for Target.VDOM ("" = root). Other kinds and SSH targets return
// ErrUnsupported.
func PolicyHits(ctx context.Context, t Target) ([]PolicyHit, error) {
	t, err := t.withDefaults()
	if err != nil {
		return nil, err
	}
	if t.Kind != devconfig.KindFortiOS || t.Method != MethodAPI {
		return nil, &Error{Step: StepTarget, Address: t.Address,
			Err: fmt.Errorf("policy hit counters of %s over %s: %w", t.Kind, t.Method, ErrUnsupported)}
	}
	ctx, cancel := context.WithTimeoutCause(ctx, t.Timeout, fmt.Errorf("%w after %s", ErrTimeout, t.Timeout))
	defer cancel()
	hits, err := fetchHits(ctx, t)
	if err != nil {
		return nil, t.finish(ctx, err)
	}
	return hits, nil
}

// withDefaults fills defaults and checks the fields.
func (t Target) withDefaults() (Target, error) {
	var problems []string
	switch t.Kind {
	case devconfig.KindFortiOS, devconfig.KindYamahaRTX, devconfig.KindCiscoIOS, devconfig.KindCiscoASA:
	default:
		problems = append(problems, fmt.Sprintf("kind %q is not one of %v", t.Kind, devconfig.Kinds()))
	}
	if t.Method == "" {
		t.Method = MethodSSH
		if t.Kind == devconfig.KindFortiOS && t.Token != "" {
			t.Method = MethodAPI
		}
	}
	port := "22"
	switch t.Method {
	case MethodAPI:
		port = "443"
		if t.Kind != devconfig.KindFortiOS {
			problems = append(problems, fmt.Sprintf("method api: only for kind fortios, not %q", t.Kind))
		}
		if t.Token == "" {
			problems = append(problems, "token: empty (method api needs a REST API admin token)")
		}
	case MethodSSH:
		if t.User == "" {
			problems = append(problems, "user: empty (method ssh)")
		}
		if t.Password == "" && len(t.PrivateKey) == 0 {
			problems = append(problems, "password/private key: both empty (method ssh)")
		}
	default:
		problems = append(problems, fmt.Sprintf("method %q: want %q or %q", t.Method, MethodAPI, MethodSSH))
	}
	if t.Address == "" {
		problems = append(problems, "address: empty")
	} else if _, _, err := net.SplitHostPort(t.Address); err != nil {
		t.Address = net.JoinHostPort(strings.Trim(t.Address, "[]"), port)
	}
	if t.Timeout <= 0 {
		t.Timeout = DefaultTimeout
	}
	if t.MaxBytes <= 0 {
		t.MaxBytes = DefaultMaxBytes
	}
	if len(problems) > 0 {
		return t, &Error{Step: StepTarget, Address: t.Address, Err: errors.New(strings.Join(problems, "; "))}
	}
	return t, nil
}

// finish turns a context expiry into ErrTimeout, makes sure the error
// names a step, and removes any secret from its text.
func (t Target) finish(ctx context.Context, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Step: StepDownload, Address: t.Address, Err: err}
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(e.Err, cause) {
		e.Err = fmt.Errorf("%w: %w", cause, e.Err)
	}
	return redact(e, t.Token, t.Password, t.EnablePassword, string(t.PrivateKey))
}

// redactedError is the text of an error with secrets removed. It
// unwraps to the sentinel errors the original matched, not to the
// original, so that no errors.As can reach the unredacted text.
type redactedError struct {
	msg  string
	errs []error
}

func (r *redactedError) Error() string   { return r.msg }
func (r *redactedError) Unwrap() []error { return r.errs }

// redact returns e with every secret of three or more bytes replaced by
// "<redacted>" in its text. Nothing here puts a secret into an error on
// purpose; this guards against a library or device that echoes one.
func redact(e *Error, secrets ...string) error {
	msg := e.Err.Error()
	changed := false
	for _, s := range secrets {
		if len(s) >= 3 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "<redacted>")
			changed = true
		}
	}
	if !changed {
		return e
	}
	r := &redactedError{msg: msg}
	for _, s := range []error{ErrAuth, ErrHostKey, ErrCertificate, ErrTooLarge, ErrTimeout,
		ErrUnsupported, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(e.Err, s) {
			r.errs = append(r.errs, s)
		}
	}
	return &Error{Step: e.Step, Address: e.Address, Err: r}
}

// stepError wraps err as the failure of a step.
func stepError(step, addr string, err error) *Error {
	return &Error{Step: step, Address: addr, Err: err}
}
