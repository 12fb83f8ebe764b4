package triage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sekimori/sekimori/internal/assets"
	"github.com/sekimori/sekimori/internal/version"
	"github.com/sekimori/sekimori/internal/vulndb"
)

// rank orders outcomes from least to most concerning; a CVE's outcome on
// a host is the most concerning of its configurations and matching
// software, and the alert's is the most concerning of its CVEs.
var rank = map[string]int{
	outAbsent: 0, outPlatformAbsent: 1, outNotAffected: 2, outFixed: 3, outVersionUnknown: 4, outVulnerable: 5,
}

// checks runs every CVE of the signature, and its named products when no
// CVE is known, against the host's software.
func (e *Engine) checks(h *hostIndex, sig SignatureEvidence) []Check {
	var out []Check
	for _, id := range sig.CVEs {
		ce, ok := e.k.cves[id]
		if !ok || len(ce.configs) == 0 {
			continue
		}
		c := e.checkCVE(h, ce)
		c.CVE = id
		if kev, ok := e.k.kev[id]; ok && kev.CVE != "" {
			c.KEV = true
		}
		if p, ok := e.k.epss[id]; ok {
			c.EPSS = &p
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out
	}
	for _, p := range sig.Products {
		out = append(out, productCheck(h, nameKey(p)))
	}
	if len(out) == 0 && sig.Target == "server" && h.isClient() {
		out = append(out, Check{Product: "server software", Outcome: outAbsent, Rule: "server-side signature aimed at a client host (role " + h.host.Role + ")"})
	}
	return out
}

func (h *hostIndex) isClient() bool {
	return slices.Contains(clientRoles, strings.ToLower(h.host.Role))
}

// productCheck: the signature names a product but no version rule; the
// product's presence is all that can be judged.
func productCheck(h *hostIndex, key string) Check {
	for _, i := range h.lookup(key) {
		s := h.software[i]
		return Check{Product: key, Installed: s.sw.Version, Software: s.sw.Name, Outcome: outVersionUnknown,
			Rule: "the signature names the product, not affected versions"}
	}
	return Check{Product: key, Outcome: outAbsent}
}

// lookup returns the indexes of the software answering to key.
func (h *hostIndex) lookup(key string) []int {
	_, product, _ := strings.Cut(key, ":")
	cands := h.byProduct[product]
	var out []int
	for _, i := range cands {
		if h.software[i].answers(key) {
			out = append(out, i)
		}
	}
	return out
}

// checkCVE judges one CVE's configurations against the host.
func (e *Engine) checkCVE(h *hostIndex, ce cveEntry) Check {
	best := Check{Outcome: outAbsent}
	first := true
	for _, cfg := range ce.configs {
		platform, platformOK := h.platform(cfg.platform)
		for _, m := range cfg.vulnerable {
			if first {
				best.Product, first = m.key, false
			}
			for _, i := range h.lookup(m.key) {
				c := e.checkVersion(h.software[i], m.m, m.exact, m.key, ce)
				if !platformOK {
					// The configuration needs a platform the host lacks:
					// whatever the version, this way of being vulnerable
					// does not apply.
					c.Outcome = outPlatformAbsent
				}
				if len(cfg.platform) > 0 {
					c.Platform = platform
				}
				if rank[c.Outcome] > rank[best.Outcome] || best.Software == "" && rank[c.Outcome] == rank[best.Outcome] {
					best = c
				}
			}
		}
	}
	if best.Software == "" {
		best.RuleSource = ce.src
		best.Rule = "affected products of " + ce.cve.ID + " per " + ce.src.Kind
		if ce.cve.Incomplete {
			// Part of NVD's configuration could not be read: absence from
			// what was read proves nothing.
			best.Outcome = outVersionUnknown
			best.Rule = ce.cve.ID + ": NVD configuration only partly understood"
		}
	}
	return best
}

func (s swEntry) answers(key string) bool {
	for _, k := range s.keys {
		if keyMatches(k, key) {
			return true
		}
	}
	return false
}

// platform says whether the host satisfies a "running on/with" condition
// (none: yes) and which platform matched or was required.
func (h *hostIndex) platform(ms []compiledMatch) (string, bool) {
	if len(ms) == 0 {
		return "", true
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.key)
		if len(h.lookup(m.key)) > 0 {
			return m.key, true
		}
	}
	return strings.Join(want, " or "), false
}

