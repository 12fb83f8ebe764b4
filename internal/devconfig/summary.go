package devconfig

import (
	"fmt"
	"strings"
)

// Wipe thresholds used by Summary.Severity.
const (
	// CriticalRemovedFraction: removing more than this share of all
	// policies, or of all objects, is critical.
	CriticalRemovedFraction = 0.20
	// NearEmptyFrom and NearEmptyTo: a section (or a class in total) that
	// had at least NearEmptyFrom items and keeps at most NearEmptyTo is a
	// ruleset going near-empty, which is critical at any size.
	NearEmptyFrom = 10
	NearEmptyTo   = 2
)

// Severity levels.
const (
	SeverityCritical = "critical"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
)

// SectionSummary compares one counted section of two generations.
type SectionSummary struct {
	Section       string // as in Count.Section
	Class         Class
	Before, After int
	Added         int // items whose key is new
	Removed       int // items whose key is gone
	Changed       int // items whose key stayed but whose content changed
}

// Summary compares two generations' rule and object counts; see Summarize.
type Summary struct {
	Kind                          Kind
	FirmwareBefore, FirmwareAfter Firmware
	Sections                      []SectionSummary // sections present on either side, old order first
	PoliciesBefore, PoliciesAfter int
	PoliciesRemoved               int
	ObjectsBefore, ObjectsAfter   int
	ObjectsRemoved                int
	RulesChanged                  bool // any policy or object added, removed or changed
}

// Summarize counts the rules and objects of oldData and newData (both
// must pass Validate) and what changed between them. Counted sections:
// FortiOS firewall policy, policy6, proxy-policy, security-policy,
// local-in-policy, address(6), addrgrp(6), service custom, service group,
// vip(6) and vipgrp, per VDOM; RTX ip/ipv6 filter and filter dynamic
// lines; IOS and ASA access-list entries per list, object and
// object-group definitions. KindUnknown detects the kind from newData.
func Summarize(kind Kind, oldData, newData []byte) (Summary, error) {
	if kind == KindUnknown {
		kind = Detect(newData)
	}
	oldInfo, oldSecs, err := inventory(kind, oldData)
	if err != nil {
		return Summary{}, fmt.Errorf("old config: %w", err)
	}
	newInfo, newSecs, err := inventory(kind, newData)
	if err != nil {
		return Summary{}, fmt.Errorf("new config: %w", err)
	}
	s := Summary{Kind: kind, FirmwareBefore: oldInfo.Firmware, FirmwareAfter: newInfo.Firmware}
	find := func(secs []section, name string) *section {
		for i := range secs {
			if secs[i].name == name {
				return &secs[i]
			}
		}
		return nil
	}
	var names []string
	for _, x := range oldSecs {
		names = append(names, x.name)
	}
	for _, y := range newSecs {
		if find(oldSecs, y.name) == nil {
			names = append(names, y.name)
		}
	}
	for _, name := range names {
		x, y := find(oldSecs, name), find(newSecs, name)
		ss := SectionSummary{Section: name}
		var before, after []item
		if x != nil {
			ss.Class, before = x.class, x.items
		}
		if y != nil {
			ss.Class, after = y.class, y.items
		}
		ss.Before, ss.After = len(before), len(after)
		ss.Added, ss.Removed, ss.Changed = compareItems(before, after)
		s.Sections = append(s.Sections, ss)
		if ss.Added+ss.Removed+ss.Changed > 0 {
			s.RulesChanged = true
		}
		if ss.Class == ClassPolicy {
			s.PoliciesBefore += ss.Before
			s.PoliciesAfter += ss.After
			s.PoliciesRemoved += ss.Removed
		} else {
			s.ObjectsBefore += ss.Before
			s.ObjectsAfter += ss.After
			s.ObjectsRemoved += ss.Removed
		}
	}
	return s, nil
}

// inventory validates data and returns its counted sections.
func inventory(kind Kind, data []byte) (Info, []section, error) {
	if kind == KindFortiOS {
		c, err := ParseFortiOS(data)
		if err != nil {
			return Info{Kind: kind}, nil, err
		}
		secs := fortiSections(c)
		info := fortiInfo(c, data)
		info.Counts = countSections(secs)
		return info, secs, nil
	}
	info, err := Validate(kind, data)
	if err != nil {
		return info, nil, err
	}
	return info, lineSections(kind, splitLines(data)), nil
}

// compareItems counts keys added and removed (as multisets) and, for
// keys on both sides, bodies that differ.
func compareItems(before, after []item) (added, removed, changed int) {
	left := map[string][]string{}
	for _, it := range before {
		left[it.key] = append(left[it.key], it.body)
	}
	for _, it := range after {
		bodies := left[it.key]
		if len(bodies) == 0 {
			added++
			continue
		}
		if bodies[0] != it.body {
			changed++
		}
		left[it.key] = bodies[1:]
	}
	for _, bodies := range left {
		removed += len(bodies)
	}
	return added, removed, changed
}

