package cpe

import "strings"

// Relation is how a source attribute relates to a target attribute
// (NISTIR 7696 §6.1, Table 6-2): the set of values the source stands for
// compared with the target's.
type Relation uint8

const (
	Disjoint  Relation = iota // no value in common
	Subset                    // source stands for fewer values (the target is ANY)
	Superset                  // source stands for more values (ANY, or a wildcard that matches)
	Equal                     // same value
	Undefined                 // the target has wildcards; targets must not
)

var relationNames = [...]string{"DISJOINT", "SUBSET", "SUPERSET", "EQUAL", "UNDEFINED"}

// String returns the name the specification uses ("SUPERSET").
func (r Relation) String() string {
	if int(r) < len(relationNames) {
		return relationNames[r]
	}
	return "Relation(?)"
}

// CompareAttr compares one source attribute (from a pattern) with one target
// attribute (from a concrete name):
//
//	source \ target  ANY       NA        value v   value with wildcards
//	ANY              EQUAL     SUPERSET  SUPERSET  SUPERSET
//	NA               SUBSET    EQUAL     DISJOINT  UNDEFINED
//	value s          SUBSET    DISJOINT  s == v ? EQUAL : DISJOINT   UNDEFINED
//	s with wildcards SUBSET    DISJOINT  s matches v ? SUPERSET : DISJOINT  UNDEFINED
//
// Values compare case-insensitively. A leading or trailing "*" matches any
// number of characters; a run of n "?" at either end matches up to n
// characters (as the matching specification's compare_strings does).
func CompareAttr(source, target Attr) Relation {
	if source.Kind == KindAny {
		if target.Kind == KindAny {
			return Equal
		}
		return Superset
	}
	if target.HasWildcards() {
		return Undefined
	}
	switch {
	case target.Kind == KindAny:
		return Subset
	case source.Kind == KindNA && target.Kind == KindNA:
		return Equal
	case source.Kind == KindNA || target.Kind == KindNA:
		return Disjoint
	case !source.HasWildcards():
		if strings.EqualFold(source.V, target.V) {
			return Equal
		}
		return Disjoint
	case wildcardMatch(source.V, strings.ToLower(target.Text())):
		return Superset
	}
	return Disjoint
}

// Match reports whether name is one of the names pattern stands for: every
// attribute of pattern is a SUPERSET of, or EQUAL to, the one in name
// (the CPE_SUPERSET test of NISTIR 7696 §6.2). A name whose version is ANY
// is not matched by a pattern with a version: ANY in a name means the
// version is unknown, which is not evidence of the pattern's version; use
// CompareAttr to tell that case (SUBSET) from a mismatch (DISJOINT).
func Match(pattern, name WFN) bool {
	ps, ns := pattern.attrs(), name.attrs()
	for i := range ps {
		switch CompareAttr(*ps[i], *ns[i]) {
		case Superset, Equal:
		default:
			return false
		}
	}
	return true
}

// wildcardMatch matches pattern p (WFN form, wildcards at the ends only)
// against the unquoted, lower-case text t.
func wildcardMatch(p, t string) bool {
	// Leading wildcards: "*" (any length, -1) or n "?" (up to n).
	before := 0
	if strings.HasPrefix(p, "*") {
		before, p = -1, p[1:]
	} else {
		for strings.HasPrefix(p, "?") {
			before++
			p = p[1:]
		}
	}
	// Trailing wildcards, unless quoted: count the backslashes before them.
	after := 0
	trailing := func(c byte) bool {
		if len(p) == 0 || p[len(p)-1] != c {
			return false
		}
		n := 0
		for i := len(p) - 2; i >= 0 && p[i] == '\\'; i-- {
			n++
		}
		return n%2 == 0
	}
	if trailing('*') {
		after, p = -1, p[:len(p)-1]
	} else {
		for trailing('?') {
			after++
			p = p[:len(p)-1]
		}
	}
	lit := strings.ToLower(Attr{Kind: KindValue, V: p}.Text())
	for off := 0; off <= len(t); {
		i := strings.Index(t[off:], lit)
		if i < 0 {
			return false
		}
		i += off
		if before >= 0 && i > before {
			return false // later occurrences start even further in
		}
		if rest := len(t) - i - len(lit); after < 0 || rest <= after {
			return true
		}
		off = i + 1
	}
	return false
}
