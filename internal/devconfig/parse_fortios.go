package devconfig

import (
	"bytes"
	"fmt"
	"strings"
)

// SyntaxError is why ParseFortiOS (or Validate) rejected a file.
type SyntaxError struct {
	Line   int    // 1-based; 0 when the error is about the whole file
	Reason string // "file ends inside \"edit 40\" of \"config firewall policy\" (truncated?)"
	// Truncated is set when the file looks cut short (ends inside a
	// block, entry or quoted value, or has nothing after the header)
	// rather than wrong in the middle.
	Truncated bool
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return e.Reason
}

// ParseFortiOS parses a FortiOS configuration backup (GUI, SCP/TFTP or
// "execute backup config" file, which starts with "#config-version=").
// Output of "show full-configuration" lacks that header and is rejected
// as such: the header carries the model and firmware. It rejects, with a *SyntaxError naming the line,
// input that is empty, lacks the "#config-version=" header, has an "end"
// without "config", "next" outside an edit, an "edit" outside a table,
// an unknown command, a quoted value that never closes, or that ends
// inside a block or entry — the usual signs of a truncated transfer.
//
// A file cut exactly after a top-level "end" is well-formed and is
// accepted; Summarize is what notices that whole sections went missing.
// CRLF line ends are accepted; line numbers count LF.
func ParseFortiOS(data []byte) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &SyntaxError{Reason: "empty input"}
	}
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	c := &Config{}
	lx := &lexer{data: data, line: 1}
	if err := lx.header(&c.Header); err != nil {
		return nil, err
	}
	p := parser{c: c}
	for {
		st, ok, err := lx.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if err := p.statement(st); err != nil {
			return nil, err
		}
	}
	last := lx.lastLine()
	if n := len(p.stack); n > 0 {
		return nil, &SyntaxError{Line: last, Reason: "file ends " + p.where() + " (truncated?)", Truncated: true}
	}
	if len(c.Blocks) == 0 {
		return nil, &SyntaxError{Line: last, Reason: "no config blocks after the header (truncated?)", Truncated: true}
	}
	return c, nil
}

// statement is one logical line: its words and the line it starts on.
type statement struct {
	words []string
	line  int
}

type lexer struct {
	data []byte
	pos  int
	line int // line of data[pos]
}

// header reads the leading "#..." lines; the first non-blank line must be
// "#config-version=".
func (lx *lexer) header(h *Header) error {
	for lx.pos < len(lx.data) {
		end := bytes.IndexByte(lx.data[lx.pos:], '\n')
		var line string
		if end < 0 {
			line = string(lx.data[lx.pos:])
			end = len(lx.data) - lx.pos
		} else {
			line = string(lx.data[lx.pos : lx.pos+end])
		}
		trimmed := strings.TrimSpace(line)
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
			break
		}
		if trimmed != "" {
			if len(h.Lines) == 0 && !strings.HasPrefix(trimmed, "#config-version=") {
				return &SyntaxError{Line: lx.line, Reason: "missing #config-version= header (not a FortiOS backup?)"}
			}
			h.Lines = append(h.Lines, trimmed)
			parseHeaderLine(h, trimmed)
		}
		lx.pos += end
		if lx.pos < len(lx.data) {
			lx.pos++ // the '\n'
			lx.line++
		}
	}
	if len(h.Lines) == 0 {
		return &SyntaxError{Line: lx.line, Reason: "missing #config-version= header (not a FortiOS backup?)"}
	}
	return nil
}

func parseHeaderLine(h *Header, line string) {
	key, val, _ := strings.Cut(strings.TrimPrefix(line, "#"), "=")
	switch key {
	case "config-version":
		h.Raw = line
		parseConfigVersion(h, val)
	case "conf_file_ver":
		h.ConfFileVer = val
	case "buildno":
		h.BuildNo = val
	case "global_vdom":
		h.GlobalVDOM = val
	}
}

// parseConfigVersion reads "FG200F-7.2.10-FW-build1706-240625:opmode=0:vdom=0:user=admin".
// Model names may themselves contain hyphens, so the version is found as
// the first dotted-number field.
func parseConfigVersion(h *Header, v string) {
	parts := strings.Split(v, ":")
	fields := strings.Split(parts[0], "-")
	for i, f := range fields {
		if h.Version == "" && isDottedVersion(f) {
			h.Model = strings.Join(fields[:i], "-")
			h.Version = f
		}
		if b, ok := strings.CutPrefix(f, "build"); ok && h.Build == "" {
			h.Build = b
		}
	}
	for _, kv := range parts[1:] {
		k, val, _ := strings.Cut(kv, "=")
		switch k {
		case "opmode":
			h.OpMode = val
		case "vdom":
			h.VDOM = val == "1"
		case "user":
			h.User = val
		}
	}
}

func isDottedVersion(s string) bool {
	dots := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if i == 0 || i == len(s)-1 || s[i-1] == '.' {
				return false
			}
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots >= 1
}

func (lx *lexer) lastLine() int {
	n := bytes.Count(lx.data, []byte("\n")) + 1
	if bytes.HasSuffix(lx.data, []byte("\n")) {
		n--
	}
	return n
}

