package assets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/cpe"
)

// MaxSBOMSize is the largest SBOM ParseSBOM accepts, in bytes.
const MaxSBOMSize = 256 << 20

// SBOM formats, the values of SBOM.Format (and of Host.Source).
const (
	FormatCycloneDX = SourceCycloneDX
	FormatSPDX      = SourceSPDX
)

// SBOM is what an SBOM of one asset says about it.
type SBOM struct {
	Format      string    `json:"format"`       // FormatCycloneDX or FormatSPDX
	SpecVersion string    `json:"spec_version"` // "1.4".."1.6"; "2.3"
	Created     time.Time `json:"created,omitzero"`
	// Subject is what the SBOM describes: CycloneDX metadata.component,
	// or the SPDX document name (and the version of the package the
	// document describes, when there is one).
	Subject Subject `json:"subject,omitzero"`
	// Software is every package, with nested components flattened and
	// duplicates (same product, version and distro, as for multi-arch
	// packages) merged, in document order.
	Software []Software `json:"software"`
	// OS and OSVersion come from a CycloneDX "operating-system"
	// component or an SPDX OPERATING-SYSTEM package, else from the distro
	// qualifier most packages' purls carry ("debian", "12").
	OS        string `json:"os,omitempty"`
	OSVersion string `json:"os_version,omitempty"`
	// Warnings are oddities that did not stop the import, each naming
	// the component ("components[3] (openssl): invalid purl ...").
	Warnings []string `json:"warnings,omitempty"`
}

// Subject names what an SBOM describes.
type Subject struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	Type    string `json:"type,omitempty"` // CycloneDX component type: "container", "device", ...
}

// Host returns the SBOM as an inventory record of asset assetID:
// OS, software and collection time. InventoryComplete is false: only the
// caller knows whether the SBOM covers the whole host (a filesystem scan)
// or one application on it.
func (s *SBOM) Host(assetID string) Host {
	return Host{
		AssetID:              assetID,
		OS:                   s.OS,
		OSVersion:            s.OSVersion,
		InventoryCollectedAt: s.Created,
		Source:               s.Format,
		Software:             s.Software,
	}
}

