package version_test

import (
	"errors"
	"testing"

	"github.com/sekimori/sekimori/internal/version"
)

func TestCompareDebOrder(t *testing.T) {
	checkChains(t, version.CompareDeb, []chain{
		// Policy §5.6.12: "~~" < "~~a" < "~" < "" < "a".
		{"1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"},
		// Letters sort before non-letters.
		{"1.0", "1.0a", "1.0z", "1.0+", "1.0+b1", "1.0.1"},
		{"1.0~rc1", "1.0~rc2", "1.0", "1.0-1", "1.0-1+b1", "1.0-2"},
		// Stable-update and backport revisions.
		{"2.4.57-2", "2.4.57-2+deb12u1", "2.4.57-2+deb12u2", "2.4.62-1~deb11u1", "2.4.62-1~deb12u1", "2.4.62-1~deb12u2", "2.4.62-1", "2.4.62-1+b1", "2.4.62-2"},
		{"3.0.11-1~deb12u2", "3.0.13-1~deb12u1", "3.0.15-1~deb12u1", "3.0.15-1"},
		{"7.88.1-10+deb12u5", "7.88.1-10+deb12u8", "7.88.1-10+deb12u12"},
		// Ubuntu security updates.
		{"2.4.52-1ubuntu4", "2.4.52-1ubuntu4.1", "2.4.52-1ubuntu4.9", "2.4.52-1ubuntu4.10", "2.4.52-1ubuntu5"},
		{"1:8.9p1-3", "1:8.9p1-3ubuntu0.1", "1:8.9p1-3ubuntu0.6", "1:8.9p1-3ubuntu0.10", "1:8.9p1-4"},
		{"1:9.18.24-0ubuntu0.22.04.1", "1:9.18.28-0ubuntu0.22.04.1", "1:9.18.30-0ubuntu0.22.04.2"},
		// Epochs win over everything else.
		{"2.0", "1:0.9", "1:1.0", "2:0.1"},
		{"9.0-1", "1:7.2-1", "2:8.2.3995-1ubuntu2.17"},
		// Numbers compare numerically.
		{"2.3-1", "2.9-1", "2.30-1", "10.0-1"},
		{"1.0-1", "1.0.1-1"},
		{"1.0+dfsg-1", "1.0+dfsg1-1", "1.0.0-1"},
		{"18446744073709551615", "18446744073709551616", "99999999999999999999999"},
		// dpkg only warns about these; they still order.
		{"a1.0", "b1.0"},
	})
}

func TestCompareDebEqual(t *testing.T) {
	checkEqual(t, version.CompareDeb, [][2]string{
		{"1.0", "1.0"},
		{"1.0", "1.00"},
		{"1.0", "1.0-0"},
		{"1.0", "0:1.0"},
		{"0:1.0-0", "1.0"},
		{"1.0-1", "0001.0000-01"},
		{" 1.0 ", "1.0"},
		{"1:2.4.62-1~deb12u2", "01:2.4.62-1~deb12u2"},
		{"1.2-3-4", "1.2-3-4"}, // upstream "1.2-3", revision "4"
	})
}

func TestCompareDebInvalid(t *testing.T) {
	checkInvalid(t, version.CompareDeb, "1.0", []string{
		"",
		"   ",
		"1 .0",
		"1.0\t-1",
		":1.0",
		"a:1.0",
		"-1:1.0",
		"1a:1.0",
		"99999999999:1.0",
		"1:",
		"1.0-",
		"-1",
		"1:-1",
	})
	_, err := version.CompareDeb("1:", "1.0")
	if !errors.Is(err, version.ErrInvalid) {
		t.Errorf("error %v does not wrap ErrInvalid", err)
	}
	if err == nil || err.Error() != `invalid version "1:" (debian): nothing after the epoch` {
		t.Errorf("error = %v", err)
	}
}
