package sigma

import (
	"strings"
	"testing"
)

func TestParseCondition(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a", "a"},
		{"a and b", "(a and b)"},
		{"a or b and c", "(a or (b and c))"},
		{"a and b or c", "((a and b) or c)"},
		{"not a and b", "(not a and b)"},
		{"not (a and b)", "not (a and b)"},
		{"a and not b or not c", "((a and not b) or not c)"},
		{"(a or b) and c", "((a or b) and c)"},
		{"1 of sel* and not 1 of filter*", "(1 of sel* and not 1 of filter*)"},
		{"all of them", "all of them"},
		{"any of them", "1 of them"},
		{"a AND b OR NOT c", "((a and b) or not c)"},
		{"a and b and c", "(a and b and c)"},
		{"((a))", "a"},
		{"all of x* or 1 of them", "(all of x* or 1 of them)"},
	} {
		n, err := parseCondition(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := n.String(); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestConditionErrors(t *testing.T) {
	defined := []string{"sel", "sel2", "filter", "_hidden"}
	for _, tc := range []struct{ in, want string }{
		{"", "empty condition"},
		{"sel and", "condition ends"},
		{"sel or or sel2", `unexpected "or"`},
		{"(sel", "missing ')'"},
		{"sel)", `unexpected ")"`},
		{"sel | count() > 5", "aggregation expressions"},
		{"sel near sel2", `unexpected "near"`},
		{"near sel", "'near' is obsolete"},
		{"nope", `undefined search identifier "nope"`},
		{"sel*", "needs '1 of' or 'all of'"},
		{"1 of nothing*", `"nothing*" matches no search identifier`},
		{"2 of sel*", "quantifier"},
		{"1 of", "must be followed by them or an identifier pattern"},
		{"not", "condition ends"},
		{"sel sel2", `unexpected "sel2"`},
	} {
		n, err := parseCondition(tc.in)
		if err == nil {
			err = n.resolve(defined)
		}
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.in, tc.want)
			continue
		}
		if !strings.Contains(err.msg, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.in, err.msg, tc.want)
		}
	}
}

// TestConditionEval uses selections that match when the event has a field
// of the selection's name.
func TestConditionEval(t *testing.T) {
	det := "sel1: {sel1: y}\nsel2: {sel2: y}\nsel_x: {sel_x: y}\nfilter_a: {filter_a: y}\nfilter_b: {filter_b: y}\n_hidden: {_hidden: y}\n"
	ev := func(names ...string) MapEvent {
		m := MapEvent{}
		for _, n := range names {
			m[n] = "y"
		}
		return m
	}
	for _, tc := range []struct {
		cond string
		ev   MapEvent
		want bool
	}{
		{"sel1 and sel2", ev("sel1", "sel2"), true},
		{"sel1 and sel2", ev("sel1"), false},
		{"sel1 or sel2", ev("sel2"), true},
		{"sel1 and not sel2", ev("sel1", "sel2"), false},
		{"sel1 or sel2 and filter_a", ev("sel1"), true},
		{"(sel1 or sel2) and filter_a", ev("sel1"), false},
		{"1 of sel*", ev("sel_x"), true},
		{"1 of sel*", ev("filter_a"), false},
		{"all of sel*", ev("sel1", "sel2"), false},
		{"all of sel*", ev("sel1", "sel2", "sel_x"), true},
		{"sel1 and not 1 of filter_*", ev("sel1", "filter_b"), false},
		{"sel1 and not 1 of filter_*", ev("sel1"), true},
		{"1 of them", ev("_hidden"), false},
		{"1 of them", ev("filter_b"), true},
		{"all of them", ev("sel1", "sel2", "sel_x", "filter_a", "filter_b"), true},
		{"all of them and _hidden", ev("sel1", "sel2", "sel_x", "filter_a", "filter_b"), false},
		{"not not sel1", ev("sel1"), true},
		{"all of sel? ", ev("sel1", "sel2"), false}, // '?' is not a wildcard in identifier patterns
	} {
		t.Run(tc.cond, func(t *testing.T) {
			s := NewRuleSet()
			s.AddFile("c.yml", []byte(ruleText(det+"condition: '"+tc.cond+"'")))
			if errs := s.Refused(); len(errs) > 0 {
				if tc.cond == "all of sel? " && strings.Contains(errs[0].Msg, "matches no search identifier") {
					return
				}
				t.Fatal(errs[0])
			}
			e, _ := NewEngine(s, Options{})
			if got := matches(e, tc.ev); got != tc.want {
				t.Errorf("%v: got %v, want %v", tc.ev, got, tc.want)
			}
		})
	}
}

func TestConditionList(t *testing.T) {
	e := compileOne(t, ruleText("a: {a: y}\nb: {b: y}\ncondition:\n    - a\n    - b"), Options{})
	if !matches(e, MapEvent{"b": "y"}) || matches(e, MapEvent{"c": "y"}) {
		t.Error("a list of conditions is their OR")
	}
}
