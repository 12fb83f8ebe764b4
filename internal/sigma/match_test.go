package sigma

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the want files of testdata/match")

// TestMatchCases runs each folder of testdata/match like "sekimori rules
// match": rules.yml, events.jsonl, optional logsource and
// placeholders.json; the detections must equal want.jsonl.
func TestMatchCases(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/match/*")
	if len(dirs) == 0 {
		t.Fatal("no cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runCase(t, dir)
			wantFile := filepath.Join(dir, "want.jsonl")
			if *update {
				if err := os.WriteFile(wantFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); d != "" {
				t.Errorf("detections differ (-want +got):\n%s", d)
			}
		})
	}
}

func runCase(t *testing.T, dir string) []byte {
	t.Helper()
	set := NewRuleSet()
	if err := set.AddPath(filepath.Join(dir, "rules.yml")); err != nil {
		t.Fatal(err)
	}
	for _, e := range set.Refused() {
		t.Fatalf("refused: %v", e)
	}
	var opts Options
	if b, err := os.ReadFile(filepath.Join(dir, "placeholders.json")); err == nil {
		if opts.Placeholders, err = ParsePlaceholders(b); err != nil {
			t.Fatal(err)
		}
	}
	ls := AnyLogSource
	if b, err := os.ReadFile(filepath.Join(dir, "logsource")); err == nil {
		if ls, err = ParseLogSource(strings.TrimSpace(string(b))); err != nil {
			t.Fatal(err)
		}
	}
	eng, errs := NewEngine(set, opts)
	for _, e := range errs {
		t.Fatalf("engine refused: %v", e)
	}
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := ReadJSONLines(f, func(line int, err error) { t.Errorf("line %d: %v", line, err) })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var buf []byte
	err = RunEvents(eng, ls, evs, func(d Detection) error {
		buf = d.AppendJSON(buf[:0])
		out.Write(buf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
