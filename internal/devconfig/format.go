package devconfig

import "strings"

// Format writes the tree back in FortiOS CLI syntax, indented like a
// backup. It is not byte-identical to the parsed file (comments are
// dropped and words are quoted only where needed), but ParseFortiOS reads
// it back to an equal tree. Keep the original bytes as the generation;
// use Format for scripts and tests.
func Format(c *Config) []byte {
	var w strings.Builder
	for _, l := range c.Header.Lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	for _, b := range c.Blocks {
		writeBlock(&w, b, 0)
	}
	return []byte(w.String())
}

func writeBlock(w *strings.Builder, b *Block, depth int) {
	indent(w, depth)
	w.WriteString(configLine(b.Path))
	w.WriteByte('\n')
	writeSets(w, b.Sets, depth+1)
	for _, nb := range b.Blocks {
		writeBlock(w, nb, depth+1)
	}
	for _, e := range b.Entries {
		writeEntry(w, e, depth+1)
	}
	indent(w, depth)
	w.WriteString("end\n")
}

func writeEntry(w *strings.Builder, e *Entry, depth int) {
	indent(w, depth)
	w.WriteString("edit ")
	w.WriteString(quoteWord(e.Name))
	w.WriteByte('\n')
	writeSets(w, e.Sets, depth+1)
	for _, nb := range e.Blocks {
		writeBlock(w, nb, depth+1)
	}
	indent(w, depth)
	w.WriteString("next\n")
}

func writeSets(w *strings.Builder, sets []Setting, depth int) {
	for _, s := range sets {
		writeSetting(w, s, depth)
	}
}

func writeSetting(w *strings.Builder, s Setting, depth int) {
	indent(w, depth)
	w.WriteString(s.Verb)
	w.WriteByte(' ')
	w.WriteString(quoteWord(s.Name))
	for _, v := range s.Values {
		w.WriteByte(' ')
		w.WriteString(quoteWord(v))
	}
	w.WriteByte('\n')
}

// configLine is the "config <path>" statement for a Block.Path.
func configLine(path string) string {
	words := strings.Split(path, " ")
	for i, w := range words {
		words[i] = quoteWord(w)
	}
	return "config " + strings.Join(words, " ")
}

func indent(w *strings.Builder, depth int) {
	for range depth {
		w.WriteString("    ")
	}
}

// quoteWord returns s as one CLI word: bare when it holds only
// characters that cannot split or start a comment, otherwise in double
// quotes with '"' and '\' escaped. FortiOS accepts quotes around any
// value, so over-quoting is harmless; bare words keep scripts readable.
func quoteWord(s string) string {
	if s != "" && !strings.ContainsAny(s[:1], "#") && !needsQuote(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r', '"', '\\', '\'':
			return true
		}
	}
	return false
}
