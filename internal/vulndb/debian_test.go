package vulndb

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDebianSkips(t *testing.T) {
	in := `{"apache2": {
	  "CVE-2021-41773": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "2.4.50-1"},
	                                  "bullseye": {"status": "resolved"},
	                                  "trixie": {"status": "postponed"}}},
	  "CVE-2021-42013": {"releases": {"bookworm": {"status": 1}}},
	  "CVE-21-1": {"releases": {}}
	}}`
	b, err := Import("debian.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []DistroFix{{Distro: "debian:bookworm", Package: "apache2", CVE: "CVE-2021-41773", Status: "fixed", FixedVersion: "2.4.50-1"}}
	if diff := cmp.Diff(want, b.Fixes); diff != "" {
		t.Errorf("fixes (-want +got):\n%s", diff)
	}
	wantSkipped := []string{
		"apache2 CVE-2021-41773 bullseye: resolved without fixed_version",
		`apache2 CVE-2021-41773 trixie: unknown status "postponed"`,
		"apache2 CVE-2021-42013: json: cannot unmarshal number into Go struct field debRelease.releases.status of type string",
		`apache2 CVE-21-1: bad CVE id "CVE-21-1"`,
	}
	if diff := cmp.Diff(wantSkipped, b.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}

func TestDebianNotAMap(t *testing.T) {
	b := &Bundle{}
	if err := parseDebian([]byte(`{"apache2": []}`), b); err == nil {
		t.Error("want an error for a package that is not a map")
	}
}
