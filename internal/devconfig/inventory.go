package devconfig

import (
	"strings"
)

// item is one counted rule or object: key says which one it is (a
// FortiOS entry name, an ACL line), body what it says, so that Summarize
// can tell removed from changed.
type item struct{ key, body string }

// section is a counted part of a config.
type section struct {
	name  string
	class Class
	items []item
}

// fortiCounted are the FortiOS tables whose entries Summarize counts.
// Policies are the rules traffic meets; the object tables are what a
// wiped ruleset usually loses along with them.
var fortiCounted = []struct {
	path  string
	class Class
}{
	{"firewall policy", ClassPolicy},
	{"firewall policy6", ClassPolicy},
	{"firewall proxy-policy", ClassPolicy},
	{"firewall security-policy", ClassPolicy},
	{"firewall local-in-policy", ClassPolicy},
	{"firewall address", ClassObject},
	{"firewall address6", ClassObject},
	{"firewall addrgrp", ClassObject},
	{"firewall addrgrp6", ClassObject},
	{"firewall service custom", ClassObject},
	{"firewall service group", ClassObject},
	{"firewall vip", ClassObject},
	{"firewall vip6", ClassObject},
	{"firewall vipgrp", ClassObject},
}

// scopeLabel prefixes a section with its VDOM in multi-VDOM backups.
func scopeLabel(vdom, path string) string {
	if vdom == "" {
		return path
	}
	return vdom + ": " + path
}

func fortiSections(c *Config) []section {
	var out []section
	for _, sc := range scopes(c) {
		views := mergeBlocks(sc.blocks)
		for _, fc := range fortiCounted {
			var b *Block
			for _, v := range views {
				if v.Path == fc.path {
					b = v
				}
			}
			if b == nil {
				continue
			}
			s := section{name: scopeLabel(sc.vdom, fc.path), class: fc.class}
			for _, e := range b.Entries {
				var w strings.Builder
				writeEntry(&w, maskEntry(e), 0)
				s.items = append(s.items, item{key: e.Name, body: w.String()})
			}
			out = append(out, s)
		}
	}
	return out
}

// stanza is a non-indented line with the indented lines under it.
type stanza struct {
	head     string
	children []string
	line     int // 1-based line of head
}

// stanzas groups lines of a line-based config, skipping blank lines and
// whole-line comments ("!" on IOS, ": " on ASA, "#" on RTX).
func stanzas(kind Kind, lines []string) []stanza {
	var out []stanza
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || isLineComment(kind, t) {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			last := &out[len(out)-1]
			last.children = append(last.children, t)
			continue
		}
		out = append(out, stanza{head: t, line: i + 1})
	}
	return out
}

func isLineComment(kind Kind, t string) bool {
	switch kind {
	case KindCiscoIOS:
		return t[0] == '!'
	case KindCiscoASA:
		return t[0] == '!' || t == ":" || strings.HasPrefix(t, ": ")
	case KindYamahaRTX:
		return t[0] == '#'
	}
	return false
}

// lineSections counts the filter and ACL lines of RTX, IOS and ASA
// configs. Each line is its own key; the same line twice counts twice.
func lineSections(kind Kind, lines []string) []section {
	var out []section
	index := map[string]int{}
	add := func(name string, class Class, it item) {
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, section{name: name, class: class})
		}
		out[i].items = append(out[i].items, it)
	}
	for _, st := range stanzas(kind, lines) {
		f := strings.Fields(st.head)
		norm := strings.Join(f, " ")
		body := strings.Join(st.children, "\n")
		switch kind {
		case KindYamahaRTX:
			if len(f) >= 4 && (f[0] == "ip" || f[0] == "ipv6") && f[1] == "filter" {
				switch {
				case f[2] == "dynamic":
					add(f[0]+" filter dynamic", ClassPolicy, item{key: norm, body: norm})
				case isDigits(f[2]):
					add(f[0]+" filter", ClassPolicy, item{key: norm, body: norm})
				}
			}
		case KindCiscoIOS, KindCiscoASA:
			switch {
			case len(f) >= 3 && f[0] == "access-list" && f[2] != "remark":
				add("access-list "+f[1], ClassPolicy, item{key: norm, body: norm})
			case len(f) >= 3 && (f[0] == "ip" || f[0] == "ipv6") && f[1] == "access-list":
				name := f[len(f)-1]
				for _, ch := range st.children {
					if cf := strings.Fields(ch); len(cf) > 0 && cf[0] != "remark" && (len(cf) < 2 || cf[1] != "remark") {
						add(f[0]+" access-list "+name, ClassPolicy, item{key: strings.Join(cf, " "), body: ch})
					}
				}
			case len(f) >= 3 && (f[0] == "object" || f[0] == "object-group"):
				add(f[0], ClassObject, item{key: norm, body: body})
			}
		}
	}
	return out
}
