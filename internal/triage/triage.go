// Package triage gives every alert a relevance verdict: can the attack it
// reports hurt this customer? It joins three kinds of knowledge — the
// tenant's asset inventory (hosts, their software and versions), what the
// signature targets (CVEs, products, server or client side) and the
// vulnerability facts (NVD version ranges, distro fixed versions, KEV,
// EPSS) — and says which of six verdicts applies, with the evidence and a
// one-line reason in Japanese and English.
//
// A verdict that would hide an alert from the customer (NOT_APPLICABLE,
// NOT_VULNERABLE_PATCHED) hides it only when the target host's inventory is
// complete and fresh; otherwise the alert is reported with the reason the
// inventory could not rule it out. Whether the device blocked the attack
// changes urgency, never relevance.
//
// An [Engine] is an immutable snapshot: build a new one when inventory,
// knowledge or settings change, and re-evaluate. Evaluate is pure and safe
// for concurrent use.
package triage

import (
	"time"
)

// Verdict is the relevance state of an alert.
type Verdict string

// The verdicts. The first four are reported; the last two may hide an alert.
const (
	RelevantVulnerable     Verdict = "RELEVANT_VULNERABLE"
	RelevantVersionUnknown Verdict = "RELEVANT_VERSION_UNKNOWN"
	UnknownAsset           Verdict = "UNKNOWN_ASSET"
	UnknownSignature       Verdict = "UNKNOWN_SIGNATURE"
	NotApplicable          Verdict = "NOT_APPLICABLE"
	NotVulnerablePatched   Verdict = "NOT_VULNERABLE_PATCHED"
)

// Verdicts lists every verdict, for validation of filters.
var Verdicts = []Verdict{RelevantVulnerable, RelevantVersionUnknown, UnknownAsset, UnknownSignature, NotApplicable, NotVulnerablePatched}

// Hides says whether v can hide an alert (subject to inventory freshness).
func (v Verdict) Hides() bool { return v == NotApplicable || v == NotVulnerablePatched }

// Reporting policies of a tenant.
const (
	PolicyRelevant = "relevant" // report what can hurt (the default)
	PolicyAll      = "all"      // report every attempt, verdicts still shown
)

// Settings are a tenant's triage choices.
type Settings struct {
	Policy string // PolicyRelevant (default) or PolicyAll
	// FreshDays: an inventory collected more than this many days before the
	// alert cannot hide it. Default 30.
	FreshDays int
}

func (s Settings) withDefaults() Settings {
	if s.Policy == "" {
		s.Policy = PolicyRelevant
	}
	if s.FreshDays <= 0 {
		s.FreshDays = 30
	}
	return s
}

// Alert is what triage needs to know about an alert.
type Alert struct {
	Tenant uint32
	Kind   string // "native" or "sigma"
	// RuleID is the alert's rule: a Sigma rule id, or vendor:signature as
	// detect makes it ("fortigate:ips:12345", "suricata:2034125").
	RuleID   string
	RuleName string
	TargetIP string
	SourceIP string
	Time     time.Time
	// CVEs named by the event itself (e.g. a vulnerability.id field).
	CVEs []string
	// Action is what the device did (event.action): "blocked", "dropped",
	// "reset", "detected", "pass", ...
	Action string
}

// Result is a verdict with everything that led to it.
type Result struct {
	Verdict Verdict `json:"verdict"`
	// Report: show the alert to the customer.
	Report bool `json:"report"`
	// Reason is one line in "en" and "ja".
	Reason     map[string]string `json:"reason"`
	Confidence string            `json:"confidence"` // high, medium, low
	// Urgency: "raised" (the attack passed, or the CVE is known exploited),
	// "lowered" (the device blocked it), or "normal".
	Urgency  string   `json:"urgency"`
	Evidence Evidence `json:"evidence"`
	// Task, when set, is a data-quality gap to fix (unknown asset or
	// signature).
	Task *Task `json:"task,omitempty"`
}

// Task is a data-quality gap found while triaging.
type Task struct {
	Kind    string `json:"kind"`    // "unknown_asset" or "unknown_signature"
	Subject string `json:"subject"` // the IP address or vendor:signature
}

// Evidence is the chain behind a verdict.
type Evidence struct {
	Signature *SignatureEvidence `json:"signature,omitempty"`
	Asset     *AssetEvidence     `json:"asset,omitempty"`
	Checks    []Check            `json:"checks,omitempty"`
	Policy    string             `json:"policy"`
}

// SignatureEvidence says what the signature targets and where that is known from.
type SignatureEvidence struct {
	Vendor   string   `json:"vendor"`
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	CVEs     []string `json:"cves,omitempty"`
	Products []string `json:"products,omitempty"`
	Target   string   `json:"target,omitempty"` // server, client or ""
	Source   Source   `json:"source"`
}

// Source is the provenance of a piece of knowledge or inventory.
type Source struct {
	Kind string    `json:"kind"`           // nvd, debian, suricata, hosts-csv, cyclonedx, alert, ...
	Name string    `json:"name,omitempty"` // the file it came from
	Date time.Time `json:"date,omitzero"`  // the feed's or inventory's own date
}

// AssetEvidence is the target host as the inventory knows it.
type AssetEvidence struct {
	AssetID     string    `json:"asset_id"`
	Hostname    string    `json:"hostname,omitempty"`
	MatchedBy   string    `json:"matched_by"` // "ip" or "public_ip" (through NAT) or "source_ip"
	Role        string    `json:"role,omitempty"`
	Criticality string    `json:"criticality,omitempty"`
	Complete    bool      `json:"inventory_complete"`
	CollectedAt time.Time `json:"inventory_collected_at,omitzero"`
	AgeDays     int       `json:"inventory_age_days"`
	Fresh       bool      `json:"inventory_fresh"`
	Sources     []Source  `json:"inventory_sources,omitempty"`
}

// Check is the outcome of one CVE (or one product) against the host.
type Check struct {
	CVE        string   `json:"cve,omitempty"`
	Product    string   `json:"product"`                     // vendor:product as CPE names it
	Installed  string   `json:"installed,omitempty"`         // the host's version
	Software   string   `json:"software,omitempty"`          // the inventory entry that matched
	Rule       string   `json:"rule,omitempty"`              // "2.4.49 <= v < 2.4.51" or "debian:bookworm apache2 fixed in 2.4.62-1~deb12u2"
	RuleSource Source   `json:"rule_source,omitzero"`        // where the rule is from
	Comparison string   `json:"comparison,omitempty"`        // "2.4.57-2 < 2.4.62-1~deb12u2"
	Outcome    string   `json:"outcome"`                     // vulnerable, fixed, not-affected, absent, version-unknown, platform-absent
	KEV        bool     `json:"kev,omitempty"`               // in CISA's Known Exploited Vulnerabilities
	EPSS       *float64 `json:"epss,omitempty"`              // probability of exploitation in 30 days
	Platform   string   `json:"platform_required,omitempty"` // a "running on" condition that was checked
}

// Outcomes of a check.
const (
	outVulnerable     = "vulnerable"
	outFixed          = "fixed"
	outNotAffected    = "not-affected"
	outAbsent         = "absent"
	outVersionUnknown = "version-unknown"
	outPlatformAbsent = "platform-absent"
)
