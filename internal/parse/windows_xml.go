package parse

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/event"
)

// Windows events as XML (the event schema,
// http://schemas.microsoft.com/win/2004/08/events/event). The scanner reads
// the subset that event records use: elements, attributes in single or
// double quotes, text, the five predefined entities and character
// references, comments, processing instructions and CDATA. Namespace
// prefixes are ignored. Text between elements that is not a leaf's value is
// ignored, so Event Viewer copies ("- <System>") read as well. Reading
// stops at the end of the first Event element.

// maxWinXMLDepth bounds element nesting.
const maxWinXMLDepth = 16

type winXML struct {
	s      string
	i      int
	ev     *event.Event
	fs     fieldSet
	stack  [maxWinXMLDepth]string // local names of open elements
	depth  int
	child  [maxWinXMLDepth]bool // the element has child elements
	start  [maxWinXMLDepth]int  // where its content starts
	data   string               // Name attribute of the open <Data>
	params int
}

func parseWinXML(s string, ev *event.Event) error {
	ev.FormatVersion = "xml"
	x := winXML{s: s, ev: ev, fs: newFieldSet(ev)}
	return x.run()
}

func (x *winXML) errorf(format string, args ...any) error {
	return fmt.Errorf("windows xml at byte %d: %s", x.i, fmt.Sprintf(format, args...))
}

func (x *winXML) run() error {
	s := x.s
	sawEvent := false
	for x.i < len(s) {
		lt := strings.IndexByte(s[x.i:], '<')
		if lt < 0 {
			break
		}
		x.i += lt
		rest := s[x.i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest, "-->")
			if end < 0 {
				return x.errorf("unterminated comment")
			}
			x.i += end + 3
		case strings.HasPrefix(rest, "<![CDATA["):
			end := strings.Index(rest, "]]>")
			if end < 0 {
				return x.errorf("unterminated CDATA")
			}
			x.i += end + 3
		case strings.HasPrefix(rest, "<?"), strings.HasPrefix(rest, "<!"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return x.errorf("unterminated declaration")
			}
			x.i += end + 1
		case strings.HasPrefix(rest, "</"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return x.errorf("unterminated end tag")
			}
			name := localName(strings.TrimSpace(rest[2:end]))
			if x.depth == 0 || x.stack[x.depth-1] != name {
				return x.errorf("unexpected </%s>", name)
			}
			if !x.child[x.depth-1] {
				x.leaf(s[x.start[x.depth-1]:x.i])
			}
			x.depth--
			x.i += end + 1
			if x.depth == 0 && name == "Event" {
				return nil
			}
		default:
			if err := x.startTag(&sawEvent); err != nil {
				return err
			}
		}
	}
	if !sawEvent {
		return x.errorf("no <Event> element")
	}
	if x.depth > 0 {
		return x.errorf("unclosed <%s>", x.stack[x.depth-1])
	}
	return nil
}

// startTag reads "<name attr="v" ...>" or "<name .../>" at x.i.
func (x *winXML) startTag(sawEvent *bool) error {
	s := x.s
	j := x.i + 1
	for j < len(s) && !isXMLSpace(s[j]) && s[j] != '>' && s[j] != '/' {
		j++
	}
	name := localName(s[x.i+1 : j])
	if name == "" {
		return x.errorf("empty element name")
	}
	if x.depth == 0 {
		if name != "Event" {
			// Skip wrappers such as <Events>.
			end := strings.IndexByte(s[j:], '>')
			if end < 0 {
				return x.errorf("unterminated tag")
			}
			x.i = j + end + 1
			return nil
		}
		*sawEvent = true
	}
	if x.depth > 0 {
		x.child[x.depth-1] = true
	}
	if x.depth == maxWinXMLDepth {
		return x.errorf("elements nested deeper than %d", maxWinXMLDepth)
	}
	x.stack[x.depth] = name
	x.child[x.depth] = false
	x.depth++
	if name == "Data" {
		x.data = ""
	}
	// Attributes.
	for {
		for j < len(s) && isXMLSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			x.i = j
			return x.errorf("unterminated tag <%s>", name)
		}
		if s[j] == '>' {
			x.i = j + 1
			x.start[x.depth-1] = x.i
			return nil
		}
		if s[j] == '/' {
			if j+1 >= len(s) || s[j+1] != '>' {
				x.i = j
				return x.errorf("bad '/' in tag <%s>", name)
			}
			x.depth--
			x.i = j + 2
			if x.depth == 0 {
				return nil
			}
			return nil
		}
		k := j
		for k < len(s) && s[k] != '=' && !isXMLSpace(s[k]) && s[k] != '>' {
			k++
		}
		attr := localName(s[j:k])
		for k < len(s) && isXMLSpace(s[k]) {
			k++
		}
		if k >= len(s) || s[k] != '=' {
			x.i = k
			return x.errorf("attribute %s without a value", attr)
		}
		k++
		for k < len(s) && isXMLSpace(s[k]) {
			k++
		}
		if k >= len(s) || (s[k] != '"' && s[k] != '\'') {
			x.i = k
			return x.errorf("attribute %s: value not quoted", attr)
		}
		q := s[k]
		end := strings.IndexByte(s[k+1:], q)
		if end < 0 {
			x.i = k
			return x.errorf("attribute %s: unterminated value", attr)
		}
		x.attr(name, attr, xmlUnescape(s[k+1:k+1+end]))
		j = k + 1 + end + 1
	}
}

