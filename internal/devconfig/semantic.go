package devconfig

import (
	"slices"
	"strings"
)

// ChangeKind says what a Change did.
type ChangeKind string

const (
	BlockAdded   ChangeKind = "block-added"   // a whole "config" section appeared
	BlockDeleted ChangeKind = "block-deleted" // a whole "config" section disappeared
	EntryAdded   ChangeKind = "entry-added"
	EntryDeleted ChangeKind = "entry-deleted"
	EntryMoved   ChangeKind = "entry-moved" // only in tables where order is evaluation order
	SetChanged   ChangeKind = "set-changed"
	SetAdded     ChangeKind = "set-added"
	SetRemoved   ChangeKind = "set-removed"  // removed or "unset": back to the default
	LineAdded    ChangeKind = "line-added"   // LineDiff
	LineRemoved  ChangeKind = "line-removed" // LineDiff
)

// Change is one difference between two configs.
type Change struct {
	// VDOM is "" for a single-VDOM backup, "global" for "config global",
	// or the VDOM name.
	VDOM string
	// Path is the section: "firewall policy"; a block nested in an entry
	// reads "system interface port1 > ipv6", one nested in a block
	// "router bgp > neighbor". For LineDiff it is the parent command line
	// ("interface GigabitEthernet0/1"), or "" for top-level lines.
	Path    string
	Entry   string // the edit name, "12"; "" for settings of a non-table block
	Kind    ChangeKind
	Setting string // for set-*: the setting name
	// Old and New are the values before and after (masked: secrets are
	// placeholders). For entry-moved, New is {"before"|"after", NAME}
	// relative to a neighbour in the new order, Old the same in the old.
	// For line-*, the line.
	Old, New []string
	// Added and Removed are the values that entered or left a list
	// setting (srcaddr, member, …) for set-changed.
	Added, Removed []string
	// OldLine and NewLine are 1-based lines in the old and new config, 0
	// when the thing does not exist on that side.
	OldLine, NewLine int
}

// listSettings are settings that hold a set of names even when only one
// is present, so a change reads "added X, removed Y" rather than "X → Y".
var listSettings = map[string]bool{
	"srcintf": true, "dstintf": true, "srcaddr": true, "dstaddr": true,
	"srcaddr6": true, "dstaddr6": true, "service": true, "member": true,
	"groups": true, "users": true, "allowaccess": true, "poolname": true,
	"internet-service-name": true, "internet-service-src-name": true,
	"fsso-groups": true, "interface": true,
}

// orderMatters reports whether the order of a table's entries is its
// meaning: FortiOS evaluates policies, central SNAT rules and SD-WAN
// rules top-down.
func orderMatters(path string) bool {
	if strings.HasSuffix(path, "sdwan > service") || strings.HasSuffix(path, "virtual-wan-link > service") {
		return true
	}
	last := path
	if i := strings.LastIndexAny(path, " >"); i >= 0 {
		last = path[i+1:]
	}
	return strings.HasSuffix(last, "policy") || strings.HasSuffix(last, "policy6") ||
		strings.HasSuffix(last, "policy46") || strings.HasSuffix(last, "policy64") ||
		last == "central-snat-map"
}

// SemanticDiff compares two parsed FortiOS configs section by section
// (config), entry by entry (edit) and setting by setting (set). Secrets
// are compared masked, so re-encryption is not a change. Sections that
// appear more than once in a scope are compared as their union; in a
// multi-VDOM backup each VDOM and "config global" is compared on its
// own. Changes come by scope, then in a's section order (sections only
// in b last); within a table: deletions, then b's entries in order, then
// moves.
func SemanticDiff(a, b *Config) []Change {
	sa, sb := scopes(a), scopes(b)
	if a.IsMultiVDOM() != b.IsMultiVDOM() {
		// VDOM mode switched: compare the single config with "root".
		for _, s := range []*[]scope{&sa, &sb} {
			if len(*s) == 1 && (*s)[0].vdom == "" {
				(*s)[0].vdom = "root"
			}
		}
	}
	d := &differ{}
	for _, x := range sa {
		d.vdom = x.vdom
		var other []*Block
		if i := slices.IndexFunc(sb, func(y scope) bool { return y.vdom == x.vdom }); i >= 0 {
			other = sb[i].blocks
		}
		d.blocks("", x.blocks, other)
	}
	for _, y := range sb {
		if !slices.ContainsFunc(sa, func(x scope) bool { return x.vdom == y.vdom }) {
			d.vdom = y.vdom
			d.blocks("", nil, y.blocks)
		}
	}
	return d.out
}

