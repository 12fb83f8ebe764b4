package sigma

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RuleSet collects rules from files and checks the references between
// them: duplicate ids and names, correlations and filters naming rules
// that are missing or refused. A RuleSet is not safe for concurrent use;
// engines built from it do not change it.
type RuleSet struct {
	accepted  []*Rule
	parseErrs []*Error
	resolved  bool
	refused   []*Error // parseErrs and what resolve found
	// filled by resolve
	rules   []*Rule
	byRef   map[string]*Rule
	targets map[*Rule][]*Rule // correlation or filter -> referenced rules
}

// NewRuleSet returns an empty set.
func NewRuleSet() *RuleSet { return &RuleSet{} }

// AddFile parses one rule file held in memory.
func (s *RuleSet) AddFile(name string, src []byte) {
	rules, errs := ParseFile(name, src)
	s.accepted = append(s.accepted, rules...)
	s.parseErrs = append(s.parseErrs, errs...)
	s.resolved = false
}

// AddRule adds an already parsed rule.
func (s *RuleSet) AddRule(r *Rule) {
	s.accepted = append(s.accepted, r)
	s.resolved = false
}

// AddPath adds a rule file, or every *.yml and *.yaml file under a
// directory, in lexical order. Only I/O errors are returned; refused rules
// are listed by Refused.
func (s *RuleSet) AddPath(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s.AddFile(path, b)
		return nil
	}
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		ext := strings.ToLower(filepath.Ext(p))
		if ext != ".yml" && ext != ".yaml" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.AddFile(p, b)
		return nil
	})
}

// Rules returns the accepted rules (detections, correlations and filters)
// in the order they were added.
func (s *RuleSet) Rules() []*Rule {
	s.resolve()
	return s.rules
}

// Refused returns why rules were refused, in the order found.
func (s *RuleSet) Refused() []*Error {
	s.resolve()
	return s.refused
}

// Lookup finds an accepted rule by id or name.
func (s *RuleSet) Lookup(ref string) *Rule {
	s.resolve()
	return s.byRef[ref]
}

func (s *RuleSet) refuse(r *Rule, p Pos, format string, args ...any) {
	s.refused = append(s.refused, &Error{File: r.File, Line: p.Line, Col: p.Col, Rule: r.Ref(), Msg: fmt.Sprintf(format, args...)})
}

// resolve checks ids, names and references until nothing more is refused.
func (s *RuleSet) resolve() {
	if s.resolved {
		return
	}
	s.resolved = true
	s.refused = append([]*Error(nil), s.parseErrs...)
	live := map[*Rule]bool{}
	for _, r := range s.accepted {
		live[r] = true
	}
	for {
		changed := false
		byRef := map[string]*Rule{}
		first := map[string]*Rule{}
		for _, r := range s.accepted {
			if !live[r] {
				continue
			}
			for _, key := range []string{r.ID, r.Name} {
				if key == "" {
					continue
				}
				if other, dup := first[key]; dup && other != r {
					s.refuse(r, r.Pos, "duplicate id or name %q (first in %s:%d)", key, other.File, other.Pos.Line)
					live[r] = false
					changed = true
					break
				}
				first[key] = r
				byRef[key] = r
			}
		}
		targets := map[*Rule][]*Rule{}
		for _, r := range s.accepted {
			if !live[r] || (r.corr == nil && r.filter == nil) {
				continue
			}
			var refs []*node
			if r.corr != nil {
				refs = r.corr.rules
			} else {
				refs = r.filter.rules
			}
			for _, ref := range refs {
				t, ok := byRef[ref.text]
				if !ok {
					s.refuse(r, ref.pos, "references unknown or refused rule %q", ref.text)
					live[r] = false
					changed = true
					break
				}
				if r.filter != nil && t.Kind != KindDetection {
					s.refuse(r, ref.pos, "filter references %q, which is a %s rule; filters apply to detection rules", ref.text, t.Kind)
					live[r] = false
					changed = true
					break
				}
				targets[r] = append(targets[r], t)
			}
			if live[r] && r.corr != nil {
				if msg, p := checkAliases(r, targets[r]); msg != "" {
					s.refuse(r, p, "%s", msg)
					live[r] = false
					changed = true
				}
			}
		}
		if !changed {
			// Cycles among correlations.
			for _, r := range s.accepted {
				if live[r] && r.corr != nil && inCycle(r, targets) {
					s.refuse(r, r.corr.pos, "correlation refers to itself through its rules")
					live[r] = false
					changed = true
				}
			}
		}
		if !changed {
			s.rules = s.rules[:0]
			for _, r := range s.accepted {
				if live[r] {
					s.rules = append(s.rules, r)
				}
			}
			s.byRef = byRef
			s.targets = targets
			return
		}
	}
}

// checkAliases verifies that aliases name rules of the correlation.
func checkAliases(r *Rule, targets []*Rule) (string, Pos) {
	names := map[string]bool{}
	for i, t := range targets {
		names[r.corr.rules[i].text] = true
		if t.Name != "" {
			names[t.Name] = true
		}
		if t.ID != "" {
			names[t.ID] = true
		}
	}
	aliases := make([]string, 0, len(r.corr.aliases))
	for a := range r.corr.aliases {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		for rn := range r.corr.aliases[a] {
			if !names[rn] {
				return fmt.Sprintf("alias %q names rule %q, which the correlation does not reference", a, rn), r.corr.pos
			}
		}
	}
	return "", Pos{}
}

func inCycle(start *Rule, targets map[*Rule][]*Rule) bool {
	seen := map[*Rule]bool{}
	var walk func(r *Rule) bool
	walk = func(r *Rule) bool {
		for _, t := range targets[r] {
			if t == start {
				return true
			}
			if !seen[t] {
				seen[t] = true
				if walk(t) {
					return true
				}
			}
		}
		return false
	}
	return walk(start)
}
