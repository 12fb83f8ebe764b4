package drift

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/loadgen"
	"github.com/sekimori/sekimori/internal/parse"
	"github.com/sekimori/sekimori/internal/syslog"
)

func ev(fields []string, version string, failed bool) *event.Event {
	e := &event.Event{TenantID: 1, Device: "fg1", Format: "fortigate", FormatVersion: version, Raw: fmt.Sprint(fields)}
	for _, f := range fields {
		e.Fields = append(e.Fields, event.Field{Name: f, Value: "x"})
	}
	e.Fields = append(e.Fields, event.Field{Name: "log.syslog.priority", Value: "189"})
	if failed {
		e.ParseError = "bad"
	}
	return e
}

// named is an event of device fw with these fields, in order.
func named(names ...string) *event.Event {
	ev := &event.Event{TenantID: 1, Device: "fw", Format: "kv", FormatVersion: "1", Raw: strings.Join(names, " ")}
	for _, n := range names {
		ev.Add(n, "v")
	}
	return ev
}

func kinds(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Kind+":"+c.Field)
	}
	return out
}

func TestDrift(t *testing.T) {
	d := New(Options{Learn: 100, Window: time.Minute})
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	base := []string{"logid", "srcip", "dstip", "action"}
	var batch []*event.Event
	for i := range 100 {
		fs := base
		if i%10 == 0 {
			fs = append(append([]string{}, base...), "occasional")
		}
		batch = append(batch, ev(fs, "7.2", false))
	}
	if cs := d.Observe(batch, t0); len(cs) != 0 {
		t.Fatalf("learning must not report: %v", kinds(cs))
	}
	// Normal traffic: nothing to report, also after the window closes.
	batch = batch[:0]
	for range 50 {
		batch = append(batch, ev(base, "7.2", false))
	}
	if cs := d.Observe(batch, t0.Add(10*time.Second)); len(cs) != 0 {
		t.Fatalf("normal lines: %v", kinds(cs))
	}
	if cs := d.Observe(nil, t0.Add(61*time.Second)); len(cs) != 0 {
		t.Fatalf("normal window: %v", kinds(cs))
	}
	// A firmware upgrade: srcip renamed to src, a new version, failures.
	batch = batch[:0]
	for i := range 40 {
		batch = append(batch, ev([]string{"logid", "src", "dstip", "action"}, "7.6", i%5 == 0))
	}
	cs := d.Observe(batch, t0.Add(70*time.Second))
	got := fmt.Sprint(kinds(cs))
	if got != "[version_changed:7.6 new_field:src]" {
		t.Fatalf("at the first changed line: %s", got)
	}
	cs = d.Observe(nil, t0.Add(125*time.Second))
	if got := fmt.Sprint(kinds(cs)); got != "[field_missing:srcip parse_failures:parse.error]" {
		t.Fatalf("at the end of the window: %s", got)
	}
	if cs[1].Example == "" {
		t.Error("parse failure drift without an example line")
	}
	// The same new field is reported once.
	if cs := d.Observe([]*event.Event{ev([]string{"logid", "src", "dstip", "action"}, "7.6", false)}, t0.Add(130*time.Second)); len(cs) != 0 {
		t.Fatalf("repeated: %v", kinds(cs))
	}
}

// TestShapesAcrossWindows: counts kept per shape still add up per window,
// and many distinct shapes (past maxShapes) lose nothing.
func TestShapesAcrossWindows(t *testing.T) {
	d := New(Options{Learn: 10, Window: time.Minute})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []*event.Event
	for range 10 {
		evs = append(evs, named("a", "b"))
	}
	d.Observe(evs, now) // learned: a and b are usual
	// Window 1: every line has a and b, in many distinct shapes.
	evs = evs[:0]
	for i := range maxShapes + 100 {
		evs = append(evs, named("a", "b", fmt.Sprint("x", i)))
	}
	cs := d.Observe(evs, now.Add(time.Second))
	news := 0
	for _, c := range cs {
		if c.Kind == "new_field" {
			news++
		}
	}
	if news == 0 {
		t.Fatal("no new fields reported")
	}
	if cs := d.Observe(nil, now.Add(2*time.Minute)); len(cs) != 0 {
		t.Fatalf("window 1 closed with %v: a and b were in every line", kinds(cs))
	}
	// Window 2: b disappears.
	evs = evs[:0]
	for range 30 {
		evs = append(evs, named("a"))
	}
	if got := fmt.Sprint(kinds(d.Observe(evs, now.Add(3*time.Minute)))); got != "[field_missing:b]" {
		t.Fatalf("window 2: %s", got)
	}
}

