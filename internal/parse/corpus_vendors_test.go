package parse_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
	"github.com/sekimori/sekimori/internal/syslog"
)

// vendorSource is one corpus file of firewall or network vendor lines.
type vendorSource struct {
	vendor string // row of the table
	parser string // parser name
	// observer is the observer.vendor a recognised line must have.
	observer string
	path     string // under corpusDir
	wazuh    bool   // a wazuh ruleset test: "log N pass|fail = <line>"
	// only keeps the lines (of a wazuh file) that contain it.
	only string
}

var vendorSources = []vendorSource{
	{"panos", "panos", "Palo Alto Networks", "wazuh/ruleset-testing-v4.14.7/paloalto.ini", true, ""},
	{"panos", "panos", "Palo Alto Networks", "crowdsec-hub/palo-alto-threat/palo-alto-threat.log", false, ""},
	{"cisco_asa", "cisco_asa", "Cisco", "wazuh/ruleset-testing-v4.14.7/cisco_asa.ini", true, ""},
	{"cisco_ftd", "cisco_asa", "Cisco", "wazuh/ruleset-testing-v4.14.7/cisco_ftd.ini", true, ""},
	{"cisco_pix", "cisco_asa", "Cisco", "wazuh/ruleset-testing-v4.14.7/pix.ini", true, ""},
	{"juniper_srx", "juniper_srx", "Juniper", "wazuh/ruleset-testing-v4.14.7/junos.ini", true, ""},
	{"checkpoint", "checkpoint", "Check Point", "wazuh/ruleset-testing-v4.14.7/checkpoint_smart1.ini", true, ""},
	{"sophos", "sophos", "Sophos", "wazuh/ruleset-testing-v4.14.7/sophos_fw.ini", true, ""},
	{"sophos", "sophos", "Sophos", "wazuh/ruleset-testing-v4.14.7/sophos.ini", true, ""},
	{"sophos", "sophos", "Sophos", "elastic-integrations/sophos_xg/test-sophos-18-5-firewall.log", false, ""},
	{"sonicwall", "sonicwall", "SonicWall", "wazuh/ruleset-testing-v4.14.7/SonicWall.ini", true, ""},
	{"leef", "leef", "Panda Security", "wazuh/ruleset-testing-v4.14.7/panda_paps.ini", true, "LEEF:"},
}

// crowdsecPANOS maps the names of CrowdSec's palo-alto-threat-log parser
// (Evt.Parsed and Evt.Meta) to ours. CrowdSec names the columns itself;
// ours are Palo Alto's documented variables.
var crowdsecPANOS = map[string]string{
	"pan_reserved":                     "future_use1",
	"generation_timestamp":             "time_generated",
	"serial_number":                    "serial",
	"log_type":                         "type",
	"log_subtype":                      "subtype",
	"pan_unknown":                      "future_use2",
	"src_ip":                           "src",
	"dst_ip":                           "dst",
	"nat_src_ip":                       "natsrc",
	"nat_dst_ip":                       "natdst",
	"rule":                             "rule",
	"app":                              "app",
	"vsys":                             "vsys",
	"src_zone":                         "from",
	"dst_zone":                         "to",
	"ingress_int":                      "inbound_if",
	"egress_int":                       "outbound_if",
	"log_fwd_profile":                  "logset",
	"session_id":                       "sessionid",
	"repeat_count":                     "repeatcnt",
	"src_port":                         "sport",
	"dst_port":                         "dport",
	"nat_src_port":                     "natsport",
	"nat_dst_port":                     "natdport",
	"pan_log_flags":                    "flags",
	"ip_proto":                         "proto",
	"action":                           "action",
	"url_or_filename":                  "misc",
	"threat_id":                        "threatid",
	"url_category_or_wildfire_verdict": "category",
	"severity":                         "severity",
	"direction":                        "direction",
	"log_seq_num":                      "seqno",
	"fwd_to_panorama":                  "actionflags",
	"src_country":                      "srcloc",
	"dst_country":                      "dstloc",
	// CrowdSec calls the column after Content Type "file_hash"; Palo Alto
	// documents it as PCAP_ID (the file digest is the column after).
	"file_hash":       "pcap_id",
	"syslog_hostname": "log.syslog.hostname",
	// Meta
	"Meta.source_ip":            "source.ip",
	"Meta.rule_name":            "rule",
	"Meta.application":          "network.application",
	"Meta.severity":             "log.level",
	"Meta.source_location":      "srcloc",
	"Meta.destination_location": "dstloc",
	"Meta.threat_id":            "threatid",
	"Meta.threat_type":          "threatid",
}

