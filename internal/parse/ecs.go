package parse

import (
	"net/netip"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// Helpers shared by the vendor parsers for their ECS core.

// addECS appends an ECS field unless v is empty or a vendor's "no value"
// marker ("N/A", "n/a", "-"). Vendor-native fields keep such markers; the
// ECS core leaves them out so that a query on source.user.name does not
// match "N/A".
func addECS(ev *event.Event, name, v string) {
	switch v {
	case "", "N/A", "n/a", "-", "NA":
		return
	}
	ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
}

// addIP appends an ECS IP field when v is an IP address other than the
// unspecified one (0.0.0.0, ::), which vendors write for "none".
func addIP(ev *event.Event, name, v string) {
	if isIP(v) && v != "0.0.0.0" && v != "::" {
		ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
	}
}

// addPort appends an ECS port field when v is a decimal number from 1 to
// 65535; vendors write 0 for "no port".
func addPort(ev *event.Event, name, v string) {
	if n, ok := smallUint(v); ok && n > 0 && n <= 65535 {
		ev.Fields = append(ev.Fields, event.Field{Name: name, Value: v})
	}
}

// isIP reports whether s is an IPv4 or IPv6 address (a zone is allowed).
// Strings that cannot be one are turned down before netip.ParseAddr, whose
// error allocates.
func isIP(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	if strings.IndexByte(s, ':') < 0 {
		return isIPv4(s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			break
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
			return false
		}
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// isIPv4 reports whether s is a dotted-quad IPv4 address.
func isIPv4(s string) bool {
	parts, n, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || n > 255 || (digits > 1 && s[i-digits] == '0') {
				return false
			}
			parts++
			n, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || digits == 3 {
			return false
		}
		n = n*10 + int(c-'0')
		digits++
	}
	return parts == 4
}

// smallUint reads a decimal number of at most 9 digits.
func smallUint(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// actionOutcome maps a firewall action word, in any case, to ECS
// event.outcome: permits give success, blocks give failure, anything else
// "" (the caller decides whether to say unknown).
func actionOutcome(v string) string {
	if v == "" {
		return ""
	}
	if o := outcomeOf(v); o != "" {
		return o
	}
	var buf [24]byte
	if len(v) > len(buf) {
		return ""
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	l := string(buf[:len(v)]) // does not escape
	switch l {
	case "accept", "accepted", "allow", "allowed", "permit", "permitted", "pass", "passed",
		"success", "succeeded", "successful", "alert", "detect", "detected", "encrypt", "decrypt",
		"est-allowed", "monitor", "monitored", "bypass", "login", "logon":
		return "success"
	case "deny", "denied", "drop", "dropped", "block", "blocked", "reject", "rejected",
		"reset-both", "reset-client", "reset-server", "reset", "drop-icmp", "drop-all-packets",
		"block-url", "block-continue", "block-override", "sinkhole", "failure", "failed",
		"fail", "unauthorized", "discard", "discarded", "prevent", "prevented", "quarantine",
		"close-session", "closed-session":
		return "failure"
	}
	if strings.Contains(l, "fail") || strings.Contains(l, "denied") {
		return "failure"
	}
	return ""
}

// rfc3339Time reads "2006-01-02T15:04:05[.frac](Z|±hh:mm|±hhmm)" (a space
// instead of the T is accepted) without allocating a time.Location: the
// result is in UTC.
func rfc3339Time(s string) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	h, ok4 := digits(s, 11, 2)
	mi, ok5 := digits(s, 14, 2)
	sec, ok6 := digits(s, 17, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		scale := 100000000
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if scale > 0 {
				nsec += int(s[i]-'0') * scale
				scale /= 10
			}
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	off, ok := tzOffset(s[i:])
	if !ok {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), true
}
