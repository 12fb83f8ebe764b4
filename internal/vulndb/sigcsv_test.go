package vulndb

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSignatureCSV(t *testing.T) {
	in := "signature_id,vendor,cves,enabled\n" +
		"100,Palo Alto,CVE-2021-44228,false\n" +
		"101,paloalto,,maybe\n" +
		"102,paloalto,\"CVE-2021-41773;\",\n" +
		"103,paloalto,\"unterminated\n"
	b, err := Import("sigs.csv", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Signature{
		{Vendor: "palo alto", ID: "100", CVEs: []string{"CVE-2021-44228"}},
		{Vendor: "paloalto", ID: "102", CVEs: []string{"CVE-2021-41773"}, Enabled: true},
	}
	if diff := cmp.Diff(want, b.Signatures); diff != "" {
		t.Errorf("signatures (-want +got):\n%s", diff)
	}
	if len(b.Skipped) != 2 || b.Skipped[0] != `line 3: signature 101: enabled "maybe": want true or false` ||
		!strings.HasPrefix(b.Skipped[1], "line 5: ") {
		t.Errorf("skipped: %q", b.Skipped)
	}
}

func TestSignatureCSVHeader(t *testing.T) {
	for in, want := range map[string]string{
		"vendor,signature_id,severity\n": `header: unknown column "severity"`,
		"vendor,signature_id,vendor\n":   `header: column "vendor" twice`,
		"signature_id,target\n":          "header: no vendor column",
		"# only a comment\n":             "header: EOF",
	} {
		b := &Bundle{}
		if err := parseSignatureCSV([]byte(in), b); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseSignatureCSV(%q) = %v, want %q", in, err, want)
		}
	}
}