// checkVersion judges one installed piece of software against one
// vulnerable CPE match. A distro's own fixed version, when known, beats
// the upstream range: distros backport fixes without changing the
// upstream version.
func (e *Engine) checkVersion(s swEntry, m vulndb.CPEMatch, exact, key string, ce cveEntry) Check {
	c := Check{Product: key, Installed: s.sw.Version, Software: s.sw.Name}
	if s.sw.Distro != "" {
		pkg := s.sw.SourcePackage
		if pkg == "" {
			pkg = s.sw.Name
		}
		if f, ok := e.k.fixes[fixKey(s.sw.Distro, pkg, ce.cve.ID)]; ok {
			c.RuleSource = f.src
			switch f.fix.Status {
			case "not-affected":
				c.Rule = fmt.Sprintf("%s %s: not affected by %s", s.sw.Distro, pkg, ce.cve.ID)
				c.Outcome = outNotAffected
				return c
			case "fixed":
				c.Rule = fmt.Sprintf("%s %s fixed in %s", s.sw.Distro, pkg, f.fix.FixedVersion)
				if s.sw.Version == "" {
					c.Outcome = outVersionUnknown
					return c
				}
				cmp, err := distroCompare(s.sw.Distro, s.sw.Version, f.fix.FixedVersion)
				switch {
				case err != nil:
					c.Outcome, c.Comparison = outVersionUnknown, err.Error()
				case cmp < 0:
					c.Outcome, c.Comparison = outVulnerable, s.sw.Version+" < "+f.fix.FixedVersion
				default:
					c.Outcome, c.Comparison = outFixed, s.sw.Version+" >= "+f.fix.FixedVersion
				}
				return c
			}
			// open or undetermined: the distro has no fix; judge by upstream.
		}
	}
	c.RuleSource = ce.src
	c.Rule = rangeText(m, exact)
	v := upstreamVersion(s.sw)
	if v == "" {
		c.Outcome = outVersionUnknown
		return c
	}
	var in bool
	var err error
	if exact != "" {
		in = version.CompareGeneric(v, exact) == 0
	} else {
		in, err = version.InRange(v, m.VersionStartIncluding, m.VersionStartExcluding, m.VersionEndIncluding, m.VersionEndExcluding)
	}
	switch {
	case err != nil:
		c.Outcome, c.Comparison = outVersionUnknown, err.Error()
	case in:
		c.Outcome, c.Comparison = outVulnerable, v+" in "+c.Rule
	default:
		c.Outcome, c.Comparison = outFixed, v+" not in "+c.Rule
	}
	return c
}

// distroCompare compares package versions by the distro's own rules.
func distroCompare(distro, a, b string) (int, error) {
	family, _, _ := strings.Cut(distro, ":")
	switch family {
	case "rhel", "centos", "rocky", "almalinux", "fedora", "amzn", "ol", "sles", "opensuse":
		return version.CompareRPM(a, b)
	}
	return version.CompareDeb(a, b)
}

// upstreamVersion is the upstream part of a distro package version
// (2.4.62 of 1:2.4.62-1~deb12u2 or of 2.4.62-1.el9), else the version.
func upstreamVersion(sw assets.Software) string {
	v := strings.TrimSpace(sw.Version)
	if sw.Distro == "" && sw.Ecosystem != "deb" && sw.Ecosystem != "rpm" {
		return v
	}
	if _, rest, ok := strings.Cut(v, ":"); ok {
		v = rest
	}
	if i := strings.LastIndexByte(v, '-'); i > 0 {
		v = v[:i]
	}
	for _, suffix := range []string{"+dfsg", "+ds"} {
		if i := strings.Index(v, suffix); i > 0 {
			v = v[:i]
		}
	}
	return v
}

func rangeText(m vulndb.CPEMatch, exact string) string {
	if exact != "" {
		return "v = " + exact
	}
	var parts []string
	switch {
	case m.VersionStartIncluding != "":
		parts = append(parts, m.VersionStartIncluding+" <= v")
	case m.VersionStartExcluding != "":
		parts = append(parts, m.VersionStartExcluding+" < v")
	}
	switch {
	case m.VersionEndExcluding != "":
		parts = append(parts, "v < "+m.VersionEndExcluding)
	case m.VersionEndIncluding != "":
		parts = append(parts, "v <= "+m.VersionEndIncluding)
	}
	if len(parts) == 0 {
		return "all versions"
	}
	return strings.Join(parts, ", ")
}
