package devconfig

import (
	"slices"
	"strings"
)

// RestoreScript returns FortiOS CLI that turns the device's current
// config into target, an older generation:
//
//   - per changed section "config <path>" … "end", with "set"/"unset"
//     for changed settings and "edit <name>" … "next" for changed entries;
//   - entries missing from current are recreated in full;
//   - "move <name> before|after <name>" restores the order of tables
//     whose order is evaluation order (policies, central SNAT, SD-WAN
//     rules), with the fewest moves;
//   - "delete <name>" for entries target lacks, written after all
//     additions and changes and in reverse section order, so that
//     policies stop referring to an address before it is deleted;
//   - settings are compared unmasked and secrets are written verbatim
//     from target (FortiOS accepts its own "ENC …" values on the device
//     that exported them), so a re-encrypted secret is set again.
//
// Sections that appear several times in a scope are compared as their
// union. A multi-VDOM config is handled per "config global" and per VDOM.
// If the VDOM mode differs, no delta is possible and the script is a
// comment saying to restore the full file. An empty script (comments
// only) means the configs are already equal. Lines starting with "#" are
// comments, as in a backup file.
func RestoreScript(current, target *Config) string {
	var w strings.Builder
	// Comments stay ASCII: some consoles mangle other bytes.
	w.WriteString("# sekimori restore script: current config -> target generation")
	if fw := target.Header; fw.Version != "" {
		w.WriteString(" (" + Firmware{Model: fw.Model, Version: fw.Version, Build: fw.Build}.String() + ")")
	}
	w.WriteByte('\n')
	if current.Header.Version != target.Header.Version && current.Header.Version != "" && target.Header.Version != "" {
		w.WriteString("# warning: target was exported by FortiOS " + target.Header.Version +
			", the current config by " + current.Header.Version + "; settings renamed between versions may be rejected\n")
	}
	if current.IsMultiVDOM() != target.IsMultiVDOM() {
		w.WriteString("# VDOM mode differs between the current and the target config: restore the full target file instead\n")
		return w.String()
	}
	var out []string
	sc, st := scopes(current), scopes(target)
	for _, t := range st {
		var cur []*Block
		if i := slices.IndexFunc(sc, func(s scope) bool { return s.vdom == t.vdom }); i >= 0 {
			cur = sc[i].blocks
		}
		body := syncTop(cur, t.blocks)
		switch {
		case len(body) == 0:
		case t.vdom == "":
			out = append(out, body...)
		case t.vdom == "global":
			out = append(out, wrap("config global", body, "end")...)
		default:
			out = append(out, wrap("config vdom", wrap("edit "+quoteWord(t.vdom), body, "next"), "end")...)
		}
	}
	var gone []string
	for _, s := range sc {
		if s.vdom != "" && s.vdom != "global" && !slices.ContainsFunc(st, func(t scope) bool { return t.vdom == s.vdom }) {
			gone = append(gone, "delete "+quoteWord(s.vdom))
		}
	}
	if len(gone) > 0 {
		out = append(out, wrap("config vdom", gone, "end")...)
	}
	for _, l := range out {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	return w.String()
}

// wrap indents body between open and close statements. Statements may
// hold line breaks inside quoted values; only their first line is
// indented, so the values stay as they are.
func wrap(open string, body []string, close string) []string {
	out := make([]string, 0, len(body)+2)
	out = append(out, open)
	for _, l := range body {
		out = append(out, "    "+l)
	}
	return append(out, close)
}

// syncTop syncs the top-level blocks of one scope: additions and changes
// in target order, then deletions in reverse order.
func syncTop(cur, tgt []*Block) []string {
	mc, mt := mergeBlocks(cur), mergeBlocks(tgt)
	var out []string
	for _, t := range mt {
		if body := syncBlock(findMerged(mc, t.Path), t, t.Path, true); len(body) > 0 {
			out = append(out, wrap(configLine(t.Path), body, "end")...)
		}
	}
	for i := len(mt) - 1; i >= 0; i-- {
		t := mt[i]
		if c := findMerged(mc, t.Path); c != nil {
			if dels := deletions(c, t); len(dels) > 0 {
				out = append(out, wrap(configLine(t.Path), dels, "end")...)
			}
		}
	}
	for i := len(mc) - 1; i >= 0; i-- {
		c := mc[i]
		if findMerged(mt, c.Path) == nil {
			if body := clearBlock(c); len(body) > 0 {
				out = append(out, wrap(configLine(c.Path), body, "end")...)
			}
		}
	}
	return out
}

func findMerged(list []*Block, path string) *Block {
	for _, b := range list {
		if b.Path == path {
			return b
		}
	}
	return nil
}

// syncBlock returns the statements inside "config <path>" that turn c
// (nil: absent) into t; path is t's full path as in Change.Path. With
// deferDeletes, entries t lacks are left for deletions.
func syncBlock(c, t *Block, path string, deferDeletes bool) []string {
	if c == nil {
		c = &Block{Path: t.Path}
	}
	out := syncSets(c.Sets, t.Sets)
	out = append(out, syncBlocks(c.Blocks, t.Blocks, path)...)
	ec, et := mergeEntries(c.Entries), mergeEntries(t.Entries)
	inTarget := entryIndex(et)
	var list []string // entry names as the device will hold them
	if !deferDeletes {
		out = append(out, deletions(c, t)...)
	}
	for _, e := range ec {
		if _, ok := inTarget[e.Name]; ok || deferDeletes {
			list = append(list, e.Name)
		}
	}
	byName := make(map[string]*Entry, len(ec))
	for _, e := range ec {
		byName[e.Name] = e
	}
	for _, e := range et {
		var body []string
		old := byName[e.Name]
		prefix := path + " " + quoteWord(e.Name)
		if old == nil {
			body = syncEntry(&Entry{Name: e.Name}, e, prefix)
			list = append(list, e.Name)
		} else {
			body = syncEntry(old, e, prefix)
		}
		if len(body) > 0 || old == nil {
			out = append(out, wrap("edit "+quoteWord(e.Name), body, "next")...)
		}
	}
	if orderMatters(path) {
		out = append(out, moves(list, et)...)
	}
	return out
}

// moves returns the "move" statements that put list into the order of
// want with the fewest moves: entries outside a longest run already in
// order are moved right after their predecessor in want.
func moves(list []string, want []*Entry) []string {
	pos := make(map[string]int, len(list))
	for i, n := range list {
		pos[n] = i
	}
	seq := make([]int, len(want))
	for i, e := range want {
		seq[i] = pos[e.Name]
	}
	kept := lis(seq)
	var out []string
	for i, e := range want {
		if kept[i] {
			continue
		}
		j := slices.Index(list, e.Name)
		list = slices.Delete(list, j, j+1)
		if i == 0 {
			out = append(out, "move "+quoteWord(e.Name)+" before "+quoteWord(list[0]))
			list = slices.Insert(list, 0, e.Name)
			continue
		}
		prev := want[i-1].Name
		out = append(out, "move "+quoteWord(e.Name)+" after "+quoteWord(prev))
		k := slices.Index(list, prev)
		list = slices.Insert(list, k+1, e.Name)
	}
	return out
}

func deletions(c, t *Block) []string {
	var out []string
	keep := entryIndex(t.Entries)
	for _, e := range mergeEntries(c.Entries) {
		if _, ok := keep[e.Name]; !ok {
			out = append(out, "delete "+quoteWord(e.Name))
		}
	}
	return out
}

func syncEntry(c, t *Entry, prefix string) []string {
	out := syncSets(c.Sets, t.Sets)
	return append(out, syncBlocks(c.Blocks, t.Blocks, prefix)...)
}

// syncBlocks syncs nested blocks: changed or new ones in target order,
// then ones target lacks are cleared.
func syncBlocks(cur, tgt []*Block, prefix string) []string {
	mc, mt := mergeBlocks(cur), mergeBlocks(tgt)
	var out []string
	for _, t := range mt {
		if body := syncBlock(findMerged(mc, t.Path), t, nestedPath(prefix, t.Path), false); len(body) > 0 {
			out = append(out, wrap(configLine(t.Path), body, "end")...)
		}
	}
	for _, c := range mc {
		if findMerged(mt, c.Path) == nil {
			if body := clearBlock(c); len(body) > 0 {
				out = append(out, wrap(configLine(c.Path), body, "end")...)
			}
		}
	}
	return out
}

// clearBlock empties a block target does not have: its settings back to
// defaults, its entries deleted.
func clearBlock(c *Block) []string {
	out := syncSets(c.Sets, nil)
	for _, nb := range mergeBlocks(c.Blocks) {
		if body := clearBlock(nb); len(body) > 0 {
			out = append(out, wrap(configLine(nb.Path), body, "end")...)
		}
	}
	return append(out, deletions(c, &Block{})...)
}

// syncSets returns "set" for settings of t that c lacks or holds with
// other values, and "unset" for settings of c that t lacks.
func syncSets(c, t []Setting) []string {
	nc, mc := effectiveSets(c)
	nt, mt := effectiveSets(t)
	var out []string
	for _, n := range nt {
		if old, ok := mc[n]; !ok || !slices.Equal(old.Values, mt[n].Values) {
			var w strings.Builder
			writeSetting(&w, mt[n], 0)
			out = append(out, strings.TrimSuffix(w.String(), "\n"))
		}
	}
	for _, n := range nc {
		if _, ok := mt[n]; !ok {
			out = append(out, "unset "+quoteWord(n))
		}
	}
	return out
}
