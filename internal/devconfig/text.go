package devconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// String is the change in English, e.g.
// `firewall policy 12: srcaddr added "X"` or `firewall policy 40: deleted`.
func (c Change) String() string { return c.Text("en") }

// Text is the change in English ("en", the default) or Japanese ("ja").
// Long values are shortened with "…"; the full ones are in Old and New.
func (c Change) Text(lang string) string {
	ja := lang == "ja"
	var b strings.Builder
	switch {
	case c.VDOM == "global":
		b.WriteString("global: ")
	case c.VDOM != "" && ja:
		b.WriteString("VDOM " + c.VDOM + ": ")
	case c.VDOM != "":
		b.WriteString("vdom " + c.VDOM + ": ")
	}
	if c.Path != "" {
		b.WriteString(c.Path)
		if c.Entry != "" {
			b.WriteString(" " + quoteWord(c.Entry))
		}
		b.WriteString(": ")
	}
	if ja {
		b.WriteString(c.ja())
	} else {
		b.WriteString(c.en())
	}
	return b.String()
}

func (c Change) en() string {
	switch c.Kind {
	case BlockAdded:
		return "section added"
	case BlockDeleted:
		return "section deleted"
	case EntryAdded:
		return "added"
	case EntryDeleted:
		return "deleted"
	case EntryMoved:
		if len(c.New) == 2 {
			return "moved " + c.New[0] + " " + quoteWord(c.New[1])
		}
		return "moved"
	case SetAdded:
		return c.Setting + " set to " + values(c.New)
	case SetRemoved:
		return c.Setting + " removed (was " + values(c.Old) + ")"
	case SetChanged:
		switch {
		case c.Added == nil && c.Removed == nil && !listSettings[c.Setting] && len(c.Old) <= 1 && len(c.New) <= 1:
			return c.Setting + " changed " + values(c.Old) + " → " + values(c.New)
		case len(c.Added) > 0 && len(c.Removed) > 0:
			return c.Setting + " added " + values(c.Added) + "; removed " + values(c.Removed)
		case len(c.Added) > 0:
			return c.Setting + " added " + values(c.Added)
		case len(c.Removed) > 0:
			return c.Setting + " removed " + values(c.Removed)
		}
		return c.Setting + " reordered: " + values(c.New)
	case LineAdded:
		return "added " + values(c.New)
	case LineRemoved:
		return "removed " + values(c.Old)
	}
	return string(c.Kind)
}

func (c Change) ja() string {
	switch c.Kind {
	case BlockAdded:
		return "セクション追加"
	case BlockDeleted:
		return "セクション削除"
	case EntryAdded:
		return "追加"
	case EntryDeleted:
		return "削除"
	case EntryMoved:
		if len(c.New) == 2 {
			where := "の後へ移動"
			if c.New[0] == "before" {
				where = "の前へ移動"
			}
			return quoteWord(c.New[1]) + " " + where
		}
		return "移動"
	case SetAdded:
		return c.Setting + " を " + values(c.New) + " に設定"
	case SetRemoved:
		return c.Setting + " を削除 (旧値 " + values(c.Old) + ")"
	case SetChanged:
		switch {
		case c.Added == nil && c.Removed == nil && !listSettings[c.Setting] && len(c.Old) <= 1 && len(c.New) <= 1:
			return c.Setting + " を " + values(c.Old) + " から " + values(c.New) + " に変更"
		case len(c.Added) > 0 && len(c.Removed) > 0:
			return c.Setting + " に " + values(c.Added) + " を追加、" + values(c.Removed) + " を削除"
		case len(c.Added) > 0:
			return c.Setting + " に " + values(c.Added) + " を追加"
		case len(c.Removed) > 0:
			return c.Setting + " から " + values(c.Removed) + " を削除"
		}
		return c.Setting + " の順序を変更: " + values(c.New)
	case LineAdded:
		return "行を追加 " + values(c.New)
	case LineRemoved:
		return "行を削除 " + values(c.Old)
	}
	return string(c.Kind)
}

// maxShownValue is how many runes of one value a change text shows.
const maxShownValue = 60

func values(vs []string) string {
	if len(vs) == 0 {
		return `""`
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		if r := []rune(v); len(r) > maxShownValue {
			v = string(r[:maxShownValue]) + "…"
		}
		parts[i] = strconv.Quote(v)
	}
	return strings.Join(parts, " ")
}

// Changes formats a list of changes one per line in the given language.
func Changes(cs []Change, lang string) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintln(&b, c.Text(lang))
	}
	return b.String()
}
