package devconfig

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const semBase = hdr + `config system global
    set hostname "fw1"
    set timezone 60
end
config system interface
    edit "port1"
        set ip 192.168.1.1 255.255.255.0
        config ipv6
            set ip6-address 2001:db8::1/64
        end
    next
end
config firewall address
    edit "X"
        set subnet 10.0.0.1 255.255.255.255
    next
    edit "Y"
        set subnet 10.0.0.2 255.255.255.255
    next
end
config firewall policy
    edit 12
        set srcaddr "LAN"
        set dstaddr "all"
        set action accept
        set comments "old"
    next
    edit 40
        set srcaddr "all"
        set action deny
    next
    edit 41
        set action accept
    next
    edit 42
        set action accept
    next
end
config system admin
    edit "admin"
        set password ENC AAAA
    next
end
config firewall vip
    edit "v1"
        set extip 1.2.3.4
    next
end
`

const semNew = "#config-version=FG100F-7.2.8-FW-build1639-240313:opmode=0:vdom=0:user=admin\n" + `config system global
    set hostname "fw1"
    set timezone 61
    set admintimeout 30
end
config system interface
    edit "port1"
        set ip 192.168.1.1 255.255.255.0
        config ipv6
            set ip6-address 2001:db8::2/64
        end
    next
end
config firewall address
    edit "X"
        set subnet 10.0.0.1 255.255.255.255
    next
    edit "Z"
        set subnet 10.0.0.3 255.255.255.255
    next
end
config firewall policy
    edit 42
        set action accept
    next
    edit 12
        set srcaddr "LAN" "X"
        set dstaddr "Y"
        set action deny
    next
    edit 41
        set action accept
    next
    edit 50
        set action accept
    next
end
config system admin
    edit "admin"
        set password ENC BBBB
    next
end
config router static
    edit 1
        set gateway 10.0.0.254
    next
end
`

