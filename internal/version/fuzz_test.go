package version_test

import (
	"testing"

	"github.com/sekimori/sekimori/internal/version"
)

// fuzzSeeds are versions from the table tests of every comparator.
var fuzzSeeds = []string{
	"1.0~rc1", "1.0", "1:0.9", "2.4.62-1~deb12u2", "2.4.57-2+deb12u1",
	"1:8.9p1-3ubuntu0.6", "1.0^git1~pre", "2.4.37-43.module+el8.5.0+13806+b30d9eec",
	"1:3.0.7-27.el9", "9.16(4)38", "15.04.04", "1.1.1k", "1.0.0-rc.1", "v1.2.3",
	"2.3.1.Final", "", ":", "-", "~", "^", "99999999999:1",
}

// fuzzCompare checks that cmp never panics, that a version equals itself,
// that swapping the arguments flips the sign (and keeps any error), and
// that a <= b <= c implies a <= c.
func fuzzCompare(f *testing.F, cmp func(a, b string) (int, error)) {
	for i, s := range fuzzSeeds {
		f.Add(s, fuzzSeeds[(i+1)%len(fuzzSeeds)], fuzzSeeds[(i+5)%len(fuzzSeeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ab, errAB := cmp(a, b)
		ba, errBA := cmp(b, a)
		if (errAB == nil) != (errBA == nil) {
			t.Fatalf("compare(%q, %q) error %v, reversed %v", a, b, errAB, errBA)
		}
		if errAB != nil {
			return
		}
		if ab != -ba {
			t.Fatalf("compare(%q, %q) = %d, reversed %d", a, b, ab, ba)
		}
		if n, _ := cmp(a, a); n != 0 {
			t.Fatalf("compare(%q, %q) = %d", a, a, n)
		}
		bc, err := cmp(b, c)
		if err != nil {
			return
		}
		ac, _ := cmp(a, c)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("%q <= %q <= %q but compare(a, c) = %d", a, b, c, ac)
		}
		if ab >= 0 && bc >= 0 && ac < 0 {
			t.Fatalf("%q >= %q >= %q but compare(a, c) = %d", a, b, c, ac)
		}
	})
}

func FuzzCompareDeb(f *testing.F)     { fuzzCompare(f, version.CompareDeb) }
func FuzzCompareRPM(f *testing.F)     { fuzzCompare(f, version.CompareRPM) }
func FuzzCompareGeneric(f *testing.F) { fuzzCompare(f, noErr(version.CompareGeneric)) }

func FuzzInRange(f *testing.F) {
	f.Add("2.14.1", "2.0-beta9", "", "", "2.15.0")
	f.Add("7.0.1", "", "7.0.0", "7.0.12", "")
	f.Fuzz(func(t *testing.T, v, si, se, ei, ee string) {
		in, err := version.InRange(v, si, se, ei, ee)
		if err != nil {
			return
		}
		// With an inclusive start and end, v itself must be in [v, v].
		if eq, err := version.InRange(v, v, "", v, ""); err != nil || !eq {
			t.Fatalf("InRange(%q, [%q, %q]) = %v, %v", v, v, v, eq, err)
		}
		if in && si != "" && version.CompareGeneric(v, si) < 0 {
			t.Fatalf("%q in range but below start %q", v, si)
		}
	})
}
