package sigma

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seedRules adds the rule files of testdata as fuzz seeds.
func seedRules(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yml")
	more, _ := filepath.Glob("testdata/*/*/*.yml")
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(ruleText("sel: {f|wide|base64offset|contains: 'abc', g|re|i: '^x+$', h|cidr: '::1/128'}\ncondition: sel")))
}

// FuzzParseFile: any input is refused with a positioned error or accepted;
// accepted rules compile and evaluate without panicking.
func FuzzParseFile(f *testing.F) {
	seedRules(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		rules, errs := ParseFile("fuzz.yml", src)
		for _, e := range errs {
			if e.File != "fuzz.yml" || e.Msg == "" {
				t.Fatalf("malformed error %+v", e)
			}
		}
		if len(rules) == 0 {
			return
		}
		s := NewRuleSet()
		for _, r := range rules {
			s.AddRule(r)
		}
		ph := map[string][]string{}
		for _, r := range s.Rules() {
			for _, p := range r.Placeholders() {
				ph[p] = []string{"v"}
			}
		}
		e, _ := NewEngine(s, Options{Placeholders: ph})
		ev := MapEvent{"Image": `C:\x.exe`, "CommandLine": "a -b /c", "EventID": "1", "n": "42"}
		e.Match(AnyLogSource, ev, nil)
		c := e.NewCorrelator()
		c.Process(AnyLogSource, ev, testTime, 1, nil)
		c.FlushAll(nil)
	})
}

// FuzzCondition: the condition parser never panics, and what it accepts
// prints to a form it parses the same way.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		"selection", "a and not b", "1 of sel* and not all of filter_*", "(a or b) and (c or not (d and e))",
		"all of them", "any of them", "a | count() > 5", "((((a))))", "not not a", "a AND b OR c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseCondition(s)
		if err != nil {
			if err.off < 0 || err.off > len(s) {
				t.Fatalf("offset %d outside %q", err.off, s)
			}
			return
		}
		again, err := parseCondition(n.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, n.String(), err)
		}
		if again.String() != n.String() {
			t.Fatalf("%q: %q then %q", s, n.String(), again.String())
		}
		names := []string{"a", "b", "sel1", "_x"}
		if n.resolve(names) == nil {
			n.eval(func(string) bool { return true })
		}
	})
}

// FuzzSigmaString: escapes and wildcards round-trip through String, and
// matching never panics.
func FuzzSigmaString(f *testing.F) {
	for _, s := range []string{`a*b?c`, `\*`, `\\*`, `\\\*`, `C:\Windows\*`, `%x%`, `\%y%z%`, "–—―-/"} {
		f.Add(s, "value")
	}
	f.Fuzz(func(t *testing.T, pat, val string) {
		ss := parseSigmaString(pat, false)
		if again := parseSigmaString(ss.String(), false).normalize(); ss.normalize().String() != again.String() {
			t.Fatalf("%q -> %q -> %q", pat, ss.String(), again.String())
		}
		for _, cased := range []bool{false, true} {
			p := compilePattern(ss.windash(), cased)
			v := val
			if !cased {
				v = string(lowerInto(nil, val))
			}
			p.match(v)
		}
		parseSigmaString(pat, true)
	})
}

// FuzzJSONEvent: any JSON object flattens without panicking and every
// field Range reports can be looked up.
func FuzzJSONEvent(f *testing.F) {
	f.Add([]byte(`{"a": {"b": [1, "x", null, {"c": true}]}, "Event": {"System": {"Provider": {"#attributes": {"Name": "n"}}}, "EventData": {"A B": "v"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseJSONEvent(b)
		if err != nil {
			return
		}
		ev.Range(func(name, value string) bool {
			vals, found := ev.Lookup(name, nil)
			if !found || !strings.Contains(strings.Join(vals, "\x00"), value) {
				t.Fatalf("Range gave %s=%q, Lookup %q %v", name, value, vals, found)
			}
			return true
		})
	})
}

var testTime = mustTime("2025-01-01T00:00:00Z")

func mustTime(s string) (t time.Time) {
	t, _ = time.Parse(time.RFC3339, s)
	return t
}
