package version_test

import (
	"testing"

	"github.com/sekimori/sekimori/internal/version"
)

func TestCompareGenericOrder(t *testing.T) {
	checkChains(t, noErr(version.CompareGeneric), []chain{
		{"2.4.48", "2.4.49", "2.4.50", "2.4.62", "2.5"},
		{"7.2.1", "7.2.9", "7.2.10", "7.4.0"},
		{"2.0-beta9", "2.0-rc1", "2.0", "2.0.1", "2.14.1", "2.15.0", "2.16.0", "2.17.1"},
		// SemVer 2.0.0 §11 example, but for alpha.beta (numeric
		// identifiers sort after pre-release words here).
		{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"},
		{"1.0.0-dev", "1.0.0-a1", "1.0.0-b1", "1.0.0-milestone2", "1.0.0-preview3", "1.0.0-rc1", "1.0.0-SNAPSHOT", "1.0.0"},
		{"1.0a1", "1.0b1", "1.0rc1", "1.0", "1.0-1"},
		// Cisco ASA / IOS.
		{"9.12(4)", "9.16(3)", "9.16(4)", "9.16(4)38", "9.16(4.42)", "9.16(5)", "9.18(1)"},
		{"15.2(4)M3", "15.2(4)M10", "15.2(5)"},
		// Yamaha RTX.
		{"15.02.30", "15.04.04", "15.04.10"},
		// OpenSSL letter releases are after the plain release.
		{"1.0.1", "1.0.1f", "1.0.1g", "1.0.2", "1.0.2a", "1.1.1k", "1.1.1l", "1.1.1w", "3.0.0"},
		// OpenSSH portable.
		{"8.9p1", "9.3p1", "9.3p2", "9.8p1"},
		// FortiOS, PAN-OS.
		{"6.4.15", "7.0.12", "7.0.13", "7.2.0", "7.4.3"},
		{"10.2.9-h1", "10.2.9-h11", "10.2.10"},
		// Leading zeros and big numbers.
		{"1.9", "1.10", "1.010.1", "1.99999999999999999999999"},
		{"", "0.1", "1"},
	})
}

func TestCompareGenericEqual(t *testing.T) {
	checkEqual(t, noErr(version.CompareGeneric), [][2]string{
		{"2.4", "2.4.0"},
		{"2.4", "2.4.0.0"},
		{"15.04.04", "15.4.4"},
		{"v1.2.3", "1.2.3"},
		{"V1.2.3", "1.2.3"},
		{"2.3.1.Final", "2.3.1"},
		{"5.3.1.RELEASE", "5.3.1"},
		{"1.0.0-RC1", "1.0.0-rc.1"},
		{"1.0.0-alpha1", "1.0.0-a1"},
		{"9.16(4)", "9.16.4"},
		{"", "0"},
		{"1_2", "1.2"},
	})
}

func TestInRange(t *testing.T) {
	tests := []struct {
		name                                     string
		v, startIncl, startExcl, endIncl, endExc string
		want                                     bool
	}{
		{"log4shell affected", "2.14.1", "2.0-beta9", "", "", "2.15.0", true},
		{"log4shell first", "2.0-beta9", "2.0-beta9", "", "", "2.15.0", true},
		{"log4shell before", "2.0-beta8", "2.0-beta9", "", "", "2.15.0", false},
		{"log4shell 1.x", "1.2.17", "2.0-beta9", "", "", "2.15.0", false},
		{"log4shell fixed", "2.15.0", "2.0-beta9", "", "", "2.15.0", false},
		{"exact", "2.4.49", "2.4.49", "", "2.4.49", "", true},
		{"exact other", "2.4.50", "2.4.49", "", "2.4.49", "", false},
		{"start excl equal", "7.0.0", "", "7.0.0", "", "", false},
		{"start excl above", "7.0.1", "", "7.0.0", "", "", true},
		{"end incl equal", "7.0.12", "", "", "7.0.12", "", true},
		{"end incl above", "7.0.13", "", "", "7.0.12", "", false},
		{"no bounds", "1.0", "", "", "", "", true},
		{"cisco", "9.16(4)", "9.16(1)", "", "", "9.16(4)38", true},
	}
	for _, tt := range tests {
		got, err := version.InRange(tt.v, tt.startIncl, tt.startExcl, tt.endIncl, tt.endExc)
		if err != nil || got != tt.want {
			t.Errorf("%s: InRange(%q, %q, %q, %q, %q) = %v, %v; want %v", tt.name, tt.v, tt.startIncl, tt.startExcl, tt.endIncl, tt.endExc, got, err, tt.want)
		}
	}
}

func TestInRangeErrors(t *testing.T) {
	for _, args := range [][5]string{
		{"", "1", "", "", ""},
		{"*", "", "", "", ""},
		{"-", "", "", "", ""},
		{"1.0", "1", "1", "", ""},
		{"1.0", "", "", "2", "2"},
	} {
		if _, err := version.InRange(args[0], args[1], args[2], args[3], args[4]); err == nil {
			t.Errorf("InRange%q: no error", args)
		}
	}
}
