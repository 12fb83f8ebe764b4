package parse

import (
	"time"
)

// epochTime reads a decimal count since the Unix epoch whose unit follows
// from its magnitude: up to 10 digits are seconds (until 2286), up to 13
// milliseconds, up to 16 microseconds, up to 19 nanoseconds. Zero, signs
// and anything else are rejected.
func epochTime(v string) (time.Time, bool) {
	if len(v) == 0 || len(v) > 19 {
		return time.Time{}, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		n = n*10 + int64(c-'0')
	}
	if n == 0 {
		return time.Time{}, false
	}
	switch {
	case n < 1e10:
		return time.Unix(n, 0).UTC(), true
	case n < 1e13:
		return time.UnixMilli(n).UTC(), true
	case n < 1e16:
		return time.UnixMicro(n).UTC(), true
	default:
		return time.Unix(0, n).UTC(), true
	}
}

// digits reads a fixed-width decimal number from s at i.
func digits(s string, i, width int) (int, bool) {
	if i+width > len(s) {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s[i : i+width]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// tzOffset reads a zone written as "+0900", "-0700", "+09:00", "+09",
// "UTC", "GMT" or "Z" and returns its offset east of UTC in seconds.
func tzOffset(tz string) (int, bool) {
	switch tz {
	case "UTC", "GMT", "Z", "utc", "gmt", "z":
		return 0, true
	}
	if len(tz) < 3 || (tz[0] != '+' && tz[0] != '-') {
		return 0, false
	}
	h, ok := digits(tz, 1, 2)
	if !ok {
		return 0, false
	}
	m := 0
	switch rest := tz[3:]; len(rest) {
	case 0:
	case 2:
		if m, ok = digits(rest, 0, 2); !ok {
			return 0, false
		}
	case 3:
		if rest[0] != ':' {
			return 0, false
		}
		if m, ok = digits(rest, 1, 2); !ok {
			return 0, false
		}
	default:
		return 0, false
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if tz[0] == '-' {
		off = -off
	}
	return off, true
}

// localDateTime reads a FortiGate date ("2024-08-28" or "2024/08/28") and
// time ("10:33:52"; spaces inside are ignored, FortiOS 3.x writes "10: 33:52")
// in the zone tz when it can be read, else in loc (nil means UTC).
func localDateTime(date, clock, tz string, loc *time.Location) (time.Time, bool) {
	if len(date) != 10 || (date[4] != '-' && date[4] != '/') || date[7] != date[4] {
		return time.Time{}, false
	}
	y, ok1 := digits(date, 0, 4)
	mo, ok2 := digits(date, 5, 2)
	d, ok3 := digits(date, 8, 2)
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	var buf [8]byte
	n := 0
	for i := 0; i < len(clock); i++ {
		if clock[i] == ' ' {
			continue
		}
		if n == len(buf) {
			return time.Time{}, false
		}
		buf[n] = clock[i]
		n++
	}
	c := string(buf[:n]) // does not escape; the compiler keeps it on the stack
	if n != 8 || c[2] != ':' || c[5] != ':' {
		return time.Time{}, false
	}
	h, ok1 := digits(c, 0, 2)
	mi, ok2 := digits(c, 3, 2)
	sec, ok3 := digits(c, 6, 2)
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	if off, ok := tzOffset(tz); ok {
		t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
		return t.Add(-time.Duration(off) * time.Second), true
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc), true
}
