package ruleaudit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// fortiPolicyStats is one entry of the FortiOS monitor API
// /api/v2/monitor/firewall/policy/select; fields we do not use are left
// out.
type fortiPolicyStats struct {
	PolicyID json.Number `json:"policyid"`
	HitCount int64       `json:"hit_count"`
	LastUsed int64       `json:"last_used"` // Unix seconds; absent when never used
}

type fortiMonitorReply struct {
	VDOM    string             `json:"vdom"`
	Results []fortiPolicyStats `json:"results"`
}

// FortiOSHits reads the reply of the FortiOS monitor API
// /api/v2/monitor/firewall/policy/select into Options.Hits, keyed by
// policy ID. The reply is one object, or an array of them when several
// VDOMs were asked for (vdom=*); then only the given vdom's results are
// used ("" takes all). The implicit deny (policy 0) is skipped.
//
// The counters start at the device's boot or the policy's last change:
// pass that time, when known, as Options.HitsSince.
func FortiOSHits(data []byte, vdom string) (map[string]Hit, error) {
	var replies []fortiMonitorReply
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &replies); err != nil {
			return nil, fmt.Errorf("read fortios policy stats: %w", err)
		}
	} else {
		var one fortiMonitorReply
		if err := json.Unmarshal(trimmed, &one); err != nil {
			return nil, fmt.Errorf("read fortios policy stats: %w", err)
		}
		replies = []fortiMonitorReply{one}
	}
	hits := map[string]Hit{}
	for _, r := range replies {
		if vdom != "" && r.VDOM != "" && r.VDOM != vdom {
			continue
		}
		for _, s := range r.Results {
			id := s.PolicyID.String()
			if _, err := strconv.ParseUint(id, 10, 32); err != nil {
				return nil, fmt.Errorf("read fortios policy stats: policyid %q is not a number", id)
			}
			if id == "0" {
				continue
			}
			h := hits[id]
			h.Count += s.HitCount
			if s.LastUsed > 0 {
				if t := time.Unix(s.LastUsed, 0).UTC(); t.After(h.LastUsed) {
					h.LastUsed = t
				}
			}
			hits[id] = h
		}
	}
	return hits, nil
}
