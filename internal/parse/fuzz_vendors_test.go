package parse_test

import (
	"strings"
	"testing"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
)

// Fuzz targets for the firewall and network vendor parsers; fuzzParser
// (fuzz_test.go) checks that they never panic, add no empty names or
// values, and give the same result whether or not the message shares
// ev.Raw.
func FuzzPANOS(f *testing.F)      { fuzzParser(f, "panos", checkPANOSColumns) }
func FuzzCiscoASA(f *testing.F)   { fuzzParser(f, "cisco_asa", nil) }
func FuzzJuniperSRX(f *testing.F) { fuzzParser(f, "juniper_srx", nil) }
func FuzzYamahaRTX(f *testing.F)  { fuzzParser(f, "yamaha_rtx", nil) }
func FuzzCheckPoint(f *testing.F) { fuzzParser(f, "checkpoint", nil) }
func FuzzSophos(f *testing.F)     { fuzzParser(f, "sophos", nil) }
func FuzzSonicWall(f *testing.F)  { fuzzParser(f, "sonicwall", nil) }
func FuzzLEEF(f *testing.F)       { fuzzParser(f, "leef", nil) }

// checkPANOSColumns checks that a parsed PAN-OS line has its type column.
func checkPANOSColumns(t *testing.T, _ []byte, r result) {
	if r.ParseError != "" {
		return
	}
	for _, f := range r.Fields {
		if f[0] == "type" {
			return
		}
	}
	t.Fatalf("parsed PAN-OS line has no type column: %v", r.Fields)
}

// FuzzPANOSRoundTrip quotes arbitrary column values the way PAN-OS does
// (commas and quotes in double quotes, "" for a quote) and checks that the
// parser gives them back.
func FuzzPANOSRoundTrip(f *testing.F) {
	f.Add("LAN to Internet, main", `say "hi"`)
	f.Add("a", "b")
	p, _ := parse.Lookup("panos")
	quote := func(v string) string {
		if strings.ContainsAny(v, `,"`) {
			return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		return v
	}
	f.Fuzz(func(t *testing.T, rule, misc string) {
		if rule == "" || misc == "" || strings.ContainsAny(rule+misc, "\r\n") {
			return
		}
		line := "1,2024/05/13 12:01:10,013201001234,THREAT,url,2561,2024/05/13 12:01:09,10.1.1.1,192.0.2.1,,," +
			quote(rule) + ",,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,,1,1,60512,80,0,0,0x0,tcp,alert," +
			quote(misc) + ",(9999),any,informational,client-to-server,1,0x0,JP,US"
		ev := &event.Event{}
		if err := p.Parse([]byte(line), nil, ev); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got, _ := ev.Get("rule"); got != rule {
			t.Fatalf("rule = %q, want %q (line %s)", got, rule, line)
		}
		if got, _ := ev.Get("misc"); got != misc {
			t.Fatalf("misc = %q, want %q (line %s)", got, misc, line)
		}
	})
}
