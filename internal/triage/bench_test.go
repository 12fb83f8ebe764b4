package triage

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/assets"
	"github.com/sekimori/sekimori/internal/vulndb"
)

// benchEngine is a tenant of 1,000 hosts with 200 packages each, and
// knowledge of 5,000 CVEs and 5,000 signatures.
func benchEngine(b *testing.B) (*Engine, []Alert) {
	k := NewKnowledge()
	bundle := &vulndb.Bundle{Provenance: vulndb.Provenance{Kind: "nvd", Source: "bench"}}
	sigs := &vulndb.Bundle{Provenance: vulndb.Provenance{Kind: "suricata", Source: "bench"}}
	for i := range 5000 {
		id := fmt.Sprintf("CVE-2024-%05d", i)
		bundle.CVEs = append(bundle.CVEs, vulndb.CVE{ID: id, Configs: []vulndb.Config{{Vulnerable: []vulndb.CPEMatch{
			{Criteria: fmt.Sprintf("cpe:2.3:a:vendor%d:product%d:*:*:*:*:*:*:*:*", i%300, i%300), VersionStartIncluding: "1.0", VersionEndExcluding: "1.5"},
			{Criteria: fmt.Sprintf("cpe:2.3:a:vendor%d:product%d:*:*:*:*:*:*:*:*", i%300, i%300), VersionStartIncluding: "2.0", VersionEndExcluding: "2.3"},
		}}}})
		sigs.Signatures = append(sigs.Signatures, vulndb.Signature{Vendor: "suricata", ID: fmt.Sprint(2000000 + i), CVEs: []string{id}, Target: "server"})
	}
	k.Add(bundle)
	k.Add(sigs)
	e := NewEngine(k)
	collected := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var hosts []Host
	for h := range 1000 {
		host := Host{Host: assets.Host{AssetID: fmt.Sprint("h", h), IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 1, byte(h >> 8), byte(h)})},
			OS: "Debian GNU/Linux", OSVersion: "12", InventoryComplete: true, InventoryCollectedAt: collected}}
		inv := Inventory{Source: Source{Kind: "cyclonedx"}, Complete: true, CollectedAt: collected}
		for p := range 200 {
			n := (h*7 + p*13) % 600
			inv.Software = append(inv.Software, assets.Software{Name: fmt.Sprint("product", n), Version: fmt.Sprintf("%d.%d", 1+p%3, p%7),
				CPE: fmt.Sprintf("cpe:2.3:a:vendor%d:product%d:%d.%d:*:*:*:*:*:*:*", n, n, 1+p%3, p%7)})
		}
		host.Inventories = []Inventory{inv}
		hosts = append(hosts, host)
	}
	e.SetTenant(1, hosts, Settings{})
	var alerts []Alert
	for i := range 4096 {
		alerts = append(alerts, Alert{Tenant: 1, Kind: "native", RuleID: fmt.Sprintf("suricata:%d", 2000000+(i*37)%5000),
			TargetIP: fmt.Sprintf("10.1.%d.%d", (i%1100)>>8, (i%1100)&255), Time: collected.Add(10 * 24 * time.Hour), Action: "alert"})
	}
	return e, alerts
}

// BenchmarkEvaluate measures verdicts per second on one core; the target
// is at least 20,000 alerts per second per core.
func BenchmarkEvaluate(b *testing.B) {
	e, alerts := benchEngine(b)
	b.ReportAllocs()
	b.ResetTimer()
	verdicts := map[Verdict]int{}
	for i := 0; b.Loop(); i++ {
		r := e.Evaluate(alerts[i%len(alerts)])
		verdicts[r.Verdict]++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
}
