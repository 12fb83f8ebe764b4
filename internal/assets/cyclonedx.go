package assets

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// cdxBOM is the part of a CycloneDX 1.4–1.6 JSON BOM that is read.
type cdxBOM struct {
	SpecVersion string `json:"specVersion"`
	Metadata    struct {
		Timestamp string        `json:"timestamp"`
		Component *cdxComponent `json:"component"`
	} `json:"metadata"`
	Components []cdxComponent `json:"components"`
}

type cdxComponent struct {
	Type       string         `json:"type"`
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	Group      string         `json:"group"`
	PURL       string         `json:"purl"`
	CPE        string         `json:"cpe"`
	Properties []cdxProperty  `json:"properties"`
	Components []cdxComponent `json:"components"`
}

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// cdxSkipped are component types that are not installed software.
var cdxSkipped = map[string]bool{"file": true, "data": true, "machine-learning-model": true, "cryptographic-asset": true}

// parseCycloneDX reads a CycloneDX JSON BOM whose version was checked.
func parseCycloneDX(data []byte) (SBOM, error) {
	var bom cdxBOM
	if err := json.Unmarshal(data, &bom); err != nil {
		return SBOM{}, fmt.Errorf("parse cyclonedx: %w", jsonError(err))
	}
	s := SBOM{Format: FormatCycloneDX, SpecVersion: bom.SpecVersion}
	warn := func(format string, args ...any) { s.Warnings = append(s.Warnings, fmt.Sprintf(format, args...)) }
	if ts := bom.Metadata.Timestamp; ts != "" {
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			warn("metadata.timestamp %q is not RFC 3339", ts)
		}
		s.Created = t
	}
	var set softwareSet
	distros := map[string]int{}
	var walk func(path string, cs []cdxComponent)
	walk = func(path string, cs []cdxComponent) {
		for i := range cs {
			c := &cs[i]
			where := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case c.Name == "":
				warn("%s: component without a name, skipped", where)
			case c.Type == "operating-system":
				if s.OS == "" {
					s.OS, s.OSVersion = strings.ToLower(c.Name), c.Version
				}
			case cdxSkipped[c.Type]:
			default:
				p := pkgRecord{
					where:   fmt.Sprintf("%s (%s)", where, c.Name),
					name:    c.Name,
					version: c.Version,
					group:   c.Group,
					purl:    c.PURL,
					props:   map[string]string{},
				}
				if c.CPE != "" {
					p.cpes = append(p.cpes, c.CPE)
				}
				for _, prop := range c.Properties {
					// syft lists further CPE guesses as properties.
					if prop.Name == "syft:cpe23" {
						p.cpes = append(p.cpes, prop.Value)
					} else if _, seen := p.props[prop.Name]; !seen {
						p.props[prop.Name] = prop.Value
					}
				}
				sw, distro := p.software(warn)
				if distro != "" {
					distros[distro]++
				}
				set.add(sw)
			}
			walk(where+".components", c.Components)
		}
	}
	if mc := bom.Metadata.Component; mc != nil {
		s.Subject = Subject{Name: mc.Name, Version: mc.Version, Type: mc.Type}
		if mc.Type == "operating-system" {
			s.OS, s.OSVersion = strings.ToLower(mc.Name), mc.Version
		}
		walk("metadata.component.components", mc.Components)
	}
	walk("components", bom.Components)
	s.Software = set.list
	if s.Software == nil {
		s.Software = []Software{}
	}
	finishSBOM(&s, distros)
	return s, nil
}
