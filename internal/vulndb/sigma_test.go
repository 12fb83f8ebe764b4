package vulndb

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSigmaSkips(t *testing.T) {
	in := `action: global
title: collection header
logsource: {product: x}
---
title: no id
detection: {a: b}
---
id: r1
title: bad tag
tags: [cve.2021-4]
detection: {a: b}
---
id: r2
title: unknown relevance key
relevance: {cve: CVE-2021-44228}
detection: {a: b}
---
id: r3
title: relevance list of maps
relevance: {products: [{a: b}]}
detection: {a: b}
---
- just
- a list
---
id: r4
title: tags are not a list of strings
tags: {a: b}
---
id: r5
title: good, relevance target client
tags: [attack.t1189, CVE.2022-42475]
relevance: {target: client, products: Fortinet FortiOS}
detection: {a: b}
---
`
	b, err := Import("rules.yml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Signature{{Vendor: "sigma", ID: "r5", Name: "good, relevance target client", CVEs: []string{"CVE-2022-42475"},
		Products: []string{"Fortinet FortiOS"}, Target: "client", TargetRaw: "client", Enabled: true}}
	if diff := cmp.Diff(want, b.Signatures); diff != "" {
		t.Errorf("signatures (-want +got):\n%s", diff)
	}
	wantSkipped := []string{
		"document 2 (line 5): no id",
		`document 3 (line 8): id r1: tag "cve.2021-4": bad CVE id "cve.2021-4"`,
		`document 4 (line 13): id r2: relevance: unknown key "cve" (want cves, products, target)`,
		"document 5 (line 18): id r3: relevance.products: item 1: a mapping, want a string",
		"document 6 (line 23): not a mapping",
		"document 7 (line 26): tags: a mapping, want a string or a list of strings",
	}
	if diff := cmp.Diff(wantSkipped, b.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}

func TestSigmaSyntaxError(t *testing.T) {
	_, err := Import("rules.yml", []byte("title: t\ndetection:\n  a: [b\n"))
	if err == nil || !strings.Contains(err.Error(), "import rules.yml: sigma: YAML: line ") {
		t.Fatalf("err = %v", err)
	}
}

func TestSigmaYAMLForms(t *testing.T) {
	in := `id: &rid r1
title: !!str 42
status: |
  stable
tags: &t [cve.2021-44228]
relevance:
  cves: *t
  target: ~
---
id: r2
title: alias
tags: *undefined
---
id: r4
relevance: {target: [server]}
---
id: r6
deep: ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `
`
	b := &Bundle{}
	if err := parseSigma([]byte(in), b); err != nil {
		t.Fatal(err)
	}
	want := []Signature{{Vendor: "sigma", ID: "r1", Name: "42", CVEs: []string{"CVE-2021-44228"}, Enabled: true}}
	if diff := cmp.Diff(want, b.Signatures); diff != "" {
		t.Errorf("signatures (-want +got):\n%s", diff)
	}
	for i, frag := range []string{"unknown alias undefined", "relevance.target: a list, want a string", "nested deeper than 64 levels"} {
		if i >= len(b.Skipped) || !strings.Contains(b.Skipped[i], frag) {
			t.Errorf("skipped = %q, want [%d] to contain %q", b.Skipped, i, frag)
		}
	}
}
