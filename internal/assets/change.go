package assets

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Change is what one import changed on one host, for its history.
type Change struct {
	// Fields maps a record field to its value before and after.
	Fields  map[string][2]string `json:"fields,omitempty"`
	Added   []string             `json:"software_added,omitempty"`   // "name version"
	Removed []string             `json:"software_removed,omitempty"` // "name version"
	Changed []VersionChange      `json:"software_changed,omitempty"`
}

// VersionChange is one package whose version changed.
type VersionChange struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Empty says whether nothing changed.
func (c Change) Empty() bool {
	return len(c.Fields) == 0 && len(c.Added) == 0 && len(c.Removed) == 0 && len(c.Changed) == 0
}

// Merge returns c with o's changes added.
func (c Change) Merge(o Change) Change {
	for k, v := range o.Fields {
		if c.Fields == nil {
			c.Fields = map[string][2]string{}
		}
		c.Fields[k] = v
	}
	c.Added = append(c.Added, o.Added...)
	c.Removed = append(c.Removed, o.Removed...)
	c.Changed = append(c.Changed, o.Changed...)
	return c
}

// DiffHost compares two versions of a host record's own fields (not its
// software).
func DiffHost(old, new Host) Change {
	var c Change
	set := func(field, a, b string) {
		if a == b {
			return
		}
		if c.Fields == nil {
			c.Fields = map[string][2]string{}
		}
		c.Fields[field] = [2]string{a, b}
	}
	set("hostname", old.Hostname, new.Hostname)
	set("ip", joinAddrs(old.IPs), joinAddrs(new.IPs))
	set("public_ip", joinAddrs(old.PublicIPs), joinAddrs(new.PublicIPs))
	set("role", old.Role, new.Role)
	set("criticality", old.Criticality, new.Criticality)
	set("os", old.OS, new.OS)
	set("os_version", old.OSVersion, new.OSVersion)
	set("notes", old.Notes, new.Notes)
	set("inventory_complete", fmt.Sprint(old.InventoryComplete), fmt.Sprint(new.InventoryComplete))
	set("inventory_collected_at", timeText(old.InventoryCollectedAt), timeText(new.InventoryCollectedAt))
	return c
}

func joinAddrs[T fmt.Stringer](as []T) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	slices.Sort(s)
	return strings.Join(s, ";")
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// DiffSoftware compares two software lists of the same source. Packages
// are identified by package URL without version, else by name and
// distro.
func DiffSoftware(old, new []Software) Change {
	var c Change
	before := softwareIndex(old)
	after := softwareIndex(new)
	for id, n := range after {
		o, ok := before[id]
		switch {
		case !ok:
			c.Added = append(c.Added, strings.TrimSpace(n.Name+" "+n.Version))
		case o.Version != n.Version:
			c.Changed = append(c.Changed, VersionChange{Name: n.Name, From: o.Version, To: n.Version})
		}
	}
	for id, o := range before {
		if _, ok := after[id]; !ok {
			c.Removed = append(c.Removed, strings.TrimSpace(o.Name+" "+o.Version))
		}
	}
	slices.Sort(c.Added)
	slices.Sort(c.Removed)
	slices.SortFunc(c.Changed, func(a, b VersionChange) int { return cmp.Compare(a.Name, b.Name) })
	return c
}

func softwareIndex(list []Software) map[string]Software {
	m := make(map[string]Software, len(list))
	for _, s := range list {
		m[softwareID(s)] = s
	}
	return m
}

func softwareID(s Software) string {
	if s.PURL != "" {
		id, _, _ := strings.Cut(s.PURL, "?")
		if i := strings.LastIndexByte(id, '@'); i > 0 {
			id = id[:i]
		}
		return id
	}
	name := s.Name
	if name == "" {
		name = s.Product
	}
	return s.Ecosystem + "|" + s.Distro + "|" + s.Vendor + "|" + name
}
