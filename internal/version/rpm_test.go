package version_test

import (
	"errors"
	"testing"

	"github.com/sekimori/sekimori/internal/version"
)

func TestCompareRPMOrder(t *testing.T) {
	checkChains(t, version.CompareRPM, []chain{
		{"1.0", "2.0"},
		{"2.0", "2.0.1", "2.0.1a", "2.0.2"},
		{"5.5p1", "5.5p2", "5.5p10", "5.6p1", "6.5p1"},
		{"10xyz", "10.1xyz"},
		{"xyz10", "xyz10.1"},
		// A number beats letters.
		{"xyz.4", "2", "8"},
		{"6.0", "6.0.rc1"},
		{"10a1", "10a2", "10b2"},
		{"1.0a", "1.0aa"},
		// Tilde: before everything, even the end.
		{"1.0~rc1~git123", "1.0~rc1", "1.0~rc2", "1.0"},
		// Caret: after the end, before anything else.
		{"1.0", "1.0^", "1.0.1"},
		{"1.0", "1.0^git1~pre", "1.0^git1", "1.0^git2", "1.01.1"},
		{"1.0^20160101", "1.0^20160101^git1", "1.0.1"},
		{"1.0~rc1", "1.0~rc1^git1", "1.0"},
		// EVRs.
		{"1.0", "1.0-1", "1.0-2"},
		{"3.0.7-24.el9", "3.0.7-27.el9", "3.0.7-28.el9", "1:3.0.7-27.el9", "2:1.0-1"},
		{"2.4.37-43.module+el8.5.0+13806+b30d9eec", "2.4.37-43.module+el8.5.0+14079+5a7b3d2e", "2.4.37-47.module+el8.6.0+11234+0a1b2c3d", "2.4.37-62.module+el8.9.0+19699+7a7a2044"},
		{"4.18.0-513.el8", "4.18.0-513.5.1.el8_9", "4.18.0-513.24.1.el8_9"},
		{"2.4.57-5.el9", "2.4.57-5.el9_3", "2.4.57-5.el9_3.1", "2.4.57-8.el9"},
	})
}

func TestCompareRPMEqual(t *testing.T) {
	checkEqual(t, version.CompareRPM, [][2]string{
		{"1.0", "1.0"},
		{"1.0aa", "1.0aa"},
		{"xyz.4", "xyz.4"},
		{"2.0", "2_0"},
		{"2.0", "2..0"},
		{"1.01", "1.1"},
		{"1.0-1", "0:1.0-1"},
		{"1:1.0-1", "01:1.0-1"},
		{"1.0.", "1.0"},
		{"1.0~rc1", "1.0~rc1"},
	})
}

func TestCompareRPMInvalid(t *testing.T) {
	checkInvalid(t, version.CompareRPM, "1.0-1", []string{
		"",
		"1.0 -1",
		"a:1.0",
		":1.0",
		"1:",
		"1.0-",
		"-1",
		"1.0:2",
	})
	_, err := version.CompareRPM("a:1", "1")
	if !errors.Is(err, version.ErrInvalid) || err.Error() != `invalid version "a:1" (rpm): epoch is not a number` {
		t.Errorf("error = %v", err)
	}
}
