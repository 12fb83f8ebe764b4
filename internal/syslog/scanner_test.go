package syslog_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sekimori/sekimori/internal/syslog"
)

// frame is one result of Scan.
type frame struct {
	Text      string
	Truncated bool
}

// scanned is everything a Scanner produced from a stream.
type scanned struct {
	Frames []frame
	Err    string
}

// scanAll runs a Scanner over r until Scan returns false.
func scanAll(r io.Reader, maxFrame int) scanned {
	var got scanned
	s := syslog.NewScanner(r, maxFrame)
	for s.Scan() {
		got.Frames = append(got.Frames, frame{Text: string(s.Bytes()), Truncated: s.Truncated()})
	}
	if err := s.Err(); err != nil {
		got.Err = err.Error()
	}
	return got
}

// splitReader returns its data in the chunks given.
type splitReader struct{ chunks [][]byte }

func (r *splitReader) Read(p []byte) (int, error) {
	for len(r.chunks) > 0 && len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	return n, nil
}

// splitAt returns a reader that gives data in two reads, cut at i.
func splitAt(data []byte, i int) io.Reader {
	return &splitReader{chunks: [][]byte{data[:i], data[i:]}}
}

func f(text string) frame        { return frame{Text: text} }
func cut(text string) frame      { return frame{Text: text, Truncated: true} }
func frames(fs ...frame) []frame { return fs }

// scannerTests are shared with FuzzScanner as seeds.
var scannerTests = []struct {
	name     string
	in       string
	maxFrame int
	want     scanned
}{
	{name: "empty stream", in: ""},
	{name: "only trailers", in: "\n\r\n\x00\n"},
	{name: "lf", in: "a\nb\n", want: scanned{Frames: frames(f("a"), f("b"))}},
	{name: "crlf", in: "a\r\nb\r\n", want: scanned{Frames: frames(f("a"), f("b"))}},
	{name: "nul trailer", in: "a\x00b\x00", want: scanned{Frames: frames(f("a"), f("b"))}},
	{name: "empty lines skipped", in: "\n\na\n\r\n\nb\n", want: scanned{Frames: frames(f("a"), f("b"))}},
	{name: "last line without LF", in: "a\nbc", want: scanned{Frames: frames(f("a"), f("bc"))}},
	{name: "last line ending in CR", in: "a\nbc\r", want: scanned{Frames: frames(f("a"), f("bc"))}},
	{name: "CR inside a line is kept", in: "a\rb\n", want: scanned{Frames: frames(f("a\rb"))}},
	{name: "lf too long", in: "abcdefgh\nxy\n", maxFrame: 4, want: scanned{Frames: frames(cut("abcd"), f("xy"))}},
	{name: "lf one byte too long", in: "abcde\nxy", maxFrame: 4, want: scanned{Frames: frames(cut("abcd"), f("xy"))}},
	{name: "lf max with CRLF", in: "abcd\r\nxy", maxFrame: 4, want: scanned{Frames: frames(f("abcd"), f("xy"))}},
	{name: "lf too long at EOF", in: "abcdefgh", maxFrame: 4, want: scanned{Frames: frames(cut("abcd"))}},
	{name: "lf too long then NUL", in: "abcdefgh\x00xy", maxFrame: 4, want: scanned{Frames: frames(cut("abcd"), f("xy"))}},
	{
		name: "lf stream of syslog lines",
		in:   "<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n<190>date=2024-08-28 time=10:33:52\r\n",
		want: scanned{Frames: frames(f("<34>Oct 11 22:14:15 mymachine su: 'su root' failed"), f("<190>date=2024-08-28 time=10:33:52"))},
	},
	{
		name: "lf lines starting with a digit",
		in:   "2026-04-03T00:31:09Z 192.168.2.1 date=x\n1 line\n",
		want: scanned{Frames: frames(f("2026-04-03T00:31:09Z 192.168.2.1 date=x"), f("1 line"))},
	},
	{name: "lf digits only", in: "12345", want: scanned{Frames: frames(f("12345"))}},
	{
		name: "lf more digits than a count",
		in:   strings.Repeat("1", 21) + " x\n",
		want: scanned{Frames: frames(f(strings.Repeat("1", 21) + " x"))},
	},
	{name: "octet", in: "3 abc5 hello", want: scanned{Frames: frames(f("abc"), f("hello"))}},
	{
		name: "octet syslog",
		in:   "46 <165>1 2003-10-11T22:14:15.003Z host app - - -49 <165>1 2003-10-11T22:14:15.003Z host app - - - x\n",
		want: scanned{Frames: frames(
			f("<165>1 2003-10-11T22:14:15.003Z host app - - -"),
			f("<165>1 2003-10-11T22:14:15.003Z host app - - - x\n"),
		)},
	},
	{name: "octet keeps LF and NUL inside", in: "7 a\nb\r\nc\x00", want: scanned{Frames: frames(f("a\nb\r\nc\x00"))}},
	{name: "octet leading zeros", in: "003 abc0001 d", want: scanned{Frames: frames(f("abc"), f("d"))}},
	{name: "octet zero length", in: "0 3 abc0 ", want: scanned{Frames: frames(f("abc"))}},
	{name: "octet trailers between frames", in: "3 abc\n3 def\r\n\x003 ghi\n", want: scanned{Frames: frames(f("abc"), f("def"), f("ghi"))}},
	{name: "octet exactly max", in: "4 abcd2 xy", maxFrame: 4, want: scanned{Frames: frames(f("abcd"), f("xy"))}},
	{name: "octet too long", in: "10 01234567893 abc", maxFrame: 4, want: scanned{Frames: frames(cut("0123"), f("abc"))}},
	{name: "octet too long, last", in: "10 0123456789", maxFrame: 4, want: scanned{Frames: frames(cut("0123"))}},
	{
		name: "octet too long, cut at EOF",
		in:   "10 012345", maxFrame: 4,
		want: scanned{Frames: frames(cut("0123")), Err: "frame cut at EOF: have 6 of 10 bytes"},
	},
	{
		name: "octet cut at EOF",
		in:   "57 <34>1 - hx",
		want: scanned{Err: "frame cut at EOF: have 10 of 57 bytes"},
	},
	{
		name: "octet cut inside the count",
		in:   "3 abc12",
		want: scanned{Frames: frames(f("abc")), Err: `frame cut at EOF: octet count "12" without a message`},
	},
	{
		name: "octet not a number",
		in:   "3 abc12ab x",
		want: scanned{Frames: frames(f("abc")), Err: `octet count "12ab": not a number`},
	},
	{
		name: "octet count without digits",
		in:   "3 abc x",
		want: scanned{Frames: frames(f("abc")), Err: `octet count "": not a number`},
	},
	{
		name: "octet not a number at EOF",
		in:   "3 abc<13>",
		want: scanned{Frames: frames(f("abc")), Err: `octet count "<13>": not a number`},
	},
	{
		name: "octet count too long",
		in:   "3 abc" + strings.Repeat("0", 21) + "1 x",
		want: scanned{Frames: frames(f("abc")), Err: `octet count "` + strings.Repeat("0", 21) + `": too long`},
	},
	{
		name: "octet count too large",
		in:   "3 abc99999999999999 x",
		want: scanned{Frames: frames(f("abc")), Err: `octet count "99999999999999": too large`},
	},
	{
		name: "octet count of 93 GiB",
		in:   "3 abc99999999999 xxxx",
		want: scanned{Frames: frames(f("abc")), Err: `octet count "99999999999": too large`},
	},
	{
		name: "octet count just over 64 MiB",
		in:   "67108865 xxxx",
		want: scanned{Err: `octet count "67108865": too large`},
	},
}

