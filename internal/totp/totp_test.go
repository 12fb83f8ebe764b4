package totp

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the SHA-1 seed of RFC 4226 appendix D and RFC 6238
// appendix B: the ASCII string "12345678901234567890".
var rfcSecret = b32.EncodeToString([]byte("12345678901234567890"))

// TestHOTPVectors: RFC 4226 appendix D.
func TestHOTPVectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	k, _ := decodeSecret(rfcSecret)
	for i, w := range want {
		if got := hotp(k, uint64(i), 6); got != w {
			t.Errorf("HOTP(counter %d) = %s, want %s", i, got, w)
		}
	}
}

// TestTOTPVectors: RFC 6238 appendix B, SHA-1 rows (8 digits).
func TestTOTPVectors(t *testing.T) {
	k, _ := decodeSecret(rfcSecret)
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := hotp(k, uint64(Step(time.Unix(tc.unix, 0))), 8); got != tc.want {
			t.Errorf("TOTP at %d = %s, want %s", tc.unix, got, tc.want)
		}
	}
	// Code uses 6 digits: the last six of the same value.
	if got, _ := Code(rfcSecret, time.Unix(59, 0)); got != "287082" {
		t.Errorf("Code at 59 = %s, want 287082", got)
	}
}

func TestVerifyWindowAndReplay(t *testing.T) {
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0)
	cur := Step(now)
	code := func(step int64) string {
		c, _ := Code(secret, time.Unix(step*30, 0))
		return c
	}
	for _, tc := range []struct {
		name     string
		code     string
		lastStep int64
		want     int64 // 0: refused
	}{
		{"current step", code(cur), 0, cur},
		{"one step behind", code(cur - 1), 0, cur - 1},
		{"one step ahead", code(cur + 1), 0, cur + 1},
		{"two steps behind", code(cur - 2), 0, 0},
		{"two steps ahead", code(cur + 2), 0, 0},
		{"replayed", code(cur), cur, 0},
		{"older than the last accepted", code(cur - 1), cur, 0},
		{"newer than the last accepted", code(cur + 1), cur, cur + 1},
		{"too short", code(cur)[:5], 0, 0},
		{"not digits", "abcdef", 0, 0},
		{"empty", "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Verify(secret, tc.code, now, tc.lastStep)
			if got != tc.want || ok != (tc.want != 0) {
				t.Errorf("Verify = %d, %v; want %d", got, ok, tc.want)
			}
		})
	}
	if _, ok := Verify("not base32!", code(cur), now, 0); ok {
		t.Error("a bad secret verified")
	}
	// Secrets as people copy them: lower case, spaces.
	spaced := strings.ToLower(secret[:4] + " " + secret[4:])
	if _, ok := Verify(spaced, code(cur), now, 0); !ok {
		t.Error("a secret in lower case with a space does not verify")
	}
}

func TestNewSecret(t *testing.T) {
	a, _ := NewSecret()
	b, _ := NewSecret()
	if len(a) != 32 || a == b {
		t.Errorf("secrets %q, %q: want 32 base32 characters, different", a, b)
	}
}

func TestURI(t *testing.T) {
	got := URI("Sekimori", "yamada@example.jp", "JBSWY3DPEHPK3PXP")
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Sekimori:yamada@example.jp" {
		t.Errorf("URI %s: scheme, type or label wrong", got)
	}
	q := u.Query()
	for k, want := range map[string]string{"secret": "JBSWY3DPEHPK3PXP", "issuer": "Sekimori", "algorithm": "SHA1", "digits": "6", "period": "30"} {
		if q.Get(k) != want {
			t.Errorf("URI %s: %s = %q, want %q", got, k, q.Get(k), want)
		}
	}
}
