package logstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
)

// runSuite is the behaviour every Store must have, tenant isolation included.
func runSuite(t *testing.T, s Store) {
	ctx := context.Background()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var evs []*event.Event
	for i := range 40 {
		tenant := uint32(1 + i%2) // odd lines tenant 1, even tenant 2
		ev := &event.Event{
			Time:     base.Add(time.Duration(i) * time.Minute),
			Received: base,
			Raw:      fmt.Sprintf(`<190>date=2026-11-01 devname="fw%d" logid="0000000013" srcip=10.0.%d.%d msg="管理者ログイン失敗 %d"`, tenant, tenant, i, i),
			Seq:      uint64(100 + i),
			TenantID: tenant,
			Device:   fmt.Sprintf("fw%d", tenant),
			Source:   "192.0.2.1",
			Format:   "fortigate",
			Fields: []event.Field{
				{Name: "logid", Value: "0000000013"},
				{Name: "source.ip", Value: fmt.Sprintf("10.0.%d.%d", tenant, i)},
				{Name: "action", Value: []string{"accept", "deny", "accept"}[i%3]},
			},
		}
		evs = append(evs, ev)
	}
	// An unassigned line (tenant 0).
	evs = append(evs, &event.Event{Time: base, Raw: "hello from nowhere", Seq: 99, Source: "198.51.100.7"})
	if err := s.Add(evs); err != nil {
		t.Fatal(err)
	}
	s.Flush()

	count := func(tenants []uint32, q string) int {
		t.Helper()
		n := 0
		err := s.Search(ctx, Request{Tenants: tenants, Query: q}, func(row []event.Field) error { n++; return nil })
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		return n
	}

	t.Run("raw line and fields kept", func(t *testing.T) {
		var rows [][]event.Field
		err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: "*", Limit: 1}, func(row []event.Field) error {
			rows = append(rows, row)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("limit 1 gave %d rows", len(rows))
		}
		r := rows[0]
		if r[0].Name != "_time" || r[1].Name != "_msg" {
			t.Fatalf("row must start with _time, _msg: %v", r)
		}
		// Tenant 1 holds the even lines; its newest is line 38.
		if r[0].Value != base.Add(38*time.Minute).Format(time.RFC3339Nano) {
			t.Errorf("newest first: got %s", r[0].Value)
		}
		if r[1].Value != evs[38].Raw {
			t.Errorf("_msg = %q, want the original line %q", r[1].Value, evs[38].Raw)
		}
		got := map[string]string{}
		for _, f := range r {
			got[f.Name] = f.Value
		}
		for k, v := range map[string]string{"logid": "0000000013", FieldDevice: "fw1", FieldSeq: "138", FieldTenant: "1", FieldFormat: "fortigate", "source.ip": "10.0.1.38", FieldSource: "192.0.2.1"} {
			if got[k] != v {
				t.Errorf("field %s = %q, want %q", k, got[k], v)
			}
		}
	})

	t.Run("tenant isolation", func(t *testing.T) {
		if n := count([]uint32{1}, "*"); n != 20 {
			t.Errorf("tenant 1 sees %d rows, want 20", n)
		}
		if n := count([]uint32{1, 2}, "*"); n != 40 {
			t.Errorf("tenants 1+2 see %d rows, want 40", n)
		}
		if n := count([]uint32{0}, "*"); n != 1 {
			t.Errorf("unassigned area has %d rows, want 1", n)
		}
		escapes := []string{
			`tenant.id:2`, `* or tenant.id:2`, `devname:fw2`, `_stream:{device="fw2"}`,
			`_stream_id:00000002000000000000000000000000`, `* | union (tenant.id:2)`,
			`srcip:in(* | fields srcip)`, `fw2 or not fw2`,
		}
		for _, q := range escapes {
			err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: q}, func(row []event.Field) error {
				for _, f := range row {
					if f.Name == FieldTenant && f.Value != "1" {
						return fmt.Errorf("query %q returned a row of tenant %s", q, f.Value)
					}
					if f.Name == "_msg" && strings.Contains(f.Value, `devname="fw2"`) {
						return fmt.Errorf("query %q returned another tenant's line %q", q, f.Value)
					}
				}
				return nil
			})
			if err != nil && !errors.Is(err, ErrBadQuery) {
				t.Error(err)
			}
		}
		if err := s.Search(ctx, Request{Query: "*"}, func([]event.Field) error { return nil }); !errors.Is(err, ErrNoTenants) {
			t.Errorf("empty tenant scope: want ErrNoTenants, got %v", err)
		}
		if _, err := s.Hits(ctx, Request{}, time.Hour); !errors.Is(err, ErrNoTenants) {
			t.Errorf("hits with empty scope: %v", err)
		}
		if _, err := s.Facets(ctx, Request{}, "action", 5); !errors.Is(err, ErrNoTenants) {
			t.Errorf("facets with empty scope: %v", err)
		}
	})

	t.Run("japanese substring and ip", func(t *testing.T) {
		if n := count([]uint32{1}, "ログイン"); n != 20 {
			t.Errorf("ログイン found %d rows in tenant 1, want 20", n)
		}
		if n := count([]uint32{2}, "10.0.2.5"); n != 1 {
			t.Errorf("IP search found %d rows, want 1", n)
		}
		if n := count([]uint32{1}, "10.0.2.5"); n != 0 {
			t.Errorf("IP of tenant 2 found %d rows in tenant 1", n)
		}
	})

	t.Run("newest first with fractional seconds", func(t *testing.T) {
		// Two events in the same second, one on the second and one half a
		// second later: as text "…:00Z" sorts after "…:00.5Z".
		at := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		s.Add([]*event.Event{
			{Time: at, TenantID: 9, Device: "d", Raw: "on the second", Seq: 900},
			{Time: at.Add(500 * time.Millisecond), TenantID: 9, Device: "d", Raw: "half a second later", Seq: 901},
		})
		s.Flush()
		var got []string
		s.Search(ctx, Request{Tenants: []uint32{9}, Limit: 10}, func(row []event.Field) error {
			got = append(got, row[1].Value)
			return nil
		})
		if len(got) != 2 || got[0] != "half a second later" {
			t.Errorf("newest first: %q", got)
		}
	})

	t.Run("time range", func(t *testing.T) {
		n := 0
		err := s.Search(ctx, Request{Tenants: []uint32{1, 2}, Start: base.Add(10 * time.Minute), End: base.Add(20 * time.Minute)}, func([]event.Field) error { n++; return nil })
		if err != nil || n != 10 {
			t.Errorf("10-minute range: %d rows, err %v", n, err)
		}
	})

	t.Run("hits", func(t *testing.T) {
		got, err := s.Hits(ctx, Request{Tenants: []uint32{1, 2}}, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		want := []Bucket{{base, 10}, {base.Add(10 * time.Minute), 10}, {base.Add(20 * time.Minute), 10}, {base.Add(30 * time.Minute), 10}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("hits (-want +got):\n%s", d)
		}
	})

	t.Run("facets", func(t *testing.T) {
		got, err := s.Facets(ctx, Request{Tenants: []uint32{1, 2}}, "action", 5)
		if err != nil {
			t.Fatal(err)
		}
		want := []ValueCount{{"accept", 27}, {"deny", 13}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("facets (-want +got):\n%s", d)
		}
	})

	t.Run("seqs", func(t *testing.T) {
		got, err := s.Seqs(ctx, []uint32{0, 1, 2}, 135)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 {
			t.Errorf("seqs ≥135: %v", got)
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := s.Delete(ctx, []uint32{0}, `"log.source.address":="198.51.100.7"`, time.Time{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for count([]uint32{0}, "*") != 0 {
			if time.Now().After(deadline) {
				t.Fatal("deleted row still there after 20s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if n := count([]uint32{1, 2}, "*"); n != 40 {
			t.Errorf("delete in tenant 0 touched other tenants: %d rows left", n)
		}
	})

	t.Run("bad query", func(t *testing.T) {
		// The message quotes the user's text, not the query as rewritten
		// for lean rows or with Sekimori's pipes (unpack_logfmt, sort).
		for _, q := range []string{`foo:(`, `action:deny AND`, `action:deny |`} {
			for _, limit := range []int{0, 100} {
				err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: q, Limit: limit}, func([]event.Field) error { return nil })
				if !errors.Is(err, ErrBadQuery) {
					t.Errorf("%q: want ErrBadQuery, got %v", q, err)
					continue
				}
				if msg := err.Error(); !strings.Contains(msg, "context: ["+q+"]") || strings.Contains(msg, "unpack_logfmt") || strings.Contains(msg, "sort by") {
					t.Errorf("%q limit %d: the error does not quote the query as written: %v", q, limit, err)
				}
			}
		}
	})

	t.Run("pipe rows without time", func(t *testing.T) {
		var rows [][]event.Field
		err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: `* | stats by (action) count() n`, Limit: 10}, func(row []event.Field) error {
			rows = append(rows, row)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("stats by action: %d rows, want 2: %v", len(rows), rows)
		}
		for _, row := range rows {
			for _, f := range row {
				if f.Name == "_time" || f.Name == "_msg" {
					t.Errorf("stats row has %s=%q: %v", f.Name, f.Value, row)
				}
			}
		}
	})
}

func TestEmbedded(t *testing.T) {
	s, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{Retention: 3650 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runSuite(t, s)
}

// Facets counts values, not the rows that lack the field: those do not
// take one of the limit's places, however many they are.
func TestFacetsLeaveOutMissing(t *testing.T) {
	s, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{Retention: 3650 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var evs []*event.Event
	for i, user := range []string{"", "", "", "", "", "sato", "sato", "sato", "suzuki", "suzuki", "tanaka", ""} {
		ev := &event.Event{Time: base.Add(time.Duration(i) * time.Second), Received: base, Raw: fmt.Sprintf("line %d", i),
			Seq: uint64(i + 1), TenantID: 1, Device: "fw1", Format: "kv"}
		if user != "" {
			ev.Fields = []event.Field{{Name: "user.name", Value: user}}
		} else if i == 11 {
			ev.Fields = []event.Field{{Name: "user.name", Value: ""}} // present but empty
		}
		evs = append(evs, ev)
	}
	if err := s.Add(evs); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	ctx := context.Background()
	for limit, want := range map[int][]ValueCount{
		2: {{"sato", 3}, {"suzuki", 2}},
		5: {{"sato", 3}, {"suzuki", 2}, {"tanaka", 1}},
	} {
		got, err := s.Facets(ctx, Request{Tenants: []uint32{1}}, "user.name", limit)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("limit %d (-want +got):\n%s", limit, d)
		}
	}
	got, err := s.Facets(ctx, Request{Tenants: []uint32{1}, Query: "line 0"}, "user.name", 5)
	if err != nil || len(got) != 0 {
		t.Errorf("only rows without the field: %v, %v; want no values", got, err)
	}
}
