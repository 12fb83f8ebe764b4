package sigma

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const countRules = `
title: Failed logon
name: failed
logsource: {product: windows}
detection:
    selection: {EventID: 4625}
    condition: selection
---
title: Burst
id: burst
correlation:
    type: event_count
    rules: [failed]
    group-by: [User]
    timespan: 1m
    condition: {gte: 3}
---
title: Quiet user
id: quiet
correlation:
    type: event_count
    rules: [failed]
    group-by: [User]
    timespan: 10m
    condition: {lt: 2}
`

func engineFor(t *testing.T, text string, opts Options) *Engine {
	t.Helper()
	s := NewRuleSet()
	s.AddFile("rules.yml", []byte(text))
	if errs := s.Refused(); len(errs) > 0 {
		t.Fatal(errs[0])
	}
	e, errs := NewEngine(s, opts)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	return e
}

// summary renders detections compactly: "rule[refs]{group}".
func summary(ds []Detection) []string {
	var out []string
	for _, d := range ds {
		s := fmt.Sprintf("%s%v", d.Rule.Ref(), d.Events)
		for _, g := range d.Group {
			s += "{" + g.Field + "=" + g.Value + "}"
		}
		out = append(out, s)
	}
	return out
}

type tev struct {
	at   int // seconds
	user string
}

func feedAll(c *Correlator, evs []tev, first int, dst []Detection) []Detection {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, ev := range evs {
		dst = c.Process(AnyLogSource, MapEvent{"EventID": "4625", "User": ev.user}, base.Add(time.Duration(ev.at)*time.Second), uint64(first+i), dst)
	}
	return dst
}

var countEvents = []tev{
	{0, "a"}, {10, "b"}, {20, "a"}, {30, "a"}, // burst a at 30s
	{100, "a"}, {200, "c"}, {250, "a"}, {700, "b"}, {1300, "d"}, {1400, "d"},
}

