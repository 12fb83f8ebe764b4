package assets

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// purl is a package URL (github.com/package-url/purl-spec):
// pkg:type/namespace/name@version?qualifiers#subpath.
type purl struct {
	Type       string // lower case
	Namespace  string // segments joined by "/", decoded
	Name       string // decoded
	Version    string // decoded
	Qualifiers map[string]string
	Subpath    string
}

// parsePURL reads a package URL following the specification's parsing
// steps; it does not apply the per-type name normalisations.
func parsePURL(s string) (purl, error) {
	var p purl
	rest := s
	if i := strings.LastIndexByte(rest, '#'); i >= 0 {
		rest, p.Subpath = rest[:i], strings.Trim(rest[i+1:], "/")
	}
	if i := strings.LastIndexByte(rest, '?'); i >= 0 {
		q, err := parseQualifiers(rest[i+1:])
		if err != nil {
			return purl{}, err
		}
		rest, p.Qualifiers = rest[:i], q
	}
	scheme, rest, ok := strings.Cut(rest, ":")
	if !ok || !strings.EqualFold(scheme, "pkg") {
		return purl{}, errors.New(`no "pkg:" scheme`)
	}
	rest = strings.Trim(rest, "/")
	typ, rest, ok := strings.Cut(rest, "/")
	if !ok || typ == "" {
		return purl{}, errors.New("no type")
	}
	p.Type = strings.ToLower(typ)
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		v, err := url.PathUnescape(rest[i+1:])
		if err != nil {
			return purl{}, fmt.Errorf("version: %w", err)
		}
		rest, p.Version = rest[:i], v
	}
	var segs []string
	for seg := range strings.SplitSeq(rest, "/") {
		if seg == "" {
			continue
		}
		d, err := url.PathUnescape(seg)
		if err != nil {
			return purl{}, fmt.Errorf("name: %w", err)
		}
		segs = append(segs, d)
	}
	if len(segs) == 0 {
		return purl{}, errors.New("no name")
	}
	p.Name = segs[len(segs)-1]
	p.Namespace = strings.Join(segs[:len(segs)-1], "/")
	return p, nil
}

func parseQualifiers(s string) (map[string]string, error) {
	q := map[string]string{}
	for kv := range strings.SplitSeq(s, "&") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("qualifier %q is not key=value", kv)
		}
		d, err := url.PathUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("qualifier %s: %w", k, err)
		}
		if d != "" {
			q[strings.ToLower(k)] = d
		}
	}
	return q, nil
}
