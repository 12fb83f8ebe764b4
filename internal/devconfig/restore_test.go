package devconfig

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the .golden files under testdata/")

// checkRestore proves that RestoreScript(current, target) applied to
// current gives target.
func checkRestore(t *testing.T, current, target *Config) string {
	t.Helper()
	script := RestoreScript(current, target)
	got := applyCLI(t, current, script)
	if diff := cmp.Diff(canon(target), canon(got)); diff != "" {
		t.Fatalf("script does not restore the target (-target +result):\n%s\nscript:\n%s", diff, script)
	}
	return script
}

func TestRestoreScriptGolden(t *testing.T) {
	current, target := mustParse(t, []byte(semNew)), mustParse(t, []byte(semBase))
	script := checkRestore(t, current, target)
	golden := filepath.Join("testdata", "restore_sem.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), script); diff != "" {
		t.Errorf("(-golden +got):\n%s", diff)
	}
	// And back again.
	checkRestore(t, target, current)
}

func TestRestoreScriptCases(t *testing.T) {
	base := string(readTestdata(t, "fortios72.conf"))
	vdom := string(readTestdata(t, "fortios_vdom.conf"))
	tests := []struct {
		name            string
		current, target string
		contains        []string
	}{
		{"equal", base, base, nil},
		{"wiped ruleset restored", dropPolicies(base, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), base,
			[]string{"    edit 2\n        set name DMZ-web-out\n", "move 21 after 20"}},
		{"re-encrypted secrets are set again", string(reexport([]byte(base), 3)), base,
			[]string{"        set psksecret ENC "}},
		{"ordered deletions", base, strings.Replace(dropPolicies(base, 12, 19), "edit \"mgmt-pc\"", "edit \"mgmt-pc2\"", 1),
			[]string{"config firewall policy\n    delete 12\n    delete 19\nend\nconfig firewall address\n    delete mgmt-pc\nend"}},
		{"vdom changes", vdom, strings.Replace(vdom, "set nat enable", "set nat disable", 1),
			[]string{"config vdom\n    edit cust-a\n        config firewall policy\n            edit 10\n                set nat disable"}},
		{"vdom added", vdom, vdom + "config vdom\nedit cust-b\nconfig firewall address\nedit x\nnext\nend\nnext\nend\n",
			[]string{"edit cust-b"}},
		{"vdom deleted", vdom + "config vdom\nedit cust-b\nconfig firewall address\nedit x\nnext\nend\nnext\nend\n", vdom,
			[]string{"config vdom\n    delete cust-b\nend"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := checkRestore(t, mustParse(t, []byte(tt.current)), mustParse(t, []byte(tt.target)))
			for _, s := range tt.contains {
				if !strings.Contains(script, s) {
					t.Errorf("script lacks %q:\n%s", s, script)
				}
			}
			if tt.current == tt.target && strings.Count(script, "\n") != 1 {
				t.Errorf("script for equal configs:\n%s", script)
			}
		})
	}
	single := mustParse(t, []byte(base))
	multi := mustParse(t, []byte(vdom))
	if s := RestoreScript(single, multi); !strings.Contains(s, "VDOM mode differs") || strings.Contains(s, "\nconfig") {
		t.Errorf("VDOM mode switch:\n%s", s)
	}
	if s := RestoreScript(single, multi); !strings.Contains(s, "# warning: target was exported by FortiOS 7.2.8, the current config by 7.2.10") {
		t.Errorf("no version warning:\n%s", s)
	}
}

func TestMoves(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 2000 {
		n := 1 + r.IntN(9)
		var want []*Entry
		var list []string
		for i := range n {
			want = append(want, &Entry{Name: fmt.Sprint(i)})
			list = append(list, fmt.Sprint(i))
		}
		r.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		extra := r.IntN(3) // entries to be deleted later sit anywhere
		for k := range extra {
			i := r.IntN(len(list) + 1)
			list = slices.Insert(list, i, fmt.Sprintf("x%d", k))
		}
		start := slices.Clone(list)
		ms := moves(slices.Clone(list), want)
		// apply
		for _, m := range ms {
			f := strings.Fields(m)
			i := slices.Index(list, f[1])
			list = slices.Delete(list, i, i+1)
			j := slices.Index(list, f[3])
			if f[2] == "after" {
				j++
			}
			list = slices.Insert(list, j, f[1])
		}
		list = slices.DeleteFunc(list, func(s string) bool { return strings.HasPrefix(s, "x") })
		var names []string
		for _, e := range want {
			names = append(names, e.Name)
		}
		if !slices.Equal(list, names) {
			t.Fatalf("moves %q on %q give %q", ms, start, list)
		}
		// Fewest moves: n minus the longest run already in order.
		var pos []int
		for _, nm := range names {
			pos = append(pos, slices.Index(start, nm))
		}
		kept := 0
		for _, k := range lis(pos) {
			if k {
				kept++
			}
		}
		if len(ms) != n-kept {
			t.Fatalf("%d moves for %q, want %d", len(ms), start, n-kept)
		}
	}
}

