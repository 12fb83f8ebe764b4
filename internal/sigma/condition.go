package sigma

import (
	"fmt"
	"strings"
)

// The condition language (rules specification, "Condition"), from least to
// most binding: or, and, not, "1 of"/"all of", parentheses. Keywords are
// matched case-insensitively; identifiers are case-sensitive.

type condKind uint8

const (
	condAnd condKind = iota
	condOr
	condNot
	condIdent
	condOf
)

type condNode struct {
	kind    condKind
	kids    []*condNode
	name    string   // condIdent
	all     bool     // condOf: all of (else 1 of)
	pattern string   // condOf: identifier pattern or "them"
	names   []string // condOf: resolved identifiers
	off     int      // byte offset in the condition text
}

// conditionError is a condition problem at a byte offset of its text.
type conditionError struct {
	off int
	msg string
}

func (e *conditionError) Error() string { return fmt.Sprintf("at offset %d: %s", e.off, e.msg) }

type condToken struct {
	text string
	off  int
}

func lexCondition(s string) ([]condToken, *conditionError) {
	var toks []condToken
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, condToken{s[i : i+1], i})
			i++
		case c == '|':
			return nil, &conditionError{i, "aggregation expressions ('|' count() ... ) are obsolete in Sigma v2; use a correlation rule"}
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|", rune(s[j])) {
				j++
			}
			toks = append(toks, condToken{s[i:j], i})
			i = j
		}
	}
	return toks, nil
}

type condParser struct {
	toks []condToken
	i    int
	end  int
}

func (p *condParser) peek() (condToken, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return condToken{off: p.end}, false
}

func isWord(t condToken, w string) bool { return strings.EqualFold(t.text, w) }

func isReserved(t condToken) bool {
	for _, w := range []string{"and", "or", "not", "of", "them", "near"} {
		if isWord(t, w) {
			return true
		}
	}
	return t.text == "(" || t.text == ")"
}

// parseCondition parses the text of a condition.
func parseCondition(s string) (*condNode, *conditionError) {
	toks, err := lexCondition(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &conditionError{0, "empty condition"}
	}
	p := &condParser{toks: toks, end: len(s)}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		return nil, &conditionError{t.off, fmt.Sprintf("unexpected %q", t.text)}
	}
	return n, nil
}

// maxConditionDepth bounds recursion for hostile input.
const maxConditionDepth = 200

func (p *condParser) or(depth int) (*condNode, *conditionError) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || !isWord(t, "or") {
			return left, nil
		}
		p.i++
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		if left.kind == condOr {
			left.kids = append(left.kids, right)
		} else {
			left = &condNode{kind: condOr, kids: []*condNode{left, right}, off: left.off}
		}
	}
}

func (p *condParser) and(depth int) (*condNode, *conditionError) {
	left, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || !isWord(t, "and") {
			return left, nil
		}
		p.i++
		right, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		if left.kind == condAnd {
			left.kids = append(left.kids, right)
		} else {
			left = &condNode{kind: condAnd, kids: []*condNode{left, right}, off: left.off}
		}
	}
}

func (p *condParser) not(depth int) (*condNode, *conditionError) {
	if depth > maxConditionDepth {
		t, _ := p.peek()
		return nil, &conditionError{t.off, "condition nested too deeply"}
	}
	t, ok := p.peek()
	if ok && isWord(t, "not") {
		p.i++
		x, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return &condNode{kind: condNot, kids: []*condNode{x}, off: t.off}, nil
	}
	return p.primary(depth)
}

