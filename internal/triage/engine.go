package triage

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/assets"
)

// Host is an inventory host with the inventories that describe it.
type Host struct {
	assets.Host
	// Inventories are the software lists of the host, one per source
	// (SBOM, scan, hosts file); the host runs their union.
	Inventories []Inventory
}

// Inventory is one source's view of a host's software.
type Inventory struct {
	Source      Source
	Complete    bool // a full software list, not a partial one (a port scan)
	CollectedAt time.Time
	Software    []assets.Software
}

// Engine evaluates alerts against one snapshot of knowledge and
// inventories. Build it with NewEngine and SetTenant before sharing it;
// Evaluate is then safe for concurrent use.
type Engine struct {
	k       *Knowledge
	tenants map[uint32]*tenantIndex
}

type tenantIndex struct {
	settings Settings
	byIP     map[netip.Addr]*hostIndex
	byPublic map[netip.Addr]*hostIndex
}

type hostIndex struct {
	host     *Host
	software []swEntry
	// byProduct indexes software by the product part of its keys.
	byProduct map[string][]int
	// complete is the latest collection time of a complete inventory; zero
	// when no inventory of the host is complete.
	complete time.Time
	sources  []Source
}

type swEntry struct {
	sw   assets.Software
	keys []string
	src  Source
}

// NewEngine returns an engine over k (nil: no knowledge).
func NewEngine(k *Knowledge) *Engine {
	if k == nil {
		k = NewKnowledge()
	}
	return &Engine{k: k, tenants: map[uint32]*tenantIndex{}}
}

// SetTenant installs a tenant's inventory and settings. Not safe to call
// concurrently with Evaluate.
func (e *Engine) SetTenant(tenant uint32, hosts []Host, s Settings) {
	t := &tenantIndex{settings: s.withDefaults(), byIP: map[netip.Addr]*hostIndex{}, byPublic: map[netip.Addr]*hostIndex{}}
	for i := range hosts {
		h := &hosts[i]
		hi := &hostIndex{host: h}
		if h.InventoryComplete && !h.InventoryCollectedAt.IsZero() {
			hi.complete = h.InventoryCollectedAt
		}
		if os, ok := osSoftware(h.Host); ok {
			hi.software = append(hi.software, swEntry{os, softwareKeys(os), Source{Kind: "asset-os"}})
		}
		for _, sw := range h.Software {
			hi.software = append(hi.software, swEntry{sw, softwareKeys(sw), Source{Kind: h.Source}})
		}
		for _, inv := range h.Inventories {
			hi.sources = append(hi.sources, Source{Kind: inv.Source.Kind, Name: inv.Source.Name, Date: inv.CollectedAt})
			if inv.Complete && inv.CollectedAt.After(hi.complete) {
				hi.complete = inv.CollectedAt
			}
			for _, sw := range inv.Software {
				hi.software = append(hi.software, swEntry{sw, softwareKeys(sw), inv.Source})
			}
		}
		hi.byProduct = map[string][]int{}
		for i, s := range hi.software {
			for _, k := range s.keys {
				_, p, _ := strings.Cut(k, ":")
				if l := hi.byProduct[p]; len(l) == 0 || l[len(l)-1] != i {
					hi.byProduct[p] = append(l, i)
				}
			}
		}
		for _, ip := range h.IPs {
			t.byIP[ip.Unmap()] = hi
		}
		for _, ip := range h.PublicIPs {
			t.byPublic[ip.Unmap()] = hi
		}
	}
	e.tenants[tenant] = t
}

// clientRoles are host roles that mean an end-user machine.
var clientRoles = []string{"workstation", "client", "pc", "laptop", "desktop", "endpoint", "端末"}

// Applies says whether relevance triage applies to an alert: attacks
// reported by IPS/IDS signatures (native) and Sigma rules. Format drift,
// configuration changes, antivirus and web-filter verdicts are about
// something else and get no verdict.
func Applies(kind, ruleID string) bool {
	switch kind {
	case "sigma":
		return true
	case "native":
		_, rest, _ := strings.Cut(ruleID, ":")
		class, _, ok := strings.Cut(rest, ":")
		return !ok || class == "ips" || class == "threat" || class == "idp"
	}
	return false
}

