package devconfig

import (
	"os"
	"path/filepath"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t testing.TB, data []byte) *Config {
	t.Helper()
	c, err := ParseFortiOS(data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

// goldenFiles are the testdata configs with their kinds.
var goldenFiles = []struct {
	name string
	kind Kind
}{
	{"fortios72.conf", KindFortiOS},
	{"fortios_vdom.conf", KindFortiOS},
	{"rtx1220.conf", KindYamahaRTX},
	{"ios.conf", KindCiscoIOS},
	{"asa.conf", KindCiscoASA},
}

func readFileF(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}
