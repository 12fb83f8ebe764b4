package sigma

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
)

// ruleText wraps a detection body (indented by four spaces) into a rule.
func ruleText(detection string) string {
	var b strings.Builder
	b.WriteString("title: test rule\nid: test\nlogsource:\n    product: test\ndetection:\n")
	for _, l := range strings.Split(strings.Trim(detection, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// compileOne builds an engine for one rule text, failing the test on refusal.
func compileOne(t *testing.T, text string, opts Options) *Engine {
	t.Helper()
	s := NewRuleSet()
	s.AddFile("test.yml", []byte(text))
	if errs := s.Refused(); len(errs) > 0 {
		t.Fatalf("refused: %v\n%s", errs[0], text)
	}
	e, errs := NewEngine(s, opts)
	if len(errs) > 0 {
		t.Fatalf("engine refused: %v", errs[0])
	}
	return e
}

func matches(e *Engine, ev Event) bool {
	return len(e.Match(AnyLogSource, ev, nil)) > 0
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return string(b)
}

func TestValueModifiers(t *testing.T) {
	type probe struct {
		ev   Event
		want bool
	}
	f := func(v string) MapEvent { return MapEvent{"f": v} }
	tests := []struct {
		name   string
		det    string
		probes []probe
	}{
		{"equal is case-insensitive", `sel: {f: 'C:\Windows\System32\cmd.exe'}`, []probe{
			{f(`c:\windows\system32\CMD.EXE`), true}, {f(`C:\Windows\System32\cmd.exe `), false}, {f(`x`), false}, {MapEvent{}, false}}},
		{"unicode case folding", `sel: {f: 'ÄÖÜ straße'}`, []probe{{f("äöü STRASSE"), false}, {f("äöü STRAßE"), true}}},
		{"star wildcard", `sel: {f: '*\cmd.exe'}`, []probe{{f(`C:\x\cmd.exe`), true}, {f(`cmd.exe`), false}, {f(`\cmd.exe`), true}}},
		{"question mark is one character", `sel: {f: 'prog?.exe'}`, []probe{{f("progA.exe"), true}, {f("prog.exe"), false}, {f("progAB.exe"), false}, {f("progé.exe"), true}}},
		{"inner stars", `sel: {f: 'a*b*c'}`, []probe{{f("abc"), true}, {f("aXbYc"), true}, {f("aXcYb"), false}, {f("abcabc"), true}, {f("ab"), false}}},
		{"escaped star is literal", `sel: {f: 'a\*b'}`, []probe{{f("a*b"), true}, {f("axb"), false}}},
		{"escaped question mark", `sel: {f: 'why\?'}`, []probe{{f("why?"), true}, {f("whyX"), false}}},
		{"backslash before plain character", `sel: {f: 'C:\Windows'}`, []probe{{f(`C:\Windows`), true}}},
		{"double backslash is one", `sel: {f: 'C:\\Windows'}`, []probe{{f(`C:\Windows`), true}, {f(`C:\\Windows`), false}}},
		{"escaped backslash then wildcard", `sel: {f: 'dir\\*'}`, []probe{{f(`dir\anything`), true}, {f(`dir\`), true}, {f(`dir*`), false}}},
		{"three backslashes: backslash and literal star", `sel: {f: 'dir\\\*'}`, []probe{{f(`dir\*`), true}, {f(`dir\x`), false}}},
		{"four backslashes are two", `sel: {f: '\\\\server\share'}`, []probe{{f(`\\server\share`), true}, {f(`\server\share`), false}}},
		{"empty value", `sel: {f: ''}`, []probe{{f(""), true}, {f("x"), false}, {MapEvent{}, false}}},
		{"number", `sel: {f: 4688}`, []probe{{f("4688"), true}, {f("46880"), false}}},
		{"list is OR", `sel: {f: [a, b]}`, []probe{{f("a"), true}, {f("B"), true}, {f("c"), false}}},
		{"contains", `sel: {f|contains: 'mimi'}`, []probe{{f("xMimiKatz"), true}, {f("mim"), false}}},
		{"contains keeps inner wildcards", `sel: {f|contains: 'a*z'}`, []probe{{f("--a-z--"), true}, {f("--z-a--"), false}}},
		{"startswith", `sel: {f|startswith: 'adm_'}`, []probe{{f("ADM_x"), true}, {f("x_adm_"), false}}},
		{"endswith", `sel: {f|endswith: '.exe'}`, []probe{{f("a.EXE"), true}, {f("a.exe.txt"), false}}},
		{"all", `sel: {f|contains|all: [' -a ', ' -b ']}`, []probe{{f("x -b -a y"), true}, {f("x -b y"), false}, {f("x -a  -b "), true}, {f(" -a "), false}}},
		{"cased", `sel: {f|cased: 'CMD'}`, []probe{{f("CMD"), true}, {f("cmd"), false}}},
		{"cased contains", `sel: {f|contains|cased: 'Evil'}`, []probe{{f("xEvilx"), true}, {f("xevilx"), false}}},
		{"neq", `sel: {f|neq: 'a'}`, []probe{{f("b"), true}, {f("A"), false}, {MapEvent{}, false}}},
		{"neq list", `sel: {f|neq: [a, b]}`, []probe{{f("c"), true}, {f("b"), false}}},
		{"base64", `sel: {f|base64: 'abc'}`, []probe{{f("YWJj"), true}, {f("xYWJj"), false}}},
		{"base64 contains", `sel: {f|base64|contains: 'http://'}`, []probe{{f("x " + b64("http://") + " y"), true}, {f(b64("https://")), false}}},
		{"base64offset contains, offset 0", `sel: {f|base64offset|contains: 'http://evil'}`, []probe{{f(b64("http://evil.example/x")), true}}},
		{"base64offset contains, offset 1", `sel: {f|base64offset|contains: 'http://evil'}`, []probe{{f(b64("Xhttp://evil.example/x")), true}}},
		{"base64offset contains, offset 2", `sel: {f|base64offset|contains: 'http://evil'}`, []probe{{f(b64("XYhttp://evil.example/x")), true}, {f(b64("XYhttp://good.example/x")), false}}},
		{"wide base64offset", `sel: {f|wide|base64offset|contains: 'IEX ('}`, []probe{
			{f("-enc " + b64(utf16le("$a=1;IEX (New-Object Net.WebClient)"))), true},
			{f("-enc " + b64(utf16le("$a=12;IEX (New-Object Net.WebClient)"))), true},
			{f("-enc " + b64("IEX (New-Object Net.WebClient)")), false}}},
		{"all with base64offset: one offset of each value", `sel: {f|base64offset|contains|all: ['first-part', 'second-part']}`, []probe{
			{f(b64("X first-part") + " " + b64("YZ second-part")), true}, {f(b64("X first-part")), false}}},
		{"utf16le", `sel: {f|utf16le|base64: 'cmd'}`, []probe{{f(b64(utf16le("cmd"))), true}}},
		{"utf16be", `sel: {f|utf16be|base64: 'cmd'}`, []probe{{f(b64("\x00c\x00m\x00d")), true}}},
		{"utf16 with byte order mark", `sel: {f|utf16|base64: 'cmd'}`, []probe{{f(b64("\xff\xfec\x00m\x00d\x00")), true}}},
		{"windash", `sel: {f|windash|contains: ' -enc '}`, []probe{
			{f("powershell -enc x"), true}, {f("powershell /enc x"), true}, {f("powershell –enc x"), true},
			{f("powershell —enc x"), true}, {f("powershell ―enc x"), true}, {f("powershell enc x"), false}}},
		{"windash two dashes", `sel: {f|windash|contains: '-a -b'}`, []probe{{f("/a -b"), true}, {f("/a /b"), true}, {f("-a b"), false}}},
		{"re", `sel: {f|re: '^a.c$'}`, []probe{{f("abc"), true}, {f("ABC"), false}, {f("abcd"), false}}},
		{"re searches", `sel: {f|re: 'b+'}`, []probe{{f("abbbc"), true}}},
		{"re i", `sel: {f|re|i: '^a.c$'}`, []probe{{f("ABC"), true}}},
		{"re m", `sel: {f|re|m: '^second$'}`, []probe{{f("first\nsecond\nthird"), true}}},
		{"re without m", `sel: {f|re: '^second$'}`, []probe{{f("first\nsecond\nthird"), false}}},
		{"re s", `sel: {f|re|s: 'a.b'}`, []probe{{f("a\nb"), true}}},
		{"re without s", `sel: {f|re: 'a.b'}`, []probe{{f("a\nb"), false}}},
		{"cidr v4", `sel: {f|cidr: '10.0.0.0/8'}`, []probe{{f("10.1.2.3"), true}, {f("11.0.0.1"), false}, {f("::ffff:10.0.0.1"), true}, {f("not an ip"), false}}},
		{"cidr v6", `sel: {f|cidr: 'fe80::/10'}`, []probe{{f("fe80::1"), true}, {f("FE80::abcd"), true}, {f("2001:db8::1"), false}, {f("10.0.0.1"), false}}},
		{"cidr list", `sel: {f|cidr: ['192.168.0.0/16', '2001:db8::/32']}`, []probe{{f("192.168.1.1"), true}, {f("2001:db8::5"), true}, {f("8.8.8.8"), false}}},
		{"lt", `sel: {f|lt: 10}`, []probe{{f("9"), true}, {f("10"), false}, {f("9.5"), true}, {f("x"), false}}},
		{"lte", `sel: {f|lte: 10}`, []probe{{f("10"), true}, {f("11"), false}}},
		{"gt", `sel: {f|gt: 1.5}`, []probe{{f("2"), true}, {f("1.5"), false}, {f("1e3"), true}}},
		{"gte", `sel: {f|gte: 443}`, []probe{{f("443"), true}, {f("0x1bb"), true}, {f("442"), false}}},
		{"exists true", `sel: {f|exists: true}`, []probe{{f(""), true}, {MapEvent{"g": "x"}, false}}},
		{"exists false", `sel: {f|exists: false}`, []probe{{f("x"), false}, {MapEvent{"g": "x"}, true}}},
		{"null", `sel: {f: null}`, []probe{{MapEvent{"g": "x"}, true}, {f(""), false}, {f("x"), false}}},
		{"fieldref", `sel: {f|fieldref: g}`, []probe{{MapEvent{"f": "ABC", "g": "abc"}, true}, {MapEvent{"f": "a", "g": "b"}, false}, {MapEvent{"f": "a"}, false}}},
		{"fieldref endswith", `sel: {f|fieldref|endswith: g}`, []probe{{MapEvent{"f": `C:\x\evil.exe`, "g": "EVIL.exe"}, true}, {MapEvent{"f": "evil.exe.bak", "g": "evil.exe"}, false}}},
		{"fieldref cased", `sel: {f|fieldref|cased: g}`, []probe{{MapEvent{"f": "A", "g": "a"}, false}, {MapEvent{"f": "A", "g": "A"}, true}}},
		{"hour", `sel: {f|hour: 3}`, []probe{{f("2024-05-01T03:15:00Z"), true}, {f("2024-05-01T04:15:00Z"), false}, {f("garbage"), false}}},
		{"hour gte", `sel: {f|hour|gte: 22}`, []probe{{f("2024-05-01 23:00:00"), true}, {f("2024-05-01 21:59:59"), false}}},
		{"day, month, year, minute, week", `sel: {a|day: 31, b|month: 12, c|year: 2024, d|minute: 59, e|week: 1}`, []probe{
			{MapEvent{"a": "2024-12-31T00:00:00Z", "b": "2024-12-31T00:00:00Z", "c": "2024-12-31T00:00:00Z", "d": "2024-12-31T00:59:00Z", "e": "2024-12-31T00:00:00Z"}, true}}},
		{"field names with dots", `sel: {'source.ip': '10.0.0.1'}`, []probe{{MapEvent{"source.ip": "10.0.0.1"}, true}}},
		{"map is AND", `sel: {f: a, g: b}`, []probe{{MapEvent{"f": "a", "g": "b"}, true}, {MapEvent{"f": "a", "g": "c"}, false}}},
		{"list of maps is OR", "sel:\n    - f: a\n    - g: b", []probe{{MapEvent{"g": "b"}, true}, {MapEvent{"f": "b"}, false}}},
		{"keywords", "keywords:\n    - 'event::clear'\n    - 'evil*tool'", []probe{
			{MapEvent{"msg": "mimikatz event::clear"}, true}, {MapEvent{"x": "y", "cmd": "an EVIL little tool"}, true}, {MapEvent{"msg": "nothing"}, false}}},
		{"keyword all", "keywords:\n    '|all':\n        - 'OabVirtualDirectory'\n        - ' -ExternalUrl '", []probe{
			{MapEvent{"a": "Set-OabVirtualDirectory", "b": "x -ExternalUrl y"}, true}, {MapEvent{"a": "Set-OabVirtualDirectory"}, false}}},
		{"keyword scalar", `keywords: 'needle'`, []probe{{MapEvent{"a": "haystack NEEDLE"}, true}}},
		{"keyword with modifier", "keywords:\n    '|re': 'ab+c'", []probe{{MapEvent{"a": "xabbbc"}, true}, {MapEvent{"a": "ac"}, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := compileOne(t, ruleText(tc.det+"\ncondition: "+firstIdent(tc.det)), Options{})
			for _, p := range tc.probes {
				if got := matches(e, p.ev); got != p.want {
					t.Errorf("%v: got %v, want %v", p.ev, got, p.want)
				}
			}
		})
	}
}

func firstIdent(det string) string {
	i := strings.IndexAny(det, ":")
	return strings.TrimSpace(det[:i])
}

func TestExpand(t *testing.T) {
	text := ruleText("sel:\n    f|expand: '%Admins%'\n    g|contains|expand: '\\%plain%svc%'\n    h|contains|all|expand: ['%svc%', 'x']\ncondition: sel")
	s := NewRuleSet()
	s.AddFile("x.yml", []byte(text))
	if len(s.Refused()) != 0 {
		t.Fatal(s.Refused())
	}
	if got := s.Rules()[0].Placeholders(); strings.Join(got, ",") != "Admins,svc" {
		t.Errorf("placeholders %v", got)
	}
	if _, errs := NewEngine(s, Options{}); len(errs) != 1 || !strings.Contains(errs[0].Msg, "placeholder %Admins% has no values") {
		t.Errorf("without placeholders: %v", errs)
	}
	e, errs := NewEngine(s, Options{Placeholders: map[string][]string{"Admins": {"root", "adm_*"}, "svc": {"sql", "web"}}})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	for _, p := range []struct {
		ev   MapEvent
		want bool
	}{
		{MapEvent{"f": "root", "g": "x%plainweb", "h": "web-x"}, true},
		{MapEvent{"f": "adm_bob", "g": "%PLAINsql", "h": "x sql"}, true},
		{MapEvent{"f": "bob", "g": "%plainsql", "h": "x sql"}, false},
		{MapEvent{"f": "root", "g": "plainsql", "h": "x sql"}, false},
		{MapEvent{"f": "root", "g": "%plainsql", "h": "sql web"}, false},
	} {
		if got := matches(e, p.ev); got != p.want {
			t.Errorf("%v: got %v, want %v", p.ev, got, p.want)
		}
	}
}

func TestJSONEvent(t *testing.T) {
	ev, err := ParseJSONEvent([]byte(`{
		"a": {"b": {"c": "deep"}}, "a.x": "flat", "n": 42, "f": 1.50, "t": true, "z": null,
		"list": ["one", "two"], "objs": [{"k": "v1"}, {"k": "v2"}],
		"Event": {"System": {"EventID": 1, "Provider": {"#attributes": {"Name": "Sysmon"}}, "Level": 4},
		          "EventData": {"Image": "C:\\x.exe", "Source Name": "RTP", "Level": "data"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		want  []string
		found bool
	}{
		{"a.b.c", []string{"deep"}, true},
		{"a.x", []string{"flat"}, true},
		{"n", []string{"42"}, true},
		{"f", []string{"1.50"}, true},
		{"t", []string{"true"}, true},
		{"z", nil, true},
		{"missing", nil, false},
		{"list", []string{"one", "two"}, true},
		{"objs.k", []string{"v1", "v2"}, true},
		{"Event.System.EventID", []string{"1"}, true},
		{"EventID", []string{"1"}, true},
		{"Provider_Name", []string{"Sysmon"}, true},
		{"Event.System.Provider_Name", []string{"Sysmon"}, true},
		{"Image", []string{`C:\x.exe`}, true},
		{"SourceName", []string{"RTP"}, true},
		{"Source Name", []string{"RTP"}, true},
		{"Level", []string{"4", "data"}, true},
	} {
		got, found := ev.Lookup(tc.field, nil)
		if found != tc.found || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: got %q %v, want %q %v", tc.field, got, found, tc.want, tc.found)
		}
	}
	// Range sees what Lookup finds (aliases included), and no nulls.
	seen := map[string]bool{}
	ev.Range(func(name, value string) bool { seen[name] = true; return true })
	for _, n := range []string{"a.b.c", "EventID", "Image", "SourceName", "list"} {
		if !seen[n] {
			t.Errorf("Range did not visit %s", n)
		}
	}
	if seen["z"] {
		t.Error("Range visited a null")
	}
	// exists sees nulls, null matches them.
	e := compileOne(t, ruleText("sel:\n    z|exists: true\n    missing: null\n    z: null\ncondition: sel"), Options{})
	if !matches(e, ev) {
		t.Error("exists/null on a JSON null")
	}
}
