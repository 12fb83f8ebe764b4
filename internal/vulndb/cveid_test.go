package vulndb

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeCVE(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"CVE-2021-41773", "CVE-2021-41773"},
		{"cve-2021-41773", "CVE-2021-41773"},
		{"CVE_2021_41773", "CVE-2021-41773"},
		{"2021-41773", "CVE-2021-41773"},
		{" 2021-41773 ", "CVE-2021-41773"},
		{"cve.2021-44228", "CVE-2021-44228"},
		{"cve.2021.44228", "CVE-2021-44228"},
		{"CVE-2014-0160", "CVE-2014-0160"},
		{"CVE-2024-1234567", "CVE-2024-1234567"},
		{"CVE-2021-4", ""},
		{"CVE-21-41773", ""},
		{"CVE-2021-41773x", ""},
		{"CVE-2021", ""},
		{"CAN-2021-41773", ""},
		{"", ""},
	} {
		got, err := NormalizeCVE(tc.in)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("NormalizeCVE(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestFindCVEs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"ET EXPLOIT Apache 2.4.49 Path Traversal (CVE-2021-41773)", []string{"CVE-2021-41773"}},
		{"cve_2021_44228 and CVE-2021-45046, CVE 2022-42475", []string{"CVE-2021-44228", "CVE-2021-45046", "CVE-2022-42475"}},
		{"xCVE-2021-44228 CVE-2021-442281a CVE-2021-12", nil},
		{"no ids here", nil},
		{"CVE-", nil},
	} {
		if diff := cmp.Diff(tc.want, findCVEs(tc.in)); diff != "" {
			t.Errorf("findCVEs(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"2021-10-05T09:15:07.593", time.Date(2021, 10, 5, 9, 15, 7, 593e6, time.UTC), false},
		{"2025-06-01T13:00:05.1234Z", time.Date(2025, 6, 1, 13, 0, 5, 123400000, time.UTC), false},
		{"2025-06-01T00:00:00+0000", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), false},
		{"2023-03-07T00:00:00+02:00", time.Date(2023, 3, 6, 22, 0, 0, 0, time.UTC), false},
		{"2021-11-03", time.Date(2021, 11, 3, 0, 0, 0, 0, time.UTC), false},
		{"", time.Time{}, false},
		{"10/12/2021", time.Time{}, true},
	} {
		got, err := parseTime(tc.in)
		if (err != nil) != tc.bad || !got.Equal(tc.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}
