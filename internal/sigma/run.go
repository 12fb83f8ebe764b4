package sigma

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file is the rule author's loop ("sekimori rules match", and the
// data-driven tests): a file of JSON events, one per line, evaluated as
// one log source, with the detections written as JSON lines.

// LineEvent is one event of a JSON lines file.
type LineEvent struct {
	Line  int // 0-based line number
	Time  time.Time
	Event *JSONEvent
}

// ReadJSONLines reads one JSON object per line (blank lines are skipped)
// and orders the events by @timestamp (or _time); an event without a time
// keeps its place after the one before it. A line that is not a JSON
// object is passed to bad and skipped.
func ReadJSONLines(r io.Reader, bad func(line int, err error)) ([]LineEvent, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	var evs []LineEvent
	var last time.Time
	for line := 0; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		ev, err := ParseJSONEvent(b)
		if err != nil {
			bad(line, err)
			continue
		}
		t, ok := EventTime(ev)
		if !ok {
			t = last
		}
		last = t
		evs = append(evs, LineEvent{Line: line, Time: t, Event: ev})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	return evs, nil
}

// EventTime reads @timestamp or _time: an RFC 3339 time (UTC when it has
// no zone) or Unix seconds (milliseconds when above 1e11).
func EventTime(ev *JSONEvent) (time.Time, bool) {
	for _, f := range []string{"@timestamp", "_time"} {
		v, ok := ev.Get(f)
		if !ok || v == "" {
			continue
		}
		if t, ok := parseTime(v); ok {
			return t, true
		}
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			if n > 1e11 {
				n /= 1000
			}
			sec := int64(n)
			return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC(), true
		}
	}
	return time.Time{}, false
}

// RunEvents evaluates events in order with a new Correlator, then closes
// every window, calling emit for each detection. Event references are the
// events' line numbers.
func RunEvents(e *Engine, ls LogSource, evs []LineEvent, emit func(Detection) error) error {
	c := e.NewCorrelator()
	var dets []Detection
	for _, ev := range evs {
		dets = c.Process(ls, ev.Event, ev.Time, uint64(ev.Line), dets[:0])
		for _, d := range dets {
			if err := emit(d); err != nil {
				return err
			}
		}
	}
	for _, d := range c.FlushAll(dets[:0]) {
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

type detectionLine struct {
	Rule   string   `json:"rule"`
	Events []uint64 `json:"events"`
}

type correlationLine struct {
	Rule   string            `json:"rule"`
	Events []uint64          `json:"events"`
	Group  map[string]string `json:"group"`
}

// AppendJSON appends d as one JSON line: {"rule": "<ref>", "events": [...]},
// with "group": {...} for correlations.
func (d Detection) AppendJSON(b []byte) []byte {
	var v any = detectionLine{Rule: d.Rule.Ref(), Events: d.Events}
	if d.Rule.Kind == KindCorrelation {
		g := map[string]string{}
		for _, x := range d.Group {
			g[x.Field] = x.Value
		}
		v = correlationLine{Rule: d.Rule.Ref(), Events: d.Events, Group: g}
	}
	j, err := json.Marshal(v)
	if err != nil { // only strings and numbers: cannot happen
		panic(err)
	}
	return append(append(b, j...), '\n')
}

// ParseLogSource reads "product=X,category=Y,service=Z" (any subset).
func ParseLogSource(s string) (LogSource, error) {
	var ls LogSource
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			return ls, fmt.Errorf("%q: want key=value", part)
		}
		switch k {
		case "product":
			ls.Product = v
		case "category":
			ls.Category = v
		case "service":
			ls.Service = v
		default:
			return ls, fmt.Errorf("unknown key %q: want product, category or service", k)
		}
	}
	return ls, nil
}

// ParsePlaceholders reads {"name": ["value", ...]} (a single string is
// taken as a list of one).
func ParsePlaceholders(b []byte) (map[string][]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf(`placeholders: want {"name": ["value", ...]}: %w`, err)
	}
	out := make(map[string][]string, len(raw))
	for k, v := range raw {
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			var one string
			if json.Unmarshal(v, &one) != nil {
				return nil, fmt.Errorf("placeholders: %q must be a list of strings", k)
			}
			list = []string{one}
		}
		out[k] = list
	}
	return out, nil
}
