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
}

type querySpec struct {
	name   string
	path   string
	q      url.Values
	target time.Duration
	count  func(body []byte) (rows int, events uint64, err error)
}

// runQueries times the four queries against s (then the two-field
// day as the UI asks for it, and its filter alone), over the generated
// range [start, end).
func runQueries(ctx context.Context, s *sekimori, o *Options, tr *traffic, start, end time.Time) ([]Query, error) {
	week := func(q url.Values) url.Values {
		q.Set("start", rfc3339(start))
		q.Set("end", rfc3339(end))
		return q
	}
	// A whole day in the middle of the range (day 3 of 0..6 for a week).
	const day = 24 * time.Hour
	dayStart := start.Add(end.Sub(start) / day / 2 * day)
	oneDay := func(query, limit string) url.Values {
		return url.Values{"q": {query}, "limit": {limit}, "start": {rfc3339(dayStart)}, "end": {rfc3339(dayStart.Add(day))}}
	}
	specs := []querySpec{
		{
			name:   "all events with one IP (" + tr.ip + ", any IP field)",
			path:   "/api/v1/search",
			q:      week(url.Values{"q": {tr.ip}, "limit": {"0"}}),
			target: 500 * time.Millisecond,
			count:  countLines,
		},
		{
			name:   "top 10 values of srcip",
			path:   "/api/v1/facets",
			q:      week(url.Values{"field": {"srcip"}}),
			target: 250 * time.Millisecond,
			count:  countFacets,
		},
		{
			name:   "one day, two fields (action:deny dstport:443)",
			path:   "/api/v1/search",
			q:      oneDay("action:deny dstport:443", "0"),
			target: 100 * time.Millisecond,
			count:  countLines,
		},
		{
			name:   "hourly histogram of type:utm",
			path:   "/api/v1/hits",
			q:      week(url.Values{"q": {"type:utm"}, "step": {"1h"}}),
			target: 100 * time.Millisecond,
			count:  countHits,
		},
		{
			// Not one of the targets: what the UI's and the CLI's
			// search (newest 1,000) costs for the two-field day. Last, so that
			// the four keep their places in the JSON result.
			name:  "one day, two fields, newest 1,000 (UI/CLI page)",
			path:  "/api/v1/search",
			q:     oneDay("action:deny dstport:443", "1000"),
			count: countLines,
		},
		{
			// The same day's filter alone, counted, with the target of
			// the wording ("one-day filter on two fields"):
			// every row of it is 86 MB of JSON (the third query).
			name:   "one day, two fields, the filter alone (count)",
			path:   "/api/v1/search",
			q:      oneDay("action:deny dstport:443 | count() n", "0"),
			target: 100 * time.Millisecond,
			count:  countStat,
		},
	}
	var out []Query
	for _, sp := range specs {
		o.progress("sekimori: query %s", sp.name)
		q := Query{Name: sp.name, Request: sp.path + "?" + sp.q.Encode(), Target: sp.target.Seconds()}
		for i := 0; i <= o.QueryRuns; i++ { // run 0 warms up
			t0 := time.Now()
			body, err := s.get(ctx, sp.path, sp.q)
			took := time.Since(t0).Seconds()
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", sp.name, err)
			}
			rows, events, err := sp.count(body)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", sp.name, err)
			}
			if i == 0 {
				q.Rows, q.Events = rows, events
				continue
			}
			if rows != q.Rows || events != q.Events {
				return nil, fmt.Errorf("query %s: run %d gave %d rows (%d events), the warm-up %d (%d)", sp.name, i, rows, events, q.Rows, q.Events)
			}
			q.Runs = append(q.Runs, took)
		}
		q.Median, q.Max = medianMax(q.Runs)
		out = append(out, q)
	}
	return out, nil
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
