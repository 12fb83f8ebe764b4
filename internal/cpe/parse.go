package cpe

import (
	"errors"
	"fmt"
	"strings"
)

// Parse reads a CPE name in either binding: the formatted string
// ("cpe:2.3:...", NISTIR 7695 §6.2) or the URI ("cpe:/...", §6.1, the CPE
// 2.2 form nmap emits). The prefix is case-insensitive. An error wraps
// [ErrInvalid] and names the component at fault.
//
// Formatted string: exactly eleven components after "cpe:2.3"; "*" is ANY,
// "-" is NA; "\" quotes the next character; unquoted "*" and "?" are
// wildcards. Producers often forget to quote punctuation, so unquoted
// printable characters other than ":", "*", "?" and "\" are accepted as
// literals ("1.0+deb12u1").
//
// URI: up to seven components after "cpe:/", missing or empty ones ANY;
// "%XX" decodes a character, "%01" and "%02" are the wildcards "?" and "*";
// an edition starting with "~" packs edition, sw_edition, target_sw,
// target_hw and other ("~~~wordpress~~"). Unencoded printable punctuation
// other than ":" and "%" is again accepted as a literal.
func Parse(s string) (WFN, error) {
	switch {
	case len(s) >= 8 && strings.EqualFold(s[:8], "cpe:2.3:"):
		return parseFS(s)
	case len(s) >= 5 && strings.EqualFold(s[:5], "cpe:/"):
		return parseURI(s)
	}
	return WFN{}, syntaxError(s, "prefix", errors.New(`want "cpe:2.3:" or "cpe:/"`))
}

// parseFS reads the formatted string binding.
func parseFS(s string) (WFN, error) {
	comps, err := splitFS(s[8:])
	if err != nil {
		return WFN{}, syntaxError(s, "binding", err)
	}
	if len(comps) != 11 {
		return WFN{}, syntaxError(s, "binding", fmt.Errorf("%d components after cpe:2.3, want 11", len(comps)))
	}
	var w WFN
	for i, a := range w.attrs() {
		v, err := unbindFS(comps[i])
		if err == nil {
			err = checkAttr(i, v)
		}
		if err != nil {
			return WFN{}, syntaxError(s, attrNames[i], err)
		}
		*a = v
	}
	return w, nil
}

// splitFS splits at every ":" that is not quoted.
func splitFS(s string) ([]string, error) {
	comps := make([]string, 0, 11)
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return nil, errors.New(`"\" at the end`)
			}
			i++
		case ':':
			comps = append(comps, s[start:i])
			start = i + 1
		}
	}
	return append(comps, s[start:]), nil
}

// unbindFS turns one formatted-string component into an attribute
// (NISTIR 7695 §6.2.3).
func unbindFS(c string) (Attr, error) {
	switch c {
	case "":
		return Attr{}, errors.New(`empty (use "*" for ANY)`)
	case "*":
		return Attr{Kind: KindAny}, nil
	case "-":
		return Attr{Kind: KindNA}, nil
	}
	us := make([]unit, 0, len(c))
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch == '\\':
			i++ // splitFS guarantees a next character
			ch = c[i]
			if !isPrintable(ch) {
				return Attr{}, fmt.Errorf("character %q not allowed", ch)
			}
			us = append(us, unit{c: ch})
		case ch == '*' || ch == '?':
			us = append(us, unit{c: ch, wild: true})
		case isPrintable(ch):
			us = append(us, unit{c: ch})
		default:
			return Attr{}, fmt.Errorf("character %q not allowed", ch)
		}
	}
	return buildValue(us)
}

// parseURI reads the URI binding (NISTIR 7695 §6.1.3).
func parseURI(s string) (WFN, error) {
	comps := strings.Split(s[5:], ":")
	if len(comps) > 7 {
		return WFN{}, syntaxError(s, "binding", fmt.Errorf("%d components after cpe:/, want at most 7", len(comps)))
	}
	var w WFN
	attrs := w.attrs()
	for i, c := range comps {
		if i == 5 && strings.HasPrefix(c, "~") {
			if err := unpackEdition(&w, c); err != nil {
				return WFN{}, syntaxError(s, "edition", err)
			}
			continue
		}
		v, err := decodeURI(c)
		if err == nil {
			err = checkAttr(i, v)
		}
		if err != nil {
			return WFN{}, syntaxError(s, attrNames[i], err)
		}
		*attrs[i] = v
	}
	return w, nil
}

// unpackEdition reads a packed edition: "~edition~sw_edition~target_sw~
// target_hw~other".
func unpackEdition(w *WFN, c string) error {
	parts := strings.Split(c[1:], "~")
	if len(parts) != 5 {
		return fmt.Errorf("packed edition with %d fields, want 5", len(parts))
	}
	for i, a := range []*Attr{&w.Edition, &w.SwEdition, &w.TargetSW, &w.TargetHW, &w.Other} {
		v, err := decodeURI(parts[i])
		if err != nil {
			return err
		}
		*a = v
	}
	return nil
}

// decodeURI turns one URI component into an attribute.
func decodeURI(c string) (Attr, error) {
	switch c {
	case "":
		return Attr{Kind: KindAny}, nil
	case "-":
		return Attr{Kind: KindNA}, nil
	}
	us := make([]unit, 0, len(c))
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch == '%':
			if i+2 >= len(c) || !isHex(c[i+1]) || !isHex(c[i+2]) {
				return Attr{}, errors.New(`"%" without two hex digits`)
			}
			ch = unhex(c[i+1])<<4 | unhex(c[i+2])
			i += 2
			switch {
			case ch == 0x01:
				us = append(us, unit{c: '?', wild: true})
			case ch == 0x02:
				us = append(us, unit{c: '*', wild: true})
			case isPrintable(ch):
				us = append(us, unit{c: ch})
			default:
				return Attr{}, fmt.Errorf("encoded character %q not allowed", ch)
			}
		case isPrintable(ch):
			us = append(us, unit{c: ch})
		default:
			return Attr{}, fmt.Errorf("character %q not allowed", ch)
		}
	}
	return buildValue(us)
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
