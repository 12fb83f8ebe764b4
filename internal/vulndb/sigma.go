package vulndb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Sigma rules (https://sigmahq.io/docs/basics/rules.html), one or several
// YAML documents per file. Only what triage needs is read:
//
//	id: 7c3a2b1e-…          # the signature id
//	title: …                # its name
//	status: stable          # deprecated and unsupported rules are disabled
//	tags: [cve.2021-44228]  # also the older cve.2021.44228
//	relevance:              # Sekimori's own block, all keys optional
//	  cves: [CVE-2021-44228]
//	  products: [cpe:2.3:a:apache:log4j]
//	  target: server        # server or client
//
// The relevance block is read strictly (unknown keys and bad targets are
// errors, so a typo does not silently lose knowledge); the rest of a rule
// is not looked at. Documents that are not rules (empty ones, the
// action: global/reset/repeat documents of old rule collections) are
// ignored; a rule without id is skipped.

type sigmaDoc struct {
	ID, Title, Status, Action string
	Tags                      []string
	Relevance                 *yamlMap
}

// parseSigma reads a Sigma file. The YAML is parsed into go-yaml's syntax
// tree and read from there (yamlValue), not through go-yaml's decoder,
// which panics on some hostile input.
func parseSigma(data []byte, b *Bundle) error {
	file, err := parser.ParseBytes(trimBOM(data), 0)
	if err != nil {
		return fmt.Errorf("YAML: %s", yamlErr(err))
	}
	for n, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		where := fmt.Sprintf("document %d", n+1)
		if tok := doc.Body.GetToken(); tok != nil && tok.Position != nil {
			where = fmt.Sprintf("document %d (line %d)", n+1, tok.Position.Line)
		}
		v, err := yamlValue(doc.Body, map[string]any{}, 0)
		if err != nil {
			b.skip("%s: %v", where, err)
			continue
		}
		if v == nil {
			continue
		}
		m, ok := v.(*yamlMap)
		if !ok {
			b.skip("%s: not a mapping", where)
			continue
		}
		d, err := sigmaFields(m)
		if err != nil {
			b.skip("%s: %v", where, err)
			continue
		}
		if d.Action != "" && d.ID == "" {
			continue
		}
		if d.ID == "" {
			b.skip("%s: no id", where)
			continue
		}
		sig, err := sigmaSignature(&d)
		if err != nil {
			b.skip("%s: id %s: %v", where, d.ID, err)
			continue
		}
		b.Signatures = append(b.Signatures, sig)
	}
	return nil
}

// sigmaFields picks the fields triage needs from a rule.
func sigmaFields(m *yamlMap) (sigmaDoc, error) {
	var d sigmaDoc
	for i, k := range m.keys {
		v := m.vals[i]
		var err error
		switch k {
		case "id":
			d.ID, err = yamlString(v)
		case "title":
			d.Title, err = yamlString(v)
		case "status":
			d.Status, err = yamlString(v)
		case "action":
			d.Action, err = yamlString(v)
		case "tags":
			d.Tags, err = stringList(v)
		case "relevance":
			if v == nil {
				continue
			}
			var ok bool
			if d.Relevance, ok = v.(*yamlMap); !ok {
				err = errors.New("not a mapping")
			}
		}
		if err != nil {
			return sigmaDoc{}, fmt.Errorf("%s: %w", k, err)
		}
	}
	return d, nil
}

func sigmaSignature(d *sigmaDoc) (Signature, error) {
	sig := Signature{Vendor: "sigma", ID: d.ID, Name: d.Title, Enabled: true}
	switch strings.ToLower(d.Status) {
	case "deprecated", "unsupported":
		sig.Enabled = false
	}
	var cves []string
	for _, t := range d.Tags {
		if len(t) > 4 && strings.EqualFold(t[:4], "cve.") {
			id, err := NormalizeCVE(t)
			if err != nil {
				return Signature{}, fmt.Errorf("tag %q: %w", t, err)
			}
			cves = append(cves, id)
		}
	}
	var rel yamlMap
	if d.Relevance != nil {
		rel = *d.Relevance
	}
	for i, k := range rel.keys {
		v := rel.vals[i]
		switch k {
		case "cves":
			list, err := stringList(v)
			if err != nil {
				return Signature{}, fmt.Errorf("relevance.cves: %w", err)
			}
			for _, s := range list {
				id, err := NormalizeCVE(s)
				if err != nil {
					return Signature{}, fmt.Errorf("relevance.cves: %w", err)
				}
				cves = append(cves, id)
			}
		case "products":
			list, err := stringList(v)
			if err != nil {
				return Signature{}, fmt.Errorf("relevance.products: %w", err)
			}
			sig.Products = uniqueInOrder(list)
		case "target":
			s, err := yamlString(v)
			if err != nil {
				return Signature{}, fmt.Errorf("relevance.target: %w", err)
			}
			t, err := parseTarget(s)
			if err != nil {
				return Signature{}, fmt.Errorf("relevance.target: %w", err)
			}
			sig.Target, sig.TargetRaw = t, s
		default:
			return Signature{}, fmt.Errorf("relevance: unknown key %q (want cves, products, target)", k)
		}
	}
	sig.CVEs = sortedUnique(cves)
	return sig, nil
}

