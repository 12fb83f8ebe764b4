package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any bytes give a config or an *Error, never a panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("fuzz.yaml", b)
		if err == nil && c == nil {
			t.Fatal("nil config without an error")
		}
	})
}
