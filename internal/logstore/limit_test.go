package logstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
)

// TestEngineLimits writes rows past each of the engine's limits, which it
// would skip with only a warning, and checks that every row is stored with
// its raw line and what was left out counted.
func TestEngineLimits(t *testing.T) {
	s, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{Retention: 3650 * 24 * time.Hour, MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Now().Add(-time.Hour)
	mk := func(seq int, dev, raw string, nf int, prefix string) *event.Event {
		ev := &event.Event{Time: base.Add(time.Duration(seq) * time.Second), TenantID: 1, Device: dev, Raw: raw, Seq: uint64(seq)}
		for i := range nf {
			ev.Fields = append(ev.Fields, event.Field{Name: fmt.Sprintf("%s%d", prefix, i), Value: "v"})
		}
		return ev
	}
	long := mk(4, "b", "b-long-name", 1, strings.Repeat("n", MaxFieldNameBytes+1))
	long.Fields = append(long.Fields, event.Field{Name: "short", Value: "kept"})
	big := mk(5, "c", strings.Repeat("m", 3<<20), 0, "")
	wide := mk(6, "d", "d-wide", 0, "")
	for i := range 200 {
		wide.Fields = append(wide.Fields, event.Field{Name: fmt.Sprint("w", i), Value: strings.Repeat("x", 16<<10)})
	}
	evs := []*event.Event{
		// Stream a: 1000 new names, then 1000 others, then a small row:
		// in one block, the engine would skip the second and third rows.
		mk(1, "a", "a1", 1000, "x"), mk(2, "a", "a2", 1000, "y"), mk(3, "a", "a3", 10, "x"),
		long, big, wide,
	}
	if err := s.Add(evs); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	rows := map[string][]event.Field{}
	err = s.Search(context.Background(), Request{Tenants: []uint32{1}}, func(row []event.Field) error {
		var msg string
		for _, f := range row {
			if f.Name == "_msg" {
				msg = f.Value
			}
		}
		rows[msg[:min(len(msg), 11)]] = row
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	get := func(key, name string) string {
		for _, f := range rows[key] {
			if f.Name == name {
				return f.Value
			}
		}
		return ""
	}
	for _, tt := range []struct {
		key, truncated, part string
		fields               int // event fields stored
	}{
		{"a1", "400", "", MaxRowFields},
		{"a2", "400", "1", MaxRowFields}, // 600 new names: a new part
		{"a3", "", "2", 10},              // names of part 0, not of part 1
		{"b-long-name", "1", "", 1},
	} {
		row, ok := rows[tt.key]
		if !ok {
			t.Errorf("row %q not stored", tt.key)
			continue
		}
		if got := get(tt.key, FieldParseTruncated); got != tt.truncated {
			t.Errorf("row %q: parse.truncated = %q, want %q", tt.key, got, tt.truncated)
		}
		if got := get(tt.key, FieldStreamPart); got != tt.part {
			t.Errorf("row %q: stream.part = %q, want %q", tt.key, got, tt.part)
		}
		n := 0
		for _, f := range row {
			if strings.HasPrefix(f.Name, "x") || strings.HasPrefix(f.Name, "y") || f.Name == "short" {
				n++
			}
		}
		if n != tt.fields {
			t.Errorf("row %q: %d event fields stored, want %d", tt.key, n, tt.fields)
		}
	}
	if _, ok := rows["d-wide"]; !ok {
		t.Error("row d-wide not stored")
	}
	if got := get("d-wide", FieldParseTruncated); got == "" || wide.FieldsDropped == 0 {
		t.Errorf("a row over 2 MiB of fields: parse.truncated %q, FieldsDropped %d", got, wide.FieldsDropped)
	}
	if evs[0].FieldsDropped != 400 || evs[1].FieldsDropped != 400 || evs[2].FieldsDropped != 0 {
		t.Errorf("FieldsDropped = %d, %d, %d; want 400, 400, 0", evs[0].FieldsDropped, evs[1].FieldsDropped, evs[2].FieldsDropped)
	}
	// Every part of the device is found by its device name.
	n := 0
	s.Search(context.Background(), Request{Tenants: []uint32{1}, Query: `device:=a`}, func([]event.Field) error { n++; return nil })
	if n != 3 {
		t.Errorf("device:=a finds %d rows, want 3", n)
	}
	// A raw line over the row limit is cut, and says so.
	mm := strings.Repeat("m", 11)
	if _, ok := rows[mm]; !ok {
		t.Fatalf("3 MiB line not stored")
	}
	if msg := rows[mm][1].Value; len(msg) > 2<<20 || len(msg) < 1<<20 {
		t.Errorf("3 MiB line stored as %d bytes", len(msg))
	}
	if pe := get(mm, FieldParseError); !strings.Contains(pe, "line cut to") {
		t.Errorf("cut line: parse.error = %q", pe)
	}
}

// TestOwnFieldsNotOverwritten: a line's own "device" or "tenant.id" (a JSON
// key) does not replace what the store records.
func TestOwnFieldsNotOverwritten(t *testing.T) {
	s, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{Retention: 3650 * 24 * time.Hour, MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev := &event.Event{Time: time.Now().Add(-time.Minute), TenantID: 1, Device: "fw1", Raw: "x", Seq: 1,
		Fields: []event.Field{{Name: FieldDevice, Value: "fw2"}, {Name: FieldTenant, Value: "2"}, {Name: "ok", Value: "1"}}}
	if err := s.Add([]*event.Event{ev}); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	var got []event.Field
	err = s.Search(context.Background(), Request{Tenants: []uint32{1}, Query: "device:=fw1"}, func(row []event.Field) error {
		for _, f := range row {
			switch f.Name {
			case FieldDevice, FieldTenant, "ok", FieldParseTruncated, FieldStreamPart:
				got = append(got, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []event.Field{{Name: FieldDevice, Value: "fw1"}, {Name: FieldTenant, Value: "1"}, {Name: "ok", Value: "1"}, {Name: FieldParseTruncated, Value: "2"}}
	slices.SortFunc(got, func(a, b event.Field) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(want, func(a, b event.Field) int { return strings.Compare(a.Name, b.Name) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored fields (-want +got):\n%s", diff)
	}
}

// TestStreamKinds: each kind of a device's lines is a stream of its own, up
// to maxKinds per device, past which lines share the stream "other"; the
// stream field is not shown in rows but can be queried, and lines without
// a kind stay in the device's plain stream.
func TestStreamKinds(t *testing.T) {
	ctx := context.Background()
	s, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{Retention: 3650 * 24 * time.Hour, MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Now().Add(-time.Hour)
	var evs []*event.Event
	add := func(kind string) {
		n := len(evs) + 1
		evs = append(evs, &event.Event{Time: base.Add(time.Duration(n) * time.Second), TenantID: 1, Device: "fg1",
			Raw: fmt.Sprintf("line %d kind %s", n, kind), Seq: uint64(n), Kind: kind,
			Fields: []event.Field{{Name: "n", Value: fmt.Sprint(n)}}})
	}
	for range 10 {
		for _, k := range []string{"traffic/forward", "utm/ips", "event/system"} {
			add(k)
		}
	}
	for i := range maxKinds + 6 {
		add(fmt.Sprintf("k%02d", i))
	}
	add("")
	add("")
	if err := s.Add(evs); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	req := func(q string) Request { return Request{Tenants: []uint32{1}, Query: q} }
	count := func(q string) map[string]string {
		t.Helper()
		out := map[string]string{}
		err := s.Search(ctx, req(q), func(row []event.Field) error {
			m := map[string]string{}
			for _, f := range row {
				m[f.Name] = f.Value
			}
			out[m["k"]] = m["n"]
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := count(`* | format "<stream.kind>" as k | stats by (k) count() n`)
	if got["traffic/forward"] != "10" || got["utm/ips"] != "10" || got["k00"] != "1" || got[""] != "2" {
		t.Errorf("rows per stream kind: %v", got)
	}
	own := maxKinds - 3 // the first three kinds came first
	if _, ok := got[fmt.Sprintf("k%02d", own-1)]; !ok {
		t.Errorf("kind k%02d, within the device's first %d, has no stream: %v", own-1, maxKinds, got)
	}
	if _, ok := got[fmt.Sprintf("k%02d", own)]; ok {
		t.Errorf("kind k%02d, past the device's first %d, has a stream of its own", own, maxKinds)
	}
	if got[kindOther] != "9" {
		t.Errorf("rows in stream %q = %s, want 9", kindOther, got[kindOther])
	}
	streams := count(`* | stats count_uniq(_stream) k`)
	if _, ok := streams[fmt.Sprint(maxKinds+2)]; !ok { // the kinds, "other" and no kind
		t.Errorf("distinct streams: %v, want %d", streams, maxKinds+2)
	}
	n := 0
	err = s.Search(ctx, req(`stream.kind:="utm/ips"`), func(row []event.Field) error {
		n++
		for _, f := range row {
			if f.Name == FieldStreamKind {
				t.Errorf("row shows %s", FieldStreamKind)
			}
		}
		return nil
	})
	if err != nil || n != 10 {
		t.Errorf("stream.kind filter: %d rows, %v; want 10", n, err)
	}
}

// TestKindShards: a kind is split by source address only as far as each
// piece keeps about 1/shareParts of the window's lines, from the second
// window on, and at most maxShards ways.
func TestKindShards(t *testing.T) {
	s := streamKinds{window: 100}
	dev := streamKey{tenant: 1, device: "fg1"}
	mix := []struct {
		kind  string
		lines int
		want  uint32 // ways split after a window of this mix
	}{
		{"traffic/forward", 70, maxShards}, // 70% × 12 = 8.4
		{"traffic/local", 20, 2},           // 2.4
		{"utm/ips", 7, 1},                  // 0.84
		{"event/system", 3, 1},
	}
	calls := 0
	for range 3 {
		for _, m := range mix {
			for range m.lines {
				_, shards := s.bound(dev, m.kind)
				// The window's last line starts the next one.
				if calls++; calls < 100 && shards != 1 {
					t.Fatalf("first window: %s split %d ways, want 1", m.kind, shards)
				}
			}
		}
	}
	for _, m := range mix {
		if _, shards := s.bound(dev, m.kind); shards != m.want {
			t.Errorf("%s split %d ways, want %d", m.kind, shards, m.want)
		}
	}
	if _, shards := s.bound(streamKey{tenant: 1, device: "fg2"}, "traffic/forward"); shards != 1 {
		t.Errorf("another device's new kind split %d ways, want 1", shards)
	}
	if got := sourceShard([]event.Field{{Name: "srcip", Value: "10.0.0.1"}}, 8); got != "" {
		t.Errorf("shard of an event without source.ip: %q", got)
	}
	if got := sourceShard([]event.Field{{Name: "source.ip", Value: "10.0.0.1"}}, 1); got != "" {
		t.Errorf("shard of an unsplit kind: %q", got)
	}
}

// TestStreamShards: in the store, with SplitBySource, a busy kind's lines
// are split by source address, so that one host's lines share a stream;
// the shard is not shown in rows, and every line is found. Without it,
// each kind is one stream.
func TestStreamShards(t *testing.T) {
	for _, split := range []bool{true, false} {
		t.Run(fmt.Sprint("split=", split), func(t *testing.T) { testStreamShards(t, split) })
	}
}

func testStreamShards(t *testing.T, split bool) {
	ctx := context.Background()
	s, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{Retention: 3650 * 24 * time.Hour, MinFreeDiskBytes: 1, SplitBySource: split})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := map[bool]uint64{true: shardWindow, false: 0}[split]; s.kinds.window != want {
		t.Fatalf("window %d with SplitBySource %v, want %d", s.kinds.window, split, want)
	}
	if split {
		s.kinds.window = 100 // not 65,536 lines for the test
	}
	base := time.Now().Add(-time.Hour)
	var evs []*event.Event
	for n := 1; n <= 1000; n++ {
		kind, ip := "traffic/forward", fmt.Sprintf("10.1.0.%d", n%40)
		if n%10 == 0 {
			kind = "event/system" // 10%: not split
		}
		evs = append(evs, &event.Event{Time: base.Add(time.Duration(n) * time.Second), TenantID: 1, Device: "fg1",
			Raw: fmt.Sprintf("line %d from %s", n, ip), Seq: uint64(n), Kind: kind,
			Fields: []event.Field{{Name: "n", Value: fmt.Sprint(n)}, {Name: "source.ip", Value: ip}}})
	}
	if err := s.Add(evs); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	stat := func(q, name string) string {
		t.Helper()
		v := ""
		err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: q}, func(row []event.Field) error {
			for _, f := range row {
				if f.Name == FieldStreamShard {
					t.Errorf("row shows %s", FieldStreamShard)
				}
				if f.Name == name {
					v = f.Value
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// After the first window: 9 shards of traffic/forward (8 and the
	// first window's unsplit stream), 1 of event/system.
	want := 1
	if split {
		want = maxShards + 1
	}
	if got := stat(`stream.kind:="traffic/forward" | stats count_uniq(_stream) n`, "n"); got != fmt.Sprint(want) {
		t.Errorf("traffic/forward streams = %s, want %d", got, want)
	}
	if got := stat(`stream.kind:="event/system" | stats count_uniq(_stream) n`, "n"); got != "1" {
		t.Errorf("event/system streams = %s, want 1", got)
	}
	if got := stat(`stream.kind:="traffic/forward" n:>100 source.ip:=10.1.0.7 | stats count_uniq(_stream) n`, "n"); got != "1" {
		t.Errorf("one host's traffic/forward lines after the first window are in %s streams, want 1", got)
	}
	if got := stat(`source.ip:=10.1.0.7 | stats count() n`, "n"); got != "25" {
		t.Errorf("lines of 10.1.0.7 = %s, want 25", got)
	}
	n := 0
	if err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: "10.1.0.7"}, func([]event.Field) error { n++; return nil }); err != nil || n != 25 {
		t.Errorf("search for 10.1.0.7: %d rows, %v; want 25", n, err)
	}
}
