package vulndb

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKEVSkips(t *testing.T) {
	in := `{"catalogVersion":"1","dateReleased":"2025-06-01T13:00:05.1234Z","vulnerabilities":[
	 {"cveID":"CVE-2021-44228","dateAdded":"2021-12-10","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known"},
	 {"cveID":"CVE-2021-41773","dateAdded":"3 Nov 2021"},
	 {"cveID":"log4shell"},
	 {"cveID":7},
	 {"cveID":"CVE-2018-13379","dateAdded":"2021-11-03","cwes":"CWE-22"}]}`
	b, err := Import("kev.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.KEV) != 1 || b.KEV[0].CVE != "CVE-2021-44228" || !b.KEV[0].Ransomware {
		t.Errorf("KEV: %+v", b.KEV)
	}
	want := []string{
		`CVE-2021-41773: dateAdded: bad time "3 Nov 2021"`,
		`log4shell: cveID: bad CVE id "log4shell"`,
		`vulnerabilities[3]: json: cannot unmarshal number into Go struct field kevEntry.cveID of type string`,
		`CVE-2018-13379: json: cannot unmarshal string into Go struct field kevEntry.cwes of type []string`,
	}
	if diff := cmp.Diff(want, b.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}

func TestKEVErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"catalogVersion":"1"}`: "no vulnerabilities array",
		`{"catalogVersion":"1","dateReleased":"soon","vulnerabilities":[]}`: `dateReleased: bad time "soon"`,
		`{"catalogVersion":1,"vulnerabilities":[]}`:                         "invalid JSON",
	} {
		if _, err := Import("kev.json", []byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Import(%s) = %v, want %q", in, err, want)
		}
	}
}
