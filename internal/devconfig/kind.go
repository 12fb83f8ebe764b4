package devconfig

import (
	"bytes"
	"strings"
)

// Kind names a configuration dialect.
type Kind string

const (
	KindUnknown   Kind = ""
	KindFortiOS   Kind = "fortios"    // FortiGate backup / "show full-configuration"
	KindYamahaRTX Kind = "yamaha_rtx" // Yamaha RTX/NVR/FWX "show config"
	KindCiscoIOS  Kind = "cisco_ios"  // IOS / IOS-XE "show running-config"
	KindCiscoASA  Kind = "cisco_asa"  // ASA "show running-config"
)

// Kinds lists the known dialects.
func Kinds() []Kind { return []Kind{KindFortiOS, KindYamahaRTX, KindCiscoIOS, KindCiscoASA} }

// detectLines is how far into a file Detect looks; every dialect names
// itself near the top.
const detectLines = 200

// Detect guesses the dialect from the first lines, or returns
// KindUnknown. It never fails; Validate says whether the guess holds.
func Detect(data []byte) Kind {
	lines := splitLines(data)
	if len(lines) > detectLines {
		lines = lines[:detectLines]
	}
	sawVersion, sawFortiBlock := false, false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			continue
		case strings.HasPrefix(t, "#config-version="):
			return KindFortiOS
		case strings.HasPrefix(t, "ASA Version "), strings.HasPrefix(t, ": Saved"),
			strings.HasPrefix(t, ": Hardware:"):
			return KindCiscoASA
		case isRTXHeader(t):
			return KindYamahaRTX
		case strings.HasPrefix(t, "version "), t == "Building configuration...",
			strings.HasPrefix(t, "Current configuration :"):
			sawVersion = true
		case strings.HasPrefix(t, "config system ") || strings.HasPrefix(t, "config firewall "):
			sawFortiBlock = true
		case strings.HasPrefix(t, "ip lan1 address ") || strings.HasPrefix(t, "pp select ") ||
			strings.HasPrefix(t, "ip filter ") && len(strings.Fields(t)) > 3 && isDigits(strings.Fields(t)[2]):
			return KindYamahaRTX
		}
	}
	switch {
	case sawVersion:
		return KindCiscoIOS
	case sawFortiBlock:
		return KindFortiOS
	}
	return KindUnknown
}

// isRTXHeader matches "# RTX1220 Rev.15.04.04 (Mon Jan  1 00:00:00 2024)".
func isRTXHeader(t string) bool {
	f := strings.Fields(t)
	return len(f) >= 3 && f[0] == "#" && strings.HasPrefix(f[2], "Rev.")
}

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

// splitLines splits on LF, dropping a CR before it and the empty string
// after a final LF.
func splitLines(data []byte) []string {
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// normalizeNewlines turns CRLF into LF.
func normalizeNewlines(data []byte) []byte {
	if bytes.IndexByte(data, '\r') < 0 {
		return data
	}
	return bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
}
