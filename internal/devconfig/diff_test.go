package devconfig

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var hunkRE = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyUnified applies a unified diff to a, as patch would, checking the
// context and the hunk counts on the way.
func applyUnified(t testing.TB, a, diff string) string {
	t.Helper()
	if diff == "" {
		return a
	}
	src := diffLines([]byte(a))
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		t.Fatalf("bad header:\n%s", diff)
	}
	var out []string
	pos := 0 // next line of src to copy
	num := func(s string, def int) int {
		if s == "" {
			return def
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	for i := 2; i < len(lines) && lines[i] != ""; {
		m := hunkRE.FindStringSubmatch(strings.TrimSuffix(lines[i], "\n"))
		if m == nil {
			t.Fatalf("bad hunk header %q in:\n%s", lines[i], diff)
		}
		aStart, aN, bN := num(m[1], 0), num(m[2], 1), num(m[4], 1)
		if aN > 0 {
			aStart--
		}
		if aStart < pos {
			t.Fatalf("hunks overlap at %q", lines[i])
		}
		out = append(out, src[pos:aStart]...)
		pos = aStart
		i++
		gotA, gotB := 0, 0
		for i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@") {
			l := lines[i]
			body := l[1:]
			if i+1 < len(lines) && lines[i+1] == "\\ No newline at end of file\n" {
				body = strings.TrimSuffix(body, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if pos >= len(src) || src[pos] != body {
					t.Fatalf("context mismatch at a line %d: %q vs %q", pos+1, body, src[min(pos, len(src)-1)])
				}
				pos++
				gotA++
				if l[0] == ' ' {
					out = append(out, body)
					gotB++
				}
			case '+':
				out = append(out, body)
				gotB++
			default:
				t.Fatalf("bad line %q", l)
			}
			i++
		}
		if gotA != aN || gotB != bN {
			t.Fatalf("hunk %q counts %d,%d", m[0], gotA, gotB)
		}
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, "")
}

func TestUnifiedDiffFormat(t *testing.T) {
	a := "config firewall policy\n    edit 1\n        set action accept\n    next\n    edit 2\n        set action deny\n    next\nend\n"
	b := "config firewall policy\n    edit 1\n        set action deny\n    next\n    edit 2\n        set action deny\n    next\nend\n"
	want := `--- gen 3
+++ gen 4
@@ -2,3 +2,3 @@
     edit 1
-        set action accept
+        set action deny
     next
`
	if got := UnifiedDiff("gen 3", "gen 4", []byte(a), []byte(b), 1); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	tests := []struct {
		a, b    string
		context int
		want    string
	}{
		{"x\n", "x\n", 3, ""},
		{"", "a\n", 3, "--- a\n+++ b\n@@ -0,0 +1 @@\n+a\n"},
		{"a\n", "", 3, "--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n"},
		{"a\nb", "a\nb\n", 3, "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"a\nb\nc\nd\ne\nf\ng\n", "a\nB\nc\nd\ne\nF\ng\n", 1,
			"--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -5,3 +5,3 @@\n e\n-f\n+F\n g\n"},
		{"a\nb\nc\nd\ne\nf\ng\n", "a\nB\nc\nd\ne\nF\ng\n", 2,
			"--- a\n+++ b\n@@ -1,7 +1,7 @@\n a\n-b\n+B\n c\n d\n e\n-f\n+F\n g\n"},
		{"a\nb\nc\n", "a\nc\n", 0, "--- a\n+++ b\n@@ -2 +1,0 @@\n-b\n"},
		{"a\nc\n", "a\nb\nc\n", -1, "--- a\n+++ b\n@@ -1,2 +1,3 @@\n a\n+b\n c\n"},
	}
	for _, tt := range tests {
		got := UnifiedDiff("a", "b", []byte(tt.a), []byte(tt.b), tt.context)
		if got != tt.want {
			t.Errorf("UnifiedDiff(%q, %q, %d):\n%s\nwant:\n%s", tt.a, tt.b, tt.context, got, tt.want)
		}
		if applied := applyUnified(t, tt.a, got); applied != tt.b {
			t.Errorf("patch gives %q, want %q", applied, tt.b)
		}
	}
}

// lcsLen is the textbook O(nm) longest common subsequence.
func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestUnifiedDiffMinimalRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	gen := func() string {
		var b strings.Builder
		for range r.IntN(12) {
			fmt.Fprintf(&b, "%c\n", 'a'+r.IntN(3))
		}
		s := b.String()
		if s != "" && r.IntN(5) == 0 {
			s = strings.TrimSuffix(s, "\n")
		}
		return s
	}
	for i := range 5000 {
		a, b := gen(), gen()
		d := UnifiedDiff("a", "b", []byte(a), []byte(b), r.IntN(4))
		if got := applyUnified(t, a, d); got != b {
			t.Fatalf("case %d: patch(%q) = %q, want %q\n%s", i, a, got, b, d)
		}
		la, lb := diffLines([]byte(a)), diffLines([]byte(b))
		edits := 0
		for _, l := range strings.SplitAfter(d, "\n")[min(2, len(d)):] {
			if strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+") {
				edits++
			}
		}
		if want := len(la) + len(lb) - 2*lcsLen(la, lb); edits != want {
			t.Fatalf("case %d: %d edits, minimal is %d\n%s", i, edits, want, d)
		}
	}
}

