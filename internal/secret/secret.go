// Package secret seals device credentials (API tokens, passwords, SSH
// keys) for storage in the state database, with a key that lives outside
// it: a stolen database dump or backup holds no usable credential.
//
// Sealing is AES-256-GCM with a random 96-bit nonce per value; the sealed
// form is "v1:" + base64(nonce || ciphertext || tag). The key is 32 random
// bytes in a file (created with mode 0600 on first use, by default
// DATA/secret.key; keep a copy of it with the backups of the database, and
// not next to them).
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// ErrOpen means a sealed value could not be opened: a different key, or a
// damaged value.
var ErrOpen = errors.New("cannot open sealed value (wrong key or damaged)")

const (
	keySize = 32
	prefix  = "v1:"
)

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(key), keySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// LoadOrCreate reads the key file, creating it with a new random key
// (mode 0600) when it does not exist. A key file readable by others is
// refused.
func LoadOrCreate(path string) (*Box, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, keySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			if errors.Is(err, os.ErrExist) { // another process created it first
				return LoadOrCreate(path)
			}
			return nil, fmt.Errorf("create secret key %s: %w", path, err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, fmt.Errorf("write secret key %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("write secret key %s: %w", path, err)
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret key %s is readable by others (mode %v): chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := New(key)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	return b, nil
}

// Seal encrypts plaintext; aad binds the value to what it belongs to (a
// device id), so a sealed value copied to another row does not open.
func (b *Box) Seal(plaintext, aad []byte) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return prefix + base64.RawStdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, plaintext, aad))
}

// Open decrypts a value sealed with the same key and aad.
func (b *Box) Open(sealed string, aad []byte) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return nil, fmt.Errorf("%w: unknown format", ErrOpen)
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, ErrOpen
	}
	n := b.aead.NonceSize()
	out, err := b.aead.Open(nil, data[:n], data[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
