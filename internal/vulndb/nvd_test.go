package vulndb

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func match(criteria string) nvdMatch { return nvdMatch{Vulnerable: true, Criteria: criteria} }

func platform(criteria string) nvdMatch { return nvdMatch{Criteria: criteria} }

const (
	httpd2449 = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
	windows   = "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"
	linux     = "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"
	hwA       = "cpe:2.3:h:example:a:-:*:*:*:*:*:*:*"
)

func TestFlattenConfig(t *testing.T) {
	or := func(ms ...nvdMatch) nvdNode { return nvdNode{Operator: "OR", CPEMatch: ms} }
	for _, tc := range []struct {
		name   string
		in     nvdConfig
		want   []Config
		reason string
	}{
		{
			name: "single node, operator absent",
			in:   nvdConfig{Nodes: []nvdNode{or(match(httpd2449), platform(linux))}},
			want: []Config{{Vulnerable: []CPEMatch{{Criteria: httpd2449}}}},
		},
		{
			name: "OR over two nodes gives two configs",
			in:   nvdConfig{Operator: "OR", Nodes: []nvdNode{or(match(httpd2449)), or(match(windows))}},
			want: []Config{{Vulnerable: []CPEMatch{{Criteria: httpd2449}}}, {Vulnerable: []CPEMatch{{Criteria: windows}}}},
		},
		{
			name: "running on",
			in:   nvdConfig{Operator: "AND", Nodes: []nvdNode{or(match(httpd2449)), or(platform(windows), platform(linux))}},
			want: []Config{{Vulnerable: []CPEMatch{{Criteria: httpd2449}}, Platform: []CPEMatch{{Criteria: windows}, {Criteria: linux}}}},
		},
		{
			name: "running on, platform node first",
			in:   nvdConfig{Operator: "and", Nodes: []nvdNode{or(platform(windows)), or(match(httpd2449))}},
			want: []Config{{Vulnerable: []CPEMatch{{Criteria: httpd2449}}, Platform: []CPEMatch{{Criteria: windows}}}},
		},
		{
			name: "AND of two vulnerable nodes: the second is the platform",
			in:   nvdConfig{Operator: "AND", Nodes: []nvdNode{or(match(httpd2449)), or(match(windows))}},
			want: []Config{{Vulnerable: []CPEMatch{{Criteria: httpd2449}}, Platform: []CPEMatch{{Criteria: windows}}}},
		},
		{
			name: "three nodes: platforms joined",
			in:   nvdConfig{Operator: "AND", Nodes: []nvdNode{or(match(httpd2449)), or(platform(windows)), or(platform(hwA))}},
			want: []Config{{Vulnerable: []CPEMatch{{Criteria: httpd2449}}, Platform: []CPEMatch{{Criteria: windows}, {Criteria: hwA}}}},
		},
		{
			name: "nothing vulnerable",
			in:   nvdConfig{Operator: "AND", Nodes: []nvdNode{or(platform(windows)), or(platform(hwA))}},
		},
		{
			name:   "negated configuration",
			in:     nvdConfig{Negate: true, Nodes: []nvdNode{or(match(httpd2449))}},
			reason: "negated configuration left out",
		},
		{
			name:   "negated platform",
			in:     nvdConfig{Operator: "AND", Nodes: []nvdNode{or(match(httpd2449)), {Operator: "OR", Negate: true, CPEMatch: []nvdMatch{platform(windows)}}}},
			reason: "negated node 2 left out",
		},
		{
			name:   "negated vulnerable node",
			in:     nvdConfig{Nodes: []nvdNode{{Operator: "OR", Negate: true, CPEMatch: []nvdMatch{match(httpd2449)}}}},
			reason: "negated node 1 left out",
		},
		{
			name:   "AND inside a node",
			in:     nvdConfig{Nodes: []nvdNode{{Operator: "AND", CPEMatch: []nvdMatch{match(httpd2449), match(windows)}}}},
			reason: "node 1: operator AND over 2 matches left out",
		},
		{
			name: "AND inside a node of one match is plain",
			in:   nvdConfig{Nodes: []nvdNode{{Operator: "AND", CPEMatch: []nvdMatch{match(httpd2449)}}}},
			want: []Config{{Vulnerable: []CPEMatch{{Criteria: httpd2449}}}},
		},
		{
			name:   "bad criteria",
			in:     nvdConfig{Nodes: []nvdNode{or(match("cpe:2.3:a:apache:http_server:2.4.49"))}},
			reason: `node 1: criteria "cpe:2.3:a:apache:http_server:2.4.49": 6 components, want 13`,
		},
		{
			name:   "unknown operator",
			in:     nvdConfig{Operator: "XOR", Nodes: []nvdNode{or(match(httpd2449))}},
			reason: `unknown operator "XOR"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, reason := flattenConfig(&tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("configs (-want +got):\n%s", diff)
			}
			if ok != (len(tc.want) > 0) || reason != tc.reason {
				t.Errorf("ok, reason = %v, %q; want %v, %q", ok, reason, len(tc.want) > 0, tc.reason)
			}
		})
	}
}

// TestNVDFacts checks the version facts of the fixtures that triage relies
// on, independently of the golden files.
func TestNVDFacts(t *testing.T) {
	cves := map[string]CVE{}
	for _, f := range []string{"apache_httpd.json", "log4shell_cve.json", "fortios.ndjson"} {
		for _, c := range mustImport(t, "testdata/nvd/"+f).CVEs {
			cves[c.ID] = c
		}
	}
	vuln := func(id string) []CPEMatch { return cves[id].Configs[0].Vulnerable }
	httpd := func(v string) CPEMatch {
		return CPEMatch{Criteria: "cpe:2.3:a:apache:http_server:" + v + ":*:*:*:*:*:*:*"}
	}
	fortios := "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"

	got41773 := vuln("CVE-2021-41773")
	got41773[0].MatchCriteriaID = ""
	if diff := cmp.Diff([]CPEMatch{httpd("2.4.49")}, got41773); diff != "" {
		t.Errorf("CVE-2021-41773: only httpd 2.4.49 (-want +got):\n%s", diff)
	}
	got42013 := vuln("CVE-2021-42013")
	for i := range got42013 {
		got42013[i].MatchCriteriaID = ""
	}
	if diff := cmp.Diff([]CPEMatch{httpd("2.4.49"), httpd("2.4.50")}, got42013); diff != "" {
		t.Errorf("CVE-2021-42013: httpd 2.4.49 and 2.4.50 (-want +got):\n%s", diff)
	}
	log4j := vuln("CVE-2021-44228")
	if len(log4j) != 7 || log4j[2].VersionStartIncluding != "2.13.0" || log4j[2].VersionEndExcluding != "2.15.0" ||
		log4j[4].Criteria != "cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*" {
		t.Errorf("CVE-2021-44228: %+v", log4j)
	}
	if c := cves["CVE-2021-44228"]; c.CVSS != 10 || c.Severity != "CRITICAL" {
		t.Errorf("CVE-2021-44228 score: %v %s", c.CVSS, c.Severity)
	}
	want13379 := []CPEMatch{
		{Criteria: fortios, VersionStartIncluding: "5.4.6", VersionEndIncluding: "5.4.12"},
		{Criteria: fortios, VersionStartIncluding: "5.6.3", VersionEndIncluding: "5.6.7"},
		{Criteria: fortios, VersionStartIncluding: "6.0.0", VersionEndIncluding: "6.0.4"},
	}
	if diff := cmp.Diff(want13379, vuln("CVE-2018-13379")); diff != "" {
		t.Errorf("CVE-2018-13379 (-want +got):\n%s", diff)
	}
	if got := vuln("CVE-2022-42475")[4]; got != (CPEMatch{Criteria: fortios, VersionStartIncluding: "7.2.0", VersionEndExcluding: "7.2.3"}) {
		t.Errorf("CVE-2022-42475 7.2 branch: %+v", got)
	}
	if c := cves["CVE-2022-42475"]; c.CVSS != 9.8 {
		t.Errorf("CVE-2022-42475: NVD's Primary score 9.8 wanted over the CNA's, got %v", c.CVSS)
	}
}

// TestNVDForms imports the same CVE written in every accepted form.
func TestNVDForms(t *testing.T) {
	item := `{"cve":{"id":"CVE-2021-41773","published":"2021-10-05T09:15:07.593","configurations":[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"` + httpd2449 + `"}]}]}]}}`
	bare := item[len(`{"cve":`) : len(item)-1]
	resp := `{"format":"NVD_CVE","version":"2.0","timestamp":"2025-06-01T00:00:00.000","vulnerabilities":[` + item + `]}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(resp))
	zw.Close()
	for name, in := range map[string]string{
		"response":           resp,
		"item":               item,
		"bare":               bare,
		"array of responses": "[" + resp + "]",
		"array of items":     "[" + item + "]",
		"ndjson":             resp + "\n" + item + "\n",
		"gzip":               gz.String(),
		"bom":                "\ufeff" + resp,
	} {
		t.Run(name, func(t *testing.T) {
			b, err := Import(name, []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if b.Provenance.Kind != KindNVD || len(b.CVEs) == 0 || b.SkippedTotal != 0 {
				t.Fatalf("bundle: %+v", b)
			}
			for _, c := range b.CVEs {
				if c.ID != "CVE-2021-41773" || len(c.Configs) != 1 || c.Configs[0].Vulnerable[0].Criteria != httpd2449 {
					t.Errorf("CVE: %+v", c)
				}
			}
		})
	}
}

func TestNVDErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // in the error
		is       error
	}{
		{"broken JSON", "{\"format\":\"NVD_CVE\",\n \"vulnerabilities\": [}", "line 2 column", nil},
		{"trailing garbage", `{"format":"NVD_CVE","vulnerabilities":[]} x`, "invalid JSON", nil},
		{"bad timestamp", `{"format":"NVD_CVE","timestamp":"yesterday","vulnerabilities":[]}`, `timestamp: bad time "yesterday"`, nil},
		{"every record bad", `{"format":"NVD_CVE","vulnerabilities":[{"cve":{"id":"x"}}]}`, `1 malformed, first: x: id: bad CVE id "x"`, ErrNoRecords},
		{"no shape in a stream", `{"format":"NVD_CVE","vulnerabilities":[]}` + "\n" + `{"a":1}`, "neither an NVD API response nor a CVE", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import("f.json", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "import f.json: ") {
				t.Fatalf("err = %v, want one naming the file and containing %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
		})
	}
}

func TestNVDSkipCap(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"format":"NVD_CVE","vulnerabilities":[{"cve":{"id":"CVE-2021-41773"}}`)
	for i := 0; i < MaxSkipped+50; i++ {
		sb.WriteString(`,{"cve":{"id":"bad"}}`)
	}
	sb.WriteString("]}")
	b, err := Import("f.json", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Skipped) != MaxSkipped || b.SkippedTotal != MaxSkipped+50 || len(b.CVEs) != 1 {
		t.Errorf("skipped %d kept, %d total, %d CVEs", len(b.Skipped), b.SkippedTotal, len(b.CVEs))
	}
}

func mustImport(t testing.TB, path string) *Bundle {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Import(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