type differ struct {
	vdom string
	out  []Change
}

func (d *differ) add(c Change) {
	c.VDOM = d.vdom
	d.out = append(d.out, c)
}

func nestedPath(prefix, path string) string {
	if prefix == "" {
		return path
	}
	return prefix + " > " + path
}

// blocks compares two lists of sibling blocks matched by path.
func (d *differ) blocks(prefix string, a, b []*Block) {
	ma, mb := mergeBlocks(a), mergeBlocks(b)
	find := func(list []*Block, path string) *Block {
		for _, x := range list {
			if x.Path == path {
				return x
			}
		}
		return nil
	}
	for _, x := range ma {
		path := nestedPath(prefix, x.Path)
		if y := find(mb, x.Path); y != nil {
			d.block(path, x, y)
			continue
		}
		d.add(Change{Path: path, Kind: BlockDeleted, OldLine: x.Line})
		for _, e := range x.Entries {
			d.add(Change{Path: path, Entry: e.Name, Kind: EntryDeleted, OldLine: e.Line})
		}
	}
	for _, y := range mb {
		if find(ma, y.Path) != nil {
			continue
		}
		path := nestedPath(prefix, y.Path)
		d.add(Change{Path: path, Kind: BlockAdded, NewLine: y.Line})
		for _, e := range y.Entries {
			d.add(Change{Path: path, Entry: e.Name, Kind: EntryAdded, NewLine: e.Line})
		}
	}
}

func (d *differ) block(path string, a, b *Block) {
	d.sets(path, "", a.Sets, b.Sets)
	d.blocks(path, a.Blocks, b.Blocks)
	ea, eb := mergeEntries(a.Entries), mergeEntries(b.Entries)
	ia, ib := entryIndex(ea), entryIndex(eb)
	for _, x := range ea {
		if _, ok := ib[x.Name]; !ok {
			d.add(Change{Path: path, Entry: x.Name, Kind: EntryDeleted, OldLine: x.Line})
		}
	}
	for _, y := range eb {
		i, ok := ia[y.Name]
		if !ok {
			d.add(Change{Path: path, Entry: y.Name, Kind: EntryAdded, NewLine: y.Line})
			continue
		}
		x := ea[i]
		d.sets(path, y.Name, x.Sets, y.Sets)
		d.blocks(path+" "+quoteWord(y.Name), x.Blocks, y.Blocks)
	}
	if orderMatters(path) {
		d.moves(path, ea, eb, ia, ib)
	}
}

// moves reports the fewest entries that must move for the common entries
// to follow b's order: those outside a longest increasing subsequence.
func (d *differ) moves(path string, ea, eb []*Entry, ia, ib map[string]int) {
	var common []*Entry // in b order
	var pos []int       // their index in a
	for _, y := range eb {
		if i, ok := ia[y.Name]; ok {
			common = append(common, y)
			pos = append(pos, i)
		}
	}
	kept := lis(pos)
	for k, y := range common {
		if kept[k] {
			continue
		}
		d.add(Change{Path: path, Entry: y.Name, Kind: EntryMoved,
			Old: neighbour(ea, ia[y.Name]), New: neighbour(eb, ib[y.Name]),
			OldLine: ea[ia[y.Name]].Line, NewLine: y.Line})
	}
}

// neighbour describes position i of list as {"after", previous} or, for
// the first, {"before", next}.
func neighbour(list []*Entry, i int) []string {
	switch {
	case i > 0:
		return []string{"after", list[i-1].Name}
	case len(list) > 1:
		return []string{"before", list[1].Name}
	}
	return []string{"first"}
}

// lis marks one longest strictly increasing subsequence of seq
// (patience sorting, O(n log n)).
func lis(seq []int) []bool {
	tails := []int{} // tails[l] = index in seq of the smallest tail of a run of length l+1
	prev := make([]int, len(seq))
	for i, v := range seq {
		l, _ := slices.BinarySearchFunc(tails, v, func(t, v int) int { return seq[t] - v })
		if l > 0 {
			prev[i] = tails[l-1]
		} else {
			prev[i] = -1
		}
		if l == len(tails) {
			tails = append(tails, i)
		} else {
			tails[l] = i
		}
	}
	kept := make([]bool, len(seq))
	if len(tails) > 0 {
		for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
			kept[i] = true
		}
	}
	return kept
}