func TestEventCountWindows(t *testing.T) {
	e := engineFor(t, countRules, Options{})
	c := e.NewCorrelator()
	got := feedAll(c, countEvents, 0, nil)
	got = c.FlushAll(got)
	want := []string{
		"burst[0 2 3]{User=a}",
		// quiet (lt 2 in 10m, tumbling from the first event): b's window
		// [10s, 610s] holds one event and closes when 700s arrives; c's
		// [200, 800] closes at 1300; b's second window and d's at the end.
		"quiet[1]{User=b}",
		"quiet[5]{User=c}",
		"quiet[7]{User=b}",
	}
	if d := cmp.Diff(want, summary(got)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

func TestCorrelationStateRoundTrip(t *testing.T) {
	e := engineFor(t, countRules, Options{})
	whole := e.NewCorrelator()
	all := whole.FlushAll(feedAll(whole, countEvents, 0, nil))

	for split := 0; split <= len(countEvents); split++ {
		c1 := e.NewCorrelator()
		got := feedAll(c1, countEvents[:split], 0, nil)
		state, err := c1.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		c2 := e.NewCorrelator()
		if dropped, err := c2.UnmarshalState(state); err != nil || dropped != 0 {
			t.Fatalf("split %d: dropped %d, %v", split, dropped, err)
		}
		got = feedAll(c2, countEvents[split:], split, got)
		got = c2.FlushAll(got)
		if d := cmp.Diff(summary(all), summary(got)); d != "" {
			t.Errorf("split at %d: (-whole +restarted)\n%s", split, d)
		}
	}
}

func TestCorrelationStateChangedRule(t *testing.T) {
	e := engineFor(t, countRules, Options{})
	c := e.NewCorrelator()
	feedAll(c, countEvents[:2], 0, nil)
	state, _ := c.MarshalState()
	// The same ids with another timespan: the old groups mean something else.
	e2 := engineFor(t, strings.Replace(countRules, "timespan: 1m", "timespan: 2m", 1), Options{})
	c2 := e2.NewCorrelator()
	dropped, err := c2.UnmarshalState(state)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != 2 {
		t.Errorf("dropped %d groups of the changed rule, want 2", dropped)
	}
	if _, err := c2.UnmarshalState([]byte(`{"version": 99}`)); err == nil {
		t.Error("accepted an unknown state version")
	}
	if _, err := c2.UnmarshalState([]byte(`not json`)); err == nil {
		t.Error("accepted garbage")
	}
}

func TestCorrelationLimits(t *testing.T) {
	e := engineFor(t, countRules, Options{Correlation: CorrelationLimits{MaxGroups: 4, MaxEventsPerGroup: 5, MaxEvents: 8}})
	c := e.NewCorrelator()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []Detection
	for i := 0; i < 50; i++ {
		got = c.Process(AnyLogSource, MapEvent{"EventID": "4625", "User": fmt.Sprint("u", i%7)}, base.Add(time.Duration(i)*time.Millisecond), uint64(i), got[:0])
		st := c.Stats()
		if st.Groups > 4 || st.Events > 8 {
			t.Fatalf("after %d events: %+v exceeds the bounds", i+1, st)
		}
	}
	if st := c.Stats(); st.EvictedGroups == 0 {
		t.Errorf("no eviction: %+v", st)
	}

	// A threshold the bound cannot hold is refused up front.
	s := NewRuleSet()
	s.AddFile("r.yml", []byte(strings.Replace(countRules, "gte: 3", "gte: 50", 1)))
	_, errs := NewEngine(s, Options{Correlation: CorrelationLimits{MaxEventsPerGroup: 10}})
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "needs 50 events in one group") {
		t.Errorf("got %v", errs)
	}
}

func TestFlushClosesWindows(t *testing.T) {
	e := engineFor(t, countRules, Options{})
	c := e.NewCorrelator()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	got := c.Process(AnyLogSource, MapEvent{"EventID": "4625", "User": "x"}, base, 7, nil)
	if len(got) != 0 {
		t.Fatalf("early detection %v", summary(got))
	}
	if got = c.Flush(base.Add(5*time.Minute), nil); len(got) != 0 {
		t.Errorf("window still open, got %v", summary(got))
	}
	got = c.Flush(base.Add(11*time.Minute), nil)
	if d := cmp.Diff([]string{"quiet[7]{User=x}"}, summary(got)); d != "" {
		t.Error(d)
	}
	if st := c.Stats(); st.Groups != 0 || st.Events != 0 {
		t.Errorf("state left after the windows closed: %+v", st)
	}
}

func TestTemporalOrdered(t *testing.T) {
	e := engineFor(t, `
title: A
name: a
logsource: {product: p}
detection: {sel: {step: a}, condition: sel}
---
title: B
name: b
logsource: {product: p}
detection: {sel: {step: b}, condition: sel}
---
title: C
name: c
logsource: {product: p}
detection: {sel: {step: c}, condition: sel}
---
title: In order
id: ordered
correlation:
    type: temporal_ordered
    rules: [a, b, c]
    group-by: [host]
    timespan: 1m
`, Options{})
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	run := func(steps string, gaps ...int) []string {
		c := e.NewCorrelator()
		var got []Detection
		at := 0
		for i, s := range strings.Split(steps, "") {
			if i < len(gaps) {
				at += gaps[i]
			}
			got = c.Process(AnyLogSource, MapEvent{"step": s, "host": "h"}, base.Add(time.Duration(at)*time.Second), uint64(i), got)
		}
		return summary(c.FlushAll(got))
	}
	for _, tc := range []struct {
		steps string
		gaps  []int
		want  []string
	}{
		{"abc", nil, []string{"ordered[0 1 2]{host=h}"}},
		{"acb", nil, nil},
		{"bac", nil, nil},
		{"abac", nil, []string{"ordered[0 1 2 3]{host=h}"}},
		{"cabc", nil, []string{"ordered[0 1 2 3]{host=h}"}},
		{"abc", []int{0, 30, 40}, nil}, // a and c 70 s apart
	} {
		if d := cmp.Diff(tc.want, run(tc.steps, tc.gaps...)); d != "" {
			t.Errorf("%s %v: %s", tc.steps, tc.gaps, d)
		}
	}
}

func TestGlobalAction(t *testing.T) {
	s := NewRuleSet()
	s.AddFile("legacy.yml", []byte(`
action: global
title: Shared title
logsource:
    product: windows
detection:
    condition: selection
---
id: one
logsource:
    service: security
detection:
    selection:
        EventID: 1
---
id: two
detection:
    selection:
        EventID: 2
---
action: repeat
id: three
`))
	if errs := s.Refused(); len(errs) > 0 {
		t.Fatal(errs)
	}
	rules := s.Rules()
	if len(rules) != 3 {
		t.Fatalf("%d rules", len(rules))
	}
	if r := rules[0]; r.Title != "Shared title" || r.LogSource != (LogSource{Product: "windows", Service: "security"}) {
		t.Errorf("first: %+v", r)
	}
	e, _ := NewEngine(s, Options{})
	got := e.Match(AnyLogSource, MapEvent{"EventID": "2"}, nil)
	if len(got) != 2 || got[0].ID != "two" || got[1].ID != "three" {
		t.Errorf("matched %v", got)
	}
}
