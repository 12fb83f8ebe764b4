package vulndb

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

var (
	benchNVDOnce sync.Once
	benchNVDData []byte
)

// benchNVD builds an NVD API response of 20,000 CVEs shaped like real
// ones: two descriptions, CVSS 3.1 and 2.0 metrics, a weakness, one plain
// configuration of four ranges and, for every fifth CVE, a running-on
// configuration, and references.
func benchNVD() []byte {
	benchNVDOnce.Do(func() {
		const n = 20000
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"resultsPerPage":%d,"startIndex":0,"totalResults":%d,"format":"NVD_CVE","version":"2.0","timestamp":"2025-06-01T08:30:12.345","vulnerabilities":[`, n, n)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"cve":{"id":"CVE-2024-%05d","sourceIdentifier":"psirt@example.com","published":"2024-03-%02dT10:15:07.593","lastModified":"2025-02-04T15:15:17.000","vulnStatus":"Analyzed",`, i, 1+i%28)
			fmt.Fprintf(&b, `"descriptions":[{"lang":"en","value":"%s"},{"lang":"es","value":"%s"}],`,
				strings.Repeat("A flaw in the request parser of product number "+fmt.Sprint(i)+" lets a remote attacker read files. ", 3),
				strings.Repeat("Un fallo en el analizador. ", 4))
			b.WriteString(`"metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","baseScore":7.5,"baseSeverity":"HIGH","attackVector":"NETWORK","attackComplexity":"LOW"},"exploitabilityScore":3.9,"impactScore":3.6}],`)
			b.WriteString(`"cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:N/A:N","baseScore":5.0},"baseSeverity":"MEDIUM"}]},`)
			b.WriteString(`"weaknesses":[{"source":"nvd@nist.gov","type":"Primary","description":[{"lang":"en","value":"CWE-22"}]}],"configurations":[`)
			fmt.Fprintf(&b, `{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[`)
			for r := 0; r < 4; r++ {
				if r > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"vulnerable":true,"criteria":"cpe:2.3:a:vendor%d:product%d:*:*:*:*:*:*:*:*","versionStartIncluding":"%d.0.0","versionEndExcluding":"%d.4.%d","matchCriteriaId":"F0A5E5CB-%04d-4000-8000-%012d"}`, i%500, i, r+1, r+1, i%10, r, i)
			}
			b.WriteString(`]}]}`)
			if i%5 == 0 {
				fmt.Fprintf(&b, `,{"operator":"AND","nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:vendor%d:agent%d:*:*:*:*:*:*:*:*","versionEndExcluding":"3.4.2"}]},{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"}]}]}`, i%500, i)
			}
			b.WriteString(`],"references":[{"url":"https://example.com/advisories/`)
			fmt.Fprint(&b, i)
			b.WriteString(`","source":"psirt@example.com","tags":["Vendor Advisory"]},{"url":"https://example.org/exploit","source":"nvd@nist.gov","tags":["Exploit","Third Party Advisory"]}]}}`)
		}
		b.WriteString("]}")
		benchNVDData = b.Bytes()
	})
	return benchNVDData
}

func BenchmarkImportNVD20k(b *testing.B) {
	data := benchNVD()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		bundle, err := Import("nvd.json", data)
		if err != nil {
			b.Fatal(err)
		}
		if len(bundle.CVEs) != 20000 {
			b.Fatalf("%d CVEs", len(bundle.CVEs))
		}
	}
}

func BenchmarkSuricataRule(b *testing.B) {
	const rule = `alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"ET EXPLOIT Apache HTTP Server 2.4.49 Path Traversal (CVE-2021-41773)"; flow:established,to_server; http.uri; content:"/.%2e/"; nocase; classtype:web-application-attack; sid:2034125; rev:3; metadata:affected_product Apache_HTTP_server, attack_target Web_Server, created_at 2021_10_05, cve CVE_2021_41773, deployment Perimeter, signature_severity Major, updated_at 2021_10_06;)`
	b.SetBytes(int64(len(rule)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := suricataSignature(rule, true); err != nil {
			b.Fatal(err)
		}
	}
}