// ParseSBOM reads a CycloneDX (1.4, 1.5 or 1.6) or SPDX 2.3 SBOM in JSON,
// telling them apart by their bomFormat / spdxVersion fields. Other
// versions, other encodings (XML, SPDX tag-value) and documents larger than
// MaxSBOMSize are errors that say so.
//
// For each package it fills a Software: PURL and CPE as written; Ecosystem
// from the purl type; Distro from the purl distro qualifier (or, for distro
// packages without one, from the SBOM's OS) via NormalizeDistro; Product
// and Vendor from the CPE, else from the purl or package name (see
// Software); SourcePackage from the purl upstream qualifier or the
// syft:metadata:source, syft:metadata:sourceRpm or aquasecurity:trivy:SrcName
// CycloneDX properties, else the package name.
func ParseSBOM(data []byte) (SBOM, error) {
	if len(data) > MaxSBOMSize {
		return SBOM{}, fmt.Errorf("parse sbom: %d bytes, more than the limit of %d", len(data), MaxSBOMSize)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return SBOM{}, errors.New("parse sbom: empty input")
	case trimmed[0] == '<':
		return SBOM{}, errors.New("parse sbom: XML SBOMs are not supported; export CycloneDX or SPDX as JSON")
	case bytes.HasPrefix(trimmed, []byte("SPDXVersion:")):
		return SBOM{}, errors.New("parse sbom: SPDX tag-value is not supported; export SPDX 2.3 as JSON")
	}
	var probe struct {
		BOMFormat   string          `json:"bomFormat"`
		SpecVersion string          `json:"specVersion"`
		SPDXVersion string          `json:"spdxVersion"`
		Context     json.RawMessage `json:"@context"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return SBOM{}, fmt.Errorf("parse sbom: not a JSON object: %w", jsonError(err))
	}
	switch {
	case probe.BOMFormat == "CycloneDX":
		switch probe.SpecVersion {
		case "1.4", "1.5", "1.6":
			return parseCycloneDX(data)
		}
		return SBOM{}, fmt.Errorf("parse sbom: CycloneDX specVersion %q is not supported, want 1.4, 1.5 or 1.6", probe.SpecVersion)
	case probe.BOMFormat != "":
		return SBOM{}, fmt.Errorf("parse sbom: bomFormat %q, want \"CycloneDX\"", probe.BOMFormat)
	case probe.SPDXVersion == "SPDX-2.3":
		return parseSPDX(data)
	case probe.SPDXVersion != "":
		return SBOM{}, fmt.Errorf("parse sbom: spdxVersion %q is not supported, want \"SPDX-2.3\"", probe.SPDXVersion)
	case bytes.Contains(probe.Context, []byte("spdx")):
		return SBOM{}, errors.New("parse sbom: SPDX 3 JSON-LD is not supported, want SPDX 2.3 JSON")
	}
	return SBOM{}, errors.New(`parse sbom: neither CycloneDX ("bomFormat") nor SPDX ("spdxVersion")`)
}

// distroEcosystems are the purl types of distro packages.
var distroEcosystems = map[string]bool{"deb": true, "rpm": true, "apk": true, "alpm": true}

// sourceProperties are SBOM properties that name a package's source package.
var sourceProperties = []string{"syft:metadata:source", "syft:metadata:sourceRpm", "aquasecurity:trivy:SrcName"}

// pkgRecord is a package as either SBOM format gives it.
type pkgRecord struct {
	where   string // "components[3] (openssl)", for warnings
	name    string
	version string
	group   string // CycloneDX group
	purl    string
	cpes    []string
	props   map[string]string
}

// software turns a package record into a Software and the distro
// qualifier of its purl, as written (for guessing the OS).
func (p *pkgRecord) software(warn func(string, ...any)) (Software, string) {
	sw := Software{Name: p.name, Version: p.version, PURL: p.purl}
	var pu purl
	if p.purl != "" {
		var err error
		if pu, err = parsePURL(p.purl); err != nil {
			warn("%s: invalid purl %q: %v", p.where, p.purl, err)
			pu = purl{}
		}
	}
	sw.Ecosystem = pu.Type
	if sw.Name == "" {
		sw.Name = pu.Name
	}
	if sw.Version == "" {
		sw.Version = pu.Version
	}
	if ep := pu.Qualifiers["epoch"]; ep != "" && ep != "0" && sw.Version != "" && !strings.Contains(sw.Version, ":") {
		sw.Version = ep + ":" + sw.Version
	}
	distro := pu.Qualifiers["distro"]
	if distro != "" {
		sw.Distro = NormalizeDistro(distro)
		if sw.Distro == "" && pu.Namespace != "" {
			// Trivy writes the apk release alone: pkg:apk/alpine/...&distro=3.19.1.
			sw.Distro = NormalizeDistro(pu.Namespace + " " + distro)
		}
	}

	for _, c := range p.cpes {
		w, err := cpe.Parse(c)
		if err != nil {
			warn("%s: %v", p.where, err)
			continue
		}
		sw.CPE = c
		sw.Product = w.Product.Text()
		sw.Vendor = w.Vendor.Text()
		break
	}
	if sw.Product == "" || sw.Product == "*" {
		name := pu.Name
		if name == "" {
			name = p.name
		}
		sw.Product = strings.ToLower(name)
	}
	if sw.Vendor == "" && !distroEcosystems[pu.Type] {
		sw.Vendor = strings.ToLower(strings.TrimPrefix(pu.Namespace, "@"))
		if sw.Vendor == "" {
			sw.Vendor = strings.ToLower(p.group)
		}
	}

	sw.SourcePackage = sourcePackage(pu.Qualifiers["upstream"])
	for _, k := range sourceProperties {
		if sw.SourcePackage == "" {
			sw.SourcePackage = sourcePackage(p.props[k])
		}
	}
	if sw.SourcePackage == "" {
		sw.SourcePackage = sw.Name
		if pu.Name != "" {
			sw.SourcePackage = pu.Name
		}
	}
	return sw, distro
}

// sourcePackage extracts a source package name from the ways SBOM tools
// write it: "openssl", "glibc@2.36-9", "glibc (2.36-9)",
// "openssl-3.0.7-27.el9.src.rpm".
func sourcePackage(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "@ ("); i >= 0 {
		s = s[:i]
	}
	if base, ok := strings.CutSuffix(s, ".src.rpm"); ok {
		// name-version-release: drop the last two fields.
		for range 2 {
			if i := strings.LastIndexByte(base, '-'); i > 0 {
				base = base[:i]
			}
		}
		s = base
	}
	return s
}

// softwareSet collects software in order, merging duplicates.
type softwareSet struct {
	list  []Software
	index map[string]int
}

func (s *softwareSet) add(sw Software) {
	key := strings.Join([]string{sw.Ecosystem, sw.Distro, sw.Vendor, sw.Product, strings.ToLower(sw.Name), sw.Version}, "\x00")
	if s.index == nil {
		s.index = map[string]int{}
	}
	i, dup := s.index[key]
	if !dup {
		s.index[key] = len(s.list)
		s.list = append(s.list, sw)
		return
	}
	kept := &s.list[i]
	for _, f := range [][2]*string{{&kept.PURL, &sw.PURL}, {&kept.CPE, &sw.CPE}, {&kept.SourcePackage, &sw.SourcePackage}} {
		if *f[0] == "" {
			*f[0] = *f[1]
		}
	}
}

// finishSBOM fills what depends on the whole document: the OS guessed from
// the packages' distro qualifiers when no OS component named it, and the
// distro of distro packages that had no qualifier.
func finishSBOM(s *SBOM, distros map[string]int) {
	if s.OS == "" {
		best, n := "", 0
		for d, c := range distros {
			if c > n || c == n && d < best {
				best, n = d, c
			}
		}
		if i := strings.LastIndexByte(best, '-'); i > 0 && i+1 < len(best) && isDigit(best[i+1]) {
			s.OS, s.OSVersion = best[:i], best[i+1:]
		}
	}
	if s.OS == "" {
		return
	}
	osDistro := NormalizeDistro(s.OS + " " + s.OSVersion)
	for i := range s.Software {
		sw := &s.Software[i]
		if sw.Distro == "" && distroEcosystems[sw.Ecosystem] {
			sw.Distro = osDistro
		}
	}
}

// jsonError describes a JSON decoding error without Go type names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := map[reflect.Kind]string{
			reflect.String: "string", reflect.Slice: "array", reflect.Struct: "object",
			reflect.Map: "object", reflect.Pointer: "object",
		}[te.Type.Kind()]
		if want == "" {
			want = te.Type.Kind().String()
		}
		return fmt.Errorf("field %s: JSON %s, want %s", te.Field, te.Value, want)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
	}
	return err
}