func BenchmarkObserve(b *testing.B) {
	d := New(Options{Learn: 10})
	ev := &event.Event{TenantID: 1, Device: "fw", Format: "fortigate", FormatVersion: "7"}
	for i := range 80 {
		ev.Add(fmt.Sprint("field", i), "value")
	}
	evs := []*event.Event{ev}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		d.Observe(evs, now)
	}
}

// BenchmarkObserveFortiGate feeds the generated FortiGate mix (traffic, UTM
// and event lines of many shapes), as the pipeline does, in batches.
func BenchmarkObserveFortiGate(b *testing.B) {
	p, _ := parse.Lookup("fortigate")
	g := loadgen.New(loadgen.Options{Seed: 1, Total: 4096, Start: time.Now().Add(-time.Hour)})
	evs := make([]*event.Event, 4096)
	for i := range evs {
		e := &event.Event{TenantID: 1, Device: "fg1", Format: "fortigate"}
		msg := syslog.Parse(g.Next(nil), syslog.ParseOptions{Location: time.UTC, Now: time.Now()})
		e.Fields = msg.HeaderFields(e.Fields)
		if err := p.Parse(msg.Msg, time.UTC, e); err != nil {
			b.Fatal(err)
		}
		evs[i] = e
	}
	d := New(Options{Learn: 1000})
	now := time.Now()
	d.Observe(evs, now)
	b.ResetTimer()
	for i := 0; i < b.N; i += len(evs) {
		d.Observe(evs[:min(len(evs), b.N-i)], now)
	}
}

// Shapes are keyed by each name's length and first and last bytes; two
// shapes with the same key must still be told apart.
func TestShapesSameKey(t *testing.T) {
	d := New(Options{Learn: 10, Window: time.Minute})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []*event.Event
	for range 10 {
		evs = append(evs, named("srcip", "dstip"))
	}
	d.Observe(evs, now)
	d.Observe([]*event.Event{named("srcip", "dstip")}, now.Add(time.Second)) // the learned shape, checked
	cs := d.Observe([]*event.Event{named("srcip", "dxxip")}, now.Add(2*time.Second))
	if got := fmt.Sprint(kinds(cs)); got != "[new_field:dxxip]" {
		t.Fatalf("a shape with the key of a known one: %s", got)
	}
}

// A sender whose field names all share one cheap key still costs a
// bounded number of comparisons per line, and every shape is told apart.
func TestShapesManySameKey(t *testing.T) {
	d := New(Options{Learn: 10, Window: time.Minute})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []*event.Event
	for range 10 {
		evs = append(evs, named("a00z"))
	}
	d.Observe(evs, now)
	evs = evs[:0]
	for i := range 1000 {
		evs = append(evs, named(fmt.Sprintf("a%02dz", i%100), fmt.Sprintf("b%02dz", i/100)))
	}
	news := 0
	for _, c := range d.Observe(evs, now.Add(time.Second)) {
		if c.Kind == "new_field" {
			news++
		}
	}
	if news != 99+10 {
		t.Fatalf("%d new fields reported, want 109", news)
	}
	p := d.p[key{1, "fw", "kv"}]
	longest := 0
	for _, list := range p.shapes {
		longest = max(longest, len(list))
	}
	if longest > maxSameKey {
		t.Fatalf("a key holds %d shapes, want at most %d", longest, maxSameKey)
	}
}

// TestWindowsWithFrequentCalls: the pipeline calls Observe with a few
// dozen events at a time, many times a second; windows still close, about
// a window after they start.
func TestWindowsWithFrequentCalls(t *testing.T) {
	d := New(Options{Learn: 100, Window: time.Minute})
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var learn []*event.Event
	for range 100 {
		learn = append(learn, ev([]string{"logid", "srcip"}, "7.2", false))
	}
	d.Observe(learn, t0)
	changed := []*event.Event{ev([]string{"logid"}, "7.2", false)}
	for now := t0; now.Before(t0.Add(2 * time.Minute)); now = now.Add(100 * time.Millisecond) {
		for _, c := range d.Observe(changed, now) {
			if c.Kind == "field_missing" {
				if late := now.Sub(t0); late < time.Minute || late > time.Minute+time.Second {
					t.Fatalf("field_missing reported %v after the window started, want 1m to 1m1s", late)
				}
				return
			}
		}
	}
	t.Fatal("no field_missing reported in two minutes of calls every 100 ms")
}