// attr handles an attribute of the element just opened.
func (x *winXML) attr(elem, attr, v string) {
	if x.depth == 2 && x.stack[0] == "Event" && x.stack[1] == "EventData" || x.depth == 3 && x.stack[1] == "EventData" && elem == "Data" {
		if elem == "Data" && attr == "Name" {
			x.data = v
		}
		return
	}
	if x.depth != 3 || x.stack[1] != "System" {
		return
	}
	var name string
	switch elem + "@" + attr {
	case "Provider@Name":
		name = "Provider_Name"
	case "Provider@Guid":
		name = "Provider_Guid"
	case "Provider@EventSourceName":
		name = "Provider_EventSourceName"
	case "EventID@Qualifiers":
		name = "Qualifiers"
	case "TimeCreated@SystemTime":
		name = "TimeCreated"
	case "Correlation@ActivityID":
		name = "ActivityID"
	case "Correlation@RelatedActivityID":
		name = "RelatedActivityID"
	case "Execution@ProcessID":
		name = "ProcessID"
	case "Execution@ThreadID":
		name = "ThreadID"
	case "Security@UserID":
		name = "UserID"
	default:
		return
	}
	x.fs.add(x.ev, name, v)
}

// leaf handles the text of an element without child elements.
func (x *winXML) leaf(raw string) {
	v := xmlUnescape(strings.TrimSpace(raw))
	if x.depth < 2 || x.stack[0] != "Event" {
		return
	}
	elem := x.stack[x.depth-1]
	switch x.stack[1] {
	case "System":
		if x.depth == 3 {
			x.fs.add(x.ev, elem, v)
		}
	case "EventData":
		if x.depth != 3 {
			return
		}
		switch {
		case elem == "Data" && x.data != "":
			x.fs.add(x.ev, x.data, v)
		case elem == "Data":
			x.params++
			if v != "" {
				x.fs.add(x.ev, "param"+strconv.Itoa(x.params), v)
			}
		default:
			x.fs.add(x.ev, elem, v)
		}
	case "UserData":
		if x.depth >= 4 {
			x.fs.add(x.ev, elem, v)
		}
	case "RenderingInfo":
		if x.depth == 3 {
			if elem == "Message" {
				x.fs.add(x.ev, "Message", v)
			} else {
				x.fs.add(x.ev, "RenderingInfo."+elem, v)
			}
		}
	}
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// localName drops a namespace prefix.
func localName(n string) string {
	if i := strings.IndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// xmlUnescape decodes &lt; &gt; &amp; &quot; &apos; and character
// references; an unknown or malformed reference is kept as written. It
// allocates only when v has a '&'.
func xmlUnescape(v string) string {
	if strings.IndexByte(v, '&') < 0 {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '&' {
			b.WriteByte(c)
			continue
		}
		semi := strings.IndexByte(v[i:], ';')
		if semi < 0 || semi > 12 {
			b.WriteByte(c)
			continue
		}
		ref := v[i+1 : i+semi]
		switch ref {
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "amp":
			b.WriteByte('&')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				b.WriteByte(c)
				continue
			}
			b.WriteRune(r)
		}
		i += semi
	}
	return b.String()
}

// charRef reads "#65" or "#x41".
func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' || digits[0] == 'X' {
		base, digits = 16, digits[1:]
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || !utf8.ValidRune(rune(n)) || n == 0 {
		return 0, false
	}
	return rune(n), true
}
