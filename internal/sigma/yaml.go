package sigma

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// This file turns YAML into a small tree of nodes that keep their line and
// column, so that every validation message can point at the offending text.
// The rest of the package never sees goccy/go-yaml types.

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindString
	kindInt
	kindFloat
	kindBool
	kindMap
	kindSeq
)

func (k nodeKind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindString:
		return "string"
	case kindInt:
		return "integer"
	case kindFloat:
		return "number"
	case kindBool:
		return "boolean"
	case kindMap:
		return "map"
	case kindSeq:
		return "list"
	}
	return "?"
}

// node is one YAML value. Scalars keep their text as written (after
// unquoting), so 0x10 stays "0x10" and 4688 stays "4688".
type node struct {
	kind nodeKind
	pos  Pos
	text string
	// map: keys and values in document order; keys are scalars.
	keys []*node
	vals []*node
	// seq: items.
	items []*node
}

func (n *node) scalar() bool { return n.kind != kindMap && n.kind != kindSeq }

// get returns the value under key in a map node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindMap {
		return nil
	}
	for i, k := range n.keys {
		if k.text == key {
			return n.vals[i]
		}
	}
	return nil
}

// keyNode returns the key node for key in a map node, or nil.
func (n *node) keyNode(key string) *node {
	if n == nil || n.kind != kindMap {
		return nil
	}
	for _, k := range n.keys {
		if k.text == key {
			return k
		}
	}
	return nil
}

// Pos is a position in a rule file; Line and Col start at 1.
type Pos struct {
	Line, Col int
}

// maxYAMLDepth bounds nesting so that a hostile file cannot exhaust the stack.
const maxYAMLDepth = 64

// parseYAML parses every document of src. A syntax error is returned as a
// single *Error with the position of the offending token.
func parseYAML(file string, src []byte) ([]*node, *Error) {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		e := &Error{File: file, Msg: "yaml: " + err.Error()}
		var ye yaml.Error
		if errors.As(err, &ye) {
			e.Msg = "yaml: " + ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				e.Line, e.Col = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, e
	}
	var docs []*node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		c := converter{file: file, anchors: map[string]*node{}}
		n, cerr := c.convert(d.Body, 0)
		if cerr != nil {
			return nil, cerr
		}
		if n == nil {
			continue
		}
		docs = append(docs, n)
	}
	return docs, nil
}

type converter struct {
	file    string
	anchors map[string]*node
}

func tokenPos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{Line: tk.Position.Line, Col: tk.Position.Column}
}

func (c *converter) errf(p Pos, format string, args ...any) *Error {
	return &Error{File: c.file, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}

func (c *converter) convert(n ast.Node, depth int) (*node, *Error) {
	if depth > maxYAMLDepth {
		return nil, c.errf(tokenPos(n.GetToken()), "yaml: nesting deeper than %d levels", maxYAMLDepth)
	}
	switch v := n.(type) {
	case *ast.CommentGroupNode:
		return nil, nil
	case *ast.NullNode:
		return &node{kind: kindNull, pos: tokenPos(v.GetToken())}, nil
	case *ast.StringNode:
		return &node{kind: kindString, pos: tokenPos(v.GetToken()), text: v.Value}, nil
	case *ast.LiteralNode:
		return &node{kind: kindString, pos: tokenPos(v.GetToken()), text: v.Value.Value}, nil
	case *ast.IntegerNode:
		return &node{kind: kindInt, pos: tokenPos(v.GetToken()), text: v.Token.Value}, nil
	case *ast.FloatNode:
		return &node{kind: kindFloat, pos: tokenPos(v.GetToken()), text: v.Token.Value}, nil
	case *ast.InfinityNode:
		return &node{kind: kindFloat, pos: tokenPos(v.GetToken()), text: v.Token.Value}, nil
	case *ast.NanNode:
		return &node{kind: kindFloat, pos: tokenPos(v.GetToken()), text: v.Token.Value}, nil
	case *ast.BoolNode:
		return &node{kind: kindBool, pos: tokenPos(v.GetToken()), text: v.Token.Value}, nil
	case *ast.TagNode:
		inner, err := c.convert(v.Value, depth+1)
		if err != nil || inner == nil {
			return inner, err
		}
		if tag := v.Start.Value; tag == "!!str" && inner.scalar() {
			inner.kind = kindString
		}
		return inner, nil
	case *ast.AnchorNode:
		inner, err := c.convert(v.Value, depth+1)
		if err != nil {
			return nil, err
		}
		c.anchors[v.Name.String()] = inner
		return inner, nil
	case *ast.AliasNode:
		name := v.Value.String()
		a, ok := c.anchors[name]
		if !ok {
			return nil, c.errf(tokenPos(v.GetToken()), "yaml: unknown alias *%s", name)
		}
		return a, nil
	case *ast.MappingNode:
		return c.mapping(tokenPos(v.GetToken()), v.Values, depth)
	case *ast.MappingValueNode:
		return c.mapping(tokenPos(v.Key.GetToken()), []*ast.MappingValueNode{v}, depth)
	case *ast.SequenceNode:
		out := &node{kind: kindSeq, pos: tokenPos(v.GetToken())}
		for _, item := range v.Values {
			in, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			if in == nil {
				in = &node{kind: kindNull, pos: tokenPos(item.GetToken())}
			}
			out.items = append(out.items, in)
		}
		return out, nil
	}
	return nil, c.errf(tokenPos(n.GetToken()), "yaml: unsupported construct %s", n.Type())
}

func (c *converter) mapping(p Pos, values []*ast.MappingValueNode, depth int) (*node, *Error) {
	out := &node{kind: kindMap, pos: p}
	seen := map[string]Pos{}
	for _, mv := range values {
		if mv.Key.IsMergeKey() {
			return nil, c.errf(tokenPos(mv.Key.GetToken()), "yaml: merge keys (<<) are not supported")
		}
		var keyAST ast.Node = mv.Key
		if mk, ok := mv.Key.(*ast.MappingKeyNode); ok {
			keyAST = mk.Value
		}
		k, err := c.convert(keyAST, depth+1)
		if err != nil {
			return nil, err
		}
		if k == nil || !k.scalar() {
			return nil, c.errf(tokenPos(mv.Key.GetToken()), "yaml: map keys must be scalars")
		}
		if first, dup := seen[k.text]; dup {
			return nil, c.errf(k.pos, "duplicate key %q (first at line %d)", k.text, first.Line)
		}
		seen[k.text] = k.pos
		var v *node
		if mv.Value != nil {
			v, err = c.convert(mv.Value, depth+1)
			if err != nil {
				return nil, err
			}
		}
		if v == nil {
			v = &node{kind: kindNull, pos: k.pos}
		}
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, v)
	}
	if len(out.keys) > 0 {
		out.pos = out.keys[0].pos // where a reader sees the map start
	}
	return out, nil
}

// describe names a node for messages: "string 'abc'", "map", ...
func describe(n *node) string {
	if n.scalar() && n.kind != kindNull {
		t := n.text
		if len(t) > 40 {
			t = t[:40] + "..."
		}
		return fmt.Sprintf("%s %s", n.kind, quoteShort(t))
	}
	return n.kind.String()
}

func quoteShort(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
