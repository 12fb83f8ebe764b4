package vulndb

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Red Hat CSAF 2.0 VEX documents, one per CVE
// (https://security.access.redhat.com/data/csaf/v2/vex/). A product id in
// product_status names a component of a platform through a relationship:
//
//	AppStream-9.2.0.Z.MAIN.EUS:httpd-0:2.4.53-11.el9_2.5.src
//	  = httpd-0:2.4.53-11.el9_2.5.src (product_reference)
//	    default_component_of AppStream-9.2.0.Z.MAIN.EUS (cpe:/a:redhat:rhel_eus:9.2::appstream)
//
// The platform's CPE gives the distro: enterprise_linux:9 → rhel:9,
// rhel_eus:9.2 → rhel:9.2:eus (likewise aus, e4s, tus); platforms of other
// products (OpenShift, middleware) are not imported. The component's purl,
// or else its NEVRA, gives package and version. For fixed packages, source
// RPMs are kept when the platform lists any; versions are written
// version-release, with "epoch:" in front when the epoch is not 0.
//
// Statuses: fixed and first_fixed → fixed; known_affected → open;
// known_not_affected → not-affected; under_investigation → undetermined.
// The urgency is the impact threat ("Important" → "important").

type csafDoc struct {
	Document struct {
		CSAFVersion string `json:"csaf_version"`
		Tracking    struct {
			ID                 string `json:"id"`
			CurrentReleaseDate string `json:"current_release_date"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree struct {
		Branches      []csafBranch `json:"branches"`
		Relationships []struct {
			FullProductName  csafProduct `json:"full_product_name"`
			ProductReference string      `json:"product_reference"`
			RelatesTo        string      `json:"relates_to_product_reference"`
		} `json:"relationships"`
	} `json:"product_tree"`
	Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
}

type csafBranch struct {
	Product  *csafProduct `json:"product"`
	Branches []csafBranch `json:"branches"`
}

type csafProduct struct {
	ProductID string `json:"product_id"`
	Helper    struct {
		CPE  string `json:"cpe"`
		PURL string `json:"purl"`
	} `json:"product_identification_helper"`
}

type csafVuln struct {
	CVE           string              `json:"cve"`
	ProductStatus map[string][]string `json:"product_status"`
	Threats       []struct {
		Category string `json:"category"`
		Details  string `json:"details"`
	} `json:"threats"`
}

var csafStatus = map[string]string{
	"fixed":               FixStatusFixed,
	"first_fixed":         FixStatusFixed,
	"known_affected":      FixStatusOpen,
	"known_not_affected":  FixStatusNotAffected,
	"under_investigation": FixStatusUndetermined,
}

// parseCSAF reads one VEX document.
func parseCSAF(data []byte, b *Bundle) error {
	var doc csafDoc
	if err := json.Unmarshal(trimBOM(data), &doc); err != nil {
		return errJSON(data, err)
	}
	if doc.Document.CSAFVersion == "" {
		return errors.New("no document.csaf_version")
	}
	t, err := parseTime(doc.Document.Tracking.CurrentReleaseDate)
	if err != nil {
		return fmt.Errorf("document.tracking.current_release_date: %w", err)
	}
	b.Provenance.Date = t

	products := map[string]*csafProduct{}
	var walk func([]csafBranch)
	walk = func(bs []csafBranch) {
		for i := range bs {
			if p := bs[i].Product; p != nil {
				products[p.ProductID] = p
			}
			walk(bs[i].Branches)
		}
	}
	walk(doc.ProductTree.Branches)
	type rel struct{ component, platform string }
	rels := map[string]rel{}
	for _, r := range doc.ProductTree.Relationships {
		rels[r.FullProductName.ProductID] = rel{r.ProductReference, r.RelatesTo}
	}

	for i, raw := range doc.Vulnerabilities {
		var v csafVuln
		if err := json.Unmarshal(raw, &v); err != nil {
			b.skip("vulnerabilities[%d]: %v", i, err)
			continue
		}
		id, err := NormalizeCVE(v.CVE)
		if err != nil {
			b.skip("vulnerabilities[%d]: %v", i, err)
			continue
		}
		urgency := ""
		for _, th := range v.Threats {
			if th.Category == "impact" {
				urgency = strings.ToLower(th.Details)
				break
			}
		}
		var fixes []csafFix
		for _, st := range sortedKeys(v.ProductStatus) {
			status, ok := csafStatus[st]
			if !ok {
				continue // first_affected, last_affected, recommended
			}
			for _, pid := range v.ProductStatus[st] {
				r, ok := rels[pid]
				if !ok {
					continue
				}
				plat := products[r.platform]
				if plat == nil {
					continue
				}
				distro := rhelDistro(plat.Helper.CPE)
				if distro == "" {
					continue
				}
				purl := ""
				if p := products[r.component]; p != nil {
					purl = p.Helper.PURL
				}
				name, version, arch := rpmComponent(r.component, purl)
				if name == "" {
					b.skip("%s: product %s: cannot read package", id, pid)
					continue
				}
				f := DistroFix{Distro: distro, Package: name, CVE: id, Status: status, Urgency: urgency}
				if status == FixStatusFixed {
					f.FixedVersion = version
				}
				fixes = append(fixes, csafFix{f, arch})
			}
		}
		b.Fixes = append(b.Fixes, csafKeep(fixes)...)
	}
	return nil
}

type csafFix struct {
	DistroFix
	arch string
}

// csafKeep drops binary packages of a distro whose source packages are
// listed as fixed, and duplicates (one entry per architecture), and sorts.
func csafKeep(fixes []csafFix) []DistroFix {
	hasSrc := map[string]bool{}
	for _, f := range fixes {
		if f.Status == FixStatusFixed && f.arch == "src" {
			hasSrc[f.Distro] = true
		}
	}
	var out []DistroFix
	for _, f := range fixes {
		if f.Status == FixStatusFixed && hasSrc[f.Distro] && f.arch != "src" {
			continue
		}
		if !slices.Contains(out, f.DistroFix) {
			out = append(out, f.DistroFix)
		}
	}
	slices.SortFunc(out, func(a, b DistroFix) int {
		return cmp.Or(cmp.Compare(a.Distro, b.Distro), cmp.Compare(a.Package, b.Package),
			cmp.Compare(a.Status, b.Status), cmp.Compare(a.FixedVersion, b.FixedVersion))
	})
	return out
}

// rhelDistro maps a Red Hat platform CPE (CPE 2.2 URI) to a distro name,
// or "" for a platform that is not RHEL.
func rhelDistro(cpe string) string {
	f := strings.Split(strings.TrimPrefix(cpe, "cpe:/"), ":")
	if len(f) < 4 || f[1] != "redhat" || f[3] == "" {
		return ""
	}
	switch f[2] {
	case "enterprise_linux":
		return "rhel:" + f[3]
	case "rhel_eus", "rhel_aus", "rhel_e4s", "rhel_tus":
		return "rhel:" + f[3] + ":" + strings.TrimPrefix(f[2], "rhel_")
	}
	return ""
}

// rpmComponent reads package name, version and architecture from a
// component's purl (pkg:rpm/redhat/httpd@2.4.53-11.el9_2.5?arch=src&epoch=1)
// or else from its product id, which ends in a NEVRA
// (…:httpd-0:2.4.53-11.el9_2.5.src) or is a bare package name (httpd).
func rpmComponent(ref, purl string) (name, version, arch string) {
	if rest, ok := strings.CutPrefix(purl, "pkg:rpm/"); ok {
		path, query, _ := strings.Cut(rest, "?")
		path, ver, _ := strings.Cut(path, "@")
		name = path[strings.LastIndexByte(path, '/')+1:]
		name, _ = url.PathUnescape(name)
		ver, _ = url.PathUnescape(ver)
		q, _ := url.ParseQuery(query)
		if e := q.Get("epoch"); e != "" && e != "0" && ver != "" {
			ver = e + ":" + ver
		}
		return name, ver, q.Get("arch")
	}
	// A module component's id has colons of its own; the NEVRA is the last
	// "name-epoch:version-release.arch" or, without epoch, the last field.
	fields := strings.Split(ref, ":")
	nevra := fields[len(fields)-1]
	if len(fields) >= 2 {
		prev := fields[len(fields)-2]
		if dash := strings.LastIndexByte(prev, '-'); dash > 0 && digits(prev[dash+1:]) {
			nevra = prev + ":" + nevra
		}
	}
	dash := strings.LastIndexByte(nevra, '-')
	if dash < 0 {
		return nevra, "", ""
	}
	nv, ra := nevra[:dash], nevra[dash+1:]
	dash = strings.LastIndexByte(nv, '-')
	if dash <= 0 {
		return nevra, "", ""
	}
	name, ver := nv[:dash], strings.TrimPrefix(nv[dash+1:], "0:")
	if ver == "" || ver[0] < '0' || ver[0] > '9' {
		return nevra, "", "" // a name with dashes, no version
	}
	if dot := strings.LastIndexByte(ra, '.'); dot > 0 && rpmArches[ra[dot+1:]] {
		ra, arch = ra[:dot], ra[dot+1:]
	}
	return name, ver + "-" + ra, arch
}

var rpmArches = map[string]bool{
	"src": true, "noarch": true, "x86_64": true, "i686": true, "i386": true,
	"aarch64": true, "ppc64le": true, "ppc64": true, "s390x": true, "s390": true,
}
