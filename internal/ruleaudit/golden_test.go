package ruleaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/devconfig"
)

var update = flag.Bool("update", false, "rewrite the .golden files under testdata (never in CI)")

// goldenNow is the moment golden audits are judged at.
var goldenNow = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// goldenResult is what a golden file holds for one configuration.
type goldenResult struct {
	Problems []Problem `json:"problems"`
	Report   Report    `json:"report"`
}

// convertFile converts a testdata configuration by its folder: fortios
// or rtx.
func convertFile(t *testing.T, path string) (Ruleset, []Problem) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rs Ruleset
	var probs []Problem
	switch filepath.Base(filepath.Dir(path)) {
	case "fortios":
		cfg, err := devconfig.ParseFortiOS(data)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		rs, probs, err = FromFortiOS(cfg, "")
		if err != nil {
			t.Fatal(err)
		}
	case "rtx":
		rs, probs, err = FromRTX(data)
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("%s: unknown vendor folder", path)
	}
	return rs, probs
}

// TestGolden converts and audits every testdata/<vendor>/*.conf and
// compares with the .golden file beside it. A <name>.hits.json beside a
// FortiOS config holds monitor API counters for the unused check.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.conf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(path, "testdata/"), ".conf"), func(t *testing.T) {
			rs, probs := convertFile(t, path)
			if rs.Device == "" {
				rs.Device = strings.TrimSuffix(filepath.Base(path), ".conf")
			}
			opts := Options{Now: goldenNow}
			hitsPath := strings.TrimSuffix(path, ".conf") + ".hits.json"
			if data, err := os.ReadFile(hitsPath); err == nil {
				if opts.Hits, err = FortiOSHits(data, "root"); err != nil {
					t.Fatal(err)
				}
			} else if !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(goldenResult{Problems: probs, Report: Audit(rs, opts)}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(path, ".conf") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs (-want +got):\n%s", golden, cmp.Diff(string(want), string(got)))
			}
		})
	}
}
