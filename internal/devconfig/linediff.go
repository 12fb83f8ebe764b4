package devconfig

import "strings"

// LineDiff is the semantic diff of line-based configs (RTX, IOS, ASA):
// top-level command lines that were added or removed, and for commands
// with indented sub-lines ("interface Gi0/1", "pp select 1") the sub-lines
// added or removed under them. Lines are compared masked, with runs of
// blanks collapsed; comment lines are ignored. A changed line shows as
// removed plus added. KindUnknown detects the kind.
func LineDiff(kind Kind, a, b []byte) []Change {
	if kind == KindUnknown {
		kind = Detect(b)
	}
	sa := stanzas(kind, splitLines(Mask(kind, a)))
	sb := stanzas(kind, splitLines(Mask(kind, b)))
	type ref struct {
		st   stanza
		used bool
	}
	byHead := map[string][]*ref{}
	for _, s := range sa {
		k := normLine(s.head)
		byHead[k] = append(byHead[k], &ref{st: s})
	}
	var out []Change
	var added []stanza
	for _, s := range sb {
		var match *ref
		for _, r := range byHead[normLine(s.head)] {
			if !r.used {
				match = r
				break
			}
		}
		if match == nil {
			added = append(added, s)
			continue
		}
		match.used = true
		head := normLine(s.head)
		for _, l := range multisetDiff(normAll(match.st.children), normAll(s.children)) {
			out = append(out, Change{Path: head, Kind: LineRemoved, Old: []string{l}, OldLine: match.st.line})
		}
		for _, l := range multisetDiff(normAll(s.children), normAll(match.st.children)) {
			out = append(out, Change{Path: head, Kind: LineAdded, New: []string{l}, NewLine: s.line})
		}
	}
	var removed []Change
	for _, s := range sa {
		for _, r := range byHead[normLine(s.head)] {
			if r.st.line == s.line && !r.used {
				removed = append(removed, Change{Kind: LineRemoved, Old: []string{normLine(s.head)}, OldLine: s.line})
			}
		}
	}
	for _, s := range added {
		out = append(out, Change{Kind: LineAdded, New: []string{normLine(s.head)}, NewLine: s.line})
	}
	return append(removed, out...)
}

func normLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func normAll(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = normLine(l)
	}
	return out
}
