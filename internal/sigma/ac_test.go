package sigma

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAhoCorasick compares the automaton with strings.Contains on random
// literals over a small alphabet (many shared prefixes and suffixes).
func TestAhoCorasick(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abc\\"[rng.IntN(4)]
		}
		return string(b)
	}
	for round := 0; round < 200; round++ {
		b := newACBuilder()
		lits := make([]string, 1+rng.IntN(30))
		for i := range lits {
			lits[i] = word(1 + rng.IntN(5))
			b.add(lits[i], int32(i))
		}
		a := b.build()
		for probe := 0; probe < 20; probe++ {
			text := word(rng.IntN(40))
			got := make(bitset, 1)
			a.scan(text, &got)
			var want, have []int
			for i, l := range lits {
				if strings.Contains(text, l) {
					want = append(want, i)
				}
				if got.has(i) {
					have = append(have, i)
				}
			}
			sort.Ints(want)
			if d := cmp.Diff(want, have); d != "" {
				t.Fatalf("literals %q in %q: (-want +got)\n%s", lits, text, d)
			}
		}
	}
}