func TestScanner(t *testing.T) {
	for _, tt := range scannerTests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.in)
			readers := map[string]func() io.Reader{
				"whole":    func() io.Reader { return bytes.NewReader(data) },
				"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
				"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
				"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
			}
			for name, r := range readers {
				got := scanAll(r(), tt.maxFrame)
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s reader: mismatch (-want +got):\n%s", name, diff)
				}
			}
			for i := range len(data) + 1 {
				got := scanAll(splitAt(data, i), tt.maxFrame)
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("split at %d: mismatch (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

func TestScannerReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom))
	s := syslog.NewScanner(r, 0)
	var got []string
	for s.Scan() {
		got = append(got, string(s.Bytes()))
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("frames mismatch (-want +got):\n%s", diff)
	}
	if !errors.Is(s.Err(), boom) {
		t.Errorf("Err() = %v, want %v", s.Err(), boom)
	}
}

// zeroReader returns 0, nil for ever.
type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestScannerNoProgress(t *testing.T) {
	s := syslog.NewScanner(zeroReader{}, 0)
	if s.Scan() {
		t.Fatalf("Scan() = true, want false")
	}
	if !errors.Is(s.Err(), io.ErrNoProgress) {
		t.Errorf("Err() = %v, want %v", s.Err(), io.ErrNoProgress)
	}
}

// TestScannerBounded feeds frames far longer than the maximum and checks
// that the Scanner's memory stays near the maximum: it must not buffer a
// frame whole before cutting it.
func TestScannerBounded(t *testing.T) {
	const long = 8 << 20
	for _, prefix := range []string{"", "8388608 "} {
		data := append([]byte(prefix), bytes.Repeat([]byte("x"), long)...)
		data = append(data, "\n2 ok"...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got := scanAll(bytes.NewReader(data), 1024)
		runtime.ReadMemStats(&after)
		if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 64<<10 {
			t.Errorf("prefix %q: scanning allocated %d bytes, want at most %d", prefix, allocated, 64<<10)
		}
		want := scanned{Frames: frames(cut(strings.Repeat("x", 1024)), f("2 ok"))}
		if prefix != "" {
			want.Frames[1] = f("ok")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("prefix %q: mismatch (-want +got):\n%s", prefix, diff)
		}
	}
}

// TestScannerHugeCount: a declared length of tens of gigabytes ends the
// stream with ErrFraming at once, reading and allocating nothing for it.
func TestScannerHugeCount(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := syslog.NewScanner(strings.NewReader("5 hello99999999999 "+strings.Repeat("x", 4096)), 0)
	var got []string
	for s.Scan() {
		got = append(got, string(s.Bytes()))
	}
	runtime.ReadMemStats(&after)
	if diff := cmp.Diff([]string{"hello"}, got); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
	if !errors.Is(s.Err(), syslog.ErrFraming) {
		t.Errorf("Err() = %v, want ErrFraming", s.Err())
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 2*syslog.DefaultMaxFrame {
		t.Errorf("allocated %d bytes, want about one frame buffer", a)
	}
	rs := syslog.NewScanner(iotest.ErrReader(io.ErrUnexpectedEOF), 0)
	for rs.Scan() {
	}
	if err := rs.Err(); err == nil || errors.Is(err, syslog.ErrFraming) {
		t.Errorf("a read error: Err() = %v, want an error not matching ErrFraming", err)
	}
}
