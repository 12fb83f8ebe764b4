package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/loadgen"
)

func TestGenerateFrames(t *testing.T) {
	opts := loadgen.Options{Seed: 7, Total: 2500}
	tr := generate(opts, 2)
	g := loadgen.New(opts)
	var lines [][]byte
	for range opts.Total {
		lines = append(lines, g.Next(nil))
	}
	// Blocks of blockLines alternate between the connections; each frame
	// is "LEN SP LINE" (RFC 6587 octet counting).
	var got [2][][]byte
	for c, f := range tr.frames {
		for len(f) > 0 {
			sp := bytes.IndexByte(f, ' ')
			n, err := strconv.Atoi(string(f[:sp]))
			if err != nil {
				t.Fatalf("conn %d: bad frame length %q", c, f[:sp])
			}
			got[c] = append(got[c], f[sp+1:sp+1+n])
			f = f[sp+1+n:]
		}
	}
	want := [2][][]byte{
		append(append([][]byte{}, lines[:1000]...), lines[2000:]...),
		lines[1000:2000],
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
	var total int64
	for _, l := range lines {
		total += int64(len(l))
	}
	if tr.bytes != total || tr.lines != opts.Total || tr.ip == "" {
		t.Errorf("bytes %d lines %d ip %q; want %d, %d and an IP", tr.bytes, tr.lines, tr.ip, total, opts.Total)
	}
}

func TestAppendVLJSON(t *testing.T) {
	g := loadgen.New(loadgen.Options{Seed: 3, Total: 100})
	var ev event.Event
	for range 100 {
		line := g.Next(nil)
		var row map[string]string
		b := appendVLJSON(nil, line, &ev)
		if err := json.Unmarshal(b, &row); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, b)
		}
		if row["_msg"] != string(line) {
			t.Errorf("_msg %q, want the line %q", row["_msg"], line)
		}
		ts, err := time.Parse(time.RFC3339Nano, row["_time"])
		if err != nil || ts.Year() != 2026 {
			t.Errorf("_time %q: %v", row["_time"], err)
		}
		if row["devname"] != "FG-0001" || row["logid"] == "" || row["type"] == "" {
			t.Errorf("missing parsed fields in %s", b)
		}
		if row["date"] == "" {
			t.Errorf("the <PRI> was not skipped: %s", b)
		}
	}
}

func TestParseMetrics(t *testing.T) {
	m := parseMetrics([]byte(`# HELP x
sekimori_lines_stored_total 1234
sekimori_lines_dropped_total{reason="spool_full"} 2
sekimori_lines_dropped_total{reason="disk_full"} 3
go_goroutines 10
`))
	if m["sekimori_lines_stored_total"] != 1234 || sumPrefix(m, "sekimori_lines_dropped_total") != 5 || len(m) != 3 {
		t.Errorf("parsed %v", m)
	}
}

