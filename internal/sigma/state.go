package sigma

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Correlation state is saved as versioned JSON so that it survives a
// restart and can be read by a person. Groups are written least recently
// updated first and restored in that order, so eviction order carries over.

const stateVersion = 1

type stateFile struct {
	Version int          `json:"version"`
	Now     int64        `json:"now"`
	Groups  []stateGroup `json:"groups"`
}

type stateGroup struct {
	Rule    string       `json:"rule"`
	Sig     string       `json:"sig"`
	Key     []byte       `json:"key"`
	Values  []string     `json:"values,omitempty"`
	Start   int64        `json:"start"`
	Entries []stateEntry `json:"entries"`
}

type stateEntry struct {
	T    int64    `json:"t"`
	Ref  uint64   `json:"r"`
	Rule int32    `json:"i"`
	X    float64  `json:"x,omitempty"`
	H    uint64   `json:"h,omitempty"`
	Refs []uint64 `json:"rs,omitempty"`
}

// signature identifies what a group's state means; state saved under a
// different definition of the rule is dropped on load.
func (cr *corrRule) signature() string {
	c := cr.c
	refs := make([]string, len(cr.refs))
	for i, r := range cr.refs {
		refs[i] = r.Ref()
	}
	return fmt.Sprintf("%s|%s|%s|%v|%s", c.typ, c.timespan, strings.Join(c.groupBy, ","), strings.Join(c.field, ","), strings.Join(refs, ","))
}

// MarshalState returns the correlation state. The Correlator is unchanged.
func (c *Correlator) MarshalState() ([]byte, error) {
	f := stateFile{Version: stateVersion, Now: c.now}
	for el := c.lru.Back(); el != nil; el = el.Prev() {
		g := el.Value.(*group)
		sg := stateGroup{Rule: g.cr.rule.Ref(), Sig: g.cr.signature(), Key: []byte(g.key), Values: g.values, Start: g.start}
		for _, e := range g.entries {
			sg.Entries = append(sg.Entries, stateEntry{T: e.t, Ref: e.ref, Rule: e.rule, X: e.x, H: e.h, Refs: e.refs})
		}
		f.Groups = append(f.Groups, sg)
	}
	return json.Marshal(f)
}

// UnmarshalState replaces the correlation state with one saved by
// MarshalState. Groups of correlation rules that are gone or were changed
// since are dropped; their number is returned.
func (c *Correlator) UnmarshalState(b []byte) (dropped int, err error) {
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return 0, fmt.Errorf("read correlation state: %w", err)
	}
	if f.Version != stateVersion {
		return 0, fmt.Errorf("read correlation state: version %d, want %d", f.Version, stateVersion)
	}
	byRef := map[string]*corrRule{}
	for _, cr := range c.corrs {
		byRef[cr.rule.Ref()] = cr
	}
	// Start empty.
	for _, cr := range c.corrs {
		cr.groups = map[string]*group{}
	}
	c.lru.Init()
	c.held = 0
	c.now = f.Now
	for _, sg := range f.Groups {
		cr := byRef[sg.Rule]
		if cr == nil || cr.signature() != sg.Sig || len(sg.Values) != len(cr.c.groupBy) {
			dropped++
			continue
		}
		g := &group{cr: cr, key: string(sg.Key), values: sg.Values, start: sg.Start}
		ok := true
		for _, e := range sg.Entries {
			if e.Rule < -1 || int(e.Rule) >= len(cr.refs) {
				ok = false
				break
			}
			g.entries = append(g.entries, entry{t: e.T, ref: e.Ref, rule: e.Rule, x: e.X, h: e.H, refs: e.Refs})
		}
		if !ok || len(g.entries) > c.lim.MaxEventsPerGroup {
			dropped++
			continue
		}
		if old := cr.groups[g.key]; old != nil {
			c.drop(old)
		}
		cr.groups[g.key] = g
		g.elem = c.lru.PushFront(g)
		c.held += len(g.entries)
	}
	// Respect the bounds of this Correlator, which may be smaller.
	for c.lru.Len() > c.lim.MaxGroups || (c.held > c.lim.MaxEvents && c.lru.Len() > 0) {
		g := c.lru.Back().Value.(*group)
		c.drop(g)
		dropped++
	}
	return dropped, nil
}
