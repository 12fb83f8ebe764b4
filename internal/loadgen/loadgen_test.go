package loadgen_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/loadgen"
	"github.com/sekimori/sekimori/internal/parse"
)

// splitPRI separates the "<PRI>" prefix from the message, as the syslog
// layer does.
func splitPRI(t *testing.T, line []byte) []byte {
	t.Helper()
	if len(line) == 0 || line[0] != '<' {
		t.Fatalf("line does not start with <PRI>: %.60s", line)
	}
	end := bytes.IndexByte(line, '>')
	if end < 2 || end > 4 {
		t.Fatalf("bad <PRI> in %.60s", line)
	}
	return line[end+1:]
}

func TestLinesParse(t *testing.T) {
	const lines = 10000
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	span := 24 * time.Hour
	g := loadgen.New(loadgen.Options{Seed: 1, Start: start, Span: span, Total: lines, Devices: 3})
	p, _ := parse.Lookup("fortigate")

	var (
		buf        []byte
		totalBytes int
		prev       time.Time
		types      = map[string]int{}
		srcips     = map[string]bool{}
		trafficN   int
		trafficF   int
		devices    = map[string]bool{}
	)
	ev := &event.Event{}
	for i := 0; i < lines; i++ {
		buf = g.Next(buf[:0])
		totalBytes += len(buf)
		if bytes.IndexByte(buf, '\n') >= 0 {
			t.Fatalf("line %d has a newline", i)
		}
		ev.Reset()
		ev.Raw = string(buf)
		if err := p.Parse(splitPRI(t, buf), time.UTC, ev); err != nil {
			t.Fatalf("line %d: %v\n%s", i, err, buf)
		}
		if ev.Time.Before(prev) {
			t.Fatalf("line %d: time %v before %v", i, ev.Time, prev)
		}
		if ev.Time.Before(start) || !ev.Time.Before(start.Add(span)) {
			t.Fatalf("line %d: time %v outside [%v, %v)", i, ev.Time, start, start.Add(span))
		}
		prev = ev.Time
		typ, _ := ev.Get("type")
		types[typ]++
		if ip, ok := ev.Get("srcip"); ok {
			srcips[ip] = true
		}
		name, _ := ev.Get("devname")
		devices[name] = true
		if typ == "traffic" {
			trafficN++
			for _, f := range ev.Fields {
				if !strings.Contains(f.Name, ".") && f.Name != "message" {
					trafficF++
				}
			}
		}
		// The whole line, "<PRI>" included, parses too.
		ev.Reset()
		if err := p.Parse(buf, time.UTC, ev); err != nil {
			t.Fatalf("line %d with <PRI>: %v", i, err)
		}
	}

	avg := totalBytes / lines
	if avg < 600 || avg > 1000 {
		t.Errorf("average line length %d bytes, want 600-1000", avg)
	}
	for typ, want := range map[string]float64{"traffic": 0.80, "utm": 0.10, "event": 0.10} {
		got := float64(types[typ]) / lines
		if got < want-0.03 || got > want+0.03 {
			t.Errorf("share of %s logs %.3f, want about %.2f", typ, got, want)
		}
	}
	if fields := float64(trafficF) / float64(trafficN); fields < 38 || fields > 52 {
		t.Errorf("traffic logs average %.1f fields, want about 45", fields)
	}
	if len(srcips) < 1000 {
		t.Errorf("%d distinct source addresses, want thousands", len(srcips))
	}
	if len(devices) != 3 {
		t.Errorf("devices %v, want FG-0001 to FG-0003", devices)
	}
	t.Logf("%d lines, %d bytes on average, %.1f native fields per traffic log, %d source addresses, mix %v",
		lines, avg, float64(trafficF)/float64(trafficN), len(srcips), types)
}

func TestDeterministic(t *testing.T) {
	gen := func(seed int64) []string {
		g := loadgen.New(loadgen.Options{Seed: seed, Total: 500})
		var out []string
		var buf []byte
		for i := 0; i < 500; i++ {
			buf = g.Next(buf[:0])
			out = append(out, string(buf))
		}
		return out
	}
	a, b := gen(42), gen(42)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different lines (-first +second):\n%s", diff)
	}
	if c := gen(43); cmp.Equal(a, c) {
		t.Error("seeds 42 and 43 gave the same lines")
	}
}

func TestDefaults(t *testing.T) {
	g := loadgen.New(loadgen.Options{})
	line := string(g.Next(nil))
	for _, want := range []string{`devname="FG-0001"`, `date=2026-01-05`, `tz="+0900"`} {
		if !strings.Contains(line, want) {
			t.Errorf("first line lacks %s: %s", want, line)
		}
	}
}

func TestNextAppends(t *testing.T) {
	g := loadgen.New(loadgen.Options{Seed: 7})
	dst := []byte("prefix|")
	out := g.Next(dst)
	if !bytes.HasPrefix(out, []byte("prefix|<")) {
		t.Errorf("Next did not append to dst: %.40s", out)
	}
}

func ExampleGenerator_Next() {
	g := loadgen.New(loadgen.Options{Seed: 1, Total: 10})
	line := g.Next(nil)
	fmt.Println(string(line[:5]))
	// Output: <189>
}

func BenchmarkNext(b *testing.B) {
	g := loadgen.New(loadgen.Options{Seed: 1})
	var buf []byte
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		buf = g.Next(buf[:0])
		n += int64(len(buf))
	}
	b.SetBytes(n / int64(b.N))
}
