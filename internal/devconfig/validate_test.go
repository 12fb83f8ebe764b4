package devconfig

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDetect(t *testing.T) {
	for _, g := range goldenFiles {
		if got := Detect(readTestdata(t, g.name)); got != g.kind {
			t.Errorf("Detect(%s) = %q, want %q", g.name, got, g.kind)
		}
	}
	tests := []struct {
		in   string
		want Kind
	}{
		{"", KindUnknown},
		{"hello world\n", KindUnknown},
		{"config system global\n    set hostname x\nend\n", KindFortiOS},
		{"!\nversion 17.3\nhostname r1\nend\n", KindCiscoIOS},
		{"ASA Version 9.18(3) <context>\n", KindCiscoASA},
		{"ip lan1 address 192.168.0.1/24\n", KindYamahaRTX},
		{"ip filter 10 pass * * * * *\n", KindYamahaRTX},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidateGolden(t *testing.T) {
	tests := []struct {
		name string
		want Info
	}{
		{"fortios72.conf", Info{Kind: KindFortiOS, Firmware: Firmware{"FG200F", "7.2.10", "1706"}, Hostname: "fw-tokyo-01", Lines: 613,
			Counts: []Count{{"firewall policy", ClassPolicy, 21}, {"firewall address", ClassObject, 14}, {"firewall addrgrp", ClassObject, 3},
				{"firewall service custom", ClassObject, 12}, {"firewall service group", ClassObject, 2}, {"firewall vip", ClassObject, 1}}}},
		{"fortios_vdom.conf", Info{Kind: KindFortiOS, Firmware: Firmware{"FG600E", "7.2.8", "1639"}, Hostname: "fw-dc-01", Lines: 96,
			Counts: []Count{{"root: firewall policy", ClassPolicy, 1}, {"root: firewall address", ClassObject, 1},
				{"cust-a: firewall policy", ClassPolicy, 2}, {"cust-a: firewall address", ClassObject, 2}}}},
		{"rtx1220.conf", Info{Kind: KindYamahaRTX, Firmware: Firmware{Model: "RTX1220", Version: "15.04.04"}, Lines: 88,
			Counts: []Count{{"ip filter", ClassPolicy, 27}, {"ip filter dynamic", ClassPolicy, 8}}}},
		{"ios.conf", Info{Kind: KindCiscoIOS, Firmware: Firmware{Version: "15.2"}, Hostname: "rtr-nagoya-01", Lines: 76,
			Counts: []Count{{"ip access-list OUTSIDE-IN", ClassPolicy, 5}, {"object-group", ClassObject, 1},
				{"access-list 10", ClassPolicy, 1}, {"access-list 101", ClassPolicy, 3}}}},
		{"asa.conf", Info{Kind: KindCiscoASA, Firmware: Firmware{Model: "ASA5516", Version: "9.16(4)"}, Hostname: "asa-sendai-01", Lines: 60,
			Counts: []Count{{"object", ClassObject, 3}, {"object-group", ClassObject, 1},
				{"access-list OUTSIDE_IN", ClassPolicy, 4}, {"access-list INSIDE_OUT", ClassPolicy, 2}}}},
	}
	for _, tt := range tests {
		for _, kind := range []Kind{tt.want.Kind, KindUnknown} {
			got, err := Validate(kind, readTestdata(t, tt.name))
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
	}
	info, _ := Validate(KindFortiOS, readTestdata(t, "fortios72.conf"))
	if info.Total(ClassPolicy) != 21 || info.Total(ClassObject) != 32 {
		t.Errorf("totals = %d, %d", info.Total(ClassPolicy), info.Total(ClassObject))
	}
}

func TestValidateRejects(t *testing.T) {
	ios := string(readTestdata(t, "ios.conf"))
	asa := string(readTestdata(t, "asa.conf"))
	rtx := string(readTestdata(t, "rtx1220.conf"))
	tests := []struct {
		name string
		kind Kind
		in   string
		want string
	}{
		{"empty", KindCiscoIOS, "", "empty input"},
		{"unknown kind", Kind("junos"), "x", `unknown config kind "junos"`},
		{"undetectable", KindUnknown, "x", `unknown config kind ""`},
		{"ios cut", KindCiscoIOS, strings.TrimSuffix(ios, "end\n"), `line 75: missing the final "end" (truncated?)`},
		{"ios cut mid-line", KindCiscoIOS, ios[:len(ios)-2], `line 76: missing the final "end" (truncated?)`},
		{"ios pager", KindCiscoIOS, strings.Replace(ios, "hostname rtr-nagoya-01", " --More-- ", 1),
			`line 13: pager prompt "--More--" in the output (paging was on; text is missing)`},
		{"asa cut", KindCiscoASA, strings.TrimSuffix(asa, ": end\n"), `line 59: missing the final ": end" (truncated?)`},
		{"asa ios end", KindCiscoASA, strings.TrimSuffix(asa, ": end\n") + "end\n", `line 60: missing the final ": end" (truncated?)`},
		{"rtx no header", KindYamahaRTX, "ip filter 1 pass * * * * *\n", `line 1: missing "# MODEL Rev.x" header before the first command (not "show config" output, or cut at the start?)`},
		{"rtx comments only", KindYamahaRTX, "# hello\n", `line 1: missing "# MODEL Rev.x" header (not "show config" output?)`},
		{"rtx pager", KindYamahaRTX, strings.Replace(rtx, "ip filter 3000", "---つづく---\nip filter 3000", 1),
			`line 47: pager prompt "---つづく---" in the output (paging was on; text is missing)`},
		{"fortios", KindFortiOS, hdr + "config a\n", `line 2: file ends inside "config a" (truncated?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate(tt.kind, []byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestValidateCiscoTruncated cuts IOS and ASA configs at every byte: only
// cuts that keep the final end line (with or without its line break) pass.
func TestValidateCiscoTruncated(t *testing.T) {
	for _, g := range []struct {
		name string
		kind Kind
		tail string
	}{{"ios.conf", KindCiscoIOS, "\nend"}, {"asa.conf", KindCiscoASA, "\n: end"}} {
		data := readTestdata(t, g.name)
		for cut := 1; cut <= len(data); cut++ {
			_, err := Validate(g.kind, data[:cut])
			valid := strings.HasSuffix(strings.TrimRight(string(data[:cut]), "\n"), g.tail)
			if valid != (err == nil) {
				t.Errorf("%s cut at %d: err = %v", g.name, cut, err)
			}
		}
	}
}