// Evaluate gives a's verdict.
func (e *Engine) Evaluate(a Alert) Result {
	t := e.tenants[a.Tenant]
	if t == nil {
		t = &tenantIndex{settings: Settings{}.withDefaults()}
	}
	r := Result{Evidence: Evidence{Policy: t.settings.Policy}, Urgency: urgency(a.Action)}
	sig, sigKnown := e.signature(a)
	r.Evidence.Signature = &sig
	hi, matchedBy, ip := t.find(a, sig.Target)
	var tasks []Task
	if hi == nil {
		tasks = append(tasks, Task{Kind: "unknown_asset", Subject: ip})
	}
	if !sigKnown {
		tasks = append(tasks, Task{Kind: "unknown_signature", Subject: sig.Vendor + ":" + sig.ID})
	}
	if len(tasks) > 0 && (a.Kind == "native" || hi == nil) {
		// A Sigma rule without relevance knowledge is a behavioural
		// detection more often than an exploit: no task for it.
		r.Task = &tasks[0]
	}
	switch {
	case hi == nil:
		r.Verdict, r.Confidence = UnknownAsset, "low"
		r.Reason = unknownAssetReason(ip)
	case !sigKnown:
		r.Evidence.Asset = hi.evidence(matchedBy, a.Time, t.settings.FreshDays)
		r.Verdict, r.Confidence = UnknownSignature, "low"
		r.Reason = unknownSignatureReason(sig)
	default:
		r.Evidence.Asset = hi.evidence(matchedBy, a.Time, t.settings.FreshDays)
		r.Evidence.Checks = e.checks(hi, sig)
		r.Verdict, r.Confidence, r.Reason = e.decide(hi, sig, r.Evidence.Checks)
		if r.Verdict == UnknownSignature && a.Kind == "native" {
			r.Task = &Task{Kind: "unknown_signature", Subject: sig.Vendor + ":" + sig.ID}
		}
	}
	for _, c := range r.Evidence.Checks {
		if c.KEV && (r.Verdict == RelevantVulnerable || r.Verdict == RelevantVersionUnknown) {
			r.Urgency = "raised"
		}
	}
	r.Report = true
	if r.Verdict.Hides() {
		ae := r.Evidence.Asset
		switch {
		case !ae.Complete:
			r.Reason = appendReason(r.Reason, "reported: the inventory of "+ae.name()+" is partial, so it cannot rule this out",
				"報告対象："+ae.name()+" の資産情報が不完全なため、影響を否定できません")
		case !ae.Fresh:
			r.Reason = appendReason(r.Reason,
				"reported: the inventory of "+ae.name()+" was collected "+itoa(ae.AgeDays)+" days before the alert (limit "+itoa(t.settings.FreshDays)+")",
				"報告対象："+ae.name()+" の資産情報がアラートの "+itoa(ae.AgeDays)+" 日前のもので古いため（上限 "+itoa(t.settings.FreshDays)+" 日）")
		default:
			r.Report = false
		}
	}
	if t.settings.Policy == PolicyAll {
		r.Report = true
	}
	return r
}

// find locates the target host: the destination address, else a public
// address that reaches a host through NAT. For a client-side signature the
// victim may be the source of the flow (the client that fetched the
// content), so the source is tried too.
func (t *tenantIndex) find(a Alert, target string) (*hostIndex, string, string) {
	ip, err := netip.ParseAddr(a.TargetIP)
	if err == nil {
		ip = ip.Unmap()
		if h := t.byIP[ip]; h != nil {
			return h, "ip", a.TargetIP
		}
		if h := t.byPublic[ip]; h != nil {
			return h, "public_ip", a.TargetIP
		}
	}
	if target == "client" {
		if src, err := netip.ParseAddr(a.SourceIP); err == nil {
			if h := t.byIP[src.Unmap()]; h != nil {
				return h, "source_ip", a.SourceIP
			}
		}
	}
	return nil, "", a.TargetIP
}

func (h *hostIndex) evidence(matchedBy string, at time.Time, freshDays int) *AssetEvidence {
	ae := &AssetEvidence{
		AssetID: h.host.AssetID, Hostname: h.host.Hostname, MatchedBy: matchedBy, Role: h.host.Role,
		Criticality: h.host.Criticality, Complete: !h.complete.IsZero(), CollectedAt: h.complete, Sources: h.sources,
	}
	if ae.Complete {
		if at.IsZero() {
			at = time.Now()
		}
		age := at.Sub(h.complete)
		ae.AgeDays = int(age / (24 * time.Hour))
		ae.Fresh = age <= time.Duration(freshDays)*24*time.Hour
	}
	return ae
}

func (ae *AssetEvidence) name() string {
	if ae.Hostname != "" {
		return ae.Hostname
	}
	return ae.AssetID
}

// signature returns what the alert's signature targets, merging the
// signature knowledge with CVEs the event names itself. known is false
// when nothing says what it targets.
func (e *Engine) signature(a Alert) (SignatureEvidence, bool) {
	vendor, id := signatureOf(a.Kind, a.RuleID)
	se := SignatureEvidence{Vendor: vendor, ID: id, Name: a.RuleName}
	if s, ok := e.k.sigs[sigKey(vendor, id)]; ok {
		se.CVEs = append(se.CVEs, s.sig.CVEs...)
		se.Products = s.sig.Products
		se.Target = s.sig.Target
		se.Source = s.src
		if s.sig.Name != "" {
			se.Name = s.sig.Name
		}
	} else if len(a.CVEs) > 0 {
		se.Source = Source{Kind: "alert"}
	}
	for _, c := range a.CVEs {
		c = strings.ToUpper(strings.TrimSpace(c))
		if strings.HasPrefix(c, "CVE-") && !slices.Contains(se.CVEs, c) {
			se.CVEs = append(se.CVEs, c)
		}
	}
	return se, len(se.CVEs) > 0 || len(se.Products) > 0 || se.Target != ""
}

// urgency follows what the device did with the attack.
func urgency(action string) string {
	switch strings.ToLower(action) {
	case "blocked", "block", "dropped", "drop", "deny", "denied", "reset", "reset_both", "reset_client", "reset_server", "clear_session", "prevented", "prevent", "rejected":
		return "lowered"
	case "pass", "passed", "allowed", "allow", "accept", "detected", "alert", "monitored":
		return "raised"
	}
	return "normal"
}
