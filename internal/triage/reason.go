package triage

import (
	"strconv"
	"strings"
)

// decide turns the checks into a verdict, a confidence and a reason.
func (e *Engine) decide(h *hostIndex, sig SignatureEvidence, checks []Check) (Verdict, string, map[string]string) {
	host := h.host.Hostname
	if host == "" {
		host = h.host.AssetID
	}
	if len(checks) == 0 {
		return UnknownSignature, "low", map[string]string{
			"en": "the knowledge base has no affected products for " + sigLabel(sig) + cveSuffix(sig.CVEs),
			"ja": sigLabel(sig) + cveSuffix(sig.CVEs) + " の影響を受ける製品がナレッジに登録されていないため、判断できません",
		}
	}
	worst := checks[0]
	for _, c := range checks[1:] {
		if rank[c.Outcome] > rank[worst.Outcome] {
			worst = c
		}
	}
	what := worst.Product
	if worst.Software != "" {
		what = worst.Software
		if worst.Installed != "" {
			what += " " + worst.Installed
		}
	}
	cve := worst.CVE
	if cve == "" {
		cve = sigLabel(sig)
	}
	switch worst.Outcome {
	case outVulnerable:
		conf := "high"
		if !strings.Contains(worst.Rule, "fixed in") && h.complete.IsZero() {
			conf = "medium"
		}
		return RelevantVulnerable, conf, map[string]string{
			"en": host + " runs " + what + ", affected by " + cve + " (" + worst.Rule + ")",
			"ja": host + " の " + what + " は " + cve + " の影響を受けるバージョンです（" + worst.Rule + "）",
		}
	case outVersionUnknown:
		return RelevantVersionUnknown, "medium", map[string]string{
			"en": host + " runs " + what + " (" + worst.Product + ") and its version cannot rule out " + cve,
			"ja": host + " で " + what + "（" + worst.Product + "）が稼働しており、バージョンから " + cve + " の影響を否定できません",
		}
	case outFixed, outNotAffected:
		return NotVulnerablePatched, "high", map[string]string{
			"en": host + "'s " + what + " is not vulnerable to " + cve + " (" + worst.Rule + ")",
			"ja": host + " の " + what + " は " + cve + " に対して修正済み、または影響を受けません（" + worst.Rule + "）",
		}
	case outPlatformAbsent:
		return NotApplicable, "high", map[string]string{
			"en": host + " runs " + what + " but not on " + worst.Platform + ", which " + cve + " requires",
			"ja": host + " の " + what + " は " + cve + " の前提となる " + worst.Platform + " 上で動作していません",
		}
	}
	if strings.HasPrefix(worst.Rule, "server-side") {
		return NotApplicable, "medium", map[string]string{
			"en": sigLabel(sig) + " attacks servers; " + host + " is a client (role " + h.host.Role + ")",
			"ja": sigLabel(sig) + " はサーバーを狙う攻撃ですが、" + host + " はクライアント端末（役割 " + h.host.Role + "）です",
		}
	}
	return NotApplicable, "high", map[string]string{
		"en": host + " does not run " + productList(checks) + ", which " + cve + " targets",
		"ja": host + " には " + cve + " が狙う " + productList(checks) + " が存在しません",
	}
}

func productList(checks []Check) string {
	var ps []string
	for _, c := range checks {
		if c.Product != "" && !strings.Contains(strings.Join(ps, ","), c.Product) {
			ps = append(ps, c.Product)
		}
	}
	return strings.Join(ps, ", ")
}

func sigLabel(sig SignatureEvidence) string {
	l := sig.Vendor + " " + sig.ID
	if sig.Name != "" {
		l += " \"" + sig.Name + "\""
	}
	return l
}

func cveSuffix(cves []string) string {
	if len(cves) == 0 {
		return ""
	}
	return " (" + strings.Join(cves, ", ") + ")"
}

func unknownAssetReason(ip string) map[string]string {
	if ip == "" {
		ip = "the target"
	}
	return map[string]string{
		"en": ip + " is not in the asset inventory, so the attack cannot be ruled out",
		"ja": ip + " は資産台帳に登録されていないため、影響を否定できません",
	}
}

func unknownSignatureReason(sig SignatureEvidence) map[string]string {
	return map[string]string{
		"en": "nothing is known about what " + sigLabel(sig) + " targets (no CVE or product), so it cannot be ruled out",
		"ja": sigLabel(sig) + " の攻撃対象（CVE・製品）が不明なため、影響を否定できません",
	}
}

func appendReason(r map[string]string, en, ja string) map[string]string {
	return map[string]string{"en": r["en"] + "; " + en, "ja": r["ja"] + "。" + ja}
}

func itoa(n int) string { return strconv.Itoa(n) }
