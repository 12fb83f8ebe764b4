package sigma

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

// corpusDir is SigmaHQ's rule repository, shared by the project outside
// the module. Tests that need it skip when it is absent.
const corpusDir = "../../../shared/corpus/sigmahq"

var corpusRuleDirs = []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder"}

func needCorpus(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corpusDir, "rules")); err != nil {
		t.Skipf("SigmaHQ corpus not found at %s (it lives in the shared workspace, outside the module): %v", corpusDir, err)
	}
}

var (
	corpusOnce sync.Once
	corpusSet  *RuleSet
	corpusErr  error
)

// loadCorpus loads every rule directory of the corpus once per test binary.
func loadCorpus(t testing.TB) *RuleSet {
	t.Helper()
	needCorpus(t)
	corpusOnce.Do(func() {
		s := NewRuleSet()
		for _, d := range corpusRuleDirs {
			if err := s.AddPath(filepath.Join(corpusDir, d)); err != nil {
				corpusErr = err
				return
			}
		}
		corpusSet = s
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusSet
}

// reasonKey groups refusal messages: quoted details and numbers removed.
var reasonDetail = regexp.MustCompile(`"[^"]*"|'[^']*'|\d+`)

func TestCorpusLoad(t *testing.T) {
	s := loadCorpus(t)
	var files int
	for _, d := range corpusRuleDirs {
		filepath.WalkDir(filepath.Join(corpusDir, d), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				files++
			}
			return nil
		})
	}
	rules, refused := s.Rules(), s.Refused()
	t.Logf("corpus: %d files, %d rules loaded, %d refused", files, len(rules), len(refused))
	groups := map[string][]string{}
	for _, e := range refused {
		k := reasonDetail.ReplaceAllString(e.Msg, "…")
		groups[k] = append(groups[k], e.Error())
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(groups[keys[i]]) > len(groups[keys[j]]) })
	for _, k := range keys {
		t.Logf("refused %4d× %s", len(groups[k]), k)
		for i, e := range groups[k] {
			if i == 3 {
				break
			}
			t.Logf("        e.g. %s", e)
		}
	}
	// Every refusal found so far is a genuine violation of the
	// specification; the bound keeps new ones from slipping in unnoticed.
	if len(refused) > maxCorpusRefused {
		t.Errorf("%d rules refused, more than the %d expected", len(refused), maxCorpusRefused)
	}
	if len(rules)+len(refused) < files {
		t.Errorf("%d files but only %d rules and %d refusals: something was skipped silently", files, len(rules), len(refused))
	}
}

// maxCorpusRefused is the number of corpus rules refused when this was
// written (see TestCorpusLoad's log for the reasons).
const maxCorpusRefused = 0