func (p *condParser) primary(depth int) (*condNode, *conditionError) {
	t, ok := p.peek()
	if !ok {
		return nil, &conditionError{t.off, "condition ends where an identifier, 'not', 'x of' or '(' was expected"}
	}
	switch {
	case t.text == "(":
		p.i++
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		c, ok := p.peek()
		if !ok || c.text != ")" {
			return nil, &conditionError{c.off, "missing ')' for the '(' at offset " + fmt.Sprint(t.off)}
		}
		p.i++
		return x, nil
	case t.text == ")":
		return nil, &conditionError{t.off, "unexpected ')'"}
	case isWord(t, "near"):
		return nil, &conditionError{t.off, "'near' is obsolete in Sigma v2; use a temporal correlation rule"}
	}
	// "1 of x", "any of x", "all of x"
	if p.i+1 < len(p.toks) && isWord(p.toks[p.i+1], "of") {
		q := t
		var all bool
		switch {
		case q.text == "1" || isWord(q, "any"):
		case isWord(q, "all"):
			all = true
		default:
			return nil, &conditionError{q.off, fmt.Sprintf("quantifier %q: want 1, any or all", q.text)}
		}
		p.i += 2
		target, ok := p.peek()
		if !ok || (isReserved(target) && !isWord(target, "them")) {
			return nil, &conditionError{target.off, "'of' must be followed by them or an identifier pattern"}
		}
		p.i++
		pat := target.text
		if isWord(target, "them") {
			pat = "them"
		}
		return &condNode{kind: condOf, all: all, pattern: pat, off: q.off}, nil
	}
	if isReserved(t) {
		return nil, &conditionError{t.off, fmt.Sprintf("unexpected %q", t.text)}
	}
	p.i++
	return &condNode{kind: condIdent, name: t.text, off: t.off}, nil
}

// resolve checks identifiers against the defined names and fills in the
// names of "x of" nodes. them excludes names starting with "_".
func (n *condNode) resolve(defined []string) *conditionError {
	switch n.kind {
	case condIdent:
		for _, d := range defined {
			if d == n.name {
				return nil
			}
		}
		if strings.ContainsAny(n.name, "*") {
			return &conditionError{n.off, fmt.Sprintf("wildcard identifier %q needs '1 of' or 'all of'", n.name)}
		}
		return &conditionError{n.off, fmt.Sprintf("undefined search identifier %q", n.name)}
	case condOf:
		n.names = nil
		for _, d := range defined {
			if n.pattern == "them" {
				if !strings.HasPrefix(d, "_") {
					n.names = append(n.names, d)
				}
				continue
			}
			if identMatch(n.pattern, d) {
				n.names = append(n.names, d)
			}
		}
		if len(n.names) == 0 {
			return &conditionError{n.off, fmt.Sprintf("%q matches no search identifier", n.pattern)}
		}
		return nil
	}
	for _, k := range n.kids {
		if err := k.resolve(defined); err != nil {
			return err
		}
	}
	return nil
}

// identMatch matches an identifier pattern where * stands for any run of
// characters (no other wildcard in identifier patterns).
func identMatch(pat, s string) bool {
	return globMatch(parseIdentPattern(pat), s)
}

func parseIdentPattern(pat string) sstring {
	var out sstring
	for {
		i := strings.IndexByte(pat, '*')
		if i < 0 {
			if pat != "" {
				out = append(out, stok{kind: tokLit, s: pat})
			}
			return out
		}
		if i > 0 {
			out = append(out, stok{kind: tokLit, s: pat[:i]})
		}
		out = append(out, stok{kind: tokStar})
		pat = pat[i+1:]
	}
}

// eval evaluates the condition given a truth function for identifiers.
func (n *condNode) eval(truth func(string) bool) bool {
	switch n.kind {
	case condAnd:
		for _, k := range n.kids {
			if !k.eval(truth) {
				return false
			}
		}
		return true
	case condOr:
		for _, k := range n.kids {
			if k.eval(truth) {
				return true
			}
		}
		return false
	case condNot:
		return !n.kids[0].eval(truth)
	case condIdent:
		return truth(n.name)
	case condOf:
		for _, x := range n.names {
			if truth(x) != n.all {
				return !n.all
			}
		}
		return n.all
	}
	return false
}

// String renders the condition in canonical form (used by tests).
func (n *condNode) String() string {
	switch n.kind {
	case condAnd, condOr:
		op := " and "
		if n.kind == condOr {
			op = " or "
		}
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = k.String()
		}
		return "(" + strings.Join(parts, op) + ")"
	case condNot:
		return "not " + n.kids[0].String()
	case condIdent:
		return n.name
	case condOf:
		q := "1"
		if n.all {
			q = "all"
		}
		return q + " of " + n.pattern
	}
	return "?"
}
