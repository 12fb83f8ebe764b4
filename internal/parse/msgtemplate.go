package parse

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/sekimori/sekimori/internal/event"
)

// msgTemplate matches free-text log messages such as sshd's
//
//	Accepted {sshd.method} for {user.name} from {source.ip:ip} port {source.port:port} {*}
//
// Literal text must match exactly. A capture names the field it fills:
//
//	{name}       the shortest text up to the next literal (to the end when last)
//	{name:word}  a run of bytes other than space
//	{name:ip}    an IPv4 or IPv6 address; an IPv4-mapped IPv6 address is unmapped
//	{name:port}  a decimal number from 1 to 65535
//	{name:int}   a run of digits
//	{*}          (last only) any rest of the message
//
// Without {*} the template must use the whole message. Captured values are
// substrings of the message (an unmapped IP excepted). Templates are
// compiled once, at package initialization, and are read-only.
type msgTemplate struct {
	src   string
	parts []tmplPart
	rest  bool // ends in {*}
}

type capKind uint8

const (
	capLazy capKind = iota
	capWord
	capIP
	capPort
	capInt
)

type tmplPart struct {
	lit  string // literal text, or "" for a capture
	name string
	kind capKind
}

// maxCaptures bounds the captures of one template, so that a match needs no
// allocation.
const maxCaptures = 8

// mustTemplate compiles a template; a bad one is a programming error.
func mustTemplate(src string) *msgTemplate {
	t, err := compileTemplate(src)
	if err != nil {
		panic(err)
	}
	return t
}

func compileTemplate(src string) (*msgTemplate, error) {
	t := &msgTemplate{src: src}
	s := src
	ncap := 0
	for s != "" {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			t.parts = append(t.parts, tmplPart{lit: s})
			break
		}
		if open > 0 {
			t.parts = append(t.parts, tmplPart{lit: s[:open]})
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("template %q: unclosed {", src)
		}
		spec := s[open+1 : open+end]
		s = s[open+end+1:]
		if spec == "*" {
			if s != "" {
				return nil, fmt.Errorf("template %q: {*} must come last", src)
			}
			t.rest = true
			break
		}
		name, kind, _ := strings.Cut(spec, ":")
		p := tmplPart{name: name}
		switch kind {
		case "":
			p.kind = capLazy
		case "word":
			p.kind = capWord
		case "ip":
			p.kind = capIP
		case "port":
			p.kind = capPort
		case "int":
			p.kind = capInt
		default:
			return nil, fmt.Errorf("template %q: unknown capture type %q", src, kind)
		}
		if name == "" {
			return nil, fmt.Errorf("template %q: capture without a name", src)
		}
		if n := len(t.parts); n > 0 && t.parts[n-1].lit == "" && p.kind == capLazy {
			return nil, fmt.Errorf("template %q: {%s} follows another capture", src, name)
		}
		if ncap++; ncap > maxCaptures {
			return nil, fmt.Errorf("template %q: more than %d captures", src, maxCaptures)
		}
		t.parts = append(t.parts, p)
	}
	return t, nil
}

// prefix returns the literal the template starts with, "" when it starts
// with a capture.
func (t *msgTemplate) prefix() string {
	if len(t.parts) > 0 {
		return t.parts[0].lit
	}
	return ""
}

// captures holds the values of one match.
type captures struct {
	n     int
	names [maxCaptures]string
	vals  [maxCaptures]string
}

func (c *captures) get(name string) string {
	for i := 0; i < c.n; i++ {
		if c.names[i] == name {
			return c.vals[i]
		}
	}
	return ""
}

// add appends the non-empty captures to ev through fs.
func (c *captures) add(ev *event.Event, fs *fieldSet) {
	for i := 0; i < c.n; i++ {
		fs.add(ev, c.names[i], c.vals[i])
	}
}

// match reports whether s matches the template, filling c.
func (t *msgTemplate) match(s string, c *captures) bool {
	c.n = 0
	i := 0
	for k, p := range t.parts {
		if p.lit != "" {
			if !strings.HasPrefix(s[i:], p.lit) {
				return false
			}
			i += len(p.lit)
			continue
		}
		var v string
		switch p.kind {
		case capLazy:
			if k+1 < len(t.parts) {
				next := t.parts[k+1].lit
				j := strings.Index(s[i:], next)
				if j < 0 {
					return false
				}
				v = s[i : i+j]
			} else if t.rest {
				j := strings.IndexByte(s[i:], ' ')
				if j < 0 {
					j = len(s) - i
				}
				v = s[i : i+j]
			} else {
				v = strings.TrimRight(s[i:], " ")
			}
			i += len(v)
		default:
			j := i
			for j < len(s) && s[j] != ' ' && acceptsByte(p.kind, s[j]) {
				j++
			}
			v = s[i:j]
			if p.kind == capIP {
				// "192.0.2.1: ..." or "...192.0.2.1.": the literal
				// after the capture takes the trailing punctuation.
				if k+1 < len(t.parts) && t.parts[k+1].lit != "" {
					if b := t.parts[k+1].lit[0]; len(v) > 0 && v[len(v)-1] == b {
						v = v[:len(v)-1]
					}
				}
				ip, ok := cleanIP(v)
				if !ok {
					return false
				}
				i += len(v)
				v = ip
			} else {
				if v == "" || (p.kind == capPort && !isPort(v)) {
					return false
				}
				i += len(v)
			}
		}
		c.names[c.n], c.vals[c.n] = p.name, v
		c.n++
	}
	if t.rest {
		return true
	}
	return strings.TrimRight(s[i:], " ") == ""
}

func acceptsByte(k capKind, b byte) bool {
	switch k {
	case capWord:
		return true
	case capIP:
		return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b == '.' || b == ':' || b == '%'
	default:
		return b >= '0' && b <= '9'
	}
}

func isPort(v string) bool {
	n, ok := smallDecimal(v)
	return ok && n > 0 && n <= 65535
}

// smallDecimal reads a decimal number of at most 9 digits.
func smallDecimal(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// cleanIP checks that v is an IP address and unmaps an IPv4-mapped IPv6
// one ("::ffff:192.0.2.1" → "192.0.2.1"). Other addresses are returned as
// they are, without allocating.
func cleanIP(v string) (string, bool) {
	if len(v) < 2 || len(v) > 64 {
		return "", false
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return "", false
	}
	if a.Is4In6() {
		return a.Unmap().String(), true
	}
	return v, true
}
