package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func rec(line string) Record {
	return Record{Received: time.Unix(1700000000, 0), Source: "10.0.0.1", Hint: "udp", Line: []byte(line)}
}

func readAll(t *testing.T, s *Spool) []string {
	t.Helper()
	rd := s.NewReader()
	defer rd.Close()
	var got []string
	for {
		r, err := rd.TryNext()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if r == nil {
			return got
		}
		got = append(got, fmt.Sprintf("%d:%s", r.Seq, r.Line))
	}
}

func TestAppendReadCommitReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{SegmentBytes: 200})
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	for i := range 20 {
		recs = append(recs, rec(fmt.Sprintf("line %02d with some padding", i)))
	}
	if err := s.Append(recs[:10]); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAsync(recs[10:]); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s)
	if len(got) != 20 || got[0] != "1:line 00 with some padding" || got[19] != "20:line 19 with some padding" {
		t.Fatalf("got %v", got)
	}
	if st := s.Stats(); st.Segments < 3 {
		t.Fatalf("want several segments with SegmentBytes=200, got %+v", st)
	}
	if err := s.Commit(12); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{SegmentBytes: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got = readAll(t, s)
	want := []string{}
	for i := 13; i <= 20; i++ {
		want = append(want, fmt.Sprintf("%d:line %02d with some padding", i, i-1))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("after reopen (-want +got):\n%s", d)
	}
	// New appends continue the sequence.
	if err := s.Append([]Record{rec("next")}); err != nil {
		t.Fatal(err)
	}
	if r := recs[0]; r.Seq != 1 {
		t.Fatalf("Seq not assigned: %d", r.Seq)
	}
	got = readAll(t, s)
	if got[len(got)-1] != "21:next" {
		t.Fatalf("got %v", got)
	}
}

func TestTornTailIsTruncated(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append([]Record{rec("a"), rec("b"), rec("c")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, _ := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
	// A crash in the middle of writing a frame: a header promising 100 bytes.
	f.Write([]byte{100, 0, 0, 0, 1, 2, 3, 4, 'x'})
	f.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Append([]Record{rec("d")}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"1:a", "2:b", "3:c", "4:d"}, readAll(t, s)); d != "" {
		t.Fatal(d)
	}
}

func TestCorruptRecordInMiddleIsAnError(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, Options{SegmentBytes: 60})
	for _, l := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "b", "c"} {
		s.Append([]Record{rec(l)})
	}
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 2 {
		t.Fatalf("want ≥2 segments, got %d", len(segs))
	}
	b, _ := os.ReadFile(segs[0])
	b[len(b)-1] ^= 0xff
	os.WriteFile(segs[0], b, 0o640)
	if _, err := Open(dir, Options{SegmentBytes: 60}); err == nil {
		t.Fatal("want an error for a corrupt record in a closed segment")
	}
}

func TestFullRefusesWithoutWriting(t *testing.T) {
	s, _ := Open(t.TempDir(), Options{MaxBytes: 300})
	defer s.Close()
	big := rec(string(make([]byte, 200)))
	if err := s.Append([]Record{big}); err != nil {
		t.Fatal(err)
	}
	if err := s.Append([]Record{big}); !errors.Is(err, ErrFull) {
		t.Fatalf("want ErrFull, got %v", err)
	}
	if st := s.Stats(); st.Written != 1 {
		t.Fatalf("refused append wrote something: %+v", st)
	}
	if err := s.Commit(1); err != nil {
		t.Fatal(err)
	}
	if err := s.Append([]Record{big}); err != nil {
		t.Fatalf("after commit the spool has room again: %v", err)
	}
}

func TestConcurrentAppendersAndFollowingReader(t *testing.T) {
	s, _ := Open(t.TempDir(), Options{SegmentBytes: 4096})
	defer s.Close()
	const writers, per = 4, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				r := rec(fmt.Sprintf("w%d-%d", w, i))
				var err error
				if i%2 == 0 {
					err = s.Append([]Record{r})
				} else {
					err = s.AppendAsync([]Record{r})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rd := s.NewReader()
	seen := map[string]bool{}
	for want := uint64(1); want <= writers*per; want++ {
		r, err := rd.Next(ctx)
		if err != nil {
			t.Fatalf("next %d: %v", want, err)
		}
		if r.Seq != want {
			t.Fatalf("got seq %d, want %d", r.Seq, want)
		}
		seen[string(r.Line)] = true
	}
	wg.Wait()
	if len(seen) != writers*per {
		t.Fatalf("saw %d distinct lines", len(seen))
	}
}

func TestNextUnblocksOnClose(t *testing.T) {
	s, _ := Open(t.TempDir(), Options{})
	rd := s.NewReader()
	errc := make(chan error, 1)
	go func() { _, err := rd.Next(context.Background()); errc <- err }()
	s.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("want ErrClosed, got %v", err)
	}
}

func BenchmarkAppendAsync(b *testing.B) {
	s, _ := Open(b.TempDir(), Options{})
	defer s.Close()
	line := make([]byte, 800)
	batch := make([]Record, 256)
	for i := range batch {
		batch[i] = Record{Received: time.Now(), Source: "192.0.2.1", Line: line}
	}
	b.SetBytes(int64(len(line) * len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.AppendAsync(batch); err != nil {
			b.Fatal(err)
		}
		st := s.Stats()
		s.Commit(st.Written)
	}
}

func TestPendingReleasedUnderContinuousLoad(t *testing.T) {
	s, _ := Open(t.TempDir(), Options{MaxBytes: 1 << 20})
	defer s.Close()
	line := rec(string(make([]byte, 1000)))
	for i := range 5000 { // 5 MB through a 1 MB spool: only works if commits release bytes
		if err := s.AppendAsync([]Record{line}); err != nil {
			t.Fatalf("append %d: %v (stats %+v)", i, err, s.Stats())
		}
		if i%10 == 9 {
			s.Commit(s.Stats().Written - 5)
		}
	}
}
