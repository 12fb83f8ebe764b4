package parse_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
)

// corpusDir is the shared log-sample corpus, in the shared/ directory next
// to the repository (see shared/corpus/SOURCES.md).
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus")

func needCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("log-sample corpus not found at %s (it lives in shared/corpus next to the repository): %v", corpusDir, err)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// corpusTally counts, per source, lines parsed and expectations met.
type corpusTally struct {
	lines, parsed, checked, correct int
}

func pct(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
}

// TestCorpusFortiGate parses every FortiGate line of the shared corpus and
// checks the expectations of other projects that map onto our fields.
func TestCorpusFortiGate(t *testing.T) {
	needCorpus(t)
	p, _ := parse.Lookup("fortigate")
	tallies := map[string]*corpusTally{}
	tally := func(src string) *corpusTally {
		if tallies[src] == nil {
			tallies[src] = &corpusTally{}
		}
		return tallies[src]
	}
	parseChecked := func(src, line string) *event.Event {
		c := tally(src)
		c.lines++
		ev := &event.Event{Raw: line}
		err := p.Parse([]byte(line), deviceZone, ev)
		_, hasLogid := ev.Get("logid")
		_, hasLogID := ev.Get("log_id")
		_, hasType := ev.Get("type")
		switch {
		case err != nil:
			t.Errorf("%s: %v\n  line: %s", src, err, line)
		case !hasLogid && !hasLogID && !hasType:
			t.Errorf("%s: no logid, log_id or type\n  line: %s", src, line)
		default:
			c.parsed++
		}
		return ev
	}
	check := func(src, what, got, want string) {
		c := tally(src)
		c.checked++
		if got == want {
			c.correct++
			return
		}
		t.Errorf("%s: %s = %q, want %q", src, what, got, want)
	}

	// Elastic integration samples (FortiOS 7.2 and 7.6).
	elastic := filepath.Join(corpusDir, "elastic-integrations", "fortinet_fortigate")
	logs, _ := filepath.Glob(filepath.Join(elastic, "*.log"))
	var elasticFirst *event.Event
	for _, path := range logs {
		for i, line := range readLines(t, path) {
			ev := parseChecked("elastic "+filepath.Base(path), line)
			if filepath.Base(path) == "test-fortinet-7-2.log" && i == 0 {
				elasticFirst = ev
			}
		}
	}
	if elasticFirst != nil {
		checkElasticExpected(t, filepath.Join(elastic, "test-fortinet-7-2.log-expected.json"), elasticFirst,
			func(what, got, want string) { check("elastic test-fortinet-7-2.log", what, got, want) })
	}

	// CrowdSec hub test (SSL VPN brute force) and its parser assertions.
	crowdsec := filepath.Join(corpusDir, "crowdsec-hub", "fortinet-vpn-bf")
	var csEvents []*event.Event
	for _, line := range readLines(t, filepath.Join(crowdsec, "fortinet-vpn-bf.log")) {
		csEvents = append(csEvents, parseChecked("crowdsec fortinet-vpn-bf", line))
	}
	checkCrowdSecAsserts(t, filepath.Join(crowdsec, "parser.assert"), csEvents,
		func(what, got, want string) { check("crowdsec fortinet-vpn-bf", what, got, want) })

	// Wazuh ruleset tests (FortiOS 3.x to 6.x): "log N pass = <line>".
	ini := filepath.Join(corpusDir, "wazuh", "ruleset-testing-v4.14.7", "fortigate.ini")
	logLine := regexp.MustCompile(`^log \d+ pass = (.*)$`)
	for _, line := range readLines(t, ini) {
		if m := logLine.FindStringSubmatch(line); m != nil {
			parseChecked("wazuh fortigate.ini", m[1])
		}
	}

	var names []string
	for name := range tallies {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-40s %6s %9s %8s %9s\n", "source", "lines", "parsed", "checked", "correct")
	var total corpusTally
	for _, name := range names {
		c := tallies[name]
		fmt.Fprintf(&b, "%-40s %6d %9s %8d %9s\n", name, c.lines, pct(c.parsed, c.lines), c.checked, pct(c.correct, c.checked))
		total.lines += c.lines
		total.parsed += c.parsed
		total.checked += c.checked
		total.correct += c.correct
	}
	fmt.Fprintf(&b, "%-40s %6d %9s %8d %9s\n", "total", total.lines, pct(total.parsed, total.lines), total.checked, pct(total.correct, total.checked))
	t.Log(b.String())
	if total.lines == 0 {
		t.Error("no FortiGate lines found in the corpus")
	}
}

// checkCrowdSecAsserts checks the s01-parse assertions of a CrowdSec hub
// test. CrowdSec's Unmarshaled["fortinet"] keys are FortiGate's native names;
// of its Meta keys, those below map onto our fields. Meta["timestamp"] is
// not compared: CrowdSec reads date and time as UTC, we take eventtime.
func checkCrowdSecAsserts(t *testing.T, path string, events []*event.Event, check func(what, got, want string)) {
	t.Helper()
	meta := map[string]string{
		"source_ip":   "source.ip",
		"target_user": "user",
		"action":      "action",
		"sub_type":    "subtype",
		"tunnel_type": "tunneltype",
		"reason":      "reason",
		"msg":         "msg",
	}
	re := regexp.MustCompile(`^results\["s01-parse"\]\["crowdsecurity/fortinet-logs"\]\[(\d+)\]\.Evt\.(Unmarshaled\["fortinet"\]|Meta)\["([^"]+)"\] == (".*")$`)
	for _, line := range readLines(t, path) {
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		want, err := strconv.Unquote(m[4])
		if err != nil || i >= len(events) {
			t.Errorf("%s: bad assertion %s", path, line)
			continue
		}
		name := m[3]
		if m[2] == "Meta" {
			if name = meta[m[3]]; name == "" {
				continue
			}
		}
		got, _ := events[i].Get(name)
		check(fmt.Sprintf("line %d %s", i+1, name), got, want)
	}
}

// checkElasticExpected compares our fields with the Elastic pipeline's
// expected document for the same line. Elastic's fortinet.firewall.* names
// are FortiGate's native names; the ECS names below are ones we produce too.
func checkElasticExpected(t *testing.T, path string, ev *event.Event, check func(what, got, want string)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Expected []map[string]any `json:"expected"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || len(doc.Expected) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	flat := map[string]string{}
	var flatten func(prefix string, v any)
	flatten = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				flatten(strings.TrimPrefix(prefix+"."+k, "."), e)
			}
		case json.Number:
			flat[prefix] = v.String()
		case string:
			flat[prefix] = v
		}
	}
	flatten("", doc.Expected[0])

	same := []string{
		"source.ip", "source.port", "destination.ip", "destination.port",
		"network.transport", "network.iana_number", "network.protocol",
		"event.code", "message", "log.level", "rule.id",
		"observer.name", "observer.serial_number", "observer.vendor",
		"observer.ingress.interface.name", "observer.egress.interface.name",
	}
	for _, name := range same {
		want, ok := flat[name]
		if !ok {
			t.Errorf("%s: no %s in the expected document", path, name)
			continue
		}
		got, _ := ev.Get(name)
		check(name, got, want)
	}
	var native []string
	for k := range flat {
		if strings.HasPrefix(k, "fortinet.firewall.") {
			native = append(native, k)
		}
	}
	sort.Strings(native)
	for _, k := range native {
		name := strings.TrimPrefix(k, "fortinet.firewall.")
		got, _ := ev.Get(name)
		check(name, got, flat[k])
	}
	// Elastic takes @timestamp from date and time; we prefer eventtime,
	// which is within the same second.
	if ts, err := time.Parse(time.RFC3339Nano, flat["@timestamp"]); err == nil {
		d := ev.Time.Sub(ts)
		ok := d > -time.Second && d < time.Second
		check("time within 1s of @timestamp", strconv.FormatBool(ok), "true")
	}
	// Deliberate differences, logged for the record: Elastic takes
	// event.action from eventtype and counts action="info" as success, spells
	// the product "Fortigate" and puts the user in source.user.name.
	for _, name := range []string{"event.action", "event.outcome", "observer.product", "source.user.name"} {
		got, _ := ev.Get(name)
		t.Logf("not compared: %s: elastic %q, ours %q", name, flat[name], got)
	}
}
