package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Query is the latency of one API request, repeated.
type Query struct {
	Name    string  `json:"name"`
	Request string  `json:"request"`        // path and query string
	Target  float64 `json:"target_seconds"` // 0: shown for comparison, not a target
	// Median and Max are over the timed runs, after one warm-up run;
	// each run is from sending the request to reading the whole answer.
	Median float64   `json:"median_seconds"`
	Max    float64   `json:"max_seconds"`
	Runs   []float64 `json:"runs_seconds"`
	// Rows is what the answer holds: events (search), values (facets) or
	// buckets (hits). Events is how many events those stand for.
	Rows   int    `json:"rows"`
	Events uint64 `json:"events"`
	// VictoriaLogs is the same question asked of VictoriaLogs' server over
	// its copy of the lines, timed the same way; nil when it was not run
	// or the question has no LogsQL equivalent.
	VictoriaLogs *Query `json:"victorialogs,omitempty"`
}

// querySpec is one question: Sekimori's API request, and the same question
// in LogsQL for VictoriaLogs' /select/logsql/query (vl, "" for none).
type querySpec struct {
	name   string
	path   string
	q      url.Values
	target time.Duration
	count  func(body []byte) (rows int, events uint64, err error)

	vl      url.Values
	vlCount func(body []byte) (rows int, events uint64, err error)
}

// querySpecs are the four queries (then the two-field day as the
// UI asks for it, and its filter alone) over the generated range [start,
// end); ip is an address of the traffic.
func querySpecs(ip string, start, end time.Time) []querySpec {
	week := func(q url.Values) url.Values {
		q.Set("start", rfc3339(start))
		q.Set("end", rfc3339(end))
		return q
	}
	// A whole day in the middle of the range (day 3 of 0..6 for a week).
	const day = 24 * time.Hour
	dayStart := start.Add(end.Sub(start) / day / 2 * day)
	oneDay := func(q url.Values) url.Values {
		q.Set("start", rfc3339(dayStart))
		q.Set("end", rfc3339(dayStart.Add(day)))
		return q
	}
	return []querySpec{
		{
			name:   "all events with one IP (" + ip + ", any IP field)",
			path:   "/api/v1/search",
			q:      week(url.Values{"q": {ip}, "limit": {"0"}}),
			target: 500 * time.Millisecond,
			count:  countLines,
			// VictoriaLogs has no typed IP search over every field: the
			// address as a phrase of the line finds the same events.
			vl:      week(url.Values{"query": {strconv.Quote(ip)}}),
			vlCount: countLines,
		},
		{
			name:   "top 10 values of srcip",
			path:   "/api/v1/facets",
			q:      week(url.Values{"field": {"srcip"}}),
			target: 250 * time.Millisecond,
			count:  countFacets,
			// As Sekimori's facets: the empty value (rows without srcip)
			// is not one of the ten.
			vl:      week(url.Values{"query": {"* | top 11 by (srcip)"}}),
			vlCount: countTop("srcip", 10),
		},
		{
			name:    "one day, two fields (action:deny dstport:443)",
			path:    "/api/v1/search",
			q:       oneDay(url.Values{"q": {"action:deny dstport:443"}, "limit": {"0"}}),
			target:  100 * time.Millisecond,
			count:   countLines,
			vl:      oneDay(url.Values{"query": {"action:deny dstport:443"}}),
			vlCount: countLines,
		},
		{
			name:    "hourly histogram of type:utm",
			path:    "/api/v1/hits",
			q:       week(url.Values{"q": {"type:utm"}, "step": {"1h"}}),
			target:  100 * time.Millisecond,
			count:   countHits,
			vl:      week(url.Values{"query": {"type:utm | stats by (_time:1h) count() hits"}}),
			vlCount: countStatRows("hits"),
		},
		{
			// Not one of the targets: what the UI's and the CLI's
			// search (newest 1,000) costs for the two-field day. Last, so that
			// the four keep their places in the JSON result.
			name:    "one day, two fields, newest 1,000 (UI/CLI page)",
			path:    "/api/v1/search",
			q:       oneDay(url.Values{"q": {"action:deny dstport:443"}, "limit": {"1000"}}),
			count:   countLines,
			vl:      oneDay(url.Values{"query": {"action:deny dstport:443"}, "limit": {"1000"}}),
			vlCount: countLines,
		},
		{
			// The same day's filter alone, counted, with the target of
			// the wording ("one-day filter on two fields"):
			// every row of it is 86 MB of JSON (the third query).
			name:    "one day, two fields, the filter alone (count)",
			path:    "/api/v1/search",
			q:       oneDay(url.Values{"q": {"action:deny dstport:443 | count() n"}, "limit": {"0"}}),
			target:  100 * time.Millisecond,
			count:   countStat,
			vl:      oneDay(url.Values{"query": {"action:deny dstport:443 | count() n"}}),
			vlCount: countStat,
		},
	}
}

// getter answers one GET request with the whole body.
type getter func(ctx context.Context, path string, q url.Values) ([]byte, error)