// bigConfig writes a FortiOS-like config of about n lines.
func bigConfig(n int, r *rand.Rand) []string {
	lines := []string{"config firewall policy"}
	for id := 1; len(lines) < n; id++ {
		lines = append(lines, fmt.Sprintf("    edit %d", id),
			fmt.Sprintf("        set uuid %08x-0000-4000-8000-%012x", id, r.Uint64()>>16),
			`        set srcintf "port1"`, `        set dstintf "wan1"`, "        set action accept",
			fmt.Sprintf(`        set srcaddr "h%d"`, r.IntN(50)), `        set dstaddr "all"`,
			`        set schedule "always"`, `        set service "ALL"`, "    next")
	}
	return append(lines, "end")
}

func TestUnifiedDiffLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	base := bigConfig(100_000, r)
	join := func(ls []string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }
	cases := map[string][]string{}
	// A wipe: four fifths of the policies gone.
	cases["wipe"] = append(append([]string{}, base[:10_000]...), base[90_000:]...)
	// Scattered edits.
	edited := append([]string{}, base...)
	for range 500 {
		i := r.IntN(len(edited))
		edited[i] = "        set comments \"edited\""
	}
	cases["scattered"] = edited
	// Many non-unique lines inserted and removed: little to anchor on.
	var shuffled []string
	for _, l := range base[:20_000] {
		if r.IntN(3) > 0 {
			shuffled = append(shuffled, l)
		}
		if r.IntN(10) == 0 {
			shuffled = append(shuffled, "    next")
		}
	}
	cases["repetitive"] = shuffled
	for name, b := range cases {
		start := time.Now()
		d := UnifiedDiff("a", "b", join(base), join(b), 3)
		took := time.Since(start)
		if got := applyUnified(t, string(join(base)), d); got != string(join(b)) {
			t.Errorf("%s: patch does not reproduce b", name)
		}
		t.Logf("%s: %d lines → %d lines, diff %d bytes in %v", name, len(base), len(b), len(d), took)
	}
}

func BenchmarkUnifiedDiffWipe(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	base := bigConfig(100_000, r)
	x := []byte(strings.Join(base, "\n"))
	y := []byte(strings.Join(append(append([]string{}, base[:10_000]...), base[90_000:]...), "\n"))
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	for b.Loop() {
		UnifiedDiff("a", "b", x, y, 3)
	}
}

func TestPatienceAnchors(t *testing.T) {
	a := []int32{1, 2, 3, 4, 5, 2}
	b := []int32{3, 1, 9, 5, 4, 2, 2}
	// 1, 3, 4 and 5 occur once on each side; 2 does not. The longest
	// run in order on both sides has two of them.
	got := patienceAnchors(a, b)
	if len(got) != 2 {
		t.Fatalf("anchors = %v", got)
	}
	for k, p := range got {
		if a[p[0]] != b[p[1]] || a[p[0]] == 2 || k > 0 && (p[0] <= got[k-1][0] || p[1] <= got[k-1][1]) {
			t.Errorf("bad anchors %v", got)
		}
	}
}
