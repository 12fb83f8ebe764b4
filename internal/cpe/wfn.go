package cpe

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every error about a CPE string that cannot be
// parsed. The message names the component at fault.
var ErrInvalid = errors.New("invalid CPE")

// Kind says what an attribute holds.
type Kind uint8

const (
	// KindAny is the logical value ANY ("*"): any value, or unknown. It is
	// the zero value, so an attribute left unset in a WFN means ANY, as in
	// the specification.
	KindAny Kind = iota
	// KindNA is the logical value NA ("-"): the attribute does not apply.
	KindNA
	// KindValue is a string value, possibly with wildcards.
	KindValue
)

// Attr is one attribute of a WFN.
type Attr struct {
	Kind Kind
	// V is the value when Kind is KindValue, in WFN form (NISTIR 7695
	// §5.3.2): ASCII letters (lower case), digits and "_" stand for
	// themselves; every other printable ASCII character is quoted with a
	// backslash ("1\.0", "c\+\+"); an unquoted "*" (any characters) or a
	// run of unquoted "?" (up to that many characters) may start and end
	// the value, and appears nowhere else.
	V string
}

// WFN is a well-formed CPE name. The zero value is the name that matches
// everything (every attribute ANY).
type WFN struct {
	Part      Attr // "a" application, "o" operating system, "h" hardware
	Vendor    Attr
	Product   Attr
	Version   Attr
	Update    Attr
	Edition   Attr // legacy; most names leave it ANY
	Language  Attr // RFC 5646 tag, such as "en" or "ja-jp"
	SwEdition Attr
	TargetSW  Attr
	TargetHW  Attr
	Other     Attr
}

// attrNames are the attribute names in binding order, as errors use them.
var attrNames = [11]string{
	"part", "vendor", "product", "version", "update", "edition",
	"language", "sw_edition", "target_sw", "target_hw", "other",
}

// attrs returns pointers to the attributes in binding order.
func (w *WFN) attrs() [11]*Attr {
	return [11]*Attr{
		&w.Part, &w.Vendor, &w.Product, &w.Version, &w.Update, &w.Edition,
		&w.Language, &w.SwEdition, &w.TargetSW, &w.TargetHW, &w.Other,
	}
}

// String returns the name in the formatted string binding
// ("cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"), which Parse reads
// back to the same WFN.
func (w WFN) String() string {
	var b strings.Builder
	b.WriteString("cpe:2.3")
	for _, a := range w.attrs() {
		b.WriteByte(':')
		b.WriteString(a.String())
	}
	return b.String()
}

// String returns the attribute in the formatted string binding: "*", "-",
// or the value with ".", "-" and "_" unquoted and every other special
// character quoted.
func (a Attr) String() string {
	switch a.Kind {
	case KindAny:
		return "*"
	case KindNA:
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(a.V); i++ {
		c := a.V[i]
		if c == '\\' && i+1 < len(a.V) {
			i++
			c = a.V[i]
			if c != '.' && c != '-' && c != '_' {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Text returns the value with its quoting removed ("http_server",
// "2.4.49", "c++"), or "" for ANY and NA. Wildcards stay as "*" and "?";
// check HasWildcards where that matters.
func (a Attr) Text() string {
	if a.Kind != KindValue {
		return ""
	}
	if strings.IndexByte(a.V, '\\') < 0 {
		return a.V
	}
	var b strings.Builder
	for i := 0; i < len(a.V); i++ {
		if a.V[i] == '\\' && i+1 < len(a.V) {
			i++
		}
		b.WriteByte(a.V[i])
	}
	return b.String()
}

// HasWildcards reports whether the value contains an unquoted "*" or "?".
func (a Attr) HasWildcards() bool {
	if a.Kind != KindValue {
		return false
	}
	for i := 0; i < len(a.V); i++ {
		switch a.V[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		}
	}
	return false
}

// unit is one character of a value being built: a literal or a wildcard.
type unit struct {
	c    byte
	wild bool
}

// isPrintable reports whether c may appear in a CPE value at all: printable
// ASCII other than space.
func isPrintable(c byte) bool { return '!' <= c && c <= '~' }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// buildValue checks the wildcard placement of a value and returns it in
// WFN form.
func buildValue(us []unit) (Attr, error) {
	i, j := 0, len(us)
	if i < j && us[i].wild && us[i].c == '*' {
		i++
	} else {
		for i < j && us[i].wild && us[i].c == '?' {
			i++
		}
	}
	if j > i && us[j-1].wild && us[j-1].c == '*' {
		j--
	} else {
		for j > i && us[j-1].wild && us[j-1].c == '?' {
			j--
		}
	}
	if i == j {
		return Attr{}, errors.New("wildcards without any other character")
	}
	var b strings.Builder
	b.Grow(len(us) + 4)
	for k, u := range us {
		switch {
		case u.wild && (k < i || k >= j):
			b.WriteByte(u.c)
		case u.wild:
			return Attr{}, fmt.Errorf("wildcard %q inside the value (only at its start or end)", u.c)
		case isAlnum(u.c) || u.c == '_':
			b.WriteByte(lower(u.c))
		default:
			b.WriteByte('\\')
			b.WriteByte(u.c)
		}
	}
	return Attr{Kind: KindValue, V: b.String()}, nil
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// checkAttr applies the per-attribute rules of NISTIR 7695 §5.3.3 to
// attribute number i.
func checkAttr(i int, a Attr) error {
	if a.Kind != KindValue {
		return nil
	}
	switch attrNames[i] {
	case "part":
		if a.V != "a" && a.V != "o" && a.V != "h" {
			return fmt.Errorf("%q is not a, o, h, * or -", a.Text())
		}
	case "language":
		if !isLanguageTag(a) {
			return fmt.Errorf("%q is not a language tag such as en or ja-jp", a.Text())
		}
	}
	return nil
}

// isLanguageTag accepts the subset of RFC 5646 that CPE allows: a 2–3
// letter language, optionally "-" and a 2-letter or 3-digit region.
func isLanguageTag(a Attr) bool {
	if a.HasWildcards() {
		return false
	}
	lang, region, hasRegion := strings.Cut(a.Text(), "-")
	if len(lang) < 2 || len(lang) > 3 || !allOf(lang, isLetter) {
		return false
	}
	if !hasRegion {
		return true
	}
	return len(region) == 2 && allOf(region, isLetter) || len(region) == 3 && allOf(region, isDigit)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

func allOf(s string, f func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

// syntaxError is the error for a bad CPE string s in the named component.
func syntaxError(s, component string, err error) error {
	const maxShown = 200
	if len(s) > maxShown {
		s = s[:maxShown] + "..."
	}
	return fmt.Errorf("%w %q: %s: %w", ErrInvalid, s, component, err)
}
