package devconfig

import "slices"

// Config is a parsed FortiOS configuration backup.
type Config struct {
	Header Header
	// Blocks are the top-level "config X" blocks in file order. In a
	// multi-VDOM backup they are "config vdom" and "config global".
	Blocks []*Block
}

// Header holds the "#key=value" lines before the first block.
type Header struct {
	// From "#config-version=FG200F-7.2.10-FW-build1706-240625:opmode=0:vdom=0:user=admin".
	Model   string // "FG200F"
	Version string // "7.2.10"
	Build   string // "1706"
	OpMode  string // "0" (NAT/route), "1" (transparent)
	VDOM    bool   // vdom=1: the body is split into "config global" and "config vdom"
	User    string // the administrator who made the backup; differs between pulls
	Raw     string // the whole first line, without the line break

	ConfFileVer string // "#conf_file_ver=": a revision counter, see Fingerprint
	BuildNo     string // "#buildno="
	GlobalVDOM  string // "#global_vdom="
	// Lines are all header lines in order, including the above, without
	// the line breaks.
	Lines []string
}

// Block is a "config <path>" ... "end" block.
type Block struct {
	Path    string    // words after "config", space-joined: "firewall policy"
	Sets    []Setting // set/unset lines directly inside (e.g. "config system global")
	Entries []*Entry  // "edit" entries in order; for policies, evaluation order
	Blocks  []*Block  // nested "config" blocks directly inside
	Line    int       // 1-based line of the "config" line
}

// Entry is an "edit <name>" ... "next" entry of a table block.
type Entry struct {
	Name   string // unquoted
	Sets   []Setting
	Blocks []*Block
	Line   int
}

// Setting is one "set" or "unset" line.
type Setting struct {
	Verb   string   // "set" or "unset"
	Name   string   // "srcaddr"
	Values []string // unquoted, unescaped tokens: set srcaddr "LAN net" "h1" → ["LAN net", "h1"]
	Line   int
}

// Find returns the top-level blocks whose Path is path, in file order.
// Use FindIn or FindGlobal for the blocks of a multi-VDOM backup.
func (c *Config) Find(path string) []*Block {
	return findBlocks(c.Blocks, path)
}

// IsMultiVDOM reports whether the backup is split into "config global"
// and per-VDOM sections.
func (c *Config) IsMultiVDOM() bool {
	return c.Header.VDOM || len(c.Find("vdom")) > 0 || len(c.Find("global")) > 0
}

// VDOMs returns the VDOM names of a multi-VDOM backup in first-seen
// order, or nil for a single-VDOM one.
func (c *Config) VDOMs() []string {
	var names []string
	for _, b := range c.Find("vdom") {
		for _, e := range b.Entries {
			if !slices.Contains(names, e.Name) {
				names = append(names, e.Name)
			}
		}
	}
	return names
}

// FindIn returns the blocks with that path inside a VDOM. vdom "" means
// the only configuration of a single-VDOM backup, or "root" in a
// multi-VDOM one. A multi-VDOM backup lists each VDOM in several
// "config vdom" blocks; all of them are searched.
func (c *Config) FindIn(vdom, path string) []*Block {
	if !c.IsMultiVDOM() {
		if vdom == "" || vdom == "root" {
			return c.Find(path)
		}
		return nil
	}
	if vdom == "" {
		vdom = "root"
	}
	var out []*Block
	for _, b := range c.Find("vdom") {
		for _, e := range b.Entries {
			if e.Name == vdom {
				out = append(out, findBlocks(e.Blocks, path)...)
			}
		}
	}
	return out
}

// FindGlobal returns the blocks with that path inside "config global" of
// a multi-VDOM backup, or the top-level ones of a single-VDOM backup.
func (c *Config) FindGlobal(path string) []*Block {
	if !c.IsMultiVDOM() {
		return c.Find(path)
	}
	var out []*Block
	for _, g := range c.Find("global") {
		out = append(out, findBlocks(g.Blocks, path)...)
	}
	return out
}

// Get returns the last setting named name directly inside the block.
func (b *Block) Get(name string) (Setting, bool) { return getSetting(b.Sets, name) }

// Get returns the last setting named name directly inside the entry.
func (e *Entry) Get(name string) (Setting, bool) { return getSetting(e.Sets, name) }

// Entry returns the entry with that name, or nil.
func (b *Block) Entry(name string) *Entry {
	for _, e := range b.Entries {
		if e.Name == name {
			return e
		}
	}
	return nil
}

func getSetting(sets []Setting, name string) (Setting, bool) {
	for i := len(sets) - 1; i >= 0; i-- {
		if sets[i].Name == name {
			return sets[i], true
		}
	}
	return Setting{}, false
}

func findBlocks(blocks []*Block, path string) []*Block {
	var out []*Block
	for _, b := range blocks {
		if b.Path == path {
			out = append(out, b)
		}
	}
	return out
}

// scope is one independent configuration inside a backup: the whole of a
// single-VDOM backup, "config global", or one VDOM.
type scope struct {
	vdom   string // "" for single-VDOM, "global", or the VDOM name
	blocks []*Block
}

// scopes splits a backup into its scopes, merging the several
// "config vdom" / "edit X" sections of one VDOM into one list.
func scopes(c *Config) []scope {
	if !c.IsMultiVDOM() {
		return []scope{{blocks: c.Blocks}}
	}
	var out []scope
	var global []*Block
	for _, g := range c.Find("global") {
		global = append(global, g.Blocks...)
	}
	out = append(out, scope{vdom: "global", blocks: global})
	for _, name := range c.VDOMs() {
		var bs []*Block
		for _, v := range c.Find("vdom") {
			for _, e := range v.Entries {
				if e.Name == name {
					bs = append(bs, e.Blocks...)
				}
			}
		}
		out = append(out, scope{vdom: name, blocks: bs})
	}
	return out
}
