package version

import (
	"errors"
	"fmt"
	"strings"
)

// Token classes of CompareGeneric, in ascending order.
const (
	classPre  = iota // pre-release word: "alpha", "rc", ...
	classNum         // number; the end of a version counts as 0
	classPost        // any other letters: "k" in 1.1.1k, "p" in 9.3p1
)

// preRelease ranks the words that mark a pre-release. "a" and "b" count
// only when a digit follows ("1.0a1", "2.0b3"); alone they are OpenSSL-style
// letter releases ("1.0.2a" > "1.0.2").
var preRelease = map[string]int8{
	"dev":       0,
	"alpha":     1,
	"a":         1,
	"beta":      2,
	"b":         2,
	"milestone": 3,
	"pre":       4,
	"preview":   4,
	"rc":        5,
	"cr":        5,
	"snapshot":  6,
}

// ignoredWords mean "the release itself" and are skipped ("2.3.1.Final").
var ignoredWords = map[string]bool{"final": true, "ga": true, "release": true}

// genericToken is one run of digits or letters.
type genericToken struct {
	class int8
	rank  int8   // classPre only
	text  string // digits without leading zeros, or lower-case letters
}

// genericScanner yields the tokens of a version, then the end token (a
// number 0) forever.
type genericScanner struct {
	s string
}

func (g *genericScanner) done() bool { return g.s == "" }

func (g *genericScanner) next() genericToken {
	for g.s != "" {
		c := g.s[0]
		switch {
		case isDigit(c):
			n := digitPrefix(g.s)
			t := genericToken{class: classNum, text: trimZeros(g.s[:n])}
			g.s = g.s[n:]
			return t
		case isAlpha(c):
			n := runLen(g.s, isAlpha)
			word := strings.ToLower(g.s[:n]) // no copy when already lower case
			g.s = g.s[n:]
			if ignoredWords[word] {
				continue
			}
			if r, ok := preRelease[word]; ok && (len(word) > 1 || g.s != "" && isDigit(g.s[0])) {
				return genericToken{class: classPre, rank: r}
			}
			return genericToken{class: classPost, text: word}
		default:
			g.s = g.s[1:]
		}
	}
	return genericToken{class: classNum}
}

func cmpGenericTokens(a, b genericToken) int {
	if a.class != b.class {
		return sign(int(a.class) - int(b.class))
	}
	switch a.class {
	case classPre:
		return sign(int(a.rank) - int(b.rank))
	case classNum:
		return cmpDigits(a.text, b.text)
	}
	return strings.Compare(a.text, b.text)
}

// CompareGeneric compares two upstream versions as vendors and NVD write
// them: "2.4.49", "7.2.10", "1.0.0-rc1", "9.16(4)" (Cisco), "15.04.04"
// (Yamaha RTX), "1.1.1k" (OpenSSL), "9.3p1" (OpenSSH). It returns -1 if
// a < b, 0 if they are equal and +1 if a > b.
//
// Both strings are split into runs of ASCII digits and runs of ASCII
// letters; everything else only separates runs. A leading "v" before a digit
// is dropped, letters are compared case-insensitively and the words "final",
// "ga" and "release" are skipped. Runs are compared pairwise; a version that
// runs out continues with zeros, so "2.4" == "2.4.0" and "07" == "7".
// At one position:
//
//	pre-release word  <  number  <  other letters
//
// Pre-release words rank dev < alpha (or "a" followed by a digit) < beta
// (or "b" followed by a digit) < milestone < pre, preview < rc, cr <
// snapshot. Numbers compare numerically (of any length), other letters
// lexically. So 1.0.0-rc1 < 1.0.0 < 1.0.0a, 2.4.49 < 2.4.50, 7.2.9 < 7.2.10,
// 1.1.1k < 1.1.1l, 9.16(4) < 9.16(4)38 < 9.16(5).
//
// It knows no epochs, distro revisions or semver build metadata: use
// CompareDeb or CompareRPM for distro packages. An empty string equals "0".
func CompareGeneric(a, b string) int {
	ga := genericScanner{s: dropV(a)}
	gb := genericScanner{s: dropV(b)}
	for !ga.done() || !gb.done() {
		if c := cmpGenericTokens(ga.next(), gb.next()); c != 0 {
			return c
		}
	}
	return 0
}

func dropV(s string) string {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		return s[1:]
	}
	return s
}

// InRange reports whether version v lies in the range given the way NVD
// CPE match criteria give it: at most one lower bound (startIncl: v >=,
// startExcl: v >) and at most one upper bound (endIncl: v <=, endExcl:
// v <), empty meaning unbounded. Versions are ordered by CompareGeneric; with
// no bounds at all every version is in range.
//
// It is an error for v to be empty, "*" or "-" (no version is known, so
// nothing can be decided) and to give both bounds of one side.
func InRange(v, startIncl, startExcl, endIncl, endExcl string) (bool, error) {
	switch v {
	case "", "*", "-":
		return false, fmt.Errorf("version range check: %w %q: no version", ErrInvalid, v)
	}
	if startIncl != "" && startExcl != "" {
		return false, errors.New("version range: both an inclusive and an exclusive start")
	}
	if endIncl != "" && endExcl != "" {
		return false, errors.New("version range: both an inclusive and an exclusive end")
	}
	switch {
	case startIncl != "" && CompareGeneric(v, startIncl) < 0,
		startExcl != "" && CompareGeneric(v, startExcl) <= 0,
		endIncl != "" && CompareGeneric(v, endIncl) > 0,
		endExcl != "" && CompareGeneric(v, endExcl) >= 0:
		return false, nil
	}
	return true, nil
}