func TestFieldValue(t *testing.T) {
	line := []byte(`<189>date=2026-01-05 devname="FG-0001" srcip=10.1.0.13 srcport=60695 user="a b"`)
	for k, want := range map[string]string{"srcip": "10.1.0.13", "devname": "FG-0001", "user": "a b", "dstip": ""} {
		if got := fieldValue(line, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestMedianMaxAndGroup(t *testing.T) {
	if m, x := medianMax([]float64{3, 1, 2, 5, 4}); m != 3 || x != 5 {
		t.Errorf("medianMax = %v, %v", m, x)
	}
	if m, x := medianMax([]float64{4, 1}); m != 2.5 || x != 4 {
		t.Errorf("medianMax = %v, %v", m, x)
	}
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

// The query table judges each query against its target; a query shown for
// comparison only (no target) gets no verdict.
func TestWriteTableVerdicts(t *testing.T) {
	r := &Result{Lines: 1, Queries: []Query{
		{Name: "met", Target: 0.5, Median: 0.1, Max: 0.2, Runs: []float64{0.1}},
		{Name: "missed", Target: 0.1, Median: 0.3, Max: 0.4, Runs: []float64{0.3}},
		{Name: "max-only", Target: 0.1, Median: 0.05, Max: 0.4, Runs: []float64{0.05}},
		{Name: "compare", Median: 0.02, Max: 0.03, Runs: []float64{0.02}},
	}}
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"met":      {"500.0ms", "ok"},
		"missed":   {"100.0ms", "MISSED"},
		"max-only": {"100.0ms", "max missed"},
		"compare":  {"-"},
	}
	for _, line := range strings.Split(b.String(), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || want[f[0]] == nil {
			continue
		}
		got := strings.Join(f[3:len(f)-2], " ")
		if exp := strings.Join(want[f[0]], " "); got != exp {
			t.Errorf("%s: target and verdict %q, want %q (line %q)", f[0], got, exp, line)
		}
		delete(want, f[0])
	}
	if len(want) > 0 {
		t.Errorf("rows missing from the table: %v\n%s", want, b.String())
	}
}

// With a second sekimori run, the CPU comparison uses the mean of
// sekimori's runs, and the table shows the run as its own column.
func TestCPURatio(t *testing.T) {
	r := &Result{Lines: 1, Sekimori: Ingest{LinesPerCPUSecond: 22000}}
	if ratio, _ := r.CPURatio(); ratio != 0 {
		t.Errorf("without victorialogs: ratio %v, want 0", ratio)
	}
	r.VictoriaLogs = &Ingest{LinesPerCPUSecond: 20000}
	if ratio, how := r.CPURatio(); ratio != 1.1 || how != "one run each" {
		t.Errorf("one run each: %v (%s), want 1.1", ratio, how)
	}
	r.SekimoriAgain = &Ingest{LinesPerCPUSecond: 18000}
	ratio, how := r.CPURatio()
	if ratio != 1.0 || !strings.Contains(how, "22,000 before and 18,000 after") {
		t.Errorf("bracketed: %v (%s), want 1.0 from 22,000 and 18,000", ratio, how)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sekimori again  ", "sekimori again counters", "sekimori / victorialogs: 1.00x"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// With VictoriaLogs' timings, the query table shows them beside
// Sekimori's, and "-" for a query it was not asked.
func TestWriteTableVictoriaLogs(t *testing.T) {
	r := &Result{Lines: 1, Queries: []Query{
		{Name: "top", Target: 0.25, Median: 0.18, Max: 0.2, Runs: []float64{0.18}, Rows: 10, Events: 900,
			VictoriaLogs: &Query{Median: 0.21, Max: 0.23, Rows: 10, Events: 900}},
		{Name: "only", Median: 0.02, Max: 0.03, Runs: []float64{0.02}},
	}}
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"top": "210.0ms 230.0ms 900", "only": "- - -"}
	for _, line := range strings.Split(b.String(), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || want[f[0]] == "" {
			continue
		}
		if got := strings.Join(f[len(f)-3:], " "); got != want[f[0]] {
			t.Errorf("%s: victorialogs columns %q, want %q (line %q)", f[0], got, want[f[0]], line)
		}
		delete(want, f[0])
	}
	if len(want) > 0 || !strings.Contains(b.String(), "victorialogs median") {
		t.Errorf("rows or header missing: %v\n%s", want, b.String())
	}
}

// runVLQueries asks each question that has LogsQL, checks that every run
// answers alike, and files the timings under the matching query.
func TestRunVLQueries(t *testing.T) {
	start := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	specs := querySpecs("10.1.0.7", start, start.Add(7*24*time.Hour))
	answers := map[string]string{
		`"10.1.0.7"`:                                  "{}\n{}\n",
		"* | top 11 by (srcip)":                       `{"srcip":"","hits":"7"}` + "\n" + `{"srcip":"10.1.0.2","hits":"5"}` + "\n" + `{"srcip":"10.1.0.3","hits":"4"}` + "\n",
		"action:deny dstport:443":                     "{}\n",
		"type:utm | stats by (_time:1h) count() hits": `{"_time":"2026-11-21T00:00:00Z","hits":"3"}` + "\n",
		"action:deny dstport:443 | count() n":         `{"n":"4"}` + "\n",
	}
	var asked []string
	get := func(_ context.Context, path string, q url.Values) ([]byte, error) {
		if path != vlQueryPath {
			t.Errorf("path %q, want %q", path, vlQueryPath)
		}
		asked = append(asked, q.Get("query"))
		a, ok := answers[q.Get("query")]
		if !ok {
			return nil, fmt.Errorf("unexpected query %q", q.Get("query"))
		}
		return []byte(a), nil
	}
	o := &Options{QueryRuns: 2, Progress: io.Discard}
	qs := make([]Query, len(specs))
	if err := runVLQueries(context.Background(), get, o, specs, qs); err != nil {
		t.Fatal(err)
	}
	if len(asked) != len(specs)*3 {
		t.Errorf("%d requests, want %d (a warm-up and 2 runs each)", len(asked), len(specs)*3)
	}
	want := []struct {
		rows   int
		events uint64
	}{{2, 2}, {2, 9}, {1, 1}, {1, 3}, {1, 1}, {1, 4}}
	for i, q := range qs {
		v := q.VictoriaLogs
		if v == nil {
			t.Errorf("query %d (%s): no victorialogs figures", i, specs[i].name)
			continue
		}
		if v.Rows != want[i].rows || v.Events != want[i].events || len(v.Runs) != 2 {
			t.Errorf("query %d: %d rows %d events %d runs, want %d, %d, 2", i, v.Rows, v.Events, len(v.Runs), want[i].rows, want[i].events)
		}
	}

	// An answer that changes between runs is an error, not a timing.
	n := 0
	flaky := func(_ context.Context, _ string, _ url.Values) ([]byte, error) {
		n++
		return []byte(strings.Repeat("{}\n", n)), nil
	}
	if err := runVLQueries(context.Background(), flaky, o, specs[:1], qs[:1]); err == nil || !strings.Contains(err.Error(), "warm-up") {
		t.Errorf("changing answers: err %v, want one naming the warm-up", err)
	}
}

// countTop reads a top answer as Sekimori's facets: no empty value, at
// most n values.
func TestCountTop(t *testing.T) {
	b := []byte(`{"srcip":"10.0.0.1","hits":"9"}` + "\n" + `{"srcip":"","hits":"8"}` + "\n" +
		`{"srcip":"10.0.0.2","hits":"5"}` + "\n" + `{"srcip":"10.0.0.3","hits":"4"}` + "\n")
	if rows, events, err := countTop("srcip", 2)(b); rows != 2 || events != 14 || err != nil {
		t.Errorf("countTop = %d rows, %d events, %v; want 2, 14", rows, events, err)
	}
	if _, _, err := countTop("srcip", 2)([]byte(`{"srcip":"x","hits":"many"}` + "\n")); err == nil {
		t.Error("a hits value that is not a number: no error")
	}
}
