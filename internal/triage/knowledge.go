package triage

import (
	"strings"

	"github.com/sekimori/sekimori/internal/vulndb"
)

// Knowledge indexes what is known about vulnerabilities and signatures.
// Build it with NewKnowledge and Add, then share it read-only.
type Knowledge struct {
	cves  map[string]cveEntry
	kev   map[string]vulndb.KEV
	epss  map[string]float64
	fixes map[string]fixEntry // distro|package|cve
	sigs  map[string]sigEntry // vendor|id
}

type cveEntry struct {
	cve     vulndb.CVE
	src     Source
	configs []compiledConfig
}

// compiledConfig is a vulndb.Config with its CPE names parsed once.
type compiledConfig struct {
	vulnerable, platform []compiledMatch
}

type compiledMatch struct {
	m     vulndb.CPEMatch
	key   string // vendor:product
	exact string // the version the name fixes, if any
}

func compile(c vulndb.CVE) []compiledConfig {
	out := make([]compiledConfig, 0, len(c.Configs))
	for _, cfg := range c.Configs {
		var cc compiledConfig
		for _, m := range cfg.Vulnerable {
			if _, key, exact, ok := cpeKey(m.Criteria); ok {
				cc.vulnerable = append(cc.vulnerable, compiledMatch{m, key, exact})
			}
		}
		for _, m := range cfg.Platform {
			if _, key, exact, ok := cpeKey(m.Criteria); ok {
				cc.platform = append(cc.platform, compiledMatch{m, key, exact})
			}
		}
		out = append(out, cc)
	}
	return out
}

type fixEntry struct {
	fix vulndb.DistroFix
	src Source
}

type sigEntry struct {
	sig vulndb.Signature
	src Source
}

// NewKnowledge returns an empty index.
func NewKnowledge() *Knowledge {
	return &Knowledge{
		cves: map[string]cveEntry{}, kev: map[string]vulndb.KEV{}, epss: map[string]float64{},
		fixes: map[string]fixEntry{}, sigs: map[string]sigEntry{},
	}
}

// Add merges a bundle; a record already known by the same key is replaced,
// so add bundles in import order.
func (k *Knowledge) Add(b *vulndb.Bundle) {
	src := Source{Kind: b.Provenance.Kind, Name: b.Provenance.Source, Date: b.Provenance.Date}
	for _, c := range b.CVEs {
		k.cves[strings.ToUpper(c.ID)] = cveEntry{c, src, compile(c)}
	}
	for _, e := range b.KEV {
		k.kev[strings.ToUpper(e.CVE)] = e
	}
	for _, e := range b.EPSS {
		k.epss[strings.ToUpper(e.CVE)] = e.Score
	}
	for _, f := range b.Fixes {
		k.fixes[fixKey(f.Distro, f.Package, f.CVE)] = fixEntry{f, src}
	}
	for _, s := range b.Signatures {
		k.sigs[sigKey(s.Vendor, s.ID)] = sigEntry{s, src}
	}
}

func fixKey(distro, pkg, cve string) string {
	return distro + "|" + strings.ToLower(pkg) + "|" + strings.ToUpper(cve)
}

func sigKey(vendor, id string) string { return strings.ToLower(vendor) + "|" + id }

// signatureOf splits an alert's rule id into the vendor and signature id
// that knowledge files use: "fortigate:ips:12345" → fortigate, 12345;
// "suricata:2034125" → suricata, 2034125; a Sigma rule → sigma, its id.
func signatureOf(kind, ruleID string) (vendor, id string) {
	if kind != "native" {
		return "sigma", ruleID
	}
	vendor, rest, ok := strings.Cut(ruleID, ":")
	if !ok {
		return "", ruleID
	}
	// Native ids carry a class ("ips:", "threat:", "idp:") for some vendors.
	if class, sid, ok := strings.Cut(rest, ":"); ok && (class == "ips" || class == "threat" || class == "idp" || class == "anomaly") {
		return vendor, sid
	}
	return vendor, rest
}
