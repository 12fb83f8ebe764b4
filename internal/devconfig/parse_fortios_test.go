package devconfig

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseFortiOSGolden(t *testing.T) {
	c := mustParse(t, readTestdata(t, "fortios72.conf"))
	wantHeader := Header{
		Model: "FG200F", Version: "7.2.10", Build: "1706", OpMode: "0", User: "admin",
		Raw:         "#config-version=FG200F-7.2.10-FW-build1706-240625:opmode=0:vdom=0:user=admin",
		ConfFileVer: "4329748165293847", BuildNo: "1706", GlobalVDOM: "1",
		Lines: []string{
			"#config-version=FG200F-7.2.10-FW-build1706-240625:opmode=0:vdom=0:user=admin",
			"#conf_file_ver=4329748165293847", "#buildno=1706", "#global_vdom=1",
		},
	}
	if diff := cmp.Diff(wantHeader, c.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if c.IsMultiVDOM() || c.VDOMs() != nil {
		t.Errorf("single-VDOM backup reported as multi-VDOM")
	}
	pol := c.Find("firewall policy")
	if len(pol) != 1 || len(pol[0].Entries) != 21 {
		t.Fatalf("firewall policy: got %d blocks", len(pol))
	}
	p1 := pol[0].Entry("1")
	if s, _ := p1.Get("srcaddr"); !cmp.Equal(s.Values, []string{"all"}) {
		t.Errorf("policy 1 srcaddr = %q", s.Values)
	}
	if s, _ := pol[0].Entry("8").Get("comments"); !cmp.Equal(s.Values, []string{"Guest Wi-Fi\nbusiness hours only"}) {
		t.Errorf("multi-line comment = %q", s.Values)
	}
	if s, _ := pol[0].Entry("12").Get("comments"); !cmp.Equal(s.Values, []string{`ticket "OPS-1234"`}) {
		t.Errorf("escaped quotes = %q", s.Values)
	}
	if s, _ := pol[0].Entry("20").Get("comments"); !cmp.Equal(s.Values, []string{`temporary\ remove after migration`}) {
		t.Errorf("escaped backslash = %q", s.Values)
	}
	if s, _ := pol[0].Entry("3").Get("service"); !cmp.Equal(s.Values, []string{"HTTPS"}) || s.Line == 0 {
		t.Errorf("policy 3 service = %+v", s)
	}
	if s, _ := c.Find("firewall service group")[0].Entry("Web Access").Get("member"); !cmp.Equal(s.Values, []string{"HTTP", "HTTPS"}) {
		t.Errorf("quoted entry name / member = %q", s.Values)
	}
	port1 := c.Find("system interface")[0].Entry("port1")
	if len(port1.Blocks) != 1 || port1.Blocks[0].Path != "ipv6" {
		t.Fatalf("port1 nested blocks = %+v", port1.Blocks)
	}
	ipv6 := port1.Blocks[0]
	if s, _ := ipv6.Get("ip6-address"); !cmp.Equal(s.Values, []string{"2001:db8:10::1/64"}) {
		t.Errorf("ipv6 ip6-address = %q", s.Values)
	}
	if len(ipv6.Blocks) != 1 || ipv6.Blocks[0].Entries[0].Name != "2001:db8:10::/64" {
		t.Errorf("nested prefix list = %+v", ipv6.Blocks)
	}
	bgp := c.Find("router bgp")[0]
	if s, _ := bgp.Get("as"); !cmp.Equal(s.Values, []string{"65010"}) || len(bgp.Blocks) != 2 {
		t.Errorf("router bgp = %+v", bgp)
	}
	cert := c.Find("vpn certificate local")[0].Entry("fw-tokyo-01-cert")
	if s, _ := cert.Get("private-key"); !strings.HasPrefix(s.Values[0], "-----BEGIN ENCRYPTED PRIVATE KEY-----\n") ||
		strings.Count(s.Values[0], "\n") != 7 || s.Line != 129 {
		t.Errorf("private key = %+v", s)
	}
	if s, _ := c.Find("system admin")[0].Entry("admin").Get("password"); len(s.Values) != 2 || s.Values[0] != "ENC" {
		t.Errorf("admin password = %q", s.Values)
	}
	if got := c.Find("firewall address")[0].Line; got != 151 {
		t.Errorf("firewall address line = %d, want 151", got)
	}
}

func TestParseFortiOSMultiVDOM(t *testing.T) {
	c := mustParse(t, readTestdata(t, "fortios_vdom.conf"))
	if !c.IsMultiVDOM() || !c.Header.VDOM {
		t.Fatal("not multi-VDOM")
	}
	if diff := cmp.Diff([]string{"root", "cust-a"}, c.VDOMs()); diff != "" {
		t.Errorf("VDOMs (-want +got):\n%s", diff)
	}
	names := func(bs []*Block) []string {
		var out []string
		for _, b := range bs {
			for _, e := range b.Entries {
				out = append(out, e.Name)
			}
		}
		return out
	}
	tests := []struct {
		vdom, path string
		want       []string
	}{
		{"", "firewall policy", []string{"1"}},
		{"root", "firewall policy", []string{"1"}},
		{"cust-a", "firewall policy", []string{"10", "11"}},
		{"cust-a", "firewall address", []string{"cust-a-lan", "cust-a-web"}},
		{"nope", "firewall policy", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, names(c.FindIn(tt.vdom, tt.path))); diff != "" {
			t.Errorf("FindIn(%q, %q) (-want +got):\n%s", tt.vdom, tt.path, diff)
		}
	}
	if diff := cmp.Diff([]string{"port1", "port2"}, names(c.FindGlobal("system interface"))); diff != "" {
		t.Errorf("FindGlobal (-want +got):\n%s", diff)
	}
	if len(c.Find("firewall policy")) != 0 {
		t.Error("Find reached into a VDOM")
	}
	single := mustParse(t, readTestdata(t, "fortios72.conf"))
	if len(single.FindIn("", "firewall policy")) != 1 || len(single.FindIn("root", "firewall policy")) != 1 ||
		len(single.FindGlobal("system global")) != 1 || single.FindIn("cust-a", "firewall policy") != nil {
		t.Error("FindIn/FindGlobal on a single-VDOM backup")
	}
}

const hdr = "#config-version=FG100F-7.2.5-FW-build1517-230606:opmode=0:vdom=0:user=admin\n"

func TestParseFortiOSErrors(t *testing.T) {
	tests := []struct {
		name, in  string
		want      string
		truncated bool
	}{
		{"empty", "", "empty input", false},
		{"blank", " \n\n", "empty input", false},
		{"no header", "config system global\nend\n", "line 1: missing #config-version= header (not a FortiOS backup?)", false},
		{"other comment first", "#hello\nconfig a\nend\n", "line 1: missing #config-version= header (not a FortiOS backup?)", false},
		{"header only", hdr, "line 1: no config blocks after the header (truncated?)", true},
		{"end without config", hdr + "end\n", "line 2: end without config", false},
		{"extra end", hdr + "config a\nend\nend\n", "line 4: end without config", false},
		{"missing end", hdr + "config system global\n    set hostname x\n", `line 3: file ends inside "config system global" (truncated?)`, true},
		{"ends in edit", hdr + "config firewall policy\n    edit 40\n        set action accept\n",
			`line 4: file ends inside "edit 40" of "config firewall policy" (truncated?)`, true},
		{"ends in nested", hdr + "config system interface\n    edit \"port1\"\n        config ipv6\n        end\n",
			`line 5: file ends inside "edit port1" of "config system interface" (truncated?)`, true},
		{"next outside edit", hdr + "config a\nnext\nend\n", `line 3: next outside an edit (inside "config a")`, false},
		{"next at top", hdr + "next\n", "line 2: next outside an edit (at top level)", false},
		{"edit outside config", hdr + "edit 1\nnext\n", "line 2: edit outside a config block", false},
		{"edit in edit", hdr + "config a\nedit 1\nedit 2\n", `line 4: "edit 2" inside "edit 1" of "config a" without "next"`, false},
		{"end in edit", hdr + "config a\nedit 1\nend\n", `line 4: end inside "edit 1" of "config a" without "next"`, false},
		{"set at top", hdr + "set a b\n", "line 2: set outside a config block", false},
		{"unknown", hdr + "config a\n    se\n", `line 3: unknown command "se" inside "config a"`, false},
		{"config no path", hdr + "config\n", "line 2: config without a path", false},
		{"edit two names", hdr + "config a\nedit a b\n", "line 3: edit needs exactly one name, got 2 words", false},
		{"unterminated quote", hdr + "config a\n    set comments \"abc\ndef\n",
			"line 4: quoted value opened on line 3 never closes (truncated?)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFortiOS([]byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.Error() != tt.want || se.Truncated != tt.truncated {
				t.Errorf("err = %q truncated=%v, want %q truncated=%v", se.Error(), se.Truncated, tt.want, tt.truncated)
			}
		})
	}
}

