package vulndb

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// NormalizeCVE returns the canonical form (CVE-YYYY-NNNN, at least four
// digits in the sequence number) of a CVE id written in any of the ways
// knowledge files write it: CVE-2021-41773, cve-2021-41773,
// CVE_2021_41773 (ET metadata), 2021-41773 (Suricata reference),
// cve.2021-41773 and cve.2021.41773 (Sigma tags).
func NormalizeCVE(s string) (string, error) {
	t := strings.TrimSpace(s)
	if len(t) >= 3 && strings.EqualFold(t[:3], "cve") {
		t = t[3:]
		if t != "" && (t[0] == '-' || t[0] == '_' || t[0] == '.') {
			t = t[1:]
		}
	}
	year, seq, ok := cveParts(t)
	if !ok || len(t) != len(year)+1+len(seq) {
		return "", fmt.Errorf("bad CVE id %q", s)
	}
	return "CVE-" + year + "-" + seq, nil
}

// cveParts reads "YYYY" sep "NNNN…" at the start of t, sep one of - _ .
func cveParts(t string) (year, seq string, ok bool) {
	if len(t) < 9 || !digits(t[:4]) || (t[4] != '-' && t[4] != '_' && t[4] != '.') {
		return "", "", false
	}
	n := 5
	for n < len(t) && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	if n-5 < 4 || n-5 > 19 {
		return "", "", false
	}
	return t[:4], t[5:n], true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// findCVEs returns the canonical ids of every "CVE" id in free text (a
// rule message, an ET metadata value), written with - _ or . separators.
func findCVEs(text string) []string {
	var out []string
	for i := 0; i+3 <= len(text); {
		j := indexFold(text[i:], "cve")
		if j < 0 {
			break
		}
		i += j + 3
		if i-3 > 0 && isAlnum(text[i-4]) {
			continue // part of a longer word
		}
		t := text[i:]
		if t != "" && (t[0] == '-' || t[0] == '_' || t[0] == '.' || t[0] == ' ') {
			t = t[1:]
		}
		year, seq, ok := cveParts(t)
		if !ok {
			continue
		}
		if end := len(year) + 1 + len(seq); end < len(t) && isAlnum(t[end]) {
			continue
		}
		out = append(out, "CVE-"+year+"-"+seq)
	}
	return out
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// sortedUnique sorts ss and removes duplicates and empty strings, in place.
func sortedUnique(ss []string) []string {
	ss = slices.DeleteFunc(ss, func(s string) bool { return s == "" })
	if len(ss) == 0 {
		return nil
	}
	slices.Sort(ss)
	return slices.Compact(ss)
}

// uniqueInOrder removes duplicates and empty strings, keeping the first
// occurrence's place.
func uniqueInOrder(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// timeLayouts are the timestamp forms the feeds use. Forms without a zone
// are UTC (NVD writes "2021-10-05T09:15:07.310").
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05",
	time.DateOnly,
}

// parseTime reads a feed timestamp; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}