func entryIndex(es []*Entry) map[string]int {
	m := make(map[string]int, len(es))
	for i, e := range es {
		m[e.Name] = i
	}
	return m
}

// effectiveSets returns the set lines by name (the last one wins), in
// first-seen order, dropping "unset" lines: an unset setting is at its
// default, the same as an absent one.
func effectiveSets(sets []Setting) ([]string, map[string]Setting) {
	var names []string
	m := map[string]Setting{}
	for _, s := range sets {
		if _, seen := m[s.Name]; !seen {
			names = append(names, s.Name)
		}
		m[s.Name] = s
	}
	kept := names[:0]
	for _, n := range names {
		if m[n].Verb == "set" {
			kept = append(kept, n)
		} else {
			delete(m, n)
		}
	}
	return kept, m
}

func (d *differ) sets(path, entry string, a, b []Setting) {
	na, ma := effectiveSets(a)
	nb, mb := effectiveSets(b)
	for _, n := range na {
		if _, ok := mb[n]; !ok {
			d.add(Change{Path: path, Entry: entry, Kind: SetRemoved, Setting: n,
				Old: maskValues(ma[n].Values), OldLine: ma[n].Line})
		}
	}
	for _, n := range nb {
		y := mb[n]
		x, ok := ma[n]
		newVals := maskValues(y.Values)
		if !ok {
			d.add(Change{Path: path, Entry: entry, Kind: SetAdded, Setting: n, New: newVals, NewLine: y.Line})
			continue
		}
		oldVals := maskValues(x.Values)
		if slices.Equal(oldVals, newVals) {
			continue
		}
		c := Change{Path: path, Entry: entry, Kind: SetChanged, Setting: n,
			Old: oldVals, New: newVals, OldLine: x.Line, NewLine: y.Line}
		if listSettings[n] || len(oldVals) > 1 || len(newVals) > 1 {
			c.Added, c.Removed = multisetDiff(newVals, oldVals), multisetDiff(oldVals, newVals)
		}
		d.add(c)
	}
}

// multisetDiff returns the items of a not matched by an equal item of b,
// in a's order.
func multisetDiff(a, b []string) []string {
	left := map[string]int{}
	for _, v := range b {
		left[v]++
	}
	var out []string
	for _, v := range a {
		if left[v] > 0 {
			left[v]--
			continue
		}
		out = append(out, v)
	}
	return out
}

// mergeBlocks returns one block per path, in first-seen order; blocks with
// the same path are joined as if written once. Single blocks are returned
// as they are, not copied.
func mergeBlocks(blocks []*Block) []*Block {
	var out []*Block
	idx := map[string]int{}
	for _, b := range blocks {
		i, ok := idx[b.Path]
		if !ok {
			idx[b.Path] = len(out)
			out = append(out, b)
			continue
		}
		m := out[i]
		if m == b {
			continue
		}
		joined := &Block{Path: m.Path, Line: m.Line}
		joined.Sets = append(slices.Clip(m.Sets), b.Sets...)
		joined.Entries = append(slices.Clip(m.Entries), b.Entries...)
		joined.Blocks = append(slices.Clip(m.Blocks), b.Blocks...)
		out[i] = joined
	}
	return out
}

// mergeEntries joins entries with the same name (which a well-formed
// backup does not have) into the first one's place.
func mergeEntries(entries []*Entry) []*Entry {
	idx := make(map[string]int, len(entries))
	dup := false
	for _, e := range entries {
		if _, ok := idx[e.Name]; ok {
			dup = true
			break
		}
		idx[e.Name] = 0
	}
	if !dup {
		return entries
	}
	clear(idx)
	var out []*Entry
	for _, e := range entries {
		i, ok := idx[e.Name]
		if !ok {
			idx[e.Name] = len(out)
			out = append(out, e)
			continue
		}
		m := out[i]
		out[i] = &Entry{Name: m.Name, Line: m.Line,
			Sets:   append(slices.Clip(m.Sets), e.Sets...),
			Blocks: append(slices.Clip(m.Blocks), e.Blocks...)}
	}
	return out
}
