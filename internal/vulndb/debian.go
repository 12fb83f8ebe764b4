package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The Debian security tracker's JSON dump
// (https://security-tracker.debian.org/tracker/data/json):
//
//	{"<source package>": {"CVE-YYYY-N": {"description": …, "scope": …,
//	  "releases": {"bookworm": {"status": "resolved", "fixed_version": "…",
//	  "urgency": "…", "repositories": {…}}}}}}
//
// status is resolved, open or undetermined. A resolved entry whose
// fixed_version is "0" means the release was never affected. Issues that
// have no CVE id yet (TEMP-…) are not imported.

type debIssue struct {
	Releases map[string]debRelease `json:"releases"`
}

type debRelease struct {
	Status       string `json:"status"`
	FixedVersion string `json:"fixed_version"`
	Urgency      string `json:"urgency"`
}

// parseDebian reads the dump. The fast path decodes it whole; if an issue
// has a field of the wrong type, packages are read again issue by issue so
// that only the bad issues are left out. Output is sorted by package, CVE
// and release, since JSON objects have no order.
func parseDebian(data []byte, b *Bundle) error {
	data = trimBOM(data)
	var all map[string]map[string]debIssue
	err := json.Unmarshal(data, &all)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return parseDebianSlow(data, b)
	}
	if err != nil {
		return errJSON(data, err)
	}
	for _, pkg := range sortedKeys(all) {
		issues := all[pkg]
		for _, id := range sortedKeys(issues) {
			iss := issues[id]
			debIssueFixes(pkg, id, &iss, b)
		}
	}
	return nil
}

func parseDebianSlow(data []byte, b *Bundle) error {
	var all map[string]map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return fmt.Errorf("not a map of packages to issues: %w", err)
	}
	for _, pkg := range sortedKeys(all) {
		issues := all[pkg]
		for _, id := range sortedKeys(issues) {
			var iss debIssue
			if err := json.Unmarshal(issues[id], &iss); err != nil {
				b.skip("%s %s: %v", pkg, id, err)
				continue
			}
			debIssueFixes(pkg, id, &iss, b)
		}
	}
	return nil
}

// debIssueFixes appends one DistroFix per release of an issue.
func debIssueFixes(pkg, id string, iss *debIssue, b *Bundle) {
	if strings.HasPrefix(id, "TEMP-") {
		return
	}
	cve, err := NormalizeCVE(id)
	if err != nil {
		b.skip("%s %s: %v", pkg, id, err)
		return
	}
	for _, rel := range sortedKeys(iss.Releases) {
		r := iss.Releases[rel]
		f := DistroFix{
			Distro:  "debian:" + rel,
			Package: pkg,
			CVE:     cve,
			Urgency: strings.ToLower(r.Urgency),
		}
		switch r.Status {
		case "resolved":
			switch r.FixedVersion {
			case "":
				b.skip("%s %s %s: resolved without fixed_version", pkg, id, rel)
				continue
			case "0":
				f.Status = FixStatusNotAffected
			default:
				f.Status = FixStatusFixed
				f.FixedVersion = r.FixedVersion
			}
		case "open":
			f.Status = FixStatusOpen
		case "undetermined":
			f.Status = FixStatusUndetermined
		default:
			b.skip("%s %s %s: unknown status %q", pkg, id, rel, r.Status)
			continue
		}
		b.Fixes = append(b.Fixes, f)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
