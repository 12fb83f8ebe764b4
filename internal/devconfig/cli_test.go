package devconfig

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// This file is a small interpreter of the FortiOS CLI subset that
// RestoreScript writes (config, edit, set, unset, delete, move, next,
// end), used to prove that a script turns one config into another, and
// a canonical form to compare configs by meaning.

// cliFrame is an open "config" (entry nil) or "edit" in the interpreter.
type cliFrame struct {
	siblings *[]*Block // the list the block lives in
	block    *Block
	entry    *Entry
}

// applyCLI runs script against a copy of c and returns the result. It
// fails the test on anything FortiOS would refuse: unknown commands,
// deleting or moving entries that do not exist, unbalanced blocks.
func applyCLI(t testing.TB, c *Config, script string) *Config {
	t.Helper()
	out := normalizeVDOMs(mustParse(t, Format(c)))
	lx := &lexer{data: []byte(script), line: 1}
	var stack []cliFrame
	fail := func(st statement, format string, args ...any) {
		t.Helper()
		t.Fatalf("script line %d (%s): %s\n%s", st.line, strings.Join(st.words, " "), fmt.Sprintf(format, args...), script)
	}
	for {
		st, ok, err := lx.next()
		if err != nil {
			t.Fatalf("script: %v", err)
		}
		if !ok {
			break
		}
		w := st.words
		var top *cliFrame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch w[0] {
		case "config":
			list := &out.Blocks
			if top != nil && top.entry != nil {
				list = &top.entry.Blocks
			} else if top != nil {
				list = &top.block.Blocks
			}
			path := strings.Join(w[1:], " ")
			i := slices.IndexFunc(*list, func(b *Block) bool { return b.Path == path })
			if i < 0 {
				*list = append(*list, &Block{Path: path})
				i = len(*list) - 1
			}
			stack = append(stack, cliFrame{siblings: list, block: (*list)[i]})
		case "edit":
			if top == nil || top.entry != nil || len(w) != 2 {
				fail(st, "edit outside a table")
			}
			e := top.block.Entry(w[1])
			if e == nil {
				e = &Entry{Name: w[1]}
				top.block.Entries = append(top.block.Entries, e)
			}
			stack = append(stack, cliFrame{siblings: top.siblings, block: top.block, entry: e})
		case "set", "unset":
			if top == nil || len(w) < 2 || w[0] == "set" && len(w) < 3 {
				fail(st, "bad %s", w[0])
			}
			sets := &top.block.Sets
			if top.entry != nil {
				sets = &top.entry.Sets
			}
			*sets = slices.DeleteFunc(slices.Clone(*sets), func(s Setting) bool { return s.Name == w[1] })
			if w[0] == "set" {
				*sets = append(*sets, Setting{Verb: "set", Name: w[1], Values: w[2:]})
			}
		case "delete":
			if top == nil || top.entry != nil || len(w) != 2 || top.block.Entry(w[1]) == nil {
				fail(st, "delete of a missing entry")
			}
			top.block.Entries = slices.DeleteFunc(top.block.Entries, func(e *Entry) bool { return e.Name == w[1] })
		case "move":
			if top == nil || top.entry != nil || len(w) != 4 || w[1] == w[3] || (w[2] != "before" && w[2] != "after") {
				fail(st, "bad move")
			}
			es := top.block.Entries
			i := slices.IndexFunc(es, func(e *Entry) bool { return e.Name == w[1] })
			if i < 0 || top.block.Entry(w[3]) == nil {
				fail(st, "move of a missing entry")
			}
			e := es[i]
			es = slices.Delete(es, i, i+1)
			j := slices.IndexFunc(es, func(e *Entry) bool { return e.Name == w[3] })
			if w[2] == "after" {
				j++
			}
			top.block.Entries = slices.Insert(es, j, e)
		case "next":
			if top == nil || top.entry == nil {
				fail(st, "next outside edit")
			}
			stack = stack[:len(stack)-1]
		case "end":
			if top == nil || top.entry != nil {
				fail(st, "end outside config")
			}
			stack = stack[:len(stack)-1]
		default:
			fail(st, "unknown command")
		}
	}
	if len(stack) > 0 {
		t.Fatalf("script ends inside %d open blocks", len(stack))
	}
	return out
}

// normalizeVDOMs rewrites a config as the device holds it: each VDOM one
// entry of one "config vdom" block, sections and entries that a file
// lists twice joined.
func normalizeVDOMs(c *Config) *Config {
	if !c.IsMultiVDOM() {
		return &Config{Header: c.Header, Blocks: joinTree(c.Blocks)}
	}
	out := &Config{Header: c.Header}
	vdoms := &Block{Path: "vdom"}
	for _, s := range scopes(c) {
		if s.vdom == "global" {
			out.Blocks = append(out.Blocks, &Block{Path: "global", Blocks: joinTree(s.blocks)})
			continue
		}
		vdoms.Entries = append(vdoms.Entries, &Entry{Name: s.vdom, Blocks: joinTree(s.blocks)})
	}
	out.Blocks = append(out.Blocks, vdoms)
	return out
}

func joinTree(blocks []*Block) []*Block {
	var out []*Block
	for _, b := range mergeBlocks(blocks) {
		j := &Block{Path: b.Path, Sets: b.Sets, Blocks: joinTree(b.Blocks)}
		for _, e := range mergeEntries(b.Entries) {
			j.Entries = append(j.Entries, &Entry{Name: e.Name, Sets: e.Sets, Blocks: joinTree(e.Blocks)})
		}
		out = append(out, j)
	}
	return out
}

// canon renders a config by meaning: duplicate sections joined, unset and
// absent settings alike, settings sorted, entries sorted unless their
// order is evaluation order, empty sections dropped.
func canon(c *Config) string {
	var b strings.Builder
	ss := scopes(c)
	sort.Slice(ss, func(i, j int) bool { return ss[i].vdom < ss[j].vdom })
	for _, s := range ss {
		fmt.Fprintf(&b, "scope %q\n", s.vdom)
		b.WriteString(canonBlocks(s.blocks, "", "  "))
	}
	return b.String()
}

func canonBlocks(blocks []*Block, prefix, ind string) string {
	merged := mergeBlocks(blocks)
	sort.Slice(merged, func(i, j int) bool { return merged[i].Path < merged[j].Path })
	var b strings.Builder
	for _, bl := range merged {
		path := nestedPath(prefix, bl.Path)
		var body strings.Builder
		body.WriteString(canonSets(bl.Sets, ind+"  "))
		body.WriteString(canonBlocks(bl.Blocks, path, ind+"  "))
		entries := slices.Clone(mergeEntries(bl.Entries))
		if !orderMatters(path) {
			sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
		}
		for _, e := range entries {
			fmt.Fprintf(&body, "%s  edit %q\n", ind, e.Name)
			body.WriteString(canonSets(e.Sets, ind+"    "))
			body.WriteString(canonBlocks(e.Blocks, path+" "+quoteWord(e.Name), ind+"    "))
		}
		if body.Len() > 0 {
			fmt.Fprintf(&b, "%sconfig %s\n%s", ind, bl.Path, body.String())
		}
	}
	return b.String()
}

func canonSets(sets []Setting, ind string) string {
	names, m := effectiveSets(sets)
	names = slices.Clone(names)
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%sset %s %q\n", ind, n, m[n].Values)
	}
	return b.String()
}
