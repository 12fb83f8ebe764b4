package devconfig

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dropPolicies removes the firewall policies with these ids from a backup.
func dropPolicies(data string, ids ...int) string {
	for _, id := range ids {
		re := regexp.MustCompile(fmt.Sprintf(`(?s)\n    edit %d\n.*?\n    next`, id))
		data = re.ReplaceAllString(data, "")
	}
	return data
}

func TestSummarizeFortiOS(t *testing.T) {
	base := string(readTestdata(t, "fortios72.conf"))
	upgraded := func(s string) string {
		return strings.Replace(s, "FG200F-7.2.10-FW-build1706", "FG200F-7.4.4-FW-build2662", 1)
	}
	tests := []struct {
		name         string
		newData      string
		severity     string
		en, ja       string
		policiesGone int
	}{
		{"re-export", string(reexport([]byte(base), 9)), SeverityLow,
			"no policy or object changes", "ポリシー・オブジェクトの変更なし", 0},
		{"hostname", strings.Replace(base, `"fw-tokyo-01"`, `"fw-tokyo-02"`, 1), SeverityLow,
			"no policy or object changes", "ポリシー・オブジェクトの変更なし", 0},
		{"one policy changed", strings.Replace(base, "set action accept", "set action deny", 1), SeverityMedium,
			"rule changes: firewall policy +0 -0 ~1", "ルール変更: firewall policy 追加0 削除0 変更1", 0},
		{"four policies removed (19%)", dropPolicies(base, 2, 3, 4, 5), SeverityMedium,
			"rule changes: firewall policy +0 -4 ~0", "ルール変更: firewall policy 追加0 削除4 変更0", 4},
		{"five policies removed (24%)", dropPolicies(base, 2, 3, 4, 5, 6), SeverityCritical,
			"24% of policies removed (5 of 21; 16 left)", "ポリシーの24%が削除されました(21件中5件、残り16件)", 5},
		{"upgrade wipe", upgraded(dropPolicies(base, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)), SeverityCritical,
			"90% of policies removed (19 of 21; 2 left) in the same step as a firmware change FG200F 7.2.10 build1706 → FG200F 7.4.4 build2662: possible upgrade wipe",
			"ポリシーの90%が削除されました(21件中19件、残り2件)。同じ取得でファームウェアが FG200F 7.2.10 build1706 から FG200F 7.4.4 build2662 に変わっています。アップグレードによる設定消失の可能性があります", 19},
		{"upgrade only", upgraded(base), SeverityLow,
			"no policy or object changes; firmware FG200F 7.2.10 build1706 → FG200F 7.4.4 build2662",
			"ポリシー・オブジェクトの変更なし、ファームウェア FG200F 7.2.10 build1706 → FG200F 7.4.4 build2662", 0},
		{"objects wiped", regexp.MustCompile(`(?s)config firewall service custom\n.*?\nend\n`).ReplaceAllString(base, ""), SeverityCritical,
			"38% of objects removed (12 of 32; 20 left)", "オブジェクトの38%が削除されました(32件中12件、残り20件)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Summarize(KindFortiOS, []byte(base), []byte(tt.newData))
			if err != nil {
				t.Fatal(err)
			}
			if s.Severity() != tt.severity || s.Reason("en") != tt.en || s.Reason("ja") != tt.ja || s.PoliciesRemoved != tt.policiesGone {
				t.Errorf("got %s %q / %q, %d removed; want %s %q / %q, %d", s.Severity(), s.Reason("en"), s.Reason("ja"),
					s.PoliciesRemoved, tt.severity, tt.en, tt.ja, tt.policiesGone)
			}
		})
	}
}

