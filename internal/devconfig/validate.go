package devconfig

import (
	"bytes"
	"fmt"
	"strings"
)

// Firmware is what a config says about the device that wrote it.
type Firmware struct {
	Model   string // "FG200F", "RTX1220", "ASA5516"; "" when the config does not say
	Version string // "7.2.10", "15.04.04", "15.2", "9.16(4)"
	Build   string // FortiOS build number, "1706"
}

func (f Firmware) String() string {
	s := strings.TrimSpace(f.Model + " " + f.Version)
	if f.Build != "" {
		s += " build" + f.Build
	}
	return s
}

// Class sorts counted sections into rules and the objects rules refer to.
type Class string

const (
	ClassPolicy Class = "policy" // firewall policies, filter rules, ACL entries
	ClassObject Class = "object" // addresses, groups, services, VIPs
)

// Count is how many rules or objects one section holds.
type Count struct {
	Section string // "firewall policy", "root: firewall address", "ip filter", "access-list OUTSIDE_IN"
	Class   Class
	N       int
}

// Info is what Validate learned about an accepted config.
type Info struct {
	Kind     Kind
	Firmware Firmware
	Hostname string
	Lines    int
	Counts   []Count // counted sections in a stable order; see Summarize
}

// Total returns the number of items of a class over all sections.
func (i Info) Total(class Class) int {
	n := 0
	for _, c := range i.Counts {
		if c.Class == class {
			n += c.N
		}
	}
	return n
}

// Validate checks that data is a complete config of that kind (KindUnknown:
// detect it) and reports its firmware and rule counts. The error is a
// *SyntaxError; a config that fails here must not become a generation.
//
// FortiOS is checked by ParseFortiOS. IOS must end with "end" and ASA
// with ": end", the lines those systems print last, so a missing one means
// the transfer was cut. RTX "show config" has no end marker: it must start
// with its "# MODEL Rev.x" header; a cut at a line boundary cannot be
// seen, which is one reason Summarize grades every new generation. For
// all line-based kinds a pager prompt in the text ("--More--",
// "---つづく---") means paging was on and output is missing.
func Validate(kind Kind, data []byte) (Info, error) {
	if kind == KindUnknown {
		kind = Detect(data)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Info{Kind: kind}, &SyntaxError{Reason: "empty input"}
	}
	switch kind {
	case KindFortiOS:
		c, err := ParseFortiOS(data)
		if err != nil {
			return Info{Kind: kind}, err
		}
		info := fortiInfo(c, data)
		info.Counts = countSections(fortiSections(c))
		return info, nil
	case KindYamahaRTX, KindCiscoIOS, KindCiscoASA:
		lines := splitLines(data)
		info := Info{Kind: kind, Lines: len(lines)}
		if err := checkLines(kind, lines, &info); err != nil {
			return info, err
		}
		info.Counts = countSections(lineSections(kind, lines))
		return info, nil
	}
	return Info{Kind: kind}, &SyntaxError{Reason: fmt.Sprintf("unknown config kind %q", kind)}
}

func fortiInfo(c *Config, data []byte) Info {
	info := Info{
		Kind:     KindFortiOS,
		Firmware: Firmware{Model: c.Header.Model, Version: c.Header.Version, Build: c.Header.Build},
		Lines:    len(splitLines(data)),
	}
	for _, b := range c.FindGlobal("system global") {
		if s, ok := b.Get("hostname"); ok && len(s.Values) > 0 {
			info.Hostname = s.Values[0]
		}
	}
	return info
}

func countSections(secs []section) []Count {
	var out []Count
	for _, s := range secs {
		out = append(out, Count{Section: s.name, Class: s.class, N: len(s.items)})
	}
	return out
}

var pagerPrompts = []string{"--More--", "---More---", "--- More ---", "---つづく---", "<--- More --->"}

func checkLines(kind Kind, lines []string, info *Info) error {
	last := 0 // index of the last non-blank line
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		last = i
		for _, p := range pagerPrompts {
			if strings.Contains(l, p) {
				return &SyntaxError{Line: i + 1, Reason: fmt.Sprintf("pager prompt %q in the output (paging was on; text is missing)", p), Truncated: true}
			}
		}
		f := strings.Fields(t)
		switch kind {
		case KindYamahaRTX:
			if isRTXHeader(t) && info.Firmware.Model == "" {
				info.Firmware.Model = f[1]
				info.Firmware.Version = strings.TrimPrefix(f[2], "Rev.")
				continue
			}
			if strings.HasPrefix(t, "#") {
				continue
			}
			if info.Firmware.Model == "" {
				return &SyntaxError{Line: i + 1, Reason: `missing "# MODEL Rev.x" header before the first command (not "show config" output, or cut at the start?)`}
			}
		case KindCiscoIOS:
			if f[0] == "version" && len(f) > 1 && info.Firmware.Version == "" {
				info.Firmware.Version = f[1]
			}
			if f[0] == "hostname" && len(f) > 1 {
				info.Hostname = f[1]
			}
		case KindCiscoASA:
			if len(f) >= 3 && f[0] == "ASA" && f[1] == "Version" && info.Firmware.Version == "" {
				info.Firmware.Version = f[2]
			}
			if strings.HasPrefix(t, ": Hardware:") && len(f) >= 3 {
				info.Firmware.Model = strings.TrimSuffix(f[2], ",")
			}
			if f[0] == "hostname" && len(f) > 1 {
				info.Hostname = f[1]
			}
		}
	}
	switch kind {
	case KindYamahaRTX:
		if info.Firmware.Model == "" {
			return &SyntaxError{Line: 1, Reason: `missing "# MODEL Rev.x" header (not "show config" output?)`}
		}
	case KindCiscoIOS:
		if strings.TrimSpace(lines[last]) != "end" {
			return &SyntaxError{Line: last + 1, Reason: `missing the final "end" (truncated?)`, Truncated: true}
		}
	case KindCiscoASA:
		if strings.TrimSpace(lines[last]) != ": end" {
			return &SyntaxError{Line: last + 1, Reason: `missing the final ": end" (truncated?)`, Truncated: true}
		}
	}
	return nil
}
