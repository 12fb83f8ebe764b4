package assets

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// spdxDoc is the part of an SPDX 2.3 JSON document that is read.
type spdxDoc struct {
	SPDXID       string `json:"SPDXID"`
	Name         string `json:"name"`
	CreationInfo struct {
		Created string `json:"created"`
	} `json:"creationInfo"`
	DocumentDescribes []string      `json:"documentDescribes"`
	Packages          []spdxPackage `json:"packages"`
	Relationships     []struct {
		Element string `json:"spdxElementId"`
		Type    string `json:"relationshipType"`
		Related string `json:"relatedSpdxElement"`
	} `json:"relationships"`
}

type spdxPackage struct {
	SPDXID       string `json:"SPDXID"`
	Name         string `json:"name"`
	VersionInfo  string `json:"versionInfo"`
	Purpose      string `json:"primaryPackagePurpose"`
	ExternalRefs []struct {
		Category string `json:"referenceCategory"`
		Type     string `json:"referenceType"`
		Locator  string `json:"referenceLocator"`
	} `json:"externalRefs"`
}

// parseSPDX reads an SPDX 2.3 JSON document.
func parseSPDX(data []byte) (SBOM, error) {
	var doc spdxDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return SBOM{}, fmt.Errorf("parse spdx: %w", jsonError(err))
	}
	s := SBOM{Format: FormatSPDX, SpecVersion: "2.3", Subject: Subject{Name: doc.Name}}
	warn := func(format string, args ...any) { s.Warnings = append(s.Warnings, fmt.Sprintf(format, args...)) }
	if c := doc.CreationInfo.Created; c != "" {
		t, err := time.Parse(time.RFC3339, c)
		if err != nil {
			warn("creationInfo.created %q is not RFC 3339", c)
		}
		s.Created = t
	}

	// The packages the document describes are its subject (a directory or
	// image syft scanned), not software on it, unless they have a purl.
	described := slices.Clone(doc.DocumentDescribes)
	docID := doc.SPDXID
	if docID == "" {
		docID = "SPDXRef-DOCUMENT"
	}
	for _, r := range doc.Relationships {
		switch {
		case r.Element == docID && r.Type == "DESCRIBES":
			described = append(described, r.Related)
		case r.Related == docID && r.Type == "DESCRIBED_BY":
			described = append(described, r.Element)
		}
	}

	var set softwareSet
	distros := map[string]int{}
	for i := range doc.Packages {
		pk := &doc.Packages[i]
		where := fmt.Sprintf("packages[%d]", i)
		version := pk.VersionInfo
		if version == "NOASSERTION" || version == "NONE" {
			version = ""
		}
		p := pkgRecord{where: fmt.Sprintf("%s (%s)", where, pk.Name), name: pk.Name, version: version}
		for _, ref := range pk.ExternalRefs {
			switch {
			case (ref.Category == "PACKAGE-MANAGER" || ref.Category == "PACKAGE_MANAGER") && ref.Type == "purl":
				if p.purl == "" {
					p.purl = ref.Locator
				}
			case ref.Category == "SECURITY" && (ref.Type == "cpe23Type" || ref.Type == "cpe22Type"):
				p.cpes = append(p.cpes, ref.Locator)
			}
		}
		switch {
		case pk.Name == "":
			warn("%s: package without a name, skipped", where)
		case pk.Purpose == "OPERATING-SYSTEM":
			if s.OS == "" {
				s.OS, s.OSVersion = strings.ToLower(pk.Name), version
			}
		case slices.Contains(described, pk.SPDXID) && p.purl == "":
			if s.Subject.Version == "" {
				s.Subject.Version = version
			}
		case pk.Purpose == "FILE":
		default:
			sw, distro := p.software(warn)
			if distro != "" {
				distros[distro]++
			}
			set.add(sw)
		}
	}
	s.Software = set.list
	if s.Software == nil {
		s.Software = []Software{}
	}
	finishSBOM(&s, distros)
	return s, nil
}