// FirmwareChanged reports whether the model or version differs.
func (s Summary) FirmwareChanged() bool {
	a, b := s.FirmwareBefore, s.FirmwareAfter
	return a.Model != b.Model || a.Version != b.Version || a.Build != b.Build
}

func fraction(removed, before int) float64 {
	if before == 0 {
		return 0
	}
	return float64(removed) / float64(before)
}

// wipe returns the reason the change is critical, if it is.
func (s Summary) wipe() (en, ja string, ok bool) {
	if f := fraction(s.PoliciesRemoved, s.PoliciesBefore); f > CriticalRemovedFraction {
		return fmt.Sprintf("%.0f%% of policies removed (%d of %d; %d left)", f*100, s.PoliciesRemoved, s.PoliciesBefore, s.PoliciesAfter),
			fmt.Sprintf("ポリシーの%.0f%%が削除されました(%d件中%d件、残り%d件)", f*100, s.PoliciesBefore, s.PoliciesRemoved, s.PoliciesAfter), true
	}
	if f := fraction(s.ObjectsRemoved, s.ObjectsBefore); f > CriticalRemovedFraction {
		return fmt.Sprintf("%.0f%% of objects removed (%d of %d; %d left)", f*100, s.ObjectsRemoved, s.ObjectsBefore, s.ObjectsAfter),
			fmt.Sprintf("オブジェクトの%.0f%%が削除されました(%d件中%d件、残り%d件)", f*100, s.ObjectsBefore, s.ObjectsRemoved, s.ObjectsAfter), true
	}
	for _, ss := range s.Sections {
		if ss.Before >= NearEmptyFrom && ss.After <= NearEmptyTo {
			return fmt.Sprintf("%s went from %d to %d entries", ss.Section, ss.Before, ss.After),
				fmt.Sprintf("%s が%d件から%d件に減りました", ss.Section, ss.Before, ss.After), true
		}
		if ss.Before >= NearEmptyFrom {
			if f := fraction(ss.Removed, ss.Before); f > CriticalRemovedFraction {
				return fmt.Sprintf("%.0f%% of %s removed (%d of %d)", f*100, ss.Section, ss.Removed, ss.Before),
					fmt.Sprintf("%s の%.0f%%が削除されました(%d件中%d件)", ss.Section, f*100, ss.Before, ss.Removed), true
			}
		}
	}
	return "", "", false
}

// Severity grades the step from the old generation to the new:
// "critical" when more than 20% of policies or of objects were removed
// (in total, or in a section of at least 10), or a section of at least 10
// entries keeps 2 or fewer; "medium" for any other added, removed or
// changed policy or object; "low" otherwise. Reason says why, and says
// so more urgently when the firmware changed in the same step, the way a
// botched upgrade wipes a ruleset.
func (s Summary) Severity() string {
	if _, _, ok := s.wipe(); ok {
		return SeverityCritical
	}
	if s.RulesChanged {
		return SeverityMedium
	}
	return SeverityLow
}

// Reason is a one-line explanation of Severity in English ("en") or
// Japanese ("ja").
func (s Summary) Reason(lang string) string {
	ja := lang == "ja"
	en, jaText, critical := s.wipe()
	fw := s.FirmwareChanged()
	switch {
	case critical && fw && ja:
		return fmt.Sprintf("%s。同じ取得でファームウェアが %s から %s に変わっています。アップグレードによる設定消失の可能性があります", jaText, s.FirmwareBefore, s.FirmwareAfter)
	case critical && fw:
		return fmt.Sprintf("%s in the same step as a firmware change %s → %s: possible upgrade wipe", en, s.FirmwareBefore, s.FirmwareAfter)
	case critical && ja:
		return jaText
	case critical:
		return en
	}
	var parts []string
	for _, ss := range s.Sections {
		if ss.Added+ss.Removed+ss.Changed == 0 {
			continue
		}
		if ja {
			parts = append(parts, fmt.Sprintf("%s 追加%d 削除%d 変更%d", ss.Section, ss.Added, ss.Removed, ss.Changed))
		} else {
			parts = append(parts, fmt.Sprintf("%s +%d -%d ~%d", ss.Section, ss.Added, ss.Removed, ss.Changed))
		}
	}
	fwNote := ""
	if fw {
		fwNote = fmt.Sprintf("; firmware %s → %s", s.FirmwareBefore, s.FirmwareAfter)
		if ja {
			fwNote = fmt.Sprintf("、ファームウェア %s → %s", s.FirmwareBefore, s.FirmwareAfter)
		}
	}
	switch {
	case len(parts) > 0 && ja:
		return "ルール変更: " + strings.Join(parts, "、") + fwNote
	case len(parts) > 0:
		return "rule changes: " + strings.Join(parts, ", ") + fwNote
	case ja:
		return "ポリシー・オブジェクトの変更なし" + fwNote
	}
	return "no policy or object changes" + fwNote
}