func TestSummarizeSections(t *testing.T) {
	s, err := Summarize(KindUnknown, readTestdata(t, "fortios_vdom.conf"),
		[]byte(strings.Replace(string(readTestdata(t, "fortios_vdom.conf")), "edit \"cust-a-web\"", "edit \"cust-a-www\"", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{
		Kind:           KindFortiOS,
		FirmwareBefore: Firmware{"FG600E", "7.2.8", "1639"}, FirmwareAfter: Firmware{"FG600E", "7.2.8", "1639"},
		Sections: []SectionSummary{
			{Section: "root: firewall policy", Class: ClassPolicy, Before: 1, After: 1},
			{Section: "root: firewall address", Class: ClassObject, Before: 1, After: 1},
			{Section: "cust-a: firewall policy", Class: ClassPolicy, Before: 2, After: 2},
			{Section: "cust-a: firewall address", Class: ClassObject, Before: 2, After: 2, Added: 1, Removed: 1},
		},
		PoliciesBefore: 3, PoliciesAfter: 3, ObjectsBefore: 3, ObjectsAfter: 3, ObjectsRemoved: 1, RulesChanged: true,
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s.Severity() != SeverityCritical { // 1 of 3 objects is 33%
		t.Errorf("severity = %s", s.Severity())
	}
}

func TestSummarizeLineBased(t *testing.T) {
	// IOS with a large ACL and a small one that goes near-empty: 8 of 110
	// entries is under 20%, but a ruleset of 10 keeping 2 is critical.
	ios := func(big, small int) string {
		var b strings.Builder
		b.WriteString("version 15.2\nhostname r\n!\nip access-list extended BIG\n")
		for i := range big {
			fmt.Fprintf(&b, " permit tcp any host 10.0.0.%d eq 443\n", i)
		}
		b.WriteString("!\n")
		for i := range small {
			fmt.Fprintf(&b, "access-list 120 permit ip host 10.1.0.%d any\n", i)
		}
		b.WriteString("end\n")
		return b.String()
	}
	tests := []struct {
		name     string
		kind     Kind
		old, new string
		severity string
		en       string
	}{
		{"ios near-empty", KindCiscoIOS, ios(100, 10), ios(100, 2), SeverityCritical, "access-list 120 went from 10 to 2 entries"},
		{"ios section over 20%", KindCiscoIOS, ios(100, 20), ios(100, 15), SeverityCritical, "25% of access-list 120 removed (5 of 20)"},
		{"ios small change", KindCiscoIOS, ios(100, 10), ios(99, 10), SeverityMedium, "rule changes: ip access-list BIG +0 -1 ~0"},
		{"rtx filters", KindYamahaRTX, string(readTestdata(t, "rtx1220.conf")),
			regexp.MustCompile(`(?m)^ip filter 2000\d\d .*\n`).ReplaceAllString(string(readTestdata(t, "rtx1220.conf")), ""),
			SeverityCritical, "54% of policies removed (19 of 35; 16 left)"},
		{"rtx one filter", KindYamahaRTX, string(readTestdata(t, "rtx1220.conf")),
			strings.Replace(string(readTestdata(t, "rtx1220.conf")), "ip filter 102 reject * * tcp * telnet", "ip filter 102 pass * * tcp * telnet", 1),
			SeverityMedium, "rule changes: ip filter +1 -1 ~0"},
		{"asa object changed", KindCiscoASA, string(readTestdata(t, "asa.conf")),
			strings.Replace(string(readTestdata(t, "asa.conf")), "host 10.30.0.80", "host 10.30.0.81", 1),
			SeverityMedium, "rule changes: object +0 -0 ~1"},
	}
	for _, tt := range tests {
		s, err := Summarize(tt.kind, []byte(tt.old), []byte(tt.new))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if s.Severity() != tt.severity || s.Reason("en") != tt.en {
			t.Errorf("%s: %s %q, want %s %q", tt.name, s.Severity(), s.Reason("en"), tt.severity, tt.en)
		}
	}
}

func TestSummarizeRejects(t *testing.T) {
	good := readTestdata(t, "ios.conf")
	if _, err := Summarize(KindCiscoIOS, good, good[:len(good)-4]); err == nil || !strings.HasPrefix(err.Error(), "new config: line ") {
		t.Errorf("truncated new config: err = %v", err)
	}
	if _, err := Summarize(KindCiscoIOS, []byte("x"), good); err == nil || !strings.HasPrefix(err.Error(), "old config: ") {
		t.Errorf("bad old config: err = %v", err)
	}
}