// runQueries times each of specs against Sekimori's API.
func runQueries(ctx context.Context, get getter, o *Options, specs []querySpec) ([]Query, error) {
	var out []Query
	for _, sp := range specs {
		o.progress("sekimori: query %s", sp.name)
		q, err := timeQuery(ctx, get, o.QueryRuns, sp.name, sp.path, sp.q, sp.count)
		if err != nil {
			return nil, err
		}
		q.Target = sp.target.Seconds()
		out = append(out, q)
	}
	return out, nil
}

// runVLQueries times the LogsQL of each of specs against VictoriaLogs'
// server and sets them as the VictoriaLogs figures of qs (runQueries'
// result for the same specs).
func runVLQueries(ctx context.Context, get getter, o *Options, specs []querySpec, qs []Query) error {
	for i, sp := range specs {
		if sp.vl == nil || i >= len(qs) {
			continue
		}
		o.progress("victorialogs: query %s", sp.name)
		q, err := timeQuery(ctx, get, o.QueryRuns, sp.name, vlQueryPath, sp.vl, sp.vlCount)
		if err != nil {
			return fmt.Errorf("victoria-logs: %w", err)
		}
		qs[i].VictoriaLogs = &q
	}
	return nil
}

// timeQuery sends one request runs+1 times and times all but the first
// (a warm-up); every answer must hold what the warm-up's did.
func timeQuery(ctx context.Context, get getter, runs int, name, path string, params url.Values, count func([]byte) (int, uint64, error)) (Query, error) {
	q := Query{Name: name, Request: path + "?" + params.Encode()}
	for i := 0; i <= runs; i++ {
		t0 := time.Now()
		body, err := get(ctx, path, params)
		took := time.Since(t0).Seconds()
		if err != nil {
			return q, fmt.Errorf("query %s: %w", name, err)
		}
		rows, events, err := count(body)
		if err != nil {
			return q, fmt.Errorf("query %s: %w", name, err)
		}
		if i == 0 {
			q.Rows, q.Events = rows, events
			continue
		}
		if rows != q.Rows || events != q.Events {
			return q, fmt.Errorf("query %s: run %d gave %d rows (%d events), the warm-up %d (%d)", name, i, rows, events, q.Rows, q.Events)
		}
		q.Runs = append(q.Runs, took)
	}
	q.Median, q.Max = medianMax(q.Runs)
	return q, nil
}

func countLines(b []byte) (int, uint64, error) {
	n := bytes.Count(b, []byte{'\n'})
	return n, uint64(n), nil
}

// countStat reads the one row {"n":"N"} of a "| count() n" search.
func countStat(b []byte) (int, uint64, error) {
	var row struct {
		N string `json:"n"`
	}
	if err := json.Unmarshal(b, &row); err != nil {
		return 0, 0, fmt.Errorf("decode count: %w (%.100q)", err, b)
	}
	n, err := strconv.ParseUint(row.N, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("decode count: n = %q", row.N)
	}
	return 1, n, nil
}

// countStatRows reads the JSON lines of a LogsQL stats answer: one row
// per line, events summed from the field named events.
func countStatRows(events string) func([]byte) (int, uint64, error) {
	return func(b []byte) (int, uint64, error) { return sumRows(b, events, "", 0) }
}

// countTop reads the JSON lines of a LogsQL top answer as Sekimori's
// facets do: the first n rows with a non-empty value of field.
func countTop(field string, n int) func([]byte) (int, uint64, error) {
	return func(b []byte) (int, uint64, error) { return sumRows(b, "hits", field, n) }
}

// sumRows counts JSON-line rows and sums their events field; with key set,
// it skips rows where key is empty and stops after max rows.
func sumRows(b []byte, events, key string, max int) (int, uint64, error) {
	rows, sum := 0, uint64(0)
	for line := range bytes.Lines(b) {
		var row map[string]string
		if err := json.Unmarshal(line, &row); err != nil {
			return 0, 0, fmt.Errorf("decode stats row: %w (%.100q)", err, line)
		}
		if key != "" && (row[key] == "" || rows == max) {
			continue
		}
		n, err := strconv.ParseUint(row[events], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("decode stats row: %s = %q", events, row[events])
		}
		rows, sum = rows+1, sum+n
	}
	return rows, sum, nil
}

func countFacets(b []byte) (int, uint64, error) {
	var f struct {
		Values []struct{ Count uint64 } `json:"values"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return 0, 0, fmt.Errorf("decode facets: %w", err)
	}
	var n uint64
	for _, v := range f.Values {
		n += v.Count
	}
	return len(f.Values), n, nil
}

func countHits(b []byte) (int, uint64, error) {
	var h struct {
		Buckets []struct{ Count uint64 } `json:"buckets"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return 0, 0, fmt.Errorf("decode hits: %w", err)
	}
	var n uint64
	for _, b := range h.Buckets {
		n += b.Count
	}
	return len(h.Buckets), n, nil
}

func medianMax(runs []float64) (median, max float64) {
	if len(runs) == 0 {
		return 0, 0
	}
	s := slices.Clone(runs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		median = s[len(s)/2]
	} else {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return median, s[len(s)-1]
}