// parseTarget reads a target written by a person: server, client or empty.
func parseTarget(s string) (string, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case TargetServer, TargetClient, "":
		return t, nil
	}
	return "", fmt.Errorf("target %q: want server, client or empty", s)
}

// stringList accepts a scalar or a list of scalars.
func stringList(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{strings.TrimSpace(v)}, nil
	case []any:
		out := make([]string, 0, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("item %d: %s, want a string", i+1, yamlKind(e))
			}
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s, want a string or a list of strings", yamlKind(v))
}

// yamlString accepts a scalar; null is "".
func yamlString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(v), nil
	}
	return "", fmt.Errorf("%s, want a string", yamlKind(v))
}

func yamlKind(v any) string {
	switch v.(type) {
	case *yamlMap:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	return "a string"
}

// yamlMap is a YAML mapping with its keys in document order.
type yamlMap struct {
	keys []string
	vals []any
}

// maxYAMLDepth bounds nesting, so that hostile input cannot exhaust the
// stack.
const maxYAMLDepth = 64

// yamlValue converts a YAML syntax tree into plain values: scalars become
// their text as written (null becomes nil), sequences []any, mappings
// *yamlMap. anchors holds the values of the anchors seen so far.
func yamlValue(n ast.Node, anchors map[string]any, depth int) (any, error) {
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("%s: nested deeper than %d levels", yamlPos(n), maxYAMLDepth)
	}
	switch v := n.(type) {
	case nil, *ast.NullNode, *ast.CommentGroupNode:
		return nil, nil
	case *ast.StringNode:
		return v.Value, nil
	case *ast.LiteralNode:
		return v.Value.Value, nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, nil
	case *ast.TagNode:
		return yamlValue(v.Value, anchors, depth+1)
	case *ast.AnchorNode:
		val, err := yamlValue(v.Value, anchors, depth+1)
		if err == nil && v.Name != nil {
			anchors[v.Name.String()] = val
		}
		return val, err
	case *ast.AliasNode:
		if v.Value == nil {
			return nil, fmt.Errorf("%s: alias without name", yamlPos(n))
		}
		val, ok := anchors[v.Value.String()]
		if !ok {
			return nil, fmt.Errorf("%s: unknown alias %s", yamlPos(n), v.Value)
		}
		return val, nil
	case *ast.SequenceNode:
		out := make([]any, 0, len(v.Values))
		for _, item := range v.Values {
			val, err := yamlValue(item, anchors, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, val)
		}
		return out, nil
	case *ast.MappingNode:
		return yamlMapping(v.Values, anchors, depth)
	case *ast.MappingValueNode:
		return yamlMapping([]*ast.MappingValueNode{v}, anchors, depth)
	}
	return nil, fmt.Errorf("%s: unsupported YAML %s", yamlPos(n), n.Type())
}

// yamlMapping converts a mapping; the parser has already refused
// duplicate keys.
func yamlMapping(values []*ast.MappingValueNode, anchors map[string]any, depth int) (*yamlMap, error) {
	out := &yamlMap{}
	for _, mv := range values {
		var key ast.Node = mv.Key
		if mk, ok := mv.Key.(*ast.MappingKeyNode); ok {
			key = mk.Value
		}
		k, err := yamlValue(key, anchors, depth+1)
		if err != nil {
			return nil, err
		}
		ks, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("%s: key is %s, want a string", yamlPos(mv), yamlKind(k))
		}
		val, err := yamlValue(mv.Value, anchors, depth+1)
		if err != nil {
			return nil, err
		}
		out.keys = append(out.keys, ks)
		out.vals = append(out.vals, val)
	}
	return out, nil
}

func yamlPos(n ast.Node) string {
	if n != nil {
		if tok := n.GetToken(); tok != nil && tok.Position != nil {
			return fmt.Sprintf("line %d column %d", tok.Position.Line, tok.Position.Column)
		}
	}
	return "?"
}

// yamlErr renders a go-yaml error on one line, with its position.
func yamlErr(err error) string {
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tok := ye.GetToken(); tok != nil && tok.Position != nil {
			return fmt.Sprintf("line %d column %d: %s", tok.Position.Line, tok.Position.Column, ye.GetMessage())
		}
		return ye.GetMessage()
	}
	return err.Error()
}
