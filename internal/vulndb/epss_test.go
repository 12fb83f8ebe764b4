package vulndb

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEPSS(t *testing.T) {
	in := "#model_version:v2023.03.01,score_date:2023-03-07T00:00:00+0000\r\n" +
		"cve,epss,percentile\r\n" +
		"CVE-2021-44228,0.97565,0.99996\r\n" +
		"CVE-2021-41773,1.5,0.9\n" +
		"CVE-2021-42013,x,0.9\n" +
		"CVE-2021-4,0.1,0.1\n" +
		"CVE-2022-42475,0.5\n" +
		"\n" +
		"CVE-2023-27997, 0.9 ,0.99,extra\n"
	b, err := Import("epss.csv", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []EPSS{{"CVE-2021-44228", 0.97565, 0.99996}, {"CVE-2023-27997", 0.9, 0.99}}
	if diff := cmp.Diff(wantRows, b.EPSS); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if b.EPSSModel != "v2023.03.01" || b.EPSSDate.Format("2006-01-02") != "2023-03-07" || !b.Provenance.Date.Equal(b.EPSSDate) {
		t.Errorf("model %q date %v", b.EPSSModel, b.EPSSDate)
	}
	wantSkipped := []string{
		"line 4: CVE-2021-41773: epss: 1.5 out of 0..1",
		`line 5: CVE-2021-42013: epss: bad number "x"`,
		`line 6: bad CVE id "CVE-2021-4"`,
		"line 7: 2 fields, too few",
	}
	if diff := cmp.Diff(wantSkipped, b.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}

func TestEPSSOldFormat(t *testing.T) {
	b, err := Import("epss.csv", []byte("cve,epss\nCVE-2021-44228,0.5\n"))
	if err != nil || len(b.EPSS) != 1 || b.EPSS[0].Percentile != 0 || !b.EPSSDate.IsZero() {
		t.Fatalf("%+v, %v", b, err)
	}
}

func TestEPSSErrors(t *testing.T) {
	for in, want := range map[string]string{
		"#model_version:v1,score_date:later\ncve,epss\n": `line 1: score_date: bad time "later"`,
		"#model_version:v1\n":                            "no header line",
	} {
		b := &Bundle{}
		if err := parseEPSS([]byte(in), b); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseEPSS(%q) = %v, want %q", in, err, want)
		}
	}
	b := &Bundle{}
	if err := parseEPSS([]byte("cve,score\n"), b); err == nil || !strings.Contains(err.Error(), "lacks cve or epss column") {
		t.Errorf("bad header: %v", err)
	}
}