// next returns the next statement, skipping blank lines and lines starting
// with '#'. Words are unquoted and unescaped; a quoted word may span lines.
func (lx *lexer) next() (statement, bool, error) {
	var st statement
	var word []byte
	inWord := false
	atStart := true
	d := lx.data
	for lx.pos < len(d) {
		c := d[lx.pos]
		switch {
		case c == '\n':
			lx.pos++
			lx.line++
			if inWord {
				st.words = append(st.words, string(word))
			}
			if len(st.words) > 0 {
				return st, true, nil
			}
			inWord, word, atStart = false, word[:0], true
		case c == ' ' || c == '\t' || c == '\r':
			lx.pos++
			if inWord {
				st.words = append(st.words, string(word))
				inWord, word = false, nil
			}
		case c == '#' && atStart:
			for lx.pos < len(d) && d[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '"':
			if st.line == 0 {
				st.line = lx.line
			}
			atStart = false
			inWord = true
			open := lx.line
			lx.pos++
			closed := false
			for lx.pos < len(d) {
				q := d[lx.pos]
				if q == '\\' && lx.pos+1 < len(d) {
					if d[lx.pos+1] == '\n' {
						lx.line++
					}
					word = append(word, d[lx.pos+1])
					lx.pos += 2
					continue
				}
				lx.pos++
				if q == '"' {
					closed = true
					break
				}
				if q == '\n' {
					lx.line++
				}
				word = append(word, q)
			}
			if !closed {
				return st, false, &SyntaxError{Line: lx.lastLine(),
					Reason: fmt.Sprintf("quoted value opened on line %d never closes (truncated?)", open), Truncated: true}
			}
			if word == nil {
				word = []byte{}
			}
		default:
			if st.line == 0 {
				st.line = lx.line
			}
			atStart = false
			inWord = true
			if c == '\\' && lx.pos+1 < len(d) && d[lx.pos+1] != '\n' {
				lx.pos++
				c = d[lx.pos]
			}
			word = append(word, c)
			lx.pos++
		}
	}
	if inWord {
		st.words = append(st.words, string(word))
	}
	return st, len(st.words) > 0, nil
}

type frame struct {
	block *Block
	entry *Entry // nil when the block itself is the innermost
}

type parser struct {
	c     *Config
	stack []frame
}

func (p *parser) top() *frame {
	if len(p.stack) == 0 {
		return nil
	}
	return &p.stack[len(p.stack)-1]
}

// where describes the innermost open block or entry for error messages.
func (p *parser) where() string {
	f := p.top()
	if f == nil {
		return "at top level"
	}
	if f.entry != nil {
		return fmt.Sprintf("inside %q of %q", "edit "+quoteWord(f.entry.Name), "config "+f.block.Path)
	}
	return fmt.Sprintf("inside %q", "config "+f.block.Path)
}

func (p *parser) fail(st statement, format string, args ...any) error {
	return &SyntaxError{Line: st.line, Reason: fmt.Sprintf(format, args...)}
}

func (p *parser) statement(st statement) error {
	f := p.top()
	switch cmd := st.words[0]; cmd {
	case "config":
		if len(st.words) < 2 {
			return p.fail(st, "config without a path")
		}
		b := &Block{Path: strings.Join(st.words[1:], " "), Line: st.line}
		switch {
		case f == nil:
			p.c.Blocks = append(p.c.Blocks, b)
		case f.entry != nil:
			f.entry.Blocks = append(f.entry.Blocks, b)
		default:
			f.block.Blocks = append(f.block.Blocks, b)
		}
		p.stack = append(p.stack, frame{block: b})
	case "edit":
		if len(st.words) != 2 {
			return p.fail(st, "edit needs exactly one name, got %d words", len(st.words)-1)
		}
		if f == nil {
			return p.fail(st, "edit outside a config block")
		}
		if f.entry != nil {
			return p.fail(st, "%q %s without \"next\"", "edit "+quoteWord(st.words[1]), p.where())
		}
		e := &Entry{Name: st.words[1], Line: st.line}
		f.block.Entries = append(f.block.Entries, e)
		p.stack = append(p.stack, frame{block: f.block, entry: e})
	case "set", "unset":
		if len(st.words) < 2 {
			return p.fail(st, "%s without a name", cmd)
		}
		if f == nil {
			return p.fail(st, "%s outside a config block", cmd)
		}
		s := Setting{Verb: cmd, Name: st.words[1], Values: st.words[2:], Line: st.line}
		if len(s.Values) == 0 {
			s.Values = nil
		}
		if f.entry != nil {
			f.entry.Sets = append(f.entry.Sets, s)
		} else {
			f.block.Sets = append(f.block.Sets, s)
		}
	case "next":
		if f == nil || f.entry == nil {
			return p.fail(st, "next outside an edit (%s)", p.where())
		}
		p.stack = p.stack[:len(p.stack)-1]
	case "end":
		if f == nil {
			return p.fail(st, "end without config")
		}
		if f.entry != nil {
			return p.fail(st, "end %s without \"next\"", p.where())
		}
		p.stack = p.stack[:len(p.stack)-1]
	default:
		return p.fail(st, "unknown command %q %s", cmd, p.where())
	}
	return nil
}
