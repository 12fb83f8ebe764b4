package syslog

import (
	"math"
	"time"
)

// jst is the default Location. Japan has kept UTC+9 without daylight saving
// since 1951, so a fixed zone gives the same instants as the tz database's
// Asia/Tokyo without depending on zoneinfo files being installed.
var jst = time.FixedZone("JST", 9*60*60)

// fixedZones holds a Location for every UTC offset that is a multiple of 15
// minutes from -14:00 to +14:00, which covers every zone in use, so that
// parsing "+09:00" does not allocate a new Location each time. It is built
// once and never changed.
var fixedZones = func() (z [2*14*4 + 1]*time.Location) {
	for i := range z {
		off := (i - 14*4) * 15 * 60
		if off == 0 {
			z[i] = time.UTC
			continue
		}
		z[i] = time.FixedZone("", off)
	}
	return z
}()

// zone returns a Location for a UTC offset in seconds.
func zone(offset int) *time.Location {
	if offset%(15*60) == 0 && offset >= -14*3600 && offset <= 14*3600 {
		return fixedZones[offset/(15*60)+14*4]
	}
	return time.FixedZone("", offset)
}

// parseISO reads an RFC 3339 timestamp (the RFC 5424 §6.2.3 TIMESTAMP) at
// the start of b and returns it with the number of bytes used:
//
//	YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|-hh:mm]
//
// It is more lenient than RFC 5424: the fraction may have up to 9 digits,
// "t" and "z" may be lower case, the offset may lack its colon, and a
// missing offset means loc (relays writing local time do that).
func parseISO(b []byte, loc *time.Location) (t time.Time, n int, ok bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, 0, false
	}
	year, ok1 := atoi(b[0:4])
	month, ok2 := atoi(b[5:7])
	day, ok3 := atoi(b[8:10])
	hour, ok4 := atoi(b[11:13])
	minute, ok5 := atoi(b[14:16])
	sec, ok6 := atoi(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) ||
		hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, 0, false
	}
	nsec, n, ok := fraction(b, 19)
	if !ok {
		return time.Time{}, 0, false
	}
	if n < len(b) {
		switch b[n] {
		case 'Z', 'z':
			loc = time.UTC
			n++
		case '+', '-':
			off, m, ok := utcOffset(b[n:])
			if !ok {
				return time.Time{}, 0, false
			}
			loc = zone(off)
			n += m
		}
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc), n, true
}

// utcOffset reads "+hh:mm", "-hh:mm", "+hhmm" or "-hhmm" and returns the
// offset in seconds and the bytes used.
func utcOffset(b []byte) (offset, n int, ok bool) {
	if len(b) < 5 {
		return 0, 0, false
	}
	hh, ok1 := atoi(b[1:3])
	mm, ok2 := 0, false
	switch {
	case b[3] == ':' && len(b) >= 6:
		mm, ok2 = atoi(b[4:6])
		n = 6
	default:
		mm, ok2 = atoi(b[3:5])
		n = 5
	}
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, 0, false
	}
	offset = hh*3600 + mm*60
	if b[0] == '-' {
		offset = -offset
	}
	return offset, n, true
}

// fraction reads an optional ".d…" (1 to 9 digits) at b[i:] and returns it
// as nanoseconds with the index after it.
func fraction(b []byte, i int) (nsec, n int, ok bool) {
	if i >= len(b) || b[i] != '.' {
		return 0, i, true
	}
	i++
	digits := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		if digits == 9 {
			return 0, 0, false
		}
		nsec = nsec*10 + int(b[i]-'0')
		digits++
	}
	if digits == 0 {
		return 0, 0, false
	}
	for range 9 - digits {
		nsec *= 10
	}
	return nsec, i, true
}

// monthNames are the RFC 3164 §4.1.2 month abbreviations, lower case.
var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// parseBSD reads an RFC 3164 §4.1.2 TIMESTAMP at the start of b:
//
//	Mmm dd hh:mm:ss
//
// where a day below 10 is written " d" (or, by some devices, "d" or "0d").
// It also takes the variants "Mmm dd hh:mm:ss.frac" and
// "Mmm dd yyyy hh:mm:ss" (Cisco with "service timestamps ... year").
// Without a year, the year is the one that puts the time nearest to now.
// The month name is matched without regard to case.
func parseBSD(b []byte, loc *time.Location, now time.Time) (t time.Time, n int, ok bool) {
	if len(b) < 14 || b[3] != ' ' {
		return time.Time{}, 0, false
	}
	month := time.Month(0)
	for i, name := range monthNames {
		if b[0]|0x20 == name[0] && b[1]|0x20 == name[1] && b[2]|0x20 == name[2] {
			month = time.Month(i + 1)
			break
		}
	}
	if month == 0 {
		return time.Time{}, 0, false
	}
	i := 4
	if b[i] == ' ' {
		i++
	}
	day := 0
	start := i
	for ; i < len(b) && i < start+2 && isDigit(b[i]); i++ {
		day = day*10 + int(b[i]-'0')
	}
	if i == start || i >= len(b) || b[i] != ' ' || day < 1 || day > 31 {
		return time.Time{}, 0, false
	}
	i++
	year := -1
	if len(b) >= i+5 && b[i+4] == ' ' {
		y, ok := atoi(b[i : i+4])
		if !ok {
			return time.Time{}, 0, false
		}
		year = y
		i += 5
	}
	if len(b) < i+8 || b[i+2] != ':' || b[i+5] != ':' {
		return time.Time{}, 0, false
	}
	hour, ok1 := atoi(b[i : i+2])
	minute, ok2 := atoi(b[i+3 : i+5])
	sec, ok3 := atoi(b[i+6 : i+8])
	if !ok1 || !ok2 || !ok3 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, 0, false
	}
	nsec, n, ok := fraction(b, i+8)
	if !ok {
		return time.Time{}, 0, false
	}
	if year >= 0 {
		if day > daysIn(month, year) {
			return time.Time{}, 0, false
		}
		return time.Date(year, month, day, hour, minute, sec, nsec, loc), n, true
	}
	t, ok = nearestYear(month, day, hour, minute, sec, nsec, loc, now)
	return t, n, ok
}

// nearestYear picks, among the year of now and the years either side, the
// one that puts the date nearest to now: "Dec 31 23:59:59" received at
// 00:00:05 on January 1st belongs to the year before. Years in which the
// date does not exist (February 29th) are passed over.
func nearestYear(month time.Month, day, hour, minute, sec, nsec int, loc *time.Location, now time.Time) (time.Time, bool) {
	var best time.Time
	var bestDist time.Duration
	found := false
	y := now.In(loc).Year()
	for year := y - 1; year <= y+1; year++ {
		if day > daysIn(month, year) {
			continue
		}
		t := time.Date(year, month, day, hour, minute, sec, nsec, loc)
		d := t.Sub(now)
		if d < 0 {
			d = -d
			if d < 0 { // -minDuration: the times are centuries apart
				d = math.MaxInt64
			}
		}
		if !found || d < bestDist {
			best, bestDist, found = t, d, true
		}
	}
	return best, found
}

// daysIn returns the number of days of month in year.
func daysIn(month time.Month, year int) int {
	switch month {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// atoi reads b as an unsigned decimal made only of digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