// crowdsecPANOSSkipped are assertions that have nothing to compare with,
// and why; CONFORMANCE.md lists them.
var crowdsecPANOSSkipped = map[string]string{
	"message":              "the whole line after the syslog header; we keep the line as _msg, not as a field",
	"program":              "CrowdSec's label for the log source",
	"unparsed_data":        "what CrowdSec's grok pattern left unread; we name every column",
	"syslog_timestamp":     "the syslog header time, kept by the syslog layer as the event time only when the payload has none (here high_res_timestamp wins)",
	"Meta.log_type":        "CrowdSec's label (palo_alto)",
	"Meta.datasource_path": "CrowdSec's input file",
	"Meta.datasource_type": "CrowdSec's input type",
}

// TestCorpusVendors runs every firewall and network vendor line of the
// shared corpus through the syslog layer and the vendor's parser, as the
// ingest pipeline does, and checks CrowdSec's palo-alto-threat
// expectations. It prints a table per vendor: lines, recognised (parsed
// without error, with the vendor's observer.vendor), fields checked and
// correct, and how many lines the "auto" format would give to the right
// parser.
func TestCorpusVendors(t *testing.T) {
	needCorpus(t)
	type row struct {
		lines, recognised, checked, correct, detected int
	}
	rows := map[string]*row{}
	var misses, autoMisses []string
	logLine := regexp.MustCompile(`^log \d+ (?:pass|fail) = (.*)$`)
	now := time.Date(2024, 5, 13, 12, 0, 0, 0, deviceZone)
	events := map[string][]*event.Event{}
	for _, src := range vendorSources {
		p, ok := parse.Lookup(src.parser)
		if !ok {
			t.Fatalf("no parser %q", src.parser)
		}
		r := rows[src.vendor]
		if r == nil {
			r = &row{}
			rows[src.vendor] = r
		}
		for _, raw := range readLines(t, filepath.Join(corpusDir, src.path)) {
			line := raw
			if src.wazuh {
				m := logLine.FindStringSubmatch(raw)
				if m == nil {
					continue
				}
				line = m[1]
			}
			if src.only != "" && !strings.Contains(line, src.only) {
				continue
			}
			r.lines++
			m := syslog.Parse([]byte(line), syslog.ParseOptions{Location: deviceZone, Now: now})
			if name, _ := parse.Detect(m.Msg, m.AppName); name == src.parser {
				r.detected++
			} else {
				autoMisses = append(autoMisses, fmt.Sprintf("%s %s: auto chose %q\n  line: %s", src.vendor, src.path, name, line))
			}
			ev := pipelineParse(p, line, now)
			events[src.path] = append(events[src.path], ev)
			vendor, _ := ev.Get("observer.vendor")
			switch {
			case ev.ParseError != "":
				misses = append(misses, fmt.Sprintf("%s %s: not parsed: %s\n  line: %s", src.vendor, src.path, ev.ParseError, line))
			case vendor != src.observer:
				misses = append(misses, fmt.Sprintf("%s %s: observer.vendor %q, want %q\n  line: %s", src.vendor, src.path, vendor, src.observer, line))
			default:
				r.recognised++
			}
		}
	}

	// CrowdSec hub expectations for the PAN-OS THREAT lines.
	cs := filepath.Join("crowdsec-hub", "palo-alto-threat")
	csEvents := events[filepath.Join(cs, "palo-alto-threat.log")]
	assert := regexp.MustCompile(`^results\["s01-parse"\]\["crowdsecurity/palo-alto-threat-log"\]\[(\d+)\]\.Evt\.(Parsed|Meta)\["([^"]+)"\] == (".*")$`)
	skipped := map[string]int{}
	for _, line := range readLines(t, filepath.Join(corpusDir, cs, "parser.assert")) {
		m := assert.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		want, err := strconv.Unquote(m[4])
		if err != nil || i >= len(csEvents) {
			t.Errorf("bad assertion %s", line)
			continue
		}
		key := m[3]
		if m[2] == "Meta" {
			key = "Meta." + key
		}
		if _, skip := crowdsecPANOSSkipped[key]; skip {
			skipped[key]++
			continue
		}
		name, ok := crowdsecPANOS[key]
		if !ok {
			t.Errorf("crowdsec assertion on %s has no mapping: add it to crowdsecPANOS or crowdsecPANOSSkipped", key)
			continue
		}
		r := rows["panos"]
		r.checked++
		got, _ := csEvents[i].Get(name)
		if got == want {
			r.correct++
			continue
		}
		misses = append(misses, fmt.Sprintf("panos crowdsec line %d: %s (ours %s) = %q, want %q", i+1, key, name, got, want))
	}

	var names []string
	for name := range rows {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "\n| %-12s | %6s | %10s | %14s | %14s | %13s |\n", "vendor", "lines", "recognised", "fields checked", "fields correct", "auto-detected")
	fmt.Fprintf(&b, "|%s|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 14), strings.Repeat("-", 8), strings.Repeat("-", 12), strings.Repeat("-", 16), strings.Repeat("-", 16), strings.Repeat("-", 15))
	var total row
	for _, name := range names {
		r := rows[name]
		fmt.Fprintf(&b, "| %-12s | %6d | %10s | %14d | %14s | %13s |\n", name, r.lines, pct(r.recognised, r.lines), r.checked, pct(r.correct, r.checked), pct(r.detected, r.lines))
		total.detected += r.detected
		total.lines += r.lines
		total.recognised += r.recognised
		total.checked += r.checked
		total.correct += r.correct
	}
	fmt.Fprintf(&b, "| %-12s | %6d | %10s | %14d | %14s | %13s |\n", "total", total.lines, pct(total.recognised, total.lines), total.checked, pct(total.correct, total.checked), pct(total.detected, total.lines))
	var sk []string
	for k, n := range skipped {
		sk = append(sk, fmt.Sprintf("%s (%d)", k, n))
	}
	sort.Strings(sk)
	fmt.Fprintf(&b, "crowdsec assertions not compared: %s\n", strings.Join(sk, ", "))
	t.Log(b.String())
	// The "auto" format's choice is reported, not enforced here: the
	// Detect scores of all formats decide it together.
	for _, m := range autoMisses {
		t.Log("auto-detection: " + m)
	}
	for _, m := range misses {
		t.Error(m)
	}
	if total.lines == 0 {
		t.Error("no vendor lines found in the corpus")
	}
	if total.checked > 0 && float64(total.correct) < 0.98*float64(total.checked) {
		t.Errorf("field expectations correct %s, want at least 98%%", pct(total.correct, total.checked))
	}
}

// pipelineParse does what the ingest pipeline does with a line: read the
// syslog header, put its fields on the event, and hand the MSG to the
// parser. The parse error is recorded on the event.
func pipelineParse(p parse.Parser, line string, now time.Time) *event.Event {
	ev := &event.Event{Raw: line}
	m := syslog.Parse([]byte(line), syslog.ParseOptions{Location: deviceZone, Now: now})
	ev.Fields = m.HeaderFields(ev.Fields)
	if !m.Timestamp.IsZero() {
		ev.Time = m.Timestamp
	}
	if err := p.Parse(m.Msg, deviceZone, ev); err != nil {
		ev.ParseError = err.Error()
	}
	return ev
}

// TestJuniperSDFromSyslogLayer checks that the juniper_srx parser reads
// the structured data the syslog layer put on the event when it gets only
// the MSG, as in the ingest pipeline.
func TestJuniperSDFromSyslogLayer(t *testing.T) {
	p, _ := parse.Lookup("juniper_srx")
	line := `<14>1 2024-05-13T11:45:04.815+09:00 srx-tky-01 RT_FLOW - RT_FLOW_SESSION_DENY [junos@2636.1.1.1.2.129 source-address="198.51.100.23" source-port="51234" destination-address="10.30.0.10" destination-port="23" protocol-id="6" policy-name="deny \"all\" \]" source-zone-name="untrust" destination-zone-name="dmz" reason="policy deny"] session denied`
	ev := pipelineParse(p, line, time.Date(2024, 5, 13, 12, 0, 0, 0, deviceZone))
	if ev.ParseError != "" {
		t.Fatal(ev.ParseError)
	}
	for _, c := range [][2]string{
		{"log.syslog.msgid", "RT_FLOW_SESSION_DENY"},
		{"source-address", "198.51.100.23"},
		{"policy-name", `deny "all" ]`},
		{"event.code", "RT_FLOW_SESSION_DENY"},
		{"event.provider", "RT_FLOW"},
		{"event.action", "session-deny"},
		{"source.ip", "198.51.100.23"},
		{"destination.port", "23"},
		{"rule.name", `deny "all" ]`},
		{"message", "session denied"},
	} {
		if got, _ := ev.Get(c[0]); got != c[1] {
			t.Errorf("%s = %q, want %q", c[0], got, c[1])
		}
	}
	if want := time.Date(2024, 5, 13, 2, 45, 4, 815e6, time.UTC); !ev.Time.Equal(want) {
		t.Errorf("time = %v, want %v", ev.Time, want)
	}
}
