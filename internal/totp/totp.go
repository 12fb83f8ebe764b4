// Package totp implements time-based one-time passwords (RFC 6238) over
// HOTP (RFC 4226) with the parameters every authenticator app supports:
// HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch. Secrets are
// 160 random bits (RFC 4226 section 4, R6), shown to people in unpadded
// base32 and in an otpauth:// URI for QR codes.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

const (
	// Period is the time step X of RFC 6238 section 4.1.
	Period = 30 * time.Second
	// Digits is the length of a code.
	Digits = 6
	// Skew is how many steps before and after the current one a code may
	// come from (RFC 6238 section 5.2 recommends at most one step of
	// network delay; clocks drift too).
	Skew    = 1
	secretN = 20
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random secret in unpadded base32.
func NewSecret() (string, error) {
	raw := make([]byte, secretN)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("totp secret: %w", err)
	}
	return b32.EncodeToString(raw), nil
}

// decodeSecret accepts base32 in either case, with or without padding and
// spaces, as people copy it.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(secret))
	k, err := b32.DecodeString(s)
	if err != nil || len(k) == 0 {
		return nil, fmt.Errorf("totp secret: not base32")
	}
	return k, nil
}

// hotp is RFC 4226 section 5.3: HMAC-SHA-1 of the counter, dynamic
// truncation, modulo 10^digits.
func hotp(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// Step returns the time step T of t (RFC 6238 section 4.2).
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Code returns the code of secret for the step of t.
func Code(secret string, t time.Time) (string, error) {
	k, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(k, uint64(Step(t)), Digits), nil
}

// Verify checks code against the steps within Skew of now and returns the
// step it matched. A code is accepted once: steps at or before lastStep
// (the last step accepted for this secret, 0 for none) are refused, so a
// code seen by someone else cannot be replayed within its window. The
// caller stores the returned step as the new lastStep.
func Verify(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	k, err := decodeSecret(secret)
	if err != nil || len(code) != Digits {
		return 0, false
	}
	cur := Step(now)
	matched := int64(0)
	for s := cur - Skew; s <= cur+Skew; s++ {
		// Compare every candidate, so that the time taken says nothing of
		// which step matched.
		ok := subtle.ConstantTimeCompare([]byte(hotp(k, uint64(s), Digits)), []byte(code)) == 1
		if ok && s > lastStep && matched == 0 {
			matched = s
		}
	}
	return matched, matched != 0
}

// URI returns the otpauth:// URI of the Key Uri Format that authenticator
// apps read from a QR code: issuer and account label, and the parameters.
func URI(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(Digits))
	v.Set("period", fmt.Sprint(int(Period/time.Second)))
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	return "otpauth://totp/" + label + "?" + v.Encode()
}
