package vulndb

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOptions(t *testing.T) {
	opt := func(name, value string) ruleOption { return ruleOption{Name: name, Value: value, HasValue: true} }
	for _, tc := range []struct {
		name, in string
		want     []ruleOption
		err      string
	}{
		{"plain", `msg:"hello"; sid:1; rev:2;`, []ruleOption{opt("msg", `"hello"`), opt("sid", "1"), opt("rev", "2")}, ""},
		{"no value", `nocase; sid:1;`, []ruleOption{{Name: "nocase"}, opt("sid", "1")}, ""},
		{"last without ;", `sid:1; rev:2`, []ruleOption{opt("sid", "1"), opt("rev", "2")}, ""},
		{"escaped ; and quote", `msg:"a\;b \"c\""; sid:1;`, []ruleOption{opt("msg", `"a\;b \"c\""`), opt("sid", "1")}, ""},
		{"unescaped ; in quotes", `msg:"a;b"; sid:1;`, []ruleOption{opt("msg", `"a;b"`), opt("sid", "1")}, ""},
		{"escaped ; outside quotes", `content:|3b|\;x; sid:1;`, []ruleOption{opt("content", `|3b|\;x`), opt("sid", "1")}, ""},
		{"pcre with quotes and parens", `pcre:"/\"(a|b)\;/i"; sid:1;`, []ruleOption{opt("pcre", `"/\"(a|b)\;/i"`), opt("sid", "1")}, ""},
		{"unbalanced quote falls back", `content:"a; sid:1;`, []ruleOption{opt("content", `"a`), opt("sid", "1")}, ""},
		{"space around", "  msg : \"x\" ;\n\tsid: 7 ;  ", []ruleOption{opt("msg", `"x"`), opt("sid", "7")}, ""},
		{"sticky buffer names", `http.uri; app-layer-protocol:http; sid:1;`, []ruleOption{{Name: "http.uri"}, opt("app-layer-protocol", "http"), opt("sid", "1")}, ""},
		{"empty", "   ", nil, ""},
		{"empty name", `msg:"x"; ; sid:1;`, nil, "option 2: empty option name"},
		{"bad name", `ms g:"x";`, nil, `option 1: bad option name "ms g"`},
		{"dangling backslash", `msg:"x"; content:abc\`, nil, "option content: backslash at end of options"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOptions(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		`"hello"`:         "hello",
		`"a\;b \"c\" \\"`: `a;b "c" \`,
		`"a\\"`:           `a\`,
		`cve,2021-41773`:  "cve,2021-41773",
		`"unterminated`:   "unterminated",
		`"x" trailing`:    "x",
		`plain\;escaped`:  "plain;escaped",
		`""`:              "",
	} {
		if got := unquote(in); got != want {
			t.Errorf("unquote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSuricataSignature(t *testing.T) {
	for _, tc := range []struct {
		name, rule string
		want       Signature
		err        string
	}{
		{
			name: "ET server rule",
			rule: `alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"ET EXPLOIT Apache HTTP Server 2.4.49 Path Traversal (CVE-2021-41773)"; flow:established,to_server; reference:cve,2021-41773; classtype:web-application-attack; sid:2034125; rev:3; metadata:affected_product Apache_HTTP_server, attack_target Web_Server, created_at 2021_10_05, cve CVE_2021_41773, deployment Perimeter;)`,
			want: Signature{Vendor: "suricata", ID: "2034125", GID: 1, Rev: 3, Action: "alert", Classtype: "web-application-attack",
				Name: "ET EXPLOIT Apache HTTP Server 2.4.49 Path Traversal (CVE-2021-41773)", CVEs: []string{"CVE-2021-41773"},
				Products: []string{"Apache_HTTP_server"}, Target: "server", TargetRaw: "Web_Server", Enabled: true},
		},
		{
			name: "attack_target wins over flow",
			rule: `alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"x"; flow:established,to_client; sid:5; metadata:attack_target Client_Endpoint, attack_target Mobile_Client;)`,
			want: Signature{Vendor: "suricata", ID: "5", GID: 1, Action: "alert", Name: "x", Target: "client", TargetRaw: "Client_Endpoint,Mobile_Client", Enabled: true},
		},
		{
			name: "attack_targets disagree",
			rule: `alert http any any -> any any (msg:"x"; sid:5; metadata:attack_target Server, attack_target Client_Endpoint;)`,
			want: Signature{Vendor: "suricata", ID: "5", GID: 1, Action: "alert", Name: "x", TargetRaw: "Server,Client_Endpoint", Enabled: true},
		},
		{
			name: "unknown attack_target falls back to flow",
			rule: `alert http any any -> any any (msg:"x"; flow:to_client,established; sid:5; metadata:attack_target Something_New;)`,
			want: Signature{Vendor: "suricata", ID: "5", GID: 1, Action: "alert", Name: "x", Target: "client", TargetRaw: "Something_New", Enabled: true},
		},
		{
			name: "IoT is a server",
			rule: `alert http any any -> any any (msg:"x"; sid:5; metadata:attack_target IoT;)`,
			want: Signature{Vendor: "suricata", ID: "5", GID: 1, Action: "alert", Name: "x", Target: "server", TargetRaw: "IoT", Enabled: true},
		},
		{
			name: "client by ports",
			rule: `alert http $EXTERNAL_NET $HTTP_PORTS -> $HOME_NET any (msg:"x"; sid:5;)`,
			want: Signature{Vendor: "suricata", ID: "5", GID: 1, Action: "alert", Name: "x", Target: "client", TargetRaw: "ports:$HTTP_PORTS -> any", Enabled: true},
		},
		{
			name: "bidirectional: no guess",
			rule: `alert tcp $EXTERNAL_NET any <> $HOME_NET 443 (msg:"x"; sid:5;)`,
			want: Signature{Vendor: "suricata", ID: "5", GID: 1, Action: "alert", Name: "x", Enabled: true},
		},
		{
			name: "port lists with spaces; all CVE spellings",
			rule: `alert tcp [$EXTERNAL_NET, !10.0.0.0/8] any -> $HOME_NET [80, 443] (msg:"CVE-2023-27997 probe"; reference:cve,CVE-2022-42475; reference:url,example.com/cve-2020-0001; sid:5; metadata:cve CVE_2018_13379, cve 2021_44228;)`,
			want: Signature{Vendor: "suricata", ID: "5", GID: 1, Action: "alert", Name: "CVE-2023-27997 probe",
				CVEs:   []string{"CVE-2018-13379", "CVE-2021-44228", "CVE-2022-42475", "CVE-2023-27997"},
				Target: "server", TargetRaw: "ports:any -> [80, 443]", Enabled: true},
		},
		{name: "no sid", rule: `alert tcp any any -> any any (msg:"x";)`, err: "no sid"},
		{name: "two sids", rule: `alert tcp any any -> any any (sid:1; sid:2;)`, err: "sid given twice"},
		{name: "zero sid", rule: `alert tcp any any -> any any (sid:0;)`, err: `bad sid "0"`},
		{name: "bad gid", rule: `alert tcp any any -> any any (sid:1; gid:x;)`, err: `bad gid "x"`},
		{name: "bad rev", rule: `alert tcp any any -> any any (sid:1; rev:-1;)`, err: `bad rev "-1"`},
		{name: "bad direction", rule: `alert tcp any any >> any any (sid:1;)`, err: `header: bad direction ">>"`},
		{name: "bad action", rule: `alarm tcp any any -> any any (sid:1;)`, err: `header: unknown action "alarm"`},
		{name: "no parens", rule: `alert tcp any any -> any any sid:1;`, err: "no (options)"},
		{name: "text after", rule: `alert tcp any any -> any any (sid:1;) junk`, err: `text "junk" after options`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := suricataSignature(tc.rule, true)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSuricataFile(t *testing.T) {
	in := strings.Join([]string{
		"# a comment",
		"## alert tcp any any -> any any (msg:\"disabled\"; \\",
		"#   sid:11;)",
		"alert tcp any any -> any any (msg:\"continued\"; \\\r",
		"   sid:12; \\",
		"   rev:3;)\r",
		"#alert this is prose (not a rule)",
		"alert tcp any any -> any any (msg:\"broken\";)",
		"alert tcp any any -> any any (msg:\"x\"; gid:2; sid:14; rev:x;)",
		"",
		"alert tcp any any -> any any (msg:\"trailing backslash at EOF\"; sid:13;) \\",
	}, "\n")
	b := &Bundle{}
	if err := parseSuricata([]byte(in), b); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range b.Signatures {
		got = append(got, s.ID+" "+s.Name+map[bool]string{true: " enabled", false: " disabled"}[s.Enabled])
	}
	want := []string{"11 disabled disabled", "12 continued enabled"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("signatures (-want +got):\n%s", diff)
	}
	wantSkipped := []string{"line 8: no sid", `line 9 (sid 14): bad rev "x"`, `line 11 (sid 13): text "\\" after options`}
	if diff := cmp.Diff(wantSkipped, b.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}
