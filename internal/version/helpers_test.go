package version_test

import "testing"

// chain is a list of versions in strictly ascending order; every earlier
// element must compare less than every later one.
type chain []string

// checkChains runs cmp over every ordered pair of every chain, both ways.
func checkChains(t *testing.T, cmp func(a, b string) (int, error), chains []chain) {
	t.Helper()
	for _, c := range chains {
		for i := range c {
			for j := range c {
				want := 0
				switch {
				case i < j:
					want = -1
				case i > j:
					want = 1
				}
				got, err := cmp(c[i], c[j])
				if err != nil {
					t.Errorf("compare(%q, %q): %v", c[i], c[j], err)
					continue
				}
				if got != want {
					t.Errorf("compare(%q, %q) = %d, want %d", c[i], c[j], got, want)
				}
			}
		}
	}
}

// checkEqual checks pairs that compare equal, both ways.
func checkEqual(t *testing.T, cmp func(a, b string) (int, error), pairs [][2]string) {
	t.Helper()
	for _, p := range pairs {
		for _, q := range [][2]string{p, {p[1], p[0]}} {
			got, err := cmp(q[0], q[1])
			if err != nil || got != 0 {
				t.Errorf("compare(%q, %q) = %d, %v; want 0", q[0], q[1], got, err)
			}
		}
	}
}

// checkInvalid checks that each version is rejected on either side.
func checkInvalid(t *testing.T, cmp func(a, b string) (int, error), valid string, bad []string) {
	t.Helper()
	for _, b := range bad {
		if _, err := cmp(b, valid); err == nil {
			t.Errorf("compare(%q, %q): no error", b, valid)
		}
		if _, err := cmp(valid, b); err == nil {
			t.Errorf("compare(%q, %q): no error", valid, b)
		}
	}
}

func noErr(cmp func(a, b string) int) func(a, b string) (int, error) {
	return func(a, b string) (int, error) { return cmp(a, b), nil }
}
