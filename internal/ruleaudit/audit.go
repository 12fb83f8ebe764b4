package ruleaudit

import (
	"cmp"
	"slices"
	"time"
)

// Kind names a finding type; the values are stable and stored.
type Kind string

// Finding kinds.
const (
	KindUnlocked       Kind = "unlocked_rule"
	KindOverbroad      Kind = "overbroad_accept"
	KindNoLogging      Kind = "no_logging"
	KindPartialLogging Kind = "partial_logging"
	KindDisabled       Kind = "disabled_rule"
	KindShadowed       Kind = "shadowed"
	KindRedundant      Kind = "redundant"
	KindOverlap        Kind = "overlap"
	KindUnused         Kind = "unused"
)

// Severity of a finding.
type Severity string

// Severities, worst first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// severities lists the severities worst first.
var severities = [...]Severity{Critical, High, Medium, Low, Info}

func (s Severity) rank() int {
	if i := slices.Index(severities[:], s); i >= 0 {
		return i
	}
	return len(severities)
}

// Finding is one thing wrong with a ruleset.
type Finding struct {
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Rules are rule IDs: first the rule the finding is about, then the
	// other rules concerned (the shadowing rules, the overlapping ones).
	Rules []string `json:"rules"`
	// Message has one line per language: "en" and "ja".
	Message map[string]string `json:"message"`
	// Line is the configuration line of the first rule, 0 if unknown.
	Line int `json:"line,omitempty"`
}

// Hit is a rule's usage: from the device's own counters or from counting
// its traffic log by rule ID.
type Hit struct {
	Count    int64
	LastUsed time.Time // zero when unknown
}

// Options tune Audit; the zero value works.
type Options struct {
	// Now is the time unused rules are judged at (default time.Now()).
	Now time.Time
	// UnusedDays is how long a rule must go without hits to be unused
	// (default 90).
	UnusedDays int
	// Hits holds usage by rule ID. Nil means no usage data: no unused
	// findings. Otherwise a rule missing from the map has no hits.
	Hits map[string]Hit
	// HitsSince is when counting started (the device's boot or the first
	// log line counted). When it is less than UnusedDays before Now,
	// rules without hits are not reported: the counters are too young.
	HitsSince time.Time
}

func (o *Options) defaults() {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.UnusedDays <= 0 {
		o.UnusedDays = 90
	}
}

// Report is the audit of one ruleset.
type Report struct {
	Device   string           `json:"device"`
	Vendor   string           `json:"vendor,omitempty"`
	Rules    int              `json:"rules"`
	Findings []Finding        `json:"findings"`
	Score    int              `json:"score"`
	Counts   map[Severity]int `json:"counts"`
}

// Audit analyses a ruleset. Findings are ordered worst first, then by rule
// order. Rules that are never reached (shadowed, or redundant behind an
// earlier rule) get no exposure or logging findings: they let nothing
// through. A rule made redundant only by later rules that are themselves
// never reached (because it comes first) is not reported: those later
// rules are, and removing both would change decisions.
func Audit(rs Ruleset, opts Options) Report {
	opts.defaults()
	an := analyze(&rs)
	lb := newLabeler(&rs)
	type item struct {
		f   Finding
		idx int
	}
	var items []item
	add := func(idx int, k Kind, sev Severity, others []int, en, ja string) {
		f := Finding{Kind: k, Severity: sev, Rules: []string{rs.Rules[idx].ID}, Line: rs.Rules[idx].Line,
			Message: map[string]string{"en": en, "ja": ja}}
		for _, o := range others {
			f.Rules = append(f.Rules, rs.Rules[o].ID)
		}
		items = append(items, item{f, idx})
	}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		if !r.Enabled {
			en, ja := lb.disabled(i)
			add(i, KindDisabled, Low, nil, en, ja)
			continue
		}
		a := an[i]
		reached := !a.empty && !a.covered
		if reached && r.Action == Accept {
			if k, sev, en, ja := exposure(lb, i); k != "" {
				add(i, k, sev, nil, en, ja)
			}
			if k, sev, en, ja := logging(lb, i); k != "" {
				add(i, k, sev, nil, en, ja)
			}
		}
		switch {
		case a.empty:
			en, ja := lb.empty(i)
			add(i, KindRedundant, Low, nil, en, ja)
		case a.covered && a.conflict && !a.sameCover:
			en, ja := lb.shadowed(i, a.coveredBy)
			add(i, KindShadowed, Medium, a.coveredBy, en, ja)
		case a.covered:
			by := a.coveredBy
			if a.conflict {
				by = a.sameBy
			}
			en, ja := lb.coveredSame(i, by)
			add(i, KindRedundant, Low, by, en, ja)
		case a.redundant && anyCovered(an, a.takers):
			// The rules that would take over are never reached themselves,
			// because this one comes first: they are the ones to remove, and
			// they are reported.
		case a.redundant:
			// A logging rule whose traffic would fall to the default still
			// has an effect: its log lines.
			logs := r.Log && a.toDefault
			sev := Low
			if logs {
				sev = Info
			}
			en, ja := lb.redundant(i, a.takers, a.toDefault, logs)
			add(i, KindRedundant, sev, a.takers, en, ja)
		}
		if len(a.overlaps) > 0 {
			sev := Low
			if r.Action == Deny {
				sev = Medium // earlier accepts let through part of what this rule denies
			}
			en, ja := lb.overlap(i, a.overlaps)
			add(i, KindOverlap, sev, a.overlaps, en, ja)
		}
		if k, sev, en, ja := unused(lb, i, &opts); k != "" {
			add(i, k, sev, nil, en, ja)
		}
	}
	slices.SortStableFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(a.f.Severity.rank(), b.f.Severity.rank()), cmp.Compare(a.idx, b.idx))
	})
	rep := Report{Device: rs.Device, Vendor: rs.Vendor, Rules: len(rs.Rules), Findings: make([]Finding, 0, len(items)),
		Counts: map[Severity]int{}}
	for _, s := range severities {
		rep.Counts[s] = 0
	}
	for _, it := range items {
		rep.Findings = append(rep.Findings, it.f)
		rep.Counts[it.f.Severity]++
	}
	rep.Score = Score(rep.Counts)
	return rep
}

