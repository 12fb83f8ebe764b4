package version

// cmpDigits compares two runs of ASCII digits by numeric value, without
// converting them (the runs may be longer than any integer type).
func cmpDigits(a, b string) int {
	a = trimZeros(a)
	b = trimZeros(b)
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func trimZeros(s string) string {
	for len(s) > 0 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// digitPrefix returns the length of the run of ASCII digits that starts s.
func digitPrefix(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
