package devconfig

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// bigFortiOS is a backup of about n lines, mostly firewall policies.
func bigFortiOS(n int) []byte {
	lines := bigConfig(n, rand.New(rand.NewPCG(1, 2)))
	return []byte(hdr + strings.Join(lines, "\n") + "\n")
}

// TestLargeConfig runs the whole flow on a 100,000-line backup whose
// ruleset was mostly wiped, to keep every step near-linear.
func TestLargeConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("large config")
	}
	old := bigFortiOS(100_000)
	lines := strings.SplitAfter(string(old), "\n")
	kept := strings.Join(lines[:20_000], "")
	wiped := []byte(kept[:strings.LastIndex(kept, "    next\n")] + "    next\nend\n")
	start := time.Now()
	a, err := ParseFortiOS(old)
	if err != nil {
		t.Fatal(err)
	}
	b := mustParse(t, wiped)
	parsed := time.Since(start)
	changes := SemanticDiff(a, b)
	script := RestoreScript(b, a)
	s, err := Summarize(KindFortiOS, old, wiped)
	if err != nil {
		t.Fatal(err)
	}
	d := UnifiedDiff("a", "b", Mask(KindFortiOS, old), Mask(KindFortiOS, wiped), 3)
	t.Logf("parse %v; all steps %v; %d changes, script %d bytes, diff %d bytes, %s: %s",
		parsed, time.Since(start), len(changes), len(script), len(d), s.Severity(), s.Reason("en"))
	if s.Severity() != SeverityCritical {
		t.Errorf("severity %s", s.Severity())
	}
	if n := strings.Count(script, "\n    edit "); n != 8001 {
		t.Errorf("script recreates %d policies, want 8001", n)
	}
}

func BenchmarkParseFortiOS(b *testing.B) {
	data := bigFortiOS(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFortiOS(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFingerprint(b *testing.B) {
	data := bigFortiOS(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		Fingerprint(KindFortiOS, data)
	}
}

func BenchmarkSemanticDiff(b *testing.B) {
	x := mustParse(b, bigFortiOS(100_000))
	y := mustParse(b, []byte(strings.Replace(string(bigFortiOS(100_000)), "set action accept", "set action deny", 100)))
	b.ReportAllocs()
	for b.Loop() {
		SemanticDiff(x, y)
	}
}
