package version

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error about a version string that the
// comparator's packaging system rejects.
var ErrInvalid = errors.New("invalid version")

// maxEpoch is the largest epoch accepted, as dpkg (a C int).
const maxEpoch = 1<<31 - 1

// debVersion is a Debian version split into its parts.
type debVersion struct {
	epoch    int
	upstream string
	revision string
}

// CompareDeb compares two Debian package versions
// ([epoch:]upstream_version[-debian_revision]) by Debian Policy §5.6.12,
// the order dpkg --compare-versions uses. It returns -1 if a < b, 0 if they
// are equal and +1 if a > b.
//
// The epoch is compared numerically (absent is 0); then the upstream
// version and the revision (absent is "0") are compared by alternating
// non-digit and digit parts: non-digit parts character by character, with
// "~" before everything (even the end of the part), then the end, then
// letters, then other characters in ASCII order; digit parts numerically.
// Hence 1.0~rc1 < 1.0 < 1.0a < 1.0+b1, 2.4.62-1~deb12u1 < 2.4.62-1 and
// 1:0.9 > 2.0.
//
// Like dpkg, it ignores leading and trailing white space and rejects (with
// an error wrapping [ErrInvalid]) an empty version, embedded white space, an
// epoch that is not a non-negative number below 2^31, and an empty upstream
// version or revision. Characters that Policy does not allow, or an upstream
// version that does not start with a digit, only make dpkg warn; they are
// accepted and ordered as described.
func CompareDeb(a, b string) (int, error) {
	va, err := parseDeb(a)
	if err != nil {
		return 0, err
	}
	vb, err := parseDeb(b)
	if err != nil {
		return 0, err
	}
	if va.epoch != vb.epoch {
		return sign(va.epoch - vb.epoch), nil
	}
	if c := debCompareParts(va.upstream, vb.upstream); c != 0 {
		return c, nil
	}
	return debCompareParts(va.revision, vb.revision), nil
}

func parseDeb(s string) (debVersion, error) {
	orig := s
	s = strings.TrimSpace(s)
	bad := func(reason string) (debVersion, error) {
		return debVersion{}, fmt.Errorf("%w %q (debian): %s", ErrInvalid, orig, reason)
	}
	if s == "" {
		return bad("empty")
	}
	if strings.ContainsAny(s, " \t\n\r\v\f") {
		return bad("embedded white space")
	}
	var v debVersion
	if i := strings.IndexByte(s, ':'); i >= 0 {
		ep := s[:i]
		switch {
		case ep == "":
			return bad("empty epoch")
		case ep[0] == '-':
			return bad("negative epoch")
		case digitPrefix(ep) != len(ep):
			return bad("epoch is not a number")
		}
		n, err := strconv.Atoi(ep)
		if err != nil || n > maxEpoch {
			return bad("epoch is too big")
		}
		v.epoch = n
		s = s[i+1:]
		if s == "" {
			return bad("nothing after the epoch")
		}
	}
	v.upstream = s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.upstream, v.revision = s[:i], s[i+1:]
		if v.revision == "" {
			return bad("empty revision")
		}
	}
	if v.upstream == "" {
		return bad("empty upstream version")
	}
	return v, nil
}

// debOrder is the weight of the character that starts s in a non-digit
// part: "~" lowest, then the end of the part (and digits, which end it),
// then letters, then everything else.
func debOrder(s string) int {
	if s == "" {
		return 0
	}
	c := s[0]
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

// debCompareParts compares an upstream version or revision.
func debCompareParts(a, b string) int {
	for a != "" || b != "" {
		for a != "" && !isDigit(a[0]) || b != "" && !isDigit(b[0]) {
			oa, ob := debOrder(a), debOrder(b)
			if oa != ob {
				return sign(oa - ob)
			}
			// Equal weights other than 0 mean the same non-digit character.
			a, b = a[1:], b[1:]
		}
		na, nb := digitPrefix(a), digitPrefix(b)
		if c := cmpDigits(a[:na], b[:nb]); c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	return 0
}
