package state

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Part of the shared suite (runSuite): the unassigned-source summary.

func testUnassigned(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	t0 := clk.Now()
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)

	notes := []struct {
		source, hostname, devid string
		seen                    time.Time
		lines                   int64
	}{
		{"10.9.9.9", "fw-x", "", t1, 5},
		{"10.9.9.9", "", "FGT60F0000000009", t0, 3},
		{"Host.Example", "", "", t2, 1},
		{"::ffff:10.9.9.9", "", "", t1, 2},
	}
	for _, n := range notes {
		if err := s.NoteUnassigned(ctx, n.source, n.hostname, n.devid, n.seen, n.lines); err != nil {
			t.Fatal(err)
		}
	}
	want := []UnassignedSource{
		{Source: "host.example", FirstSeen: t2, LastSeen: t2, Lines: 1},
		{Source: "10.9.9.9", Hostname: "fw-x", DevID: "FGT60F0000000009", FirstSeen: t0, LastSeen: t1, Lines: 10},
	}
	got, err := s.ListUnassigned(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListUnassigned (-want +got):\n%s", diff)
	}

	// A zero time means now; a long sample is cut.
	clk.Advance(time.Hour)
	long := strings.Repeat("h", 300)
	if err := s.NoteUnassigned(ctx, "192.0.2.1", long, "", time.Time{}, 1); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListUnassigned(ctx)
	if len(got) != 3 || got[0].Source != "192.0.2.1" || !got[0].LastSeen.Equal(clk.Now()) || len(got[0].Hostname) != 255 {
		t.Errorf("after a note without time: %+v", got)
	}

	wantField(t, s.NoteUnassigned(ctx, " ", "", "", t0, 1), "source")
	wantField(t, s.NoteUnassigned(ctx, "10.1.1.1", "", "", t0, -1), "lines")

	if err := s.ClearUnassigned(ctx, "::FFFF:10.9.9.9"); err != nil {
		t.Fatal(err)
	}
	wantIs(t, s.ClearUnassigned(ctx, "10.9.9.9"), ErrNotFound)
	got, _ = s.ListUnassigned(ctx)
	if len(got) != 2 {
		t.Errorf("after clear: %+v", got)
	}
}