// internetSide reports whether a zone may be the Internet.
func internetSide(z ZoneClass) bool { return z == ZoneInternet || z == ZoneAny }

// exposure judges an enabled, reachable accept rule's breadth.
//
// The unlocked rule goes from the inside to the Internet (or any zone),
// to any destination, with every service, always: critical. Otherwise,
// counting the broad dimensions (any source, any destination, all
// services; a negated set counts as broad):
//
//   - inbound (from the Internet or any zone): two or more → high; any
//     destination or all services alone → medium; any source alone → low
//     (a published service; worth confirming);
//   - outbound (to the Internet or any zone): any destination with all
//     services → high; all services alone → medium. Any destination alone
//     is how browsing is allowed and is not reported.
//
// Rules between internal zones are not judged here.
func exposure(lb *labeler, i int) (Kind, Severity, string, string) {
	r := &lb.rs.Rules[i]
	srcAny, dstAny, svcAll := r.Src.broad(), r.Dst.broad(), r.broadServices()
	if r.SrcZone == ZoneInternal && internetSide(r.DstZone) && dstAny && r.allServices() && r.Always {
		en, ja := lb.unlocked(i)
		return KindUnlocked, Critical, en, ja
	}
	var sev Severity
	switch {
	case internetSide(r.SrcZone):
		n := 0
		for _, b := range []bool{srcAny, dstAny, svcAll} {
			if b {
				n++
			}
		}
		switch {
		case n >= 2:
			sev = High
		case dstAny || svcAll:
			sev = Medium
		case srcAny:
			sev = Low
		}
	case internetSide(r.DstZone):
		switch {
		case svcAll && dstAny:
			sev = High
		case svcAll:
			sev = Medium
		}
	}
	if sev == "" {
		return "", "", "", ""
	}
	en, ja := lb.overbroad(i, internetSide(r.SrcZone), srcAny, dstAny, svcAll)
	return KindOverbroad, sev, en, ja
}

// logging judges an enabled, reachable accept rule's traffic log: none is
// medium when the rule faces the Internet, low otherwise; partial logging
// is one step lower.
func logging(lb *labeler, i int) (Kind, Severity, string, string) {
	r := &lb.rs.Rules[i]
	if r.Log {
		return "", "", "", ""
	}
	facing := internetSide(r.SrcZone) || internetSide(r.DstZone)
	if r.LogPartial {
		en, ja := lb.partialLogging(i)
		if facing {
			return KindPartialLogging, Low, en, ja
		}
		return KindPartialLogging, Info, en, ja
	}
	en, ja := lb.noLogging(i)
	if facing {
		return KindNoLogging, Medium, en, ja
	}
	return KindNoLogging, Low, en, ja
}

// unused judges an enabled rule's hits. An unused accept from the Internet
// is medium (an opening with no visible purpose), other unused rules low.
func unused(lb *labeler, i int, o *Options) (Kind, Severity, string, string) {
	if o.Hits == nil {
		return "", "", "", ""
	}
	r := &lb.rs.Rules[i]
	window := time.Duration(o.UnusedDays) * 24 * time.Hour
	h := o.Hits[r.ID]
	var en, ja string
	switch {
	case !h.LastUsed.IsZero():
		if o.Now.Sub(h.LastUsed) < window {
			return "", "", "", ""
		}
		en, ja = lb.unusedSince(i, int(o.Now.Sub(h.LastUsed)/(24*time.Hour)), h.LastUsed)
	case h.Count > 0:
		return "", "", "", ""
	default:
		if !o.HitsSince.IsZero() && o.Now.Sub(o.HitsSince) < window {
			return "", "", "", ""
		}
		en, ja = lb.neverUsed(i, o.HitsSince)
	}
	sev := Low
	if r.Action == Accept && internetSide(r.SrcZone) {
		sev = Medium
	}
	return KindUnused, sev, en, ja
}

// anyCovered reports whether one of the rules is never reached.
func anyCovered(an map[int]*anomaly, rules []int) bool {
	for _, k := range rules {
		if a := an[k]; a != nil && (a.covered || a.empty) {
			return true
		}
	}
	return false
}