func TestParseFortiOSAccepts(t *testing.T) {
	in := "\xef\xbb\xbf" + strings.ReplaceAll(hdr+`#conf_file_ver=1
config system global
    set hostname "a b"
    unset alias
    set empty ""
    set esc a\ b
end
# a comment between blocks
config firewall addrgrp
    edit "g"
        set member "x" "y z"
        set comment "line1
line2 \"q\" \\"
    next
end
`, "\n", "\r\n")
	c := mustParse(t, []byte(in))
	want := &Config{
		Header: Header{Model: "FG100F", Version: "7.2.5", Build: "1517", OpMode: "0", User: "admin",
			Raw: strings.TrimSpace(hdr), ConfFileVer: "1", Lines: []string{strings.TrimSpace(hdr), "#conf_file_ver=1"}},
		Blocks: []*Block{
			{Path: "system global", Line: 3, Sets: []Setting{
				{Verb: "set", Name: "hostname", Values: []string{"a b"}, Line: 4},
				{Verb: "unset", Name: "alias", Line: 5},
				{Verb: "set", Name: "empty", Values: []string{""}, Line: 6},
				{Verb: "set", Name: "esc", Values: []string{"a b"}, Line: 7},
			}},
			{Path: "firewall addrgrp", Line: 10, Entries: []*Entry{{Name: "g", Line: 11, Sets: []Setting{
				{Verb: "set", Name: "member", Values: []string{"x", "y z"}, Line: 12},
				{Verb: "set", Name: "comment", Values: []string{"line1\nline2 \"q\" \\"}, Line: 13},
			}}}},
		},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestParseFortiOSTruncated cuts the golden backup at every line boundary
// and at points inside lines: a cut is accepted only when it falls right
// after a top-level "end" (the file is then a shorter valid backup).
func TestParseFortiOSTruncated(t *testing.T) {
	data := readTestdata(t, "fortios72.conf")
	topEnds := map[int]bool{} // byte offsets just after a top-level "end\n"
	depth := 0
	off := 0
	for _, l := range strings.SplitAfter(string(data), "\n") {
		off += len(l)
		if strings.HasPrefix(l, "config ") {
			depth++
		}
		if l == "end\n" {
			depth--
			if depth == 0 {
				topEnds[off] = true
			}
		}
	}
	if len(topEnds) < 20 {
		t.Fatalf("only %d top-level ends found", len(topEnds))
	}
	check := func(cut int) {
		_, err := ParseFortiOS(data[:cut])
		valid := topEnds[cut] || topEnds[cut+1] && data[cut] == '\n'
		if valid && err != nil {
			t.Errorf("cut at %d (after a top-level end) rejected: %v", cut, err)
		}
		if !valid && err == nil {
			t.Errorf("cut at %d accepted: ...%q", cut, data[max(0, cut-40):cut])
		}
	}
	lines := 0
	for i := range data {
		if data[i] == '\n' {
			check(i + 1)
			lines++
			if lines%7 == 0 {
				// a few mid-line points too
				for _, back := range []int{2, 5} {
					if i-back > 0 {
						check(i - back)
					}
				}
			}
		}
	}
	check(len(data))
	// every byte offset in the last 400 bytes and the first 400
	for cut := 1; cut < 400; cut++ {
		check(cut)
		check(len(data) - cut)
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, name := range []string{"fortios72.conf", "fortios_vdom.conf"} {
		c := mustParse(t, readTestdata(t, name))
		again := mustParse(t, Format(c))
		opt := cmpopts.IgnoreFields(Setting{}, "Line")
		opts := cmp.Options{opt, cmpopts.IgnoreFields(Block{}, "Line"), cmpopts.IgnoreFields(Entry{}, "Line")}
		if diff := cmp.Diff(c, again, opts); diff != "" {
			t.Errorf("%s: (-parsed +reparsed):\n%s", name, diff)
		}
	}
}

func TestQuoteWord(t *testing.T) {
	for _, s := range []string{"", "a", "a b", `a"b`, `a\b`, "a\nb", "#x", "'", "ENC"} {
		in := hdr + "config a\nset x " + quoteWord(s) + "\nend\n"
		c := mustParse(t, []byte(in))
		if got, _ := c.Blocks[0].Get("x"); !cmp.Equal(got.Values, []string{s}) {
			t.Errorf("quoteWord(%q) = %s reads back as %q", s, quoteWord(s), got.Values)
		}
	}
}

func ExampleParseFortiOS() {
	c, err := ParseFortiOS([]byte(hdr + "config firewall policy\n    edit 12\n        set srcaddr \"LAN net\" \"h1\"\n"))
	fmt.Println(err)
	_ = c
	// Output: line 4: file ends inside "edit 12" of "config firewall policy" (truncated?)
}
