package sigma

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefused loads every file of testdata/refuse; each must be refused,
// and its first line says where and why: "# want: LINE:COL: reason".
func TestRefused(t *testing.T) {
	files, _ := filepath.Glob("testdata/refuse/*.yml")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want := wantLine(t, f)
			s := NewRuleSet()
			if err := s.AddPath(f); err != nil {
				t.Fatal(err)
			}
			errs := s.Refused()
			if len(errs) == 0 {
				t.Fatalf("accepted; want refusal %q", want)
			}
			got := errs[0].Error()
			if !strings.HasPrefix(got, f+":") || !strings.Contains(got[len(f)+1:], want) {
				t.Errorf("got  %s\nwant %s:%s", got, f, want)
			}
		})
	}
}

func wantLine(t *testing.T, path string) string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if w, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
			return w
		}
	}
	t.Fatalf("%s has no '# want:' line", path)
	return ""
}
