package spool

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzReadFrame feeds arbitrary bytes to the record decoder: it must never
// panic, and a frame it accepts must re-encode to the same bytes.
func FuzzReadFrame(f *testing.F) {
	good := appendFrame(nil, &Record{Seq: 7, Received: time.Unix(1, 2), Source: "192.0.2.1", Hint: "dev:3", Line: []byte("<13>hello")})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(append(append([]byte{}, good...), good...))
	f.Add([]byte{255, 255, 255, 255, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		var rec Record
		n, _, err := readFrame(r, nil, &rec)
		if err != nil {
			return
		}
		again := appendFrame(nil, &rec)
		if !bytes.Equal(again, b[:n]) {
			t.Fatalf("accepted frame does not round-trip:\n%x\n%x", b[:n], again)
		}
	})
}

// FuzzRecover writes arbitrary bytes after valid records in a segment:
// Open must never panic, must keep every valid record before the damage,
// and the spool must accept new appends.
func FuzzRecover(f *testing.F) {
	f.Add([]byte{1, 2, 3})
	f.Add(appendFrame(nil, &Record{Seq: 3, Line: []byte("x")}))
	f.Fuzz(func(t *testing.T, tail []byte) {
		dir := t.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Append([]Record{{Line: []byte("a")}, {Line: []byte("b")}})
		s.Close()
		segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
		fh, _ := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
		fh.Write(tail)
		fh.Close()
		s, err = Open(dir, Options{})
		if err != nil {
			return // refusing a damaged spool with an error is acceptable
		}
		defer s.Close()
		if err := s.Append([]Record{{Line: []byte("c")}}); err != nil {
			t.Fatal(err)
		}
		rd := s.NewReader()
		var got []string
		for {
			r, err := rd.TryNext()
			if err != nil {
				t.Fatal(err)
			}
			if r == nil {
				break
			}
			got = append(got, string(r.Line))
		}
		if len(got) < 3 || got[0] != "a" || got[1] != "b" || got[len(got)-1] != "c" {
			t.Fatalf("after damage: %q", got)
		}
	})
}