func TestSemanticDiff(t *testing.T) {
	a, b := mustParse(t, []byte(semBase)), mustParse(t, []byte(semNew))
	got := SemanticDiff(a, b)
	want := []Change{
		{Path: "system global", Kind: SetChanged, Setting: "timezone", Old: []string{"60"}, New: []string{"61"}, OldLine: 4, NewLine: 4},
		{Path: "system global", Kind: SetAdded, Setting: "admintimeout", New: []string{"30"}, NewLine: 5},
		{Path: "system interface port1 > ipv6", Kind: SetChanged, Setting: "ip6-address",
			Old: []string{"2001:db8::1/64"}, New: []string{"2001:db8::2/64"}, OldLine: 10, NewLine: 11},
		{Path: "firewall address", Entry: "Y", Kind: EntryDeleted, OldLine: 18},
		{Path: "firewall address", Entry: "Z", Kind: EntryAdded, NewLine: 19},
		{Path: "firewall policy", Entry: "40", Kind: EntryDeleted, OldLine: 29},
		{Path: "firewall policy", Entry: "12", Kind: SetRemoved, Setting: "comments", Old: []string{"old"}, OldLine: 27},
		{Path: "firewall policy", Entry: "12", Kind: SetChanged, Setting: "srcaddr", Old: []string{"LAN"}, New: []string{"LAN", "X"},
			Added: []string{"X"}, OldLine: 24, NewLine: 28},
		{Path: "firewall policy", Entry: "12", Kind: SetChanged, Setting: "dstaddr", Old: []string{"all"}, New: []string{"Y"},
			Added: []string{"Y"}, Removed: []string{"all"}, OldLine: 25, NewLine: 29},
		{Path: "firewall policy", Entry: "12", Kind: SetChanged, Setting: "action", Old: []string{"accept"}, New: []string{"deny"}, OldLine: 26, NewLine: 30},
		{Path: "firewall policy", Entry: "50", Kind: EntryAdded, NewLine: 35},
		{Path: "firewall policy", Entry: "42", Kind: EntryMoved, Old: []string{"after", "41"}, New: []string{"before", "12"}, OldLine: 36, NewLine: 24},
		{Path: "firewall vip", Kind: BlockDeleted, OldLine: 45},
		{Path: "firewall vip", Entry: "v1", Kind: EntryDeleted, OldLine: 46},
		{Path: "router static", Kind: BlockAdded, NewLine: 44},
		{Path: "router static", Entry: "1", Kind: EntryAdded, NewLine: 45},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var en, ja []string
	for _, c := range got {
		en = append(en, c.String())
		ja = append(ja, c.Text("ja"))
	}
	wantEN := []string{
		`system global: timezone changed "60" → "61"`,
		`system global: admintimeout set to "30"`,
		`system interface port1 > ipv6: ip6-address changed "2001:db8::1/64" → "2001:db8::2/64"`,
		`firewall address Y: deleted`,
		`firewall address Z: added`,
		`firewall policy 40: deleted`,
		`firewall policy 12: comments removed (was "old")`,
		`firewall policy 12: srcaddr added "X"`,
		`firewall policy 12: dstaddr added "Y"; removed "all"`,
		`firewall policy 12: action changed "accept" → "deny"`,
		`firewall policy 50: added`,
		`firewall policy 42: moved before 12`,
		`firewall vip: section deleted`,
		`firewall vip v1: deleted`,
		`router static: section added`,
		`router static 1: added`,
	}
	if diff := cmp.Diff(wantEN, en); diff != "" {
		t.Errorf("English (-want +got):\n%s", diff)
	}
	wantJA := []string{
		`system global: timezone を "60" から "61" に変更`,
		`system global: admintimeout を "30" に設定`,
		`system interface port1 > ipv6: ip6-address を "2001:db8::1/64" から "2001:db8::2/64" に変更`,
		`firewall address Y: 削除`,
		`firewall address Z: 追加`,
		`firewall policy 40: 削除`,
		`firewall policy 12: comments を削除 (旧値 "old")`,
		`firewall policy 12: srcaddr に "X" を追加`,
		`firewall policy 12: dstaddr に "Y" を追加、"all" を削除`,
		`firewall policy 12: action を "accept" から "deny" に変更`,
		`firewall policy 50: 追加`,
		`firewall policy 42: 12 の前へ移動`,
		`firewall vip: セクション削除`,
		`firewall vip v1: 削除`,
		`router static: セクション追加`,
		`router static 1: 追加`,
	}
	if diff := cmp.Diff(wantJA, ja); diff != "" {
		t.Errorf("Japanese (-want +got):\n%s", diff)
	}
	if got := SemanticDiff(a, a); len(got) != 0 {
		t.Errorf("self diff = %v", got)
	}
}

func TestSemanticDiffDetails(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []string
	}{
		{"moves only in ordered tables",
			"config firewall address\nedit a\nnext\nedit b\nnext\nend\nconfig firewall policy\nedit 1\nnext\nedit 2\nnext\nedit 3\nnext\nend\n",
			"config firewall address\nedit b\nnext\nedit a\nnext\nend\nconfig firewall policy\nedit 3\nnext\nedit 1\nnext\nedit 2\nnext\nend\n",
			[]string{"firewall policy 3: moved before 1"}},
		{"move to the end",
			"config firewall policy\nedit 1\nnext\nedit 2\nnext\nedit 3\nnext\nend\n",
			"config firewall policy\nedit 2\nnext\nedit 3\nnext\nedit 1\nnext\nend\n",
			[]string{"firewall policy 1: moved after 3"}},
		{"list reorder and unset",
			"config firewall addrgrp\nedit g\nset member a b\nset comment x\nnext\nend\n",
			"config firewall addrgrp\nedit g\nset member b a\nunset comment\nnext\nend\n",
			[]string{`firewall addrgrp g: comment removed (was "x")`, `firewall addrgrp g: member reordered: "b" "a"`}},
		{"list removal only",
			"config firewall addrgrp\nedit \"my grp\"\nset member a b\nnext\nend\n",
			"config firewall addrgrp\nedit \"my grp\"\nset member a\nnext\nend\n",
			[]string{`firewall addrgrp "my grp": member removed "b"`}},
		{"secrets compared masked",
			"config vpn certificate local\nedit c\nset private-key \"-----BEGIN PRIVATE KEY-----\nA\n-----END PRIVATE KEY-----\"\nset password ENC x\nnext\nend\n",
			"config vpn certificate local\nedit c\nset private-key \"-----BEGIN PRIVATE KEY-----\nB\n-----END PRIVATE KEY-----\"\nset password ENC y\nset psk ENC z\nnext\nend\n",
			[]string{`vpn certificate local c: psk set to "ENC" "<masked>"`}},
		{"duplicate sections are one",
			"config firewall address\nedit a\nnext\nend\nconfig firewall address\nedit b\nnext\nend\n",
			"config firewall address\nedit b\nnext\nedit a\nnext\nend\n",
			nil},
		{"nested tables",
			"config router bgp\nset as 1\nconfig neighbor\nedit 10.0.0.1\nset remote-as 2\nnext\nend\nend\n",
			"config router bgp\nset as 1\nconfig neighbor\nedit 10.0.0.1\nset remote-as 3\nnext\nedit 10.0.0.2\nnext\nend\nend\n",
			[]string{`router bgp > neighbor 10.0.0.1: remote-as changed "2" → "3"`, `router bgp > neighbor 10.0.0.2: added`}},
		{"long values shortened",
			"config a\nset comments x\nend\n",
			"config a\nset comments " + strings.Repeat("y", 70) + "\nend\n",
			[]string{`a: comments changed "x" → "` + strings.Repeat("y", 60) + `…"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustParse(t, []byte(hdr+tt.a)), mustParse(t, []byte(hdr+tt.b))
			var got []string
			for _, c := range SemanticDiff(a, b) {
				got = append(got, c.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSemanticDiffVDOM(t *testing.T) {
	data := string(readTestdata(t, "fortios_vdom.conf"))
	changed := strings.Replace(data, "        set service \"HTTPS\"\n", "        set service \"HTTPS\" \"HTTP\"\n", 1)
	changed = strings.Replace(changed, "set hostname \"fw-dc-01\"", "set hostname \"fw-dc-02\"", 1)
	changed = strings.Replace(changed, "edit root\nnext\nedit cust-a\nnext\nend", "edit root\nnext\nedit cust-a\nnext\nedit cust-b\nnext\nend", 1)
	changed += "config vdom\nedit cust-b\nconfig firewall policy\n    edit 1\n    next\nend\nnext\nend\n"
	var got []string
	for _, c := range SemanticDiff(mustParse(t, []byte(data)), mustParse(t, []byte(changed))) {
		got = append(got, c.String())
	}
	want := []string{
		`global: system global: hostname changed "fw-dc-01" → "fw-dc-02"`,
		`vdom cust-a: firewall policy 11: service added "HTTP"`,
		`vdom cust-b: firewall policy: section added`,
		`vdom cust-b: firewall policy 1: added`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Switching VDOM mode compares the single config with root.
	single := mustParse(t, []byte(hdr+"config firewall policy\nedit 1\nset name \"mgmt-out\"\nnext\nend\n"))
	got = nil
	for _, c := range SemanticDiff(single, mustParse(t, []byte(data))) {
		if c.VDOM == "root" {
			got = append(got, c.Text("ja"))
		}
	}
	if len(got) == 0 || !strings.HasPrefix(got[0], "VDOM root: ") {
		t.Errorf("mode switch: %q", got)
	}
}

func TestLineDiff(t *testing.T) {
	rtx := string(readTestdata(t, "rtx1220.conf"))
	rtx2 := strings.Replace(rtx, "ip filter 102 reject * * tcp * telnet\n", "", 1)
	rtx2 = strings.Replace(rtx2, " ip pp mtu 1454\n", " ip pp mtu 1400\n", 1)
	rtx2 = strings.Replace(rtx2, "login password encrypted D9A2C4F0E1B37A56", "login password encrypted FFFF", 1)
	rtx2 = strings.Replace(rtx2, "# Reporting Date: Jan 15 09:00:12 2025", "# Reporting Date: Jan 16 09:00:12 2025", 1)
	rtx2 += "ip filter 104 pass * *   tcp * https\n"
	var got []string
	for _, c := range LineDiff(KindYamahaRTX, []byte(rtx), []byte(rtx2)) {
		got = append(got, c.String())
	}
	want := []string{
		`removed "ip filter 102 reject * * tcp * telnet"`,
		`pp select 1: removed "ip pp mtu 1454"`,
		`pp select 1: added "ip pp mtu 1400"`,
		`added "ip filter 104 pass * * tcp * https"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RTX (-want +got):\n%s", diff)
	}
	ios := string(readTestdata(t, "ios.conf"))
	ios2 := strings.Replace(ios, " permit icmp any any echo-reply\n", "", 1)
	ios2 = strings.Replace(ios2, "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0", "$1$zzzz$zzzz", 1)
	got = nil
	for _, c := range LineDiff(KindUnknown, []byte(ios), []byte(ios2)) {
		got = append(got, c.Text("ja"))
	}
	if diff := cmp.Diff([]string{`ip access-list extended OUTSIDE-IN: 行を削除 "permit icmp any any echo-reply"`}, got); diff != "" {
		t.Errorf("IOS (-want +got):\n%s", diff)
	}
}

func TestOrderMatters(t *testing.T) {
	for path, want := range map[string]bool{
		"firewall policy": true, "firewall policy6": true, "firewall proxy-policy": true,
		"firewall local-in-policy": true, "firewall central-snat-map": true, "system sdwan > service": true,
		"firewall address": false, "router static": false, "system interface port1 > ipv6": false,
	} {
		if got := orderMatters(path); got != want {
			t.Errorf("orderMatters(%q) = %v", path, got)
		}
	}
}
