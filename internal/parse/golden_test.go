package parse_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
)

var update = flag.Bool("update", false, "rewrite the .golden files under testdata/")

// deviceZone is the device zone given to the parsers in tests. A fixed zone
// (JST) keeps the tests free of the zone database.
var deviceZone = time.FixedZone("JST", 9*60*60)

// result is what a parser made of one line, as stored in .golden files.
type result struct {
	Input         string      `json:"input"`
	Time          string      `json:"time,omitempty"`
	FormatVersion string      `json:"format_version,omitempty"`
	Kind          string      `json:"kind,omitempty"`
	ParseError    string      `json:"parse_error,omitempty"`
	Fields        [][2]string `json:"fields"`
	FieldsDropped int         `json:"fields_dropped,omitempty"`
}

// parseLine runs p on line with a fresh event.
func parseLine(p parse.Parser, line string) (result, *event.Event) {
	ev := &event.Event{Raw: line}
	err := p.Parse([]byte(line), deviceZone, ev)
	r := result{Input: line, FormatVersion: ev.FormatVersion, Kind: ev.Kind, Fields: [][2]string{}, FieldsDropped: ev.FieldsDropped}
	if !ev.Time.IsZero() {
		r.Time = ev.Time.UTC().Format(time.RFC3339Nano)
	}
	if err != nil {
		r.ParseError = err.Error()
	}
	for _, f := range ev.Fields {
		r.Fields = append(r.Fields, [2]string{f.Name, f.Value})
	}
	return r, ev
}

// inputLines reads a .input file: one message per line; blank lines and
// lines starting with '#' are comments.
func inputLines(t testing.TB, path string) []string {
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
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// encodeGolden writes results as indented JSON with one field per line, so
// that diffs of golden files stay readable.
func encodeGolden(rs []result) []byte {
	var b bytes.Buffer
	q := func(s string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return strings.TrimSuffix(buf.String(), "\n")
	}
	b.WriteString("[\n")
	for i, r := range rs {
		b.WriteString("  {\n")
		b.WriteString("    \"input\": " + q(r.Input) + ",\n")
		if r.Time != "" {
			b.WriteString("    \"time\": " + q(r.Time) + ",\n")
		}
		if r.FormatVersion != "" {
			b.WriteString("    \"format_version\": " + q(r.FormatVersion) + ",\n")
		}
		if r.Kind != "" {
			b.WriteString("    \"kind\": " + q(r.Kind) + ",\n")
		}
		if r.ParseError != "" {
			b.WriteString("    \"parse_error\": " + q(r.ParseError) + ",\n")
		}
		b.WriteString("    \"fields\": [")
		for j, f := range r.Fields {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n      [" + q(f[0]) + ", " + q(f[1]) + "]")
		}
		if len(r.Fields) > 0 {
			b.WriteString("\n    ")
		}
		b.WriteString("]")
		if r.FieldsDropped != 0 {
			b.WriteString(",\n    \"fields_dropped\": " + strconv.Itoa(r.FieldsDropped))
		}
		b.WriteString("\n  }")
		if i < len(rs)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return b.Bytes()
}

// TestGolden parses every testdata/<parser>/*.input and compares with the
// .golden file next to it. Run with -update to rewrite the golden files.
func TestGolden(t *testing.T) {
	for _, name := range parse.Names() {
		p, _ := parse.Lookup(name)
		inputs, err := filepath.Glob(filepath.Join("testdata", name, "*.input"))
		if err != nil {
			t.Fatal(err)
		}
		if len(inputs) == 0 {
			t.Errorf("no testdata/%s/*.input files", name)
		}
		for _, in := range inputs {
			t.Run(name+"/"+strings.TrimSuffix(filepath.Base(in), ".input"), func(t *testing.T) {
				var got []result
				for _, line := range inputLines(t, in) {
					r, _ := parseLine(p, line)
					got = append(got, r)
				}
				golden := strings.TrimSuffix(in, ".input") + ".golden"
				if *update {
					if err := os.WriteFile(golden, encodeGolden(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				data, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				var want []result
				if err := json.Unmarshal(data, &want); err != nil {
					t.Fatalf("%s: %v", golden, err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
				}
			})
		}
	}
}

// TestConcurrentUse parses the golden inputs from several goroutines at once
// with one parser value each format; run with -race.
func TestConcurrentUse(t *testing.T) {
	type job struct {
		p    parse.Parser
		line string
		want result
	}
	var jobs []job
	for _, name := range parse.Names() {
		p, _ := parse.Lookup(name)
		inputs, _ := filepath.Glob(filepath.Join("testdata", name, "*.input"))
		for _, in := range inputs {
			for _, line := range inputLines(t, in) {
				want, _ := parseLine(p, line)
				jobs = append(jobs, job{p, line, want})
			}
		}
	}
	errs := make(chan string, 4)
	for w := 0; w < 4; w++ {
		go func() {
			msg := ""
			for i := 0; i < 20 && msg == ""; i++ {
				for _, j := range jobs {
					if got, _ := parseLine(j.p, j.line); !cmp.Equal(got, j.want) {
						msg = cmp.Diff(j.want, got)
						break
					}
				}
			}
			errs <- msg
		}()
	}
	for w := 0; w < 4; w++ {
		if msg := <-errs; msg != "" {
			t.Errorf("concurrent parse differs (-sequential +concurrent):\n%s", msg)
		}
	}
}

func TestLookup(t *testing.T) {
	want := []string{"apache", "auto", "cef", "checkpoint", "cisco_asa", "fortigate", "iptables", "json", "juniper_srx", "kv", "leef", "linux", "nginx", "panos", "sonicwall", "sophos", "suricata", "windows", "yamaha_rtx"}
	if diff := cmp.Diff(want, parse.Names()); diff != "" {
		t.Errorf("Names() mismatch (-want +got):\n%s", diff)
	}
	for _, name := range want {
		if p, ok := parse.Lookup(name); !ok || p == nil {
			t.Errorf("Lookup(%q) = %v, %v", name, p, ok)
		}
	}
	if _, ok := parse.Lookup("syslog"); ok {
		t.Error(`Lookup("syslog") found a parser`)
	}
	names := parse.Names()
	names[0] = "changed"
	if parse.Names()[0] != want[0] {
		t.Error("Names returned the registry's own slice")
	}
}
