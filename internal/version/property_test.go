package version_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sekimori/sekimori/internal/version"
)

// comparators are the three orders under test; each treats a pair it
// rejects as "skip".
var comparators = map[string]func(a, b string) (int, error){
	"deb":     version.CompareDeb,
	"rpm":     version.CompareRPM,
	"generic": noErr(version.CompareGeneric),
}

// randomVersions returns n short strings over an alphabet rich in the
// characters the comparators treat specially.
func randomVersions(r *rand.Rand, n int) []string {
	const alphabet = "0001129..--~~^^+:_abzARC()"
	out := make([]string, n)
	for i := range out {
		b := make([]byte, 1+r.IntN(7))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		// Most strings start with a digit, like real versions.
		if r.IntN(4) > 0 {
			b[0] = '0' + byte(r.IntN(3))
		}
		out[i] = string(b)
	}
	return out
}

// TestTotalPreorder checks on random strings that each comparator is
// reflexive and antisymmetric, and transitive: after sorting with it, no
// later element is smaller than an earlier one.
func TestTotalPreorder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, cmp := range comparators {
		t.Run(name, func(t *testing.T) {
			var valid []string
			for _, v := range randomVersions(r, 3000) {
				if _, err := cmp(v, v); err == nil {
					valid = append(valid, v)
				}
			}
			if len(valid) < 300 {
				t.Fatalf("only %d valid random versions", len(valid))
			}
			valid = valid[:300]
			c := func(a, b string) int {
				n, err := cmp(a, b)
				if err != nil {
					t.Fatalf("compare(%q, %q): %v", a, b, err)
				}
				return n
			}
			for _, a := range valid {
				if n := c(a, a); n != 0 {
					t.Errorf("compare(%q, %q) = %d", a, a, n)
				}
				for _, b := range valid {
					if c(a, b) != -c(b, a) {
						t.Errorf("compare(%q, %q) = %d but compare(%q, %q) = %d", a, b, c(a, b), b, a, c(b, a))
					}
				}
			}
			slices.SortFunc(valid, c)
			for i := range valid {
				for j := i + 1; j < len(valid); j++ {
					if c(valid[i], valid[j]) > 0 {
						t.Fatalf("not transitive: sorted %q before %q but compare = 1", valid[i], valid[j])
					}
				}
			}
		})
	}
}
