package version

import (
	"fmt"
	"strings"
)

// rpmEVR is an RPM [epoch:]version[-release]; release is empty when absent.
type rpmEVR struct {
	epoch   string
	version string
	release string
}

// CompareRPM compares two RPM versions ([epoch:]version[-release], as in
// "1:3.0.7-27.el9" or "2.4.37-43.module+el8.5.0+13806+b30d9eec") the way rpm
// (≥ 4.15) orders packages. It returns -1 if a < b, 0 if they are equal and
// +1 if a > b.
//
// The epoch is compared numerically (absent is 0), then the version, then
// the release, each by rpmvercmp: the strings are split into runs of ASCII
// digits and runs of ASCII letters, everything else separating them; runs
// are compared pairwise, numbers numerically, letters in ASCII order, and a
// number is newer than letters. "~" sorts before everything, even the end
// (1.0~rc1 < 1.0); "^" sorts after the end but before anything else
// (1.0 < 1.0^git1 < 1.0.1). When the versions tie, a missing release is
// older than any release, so that the order stays transitive (rpm's
// dependency ranges instead treat a missing release as matching every
// release; callers wanting that compare versions without releases).
//
// The release is the text after the last "-". An epoch that is not a
// number, an empty version or an empty release is an error wrapping
// [ErrInvalid], as is white space.
func CompareRPM(a, b string) (int, error) {
	va, err := parseRPM(a)
	if err != nil {
		return 0, err
	}
	vb, err := parseRPM(b)
	if err != nil {
		return 0, err
	}
	if c := cmpDigits(va.epoch, vb.epoch); c != 0 {
		return c, nil
	}
	if c := rpmvercmp(va.version, vb.version); c != 0 {
		return c, nil
	}
	switch {
	case va.release == "" && vb.release == "":
		return 0, nil
	case va.release == "":
		return -1, nil
	case vb.release == "":
		return 1, nil
	}
	return rpmvercmp(va.release, vb.release), nil
}

func parseRPM(s string) (rpmEVR, error) {
	bad := func(reason string) (rpmEVR, error) {
		return rpmEVR{}, fmt.Errorf("%w %q (rpm): %s", ErrInvalid, s, reason)
	}
	if s == "" {
		return bad("empty")
	}
	if strings.ContainsAny(s, " \t\n\r\v\f") {
		return bad("white space")
	}
	var v rpmEVR
	rest := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		v.epoch, rest = s[:i], s[i+1:]
		if v.epoch == "" || digitPrefix(v.epoch) != len(v.epoch) {
			return bad("epoch is not a number")
		}
	}
	v.version = rest
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.version, v.release = rest[:i], rest[i+1:]
		if v.release == "" {
			return bad("empty release")
		}
	}
	if v.version == "" {
		return bad("empty version")
	}
	return v, nil
}

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// rpmvercmp compares one version or release string (see CompareRPM).
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	for a != "" || b != "" {
		a = skipRPMSeparators(a)
		b = skipRPMSeparators(b)

		// "~" sorts before everything else, even the end.
		if a != "" && a[0] == '~' || b != "" && b[0] == '~' {
			if a == "" || a[0] != '~' {
				return 1
			}
			if b == "" || b[0] != '~' {
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		// "^" sorts after the end but before anything else.
		if a != "" && a[0] == '^' || b != "" && b[0] == '^' {
			switch {
			case a == "":
				return -1
			case b == "":
				return 1
			case a[0] != '^':
				return 1
			case b[0] != '^':
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		if a == "" || b == "" {
			break
		}

		isNum := isDigit(a[0])
		class := isAlpha
		if isNum {
			class = isDigit
		}
		na, nb := runLen(a, class), runLen(b, class)
		if nb == 0 {
			// a's run is of the other kind: a number beats letters.
			if isNum {
				return 1
			}
			return -1
		}
		var c int
		if isNum {
			c = cmpDigits(a[:na], b[:nb])
		} else {
			c = strings.Compare(a[:na], b[:nb])
		}
		if c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

func skipRPMSeparators(s string) string {
	for s != "" && !isAlnum(s[0]) && s[0] != '~' && s[0] != '^' {
		s = s[1:]
	}
	return s
}

func runLen(s string, class func(byte) bool) int {
	i := 0
	for i < len(s) && class(s[i]) {
		i++
	}
	return i
}
