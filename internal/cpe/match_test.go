package cpe_test

import (
	"testing"

	"github.com/sekimori/sekimori/internal/cpe"
)

func mustParse(t *testing.T, s string) cpe.WFN {
	t.Helper()
	w, err := cpe.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// An NVD criterion against what nmap reported.
		{"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", "cpe:/a:apache:http_server:2.4.49", true},
		{"cpe:2.3:a:apache:http_server:2.4.50:*:*:*:*:*:*:*", "cpe:/a:apache:http_server:2.4.49", false},
		{"cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", "cpe:/a:apache:http_server:2.4.49", true},
		{"cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", "cpe:/a:apache:http_server", true},
		// Unknown version in the name: SUBSET, not a match.
		{"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", "cpe:/a:apache:http_server", false},
		{"cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", "cpe:/a:igor_sysoev:nginx:1.18.0", false},
		{"cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", "cpe:/o:apache:http_server:2.4.49", false},
		{"cpe:2.3:*:*:*:*:*:*:*:*:*:*:*", "cpe:/h:fortinet:fortigate_100f", true},
		{"cpe:2.3:*:*:*:*:*:*:*:*:*:*:*", "cpe:/", true},
		// Wildcards in the pattern.
		{"cpe:2.3:o:fortinet:fortios:7.0.*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*", true},
		{"cpe:2.3:o:fortinet:fortios:7.0.*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.0:*:*:*:*:*:*:*", false},
		{"cpe:2.3:o:fortinet:fortios:*.12:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*", true},
		{"cpe:2.3:a:*apache*:*:*:*:*:*:*:*:*:*", "cpe:2.3:a:the_apache_foundation:x:*:*:*:*:*:*:*:*", true},
		{"cpe:2.3:a:apache:http_server:2.4.?:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.9:*:*:*:*:*:*:*", true},
		{"cpe:2.3:a:apache:http_server:2.4.?:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.:*:*:*:*:*:*:*", true},
		{"cpe:2.3:a:apache:http_server:2.4.?:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", false},
		{"cpe:2.3:a:apache:http_server:2.4.??:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", true},
		{"cpe:2.3:a:x:y:??1.0:*:*:*:*:*:*:*", "cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*", true},
		{"cpe:2.3:a:x:y:??1.0:*:*:*:*:*:*:*", "cpe:2.3:a:x:y:v1.0:*:*:*:*:*:*:*", true},
		{"cpe:2.3:a:x:y:??1.0:*:*:*:*:*:*:*", "cpe:2.3:a:x:y:xyz1.0:*:*:*:*:*:*:*", false},
		{"cpe:2.3:a:x:y:??1.0:*:*:*:*:*:*:*", "cpe:2.3:a:x:y:1.0.1:*:*:*:*:*:*:*", false},
		{"cpe:2.3:a:x:y:*1.0:*:*:*:*:*:*:*", "cpe:2.3:a:x:y:1.0.1.0:*:*:*:*:*:*:*", true},
		// Quoted wildcards are literals.
		{`cpe:2.3:a:x:y:*\?:*:*:*:*:*:*:*`, `cpe:2.3:a:x:y:a\?:*:*:*:*:*:*:*`, true},
		{`cpe:2.3:a:x:y:*\?:*:*:*:*:*:*:*`, "cpe:2.3:a:x:y:ab:*:*:*:*:*:*:*", false},
		{`cpe:2.3:a:x:y:\*:*:*:*:*:*:*:*`, `cpe:2.3:a:x:y:\*:*:*:*:*:*:*:*`, true},
		{`cpe:2.3:a:x:y:\*:*:*:*:*:*:*:*`, "cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*", false},
		// NA.
		{"cpe:2.3:a:x:y:1.0:-:*:*:*:*:*:*", "cpe:2.3:a:x:y:1.0:-:*:*:*:*:*:*", true},
		{"cpe:2.3:a:x:y:1.0:-:*:*:*:*:*:*", "cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*", false},
		{"cpe:2.3:a:x:y:1.0:-:*:*:*:*:*:*", "cpe:2.3:a:x:y:1.0:sp1:*:*:*:*:*:*", false},
		{"cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*", "cpe:2.3:a:x:y:1.0:-:*:*:*:*:*:*", true},
		// Wildcards in the name are not allowed.
		{"cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*", "cpe:2.3:a:x:y:1.*:*:*:*:*:*:*:*", false},
		// Case does not matter.
		{"cpe:2.3:a:Apache:HTTP_Server:2.4.49:*:*:*:*:*:*:*", "cpe:/A:APACHE:http_server:2.4.49", true},
	}
	for _, tt := range tests {
		if got := cpe.Match(mustParse(t, tt.pattern), mustParse(t, tt.name)); got != tt.want {
			t.Errorf("Match(%s, %s) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestCompareAttr(t *testing.T) {
	wild := val(`2\.4\.*`)
	tests := []struct {
		source, target cpe.Attr
		want           cpe.Relation
	}{
		{anyA, anyA, cpe.Equal},
		{anyA, na, cpe.Superset},
		{anyA, val("i"), cpe.Superset},
		{anyA, wild, cpe.Superset},
		{na, anyA, cpe.Subset},
		{na, na, cpe.Equal},
		{na, val("i"), cpe.Disjoint},
		{na, wild, cpe.Undefined},
		{val("i"), val("i"), cpe.Equal},
		{val("i"), val("I"), cpe.Equal},
		{val("i"), val("k"), cpe.Disjoint},
		{val("i"), wild, cpe.Undefined},
		{val("i"), anyA, cpe.Subset},
		{val("i"), na, cpe.Disjoint},
		{wild, wild, cpe.Undefined},
		{wild, anyA, cpe.Subset},
		{wild, na, cpe.Disjoint},
		{wild, val(`2\.4\.49`), cpe.Superset},
		{wild, val(`2\.5\.0`), cpe.Disjoint},
		{val("*"), val("anything"), cpe.Superset},
	}
	for _, tt := range tests {
		if got := cpe.CompareAttr(tt.source, tt.target); got != tt.want {
			t.Errorf("CompareAttr(%+v, %+v) = %v, want %v", tt.source, tt.target, got, tt.want)
		}
	}
	if s := cpe.Superset.String(); s != "SUPERSET" {
		t.Errorf("String() = %q", s)
	}
	if s := cpe.Relation(9).String(); s != "Relation(?)" {
		t.Errorf("String() = %q", s)
	}
}