// mutate changes a parsed config at random in the ways generations
// differ: policies deleted, added and reordered, settings changed, added
// and removed, objects added and deleted, nested blocks edited, whole
// sections dropped, secrets re-encrypted.
func mutate(r *rand.Rand, c *Config) {
	pick := func(n int) int { return r.IntN(n) }
	var tables []*Block
	var walk func(bs []*Block)
	walk = func(bs []*Block) {
		for _, b := range bs {
			tables = append(tables, b)
			walk(b.Blocks)
			for _, e := range b.Entries {
				walk(e.Blocks)
			}
		}
	}
	for _, s := range scopes(c) {
		walk(s.blocks)
	}
	for range 1 + pick(8) {
		b := tables[pick(len(tables))]
		switch op := pick(9); {
		case op == 0 && len(b.Entries) > 0: // delete entries
			for range 1 + pick(len(b.Entries)) {
				if len(b.Entries) > 0 {
					i := pick(len(b.Entries))
					b.Entries = slices.Delete(b.Entries, i, i+1)
				}
			}
		case op == 1: // add an entry
			e := &Entry{Name: fmt.Sprintf("new-%d", r.IntN(1000))}
			if b.Entry(e.Name) == nil {
				e.Sets = []Setting{{Verb: "set", Name: "comments", Values: []string{"added \"quoted\"\nline"}}}
				if pick(2) == 0 {
					e.Blocks = []*Block{{Path: "sub", Entries: []*Entry{{Name: "1", Sets: []Setting{{Verb: "set", Name: "x", Values: []string{"y"}}}}}}}
				}
				b.Entries = slices.Insert(b.Entries, pick(len(b.Entries)+1), e)
			}
		case op == 2 && len(b.Entries) > 1: // reorder
			i := pick(len(b.Entries))
			e := b.Entries[i]
			b.Entries = slices.Delete(b.Entries, i, i+1)
			b.Entries = slices.Insert(b.Entries, pick(len(b.Entries)+1), e)
		case op <= 5: // change, add or remove a setting, in the block or an entry
			sets := &b.Sets
			if len(b.Entries) > 0 {
				sets = &b.Entries[pick(len(b.Entries))].Sets
			}
			switch {
			case len(*sets) > 0 && op == 3:
				i := pick(len(*sets))
				(*sets)[i].Values = append(slices.Clone((*sets)[i].Values), "extra")
			case len(*sets) > 0 && op == 4:
				i := pick(len(*sets))
				if pick(2) == 0 {
					*sets = slices.Delete(*sets, i, i+1)
				} else {
					(*sets)[i].Verb, (*sets)[i].Values = "unset", nil
				}
			default:
				*sets = append(*sets, Setting{Verb: "set", Name: fmt.Sprintf("opt%d", pick(5)), Values: []string{"on"}})
			}
		case op == 6 && len(b.Entries) > 0: // nested block in an entry
			e := b.Entries[pick(len(b.Entries))]
			if len(e.Blocks) > 0 && pick(2) == 0 {
				e.Blocks = e.Blocks[1:]
			} else {
				e.Blocks = append(e.Blocks, &Block{Path: "nested", Sets: []Setting{{Verb: "set", Name: "a", Values: []string{"b"}}}})
			}
		case op == 7: // drop everything in a section
			b.Entries, b.Sets, b.Blocks = nil, nil, nil
		default: // re-encrypt secrets
			for _, t := range tables {
				for _, e := range t.Entries {
					for i, s := range e.Sets {
						if len(s.Values) == 2 && s.Values[0] == "ENC" {
							e.Sets[i].Values = []string{"ENC", fmt.Sprintf("re%d", r.Int())}
						}
					}
				}
			}
		}
	}
}

func TestRestoreScriptRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, name := range []string{"fortios72.conf", "fortios_vdom.conf"} {
		data := readTestdata(t, name)
		for i := range 150 {
			a, b := mustParse(t, data), mustParse(t, data)
			mutate(r, a)
			if i%2 == 0 {
				mutate(r, b)
			}
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				checkRestore(t, a, b)
				checkRestore(t, b, a)
				// The tree survives Format: the script works on what
				// would be stored.
				if canon(mustParse(t, Format(a))) != canon(a) {
					t.Fatal("Format changed the meaning")
				}
				if len(SemanticDiff(a, b)) == 0 && canonMasked(a) != canonMasked(b) {
					t.Fatal("SemanticDiff missed a change")
				}
			})
		}
	}
}

// canonMasked is canon of the masked tree.
func canonMasked(c *Config) string {
	m := &Config{Header: c.Header}
	for _, b := range c.Blocks {
		m.Blocks = append(m.Blocks, maskBlock(b))
	}
	return canon(m)
}
