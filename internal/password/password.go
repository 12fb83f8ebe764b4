// Package password hashes and verifies the passwords of local users with
// argon2id (RFC 9106), stored in the PHC string format:
//
//	$argon2id$v=19$m=47104,t=1,p=1$<salt>$<key>
//
// with the salt and key in unpadded standard base64. The parameters travel
// with each hash, so a change of [Current] leaves old hashes verifiable;
// [NeedsRehash] tells when a hash should be replaced after a successful
// verification.
//
// Hashing is deliberately slow and memory-hard; at most GOMAXPROCS hashes
// run at once in a process, so that a burst of sign-ins cannot take
// m × (number of requests) of memory.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	// Memory is in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism.
	Threads uint8
}

// Current are the parameters of new hashes: OWASP's recommendation for
// argon2id (46 MiB, one pass, one thread; about 50 ms on one core of a
// 2020s server). Tests may lower them; a program must not change them while
// hashes are being made.
var Current = Params{Memory: 46 << 10, Time: 1, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MaxLen bounds a password in bytes: longer input is refused before any
	// hashing, so that nobody can make the server hash megabytes.
	MaxLen = 1024
)

// ErrMismatch is returned by Verify for a wrong password.
var ErrMismatch = errors.New("password does not match")

// slots bounds the hashes computed at once.
var slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

func derive(pw, salt []byte, p Params) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	return argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, keyLen)
}

// Hash returns the PHC string of pw with a fresh random salt and the
// Current parameters.
func Hash(pw string) (string, error) {
	if len(pw) > MaxLen {
		return "", fmt.Errorf("hash password: longer than %d bytes", MaxLen)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: random salt: %w", err)
	}
	p := Current
	key := derive([]byte(pw), salt, p)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC string hash: nil, ErrMismatch,
// or an error saying why hash is malformed. The comparison of the derived
// keys takes the same time wherever they differ.
func Verify(hash, pw string) error {
	p, salt, key, err := decode(hash)
	if err != nil {
		return err
	}
	if len(pw) > MaxLen {
		return ErrMismatch
	}
	got := derive([]byte(pw), salt, p)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrMismatch
	}
	return nil
}

// NeedsRehash reports whether hash was made with other parameters than
// Current (or is not a hash this package makes).
func NeedsRehash(hash string) bool {
	p, _, key, err := decode(hash)
	return err != nil || p != Current || len(key) != keyLen
}

// decode parses a PHC argon2id string.
func decode(hash string) (Params, []byte, []byte, error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("password hash: %s", why)
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version " + parts[2])
	}
	var p Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return bad("parameter " + k)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return bad("parameter p")
			}
			p.Threads = uint8(n)
		default:
			return bad("unknown parameter " + k)
		}
	}
	// Bounds keep a tampered row from costing the server gigabytes.
	if p.Memory < 8 || p.Memory > 1<<21 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return bad("parameters out of range")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return bad("salt or key")
	}
	return p, salt, key, nil
}

var (
	dummyOnce sync.Once
	dummy     string
)

// VerifyDummy spends the time of a verification against a made-up hash, so
// that an unknown user name takes as long to refuse as a wrong password.
func VerifyDummy(pw string) {
	dummyOnce.Do(func() { dummy, _ = Hash("sekimori dummy password") })
	_ = Verify(dummy, pw)
}
