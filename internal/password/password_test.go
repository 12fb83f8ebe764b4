package password

import (
	"errors"
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Errorf("hash %q: want the PHC form with the current parameters", h)
	}
	if err := Verify(h, "correct horse battery staple"); err != nil {
		t.Errorf("Verify(right password) = %v", err)
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", strings.Repeat("x", MaxLen+1)} {
		if err := Verify(h, wrong); !errors.Is(err, ErrMismatch) {
			t.Errorf("Verify(%.20q) = %v, want ErrMismatch", wrong, err)
		}
	}
	h2, _ := Hash("correct horse battery staple")
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if _, err := Hash(strings.Repeat("x", MaxLen+1)); err == nil {
		t.Error("Hash accepted a password longer than MaxLen")
	}
}

// TestReferenceVector checks the encoding against the reference
// implementation's argon2id test vector (phc-winner-argon2, test.c).
func TestReferenceVector(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	if err := Verify(ref, "password"); err != nil {
		t.Fatalf("reference vector: %v", err)
	}
	if !NeedsRehash(ref) {
		t.Error("a hash with other parameters does not need a rehash")
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := Hash("pw")
	if NeedsRehash(h) {
		t.Error("a fresh hash needs a rehash")
	}
	old := Current
	t.Cleanup(func() { Current = old })
	Current.Time = 2
	if !NeedsRehash(h) {
		t.Error("a hash with the old parameters does not need a rehash")
	}
	if err := Verify(h, "pw"); err != nil {
		t.Errorf("an old hash no longer verifies: %v", err)
	}
}

func TestMalformed(t *testing.T) {
	for _, h := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=1,x=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=1$!!$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$",
	} {
		err := Verify(h, "password")
		if err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("Verify(%q) = %v, want a malformed-hash error", h, err)
		}
		if !NeedsRehash(h) {
			t.Errorf("NeedsRehash(%q) = false", h)
		}
	}
}

func TestVerifyDummy(t *testing.T) {
	VerifyDummy("anything") // must not panic, and takes a hash's time
}
