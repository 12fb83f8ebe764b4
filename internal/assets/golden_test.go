package assets_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sekimori/sekimori/internal/assets"
)

var update = flag.Bool("update", false, "rewrite the .golden files under testdata/")

// goldenTenant is the tenant the hosts sheets under testdata/ are imported
// for.
const goldenTenant = "acme-jp"

// result is what a parser made of one input file, as stored in .golden
// files: the records, or the error, or both (a truncated nmap report).
type result struct {
	Hosts []assets.Host `json:"hosts,omitempty"`
	SBOM  *assets.SBOM  `json:"sbom,omitempty"`
	Error string        `json:"error,omitempty"`
}

// parsers maps each testdata/ directory to the parser of its files.
var parsers = map[string]func(data []byte) result{
	"hosts": func(data []byte) result {
		hosts, err := assets.ParseHostsCSV(bytes.NewReader(data), goldenTenant)
		return result{Hosts: hosts, Error: errText(err)}
	},
	"sbom": func(data []byte) result {
		s, err := assets.ParseSBOM(data)
		if err != nil {
			return result{Error: errText(err)}
		}
		return result{SBOM: &s}
	},
	"nmap": func(data []byte) result {
		hosts, err := assets.ParseNmapXML(bytes.NewReader(data))
		return result{Hosts: hosts, Error: errText(err)}
	},
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// inputs lists testdata/<dir>/* other than .golden files.
func inputs(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no files in testdata/%s", dir)
	}
	return out
}

// TestGolden parses every file under testdata/ with the parser of its
// directory and compares the result with the .golden file next to it.
// Files named *.bad.* must fail; the others must not. Run with -update to
// rewrite the golden files.
func TestGolden(t *testing.T) {
	for dir, parse := range parsers {
		for _, in := range inputs(t, dir) {
			t.Run(dir+"/"+filepath.Base(in), func(t *testing.T) {
				data, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				r := parse(data)
				bad := strings.Contains(filepath.Base(in), ".bad.")
				if bad && r.Error == "" {
					t.Errorf("no error for a .bad. file")
				}
				if !bad && r.Error != "" && !strings.Contains(in, "interrupted") {
					t.Errorf("error: %s", r.Error)
				}
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					t.Fatal(err)
				}
				got := buf.Bytes()
				golden := in + ".golden"
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(want, got) {
					t.Errorf("%s differs; got:\n%s", golden, got)
				}
			})
		}
	}
}
