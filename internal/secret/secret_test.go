package secret

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	b, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	sealed := b.Seal([]byte("api-token-123"), []byte("device:7"))
	if strings.Contains(sealed, "api-token") {
		t.Fatal("sealed value contains the plaintext")
	}
	if again := b.Seal([]byte("api-token-123"), []byte("device:7")); again == sealed {
		t.Error("two seals of one value are equal: nonce reuse")
	}
	got, err := b.Open(sealed, []byte("device:7"))
	if err != nil || string(got) != "api-token-123" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := b.Open(sealed, []byte("device:8")); !errors.Is(err, ErrOpen) {
		t.Errorf("open bound to another device: %v", err)
	}
	// The same file gives the same key; another key cannot open.
	b2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b2.Open(sealed, []byte("device:7")); err != nil {
		t.Errorf("reloaded key: %v", err)
	}
	other, _ := LoadOrCreate(filepath.Join(dir, "other.key"))
	if _, err := other.Open(sealed, []byte("device:7")); !errors.Is(err, ErrOpen) {
		t.Errorf("other key: %v", err)
	}
	for _, bad := range []string{"", "v1:", "v1:!!!", "v2:AAAA", sealed[:len(sealed)-2]} {
		if _, err := b.Open(bad, []byte("device:7")); !errors.Is(err, ErrOpen) {
			t.Errorf("open %q: %v", bad, err)
		}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(path); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("world-readable key accepted: %v", err)
	}
}
