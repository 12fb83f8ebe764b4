package logstore

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"github.com/google/go-cmp/cmp"
)

// A row handed over sorted, with its stream tags beside it, lands in the
// same stream with the same fields as the same row through MustAdd (stream
// fields first), the way rows were stored before: the stream IDs of rows
// already on disk stay the streams new rows join.
func TestInsertRowSameStream(t *testing.T) {
	rows := [][]logstorage.Field{
		{ // a device's row: its source is not a stream field
			{Name: FieldDevice, Value: "fw1"}, {Name: FieldSource}, {Name: FieldStreamKind, Value: "traffic/forward"},
			{Name: FieldStreamShard, Value: "3"}, {Name: FieldStreamPart},
			{Name: "_msg", Value: "date=2026-11-29 srcip=10.0.0.1"}, {Name: FieldTenant, Value: "1"}, {Name: FieldParseError},
			{Name: FieldSource, Value: "192.0.2.1"}, {Name: "srcip", Value: "10.0.0.1"}, {Name: "action", Value: "deny"},
			{Name: "srcip", Value: "10.0.0.2"}, // a repeated key keeps its place after the first
		},
		{ // an unassigned line: the sender is the stream
			{Name: FieldDevice}, {Name: FieldSource, Value: "198.51.100.7"}, {Name: FieldStreamKind}, {Name: FieldStreamShard},
			{Name: FieldStreamPart, Value: "2"}, {Name: "_msg", Value: "hello"}, {Name: FieldTenant, Value: "0"},
		},
	}
	type stored struct {
		Stream uint64
		Tags   string
		Fields []logstorage.Field
	}
	collect := func(lr *logstorage.LogRows) []stored {
		var out []stored
		lr.ForEachRow(func(h uint64, r *logstorage.InsertRow) {
			fs := slices.Clone(r.Fields)
			slices.SortStableFunc(fs, func(a, b logstorage.Field) int { return strings.Compare(a.Name, b.Name) })
			out = append(out, stored{h, r.StreamTagsCanonical, fs})
		})
		return out
	}
	old := logstorage.GetLogRows(nil, nil, nil, nil, "")
	defer logstorage.PutLogRows(old)
	cur := logstorage.GetLogRows(nil, nil, nil, nil, "")
	defer logstorage.PutLogRows(cur)
	var o fieldOrders
	for i, f := range rows {
		ts := int64(1_795_000_000_000_000_000 + i)
		old.MustAdd(logstorage.TenantID{AccountID: 1}, ts, f, streamFields)
		sorted := o.sorted(nil, f)
		if !slices.IsSortedFunc(sorted, func(a, b logstorage.Field) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("row %d: fields not sorted: %v", i, sorted)
		}
		cur.MustAddInsertRow(&logstorage.InsertRow{TenantID: logstorage.TenantID{AccountID: 1},
			StreamTagsCanonical: string(streamTags(nil, f[:streamFields])), Timestamp: ts, Fields: sorted})
	}
	want, got := collect(old), collect(cur)
	if len(want) != len(rows) {
		t.Fatalf("MustAdd kept %d of %d rows", len(want), len(rows))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("stored through InsertRow (-MustAdd +InsertRow):\n%s", d)
	}
	if got[0].Stream == got[1].Stream {
		t.Error("a device's row and an unassigned line share a stream")
	}
}

// fieldOrders sorts by name, keeps repeated names in their order, works a
// list of names out once, checks a cached order's names before using it,
// and keeps at most maxOrders lists.
func TestFieldOrders(t *testing.T) {
	var o fieldOrders
	f := []logstorage.Field{{Name: "z", Value: "1"}, {Name: "a", Value: "2"}, {Name: "m", Value: "3"}, {Name: "a", Value: "4"}}
	want := []logstorage.Field{{Name: "a", Value: "2"}, {Name: "a", Value: "4"}, {Name: "m", Value: "3"}, {Name: "z", Value: "1"}}
	for range 3 {
		if d := cmp.Diff(want, o.sorted(nil, f)); d != "" {
			t.Errorf("sorted (-want +got):\n%s", d)
		}
	}
	if n := o.size.Load(); n != 1 {
		t.Errorf("%d lists kept for one list of names, want 1", n)
	}
	// An entry under the hash whose names differ (a collision) is not used.
	g := []logstorage.Field{{Name: "b", Value: "x"}, {Name: "c", Value: "y"}}
	o.m.Store(namesHash(g), &fieldOrder{names: []string{"c", "b"}, perm: []int{1, 0}})
	if got := o.sorted(nil, g); got[0].Name != "b" || got[1].Name != "c" {
		t.Errorf("a cached order for other names was used: %v", got)
	}
	var many fieldOrders
	for i := range maxOrders + 100 {
		many.sorted(nil, []logstorage.Field{{Name: "f" + strconv.Itoa(i)}, {Name: "e"}})
	}
	if n := many.size.Load(); n != maxOrders {
		t.Errorf("%d lists kept, want at most %d", n, maxOrders)
	}
}
