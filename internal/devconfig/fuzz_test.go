package devconfig

import (
	"bytes"
	"errors"
	"testing"
)

func addGoldenSeeds(f *testing.F) {
	for _, g := range goldenFiles {
		data, err := readFileF(g.name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", hdr, hdr + "config a\nend\n", hdr + "config a\nedit \"x\"\nset b \"c\\\"d\"\nnext\nend\n",
		hdr + "config a\nset p ENC abc\nset k \"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\"\nend\n"} {
		f.Add([]byte(s))
	}
}

func FuzzParseFortiOS(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseFortiOS(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 0 || se.Line > bytes.Count(data, []byte("\n"))+1 || se.Reason == "" {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		again, err := ParseFortiOS(Format(c))
		if err != nil {
			t.Fatalf("Format output does not parse: %v\n%s", err, Format(c))
		}
		// canon rather than cmp.Diff: it is much faster on large trees,
		// which keeps the fuzzer (and its minimizer) moving.
		if canon(c) != canon(again) || Fingerprint(KindFortiOS, Format(c)) != Fingerprint(KindFortiOS, Format(again)) {
			t.Fatalf("Format round trip changed the tree:\n%s", Format(c))
		}
		if s := RestoreScript(c, again); bytes.Contains([]byte(s), []byte("\nconfig ")) {
			t.Fatalf("script for equal configs has statements:\n%s", s)
		}
	})
}

func FuzzMask(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range append([]Kind{KindUnknown}, Kinds()...) {
			m := Mask(k, data)
			if again := Mask(k, m); !bytes.Equal(again, m) {
				t.Fatalf("%s: Mask not idempotent:\n%q\n%q", k, m, again)
			}
			fp := Fingerprint(k, data)
			if fp != Fingerprint(k, m) {
				t.Fatalf("%s: masked text has another fingerprint", k)
			}
			if bytes.IndexByte(data, '\r') < 0 && fp != Fingerprint(k, bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))) {
				t.Fatalf("%s: CRLF changed the fingerprint", k)
			}
		}
	})
}

func FuzzUnifiedDiff(f *testing.F) {
	for _, g := range goldenFiles {
		data, _ := readFileF(g.name)
		f.Add(data, bytes.Replace(data, []byte("e"), []byte("E\n"), 3), uint8(3))
	}
	f.Add([]byte("a\nb\nc"), []byte("a\nc\n"), uint8(0))
	f.Add([]byte(""), []byte("x"), uint8(1))
	f.Fuzz(func(t *testing.T, a, b []byte, context uint8) {
		d := UnifiedDiff("a", "b", a, b, int(context%8))
		if (d == "") != bytes.Equal(a, b) {
			t.Fatalf("empty diff = %v for equal = %v", d == "", bytes.Equal(a, b))
		}
		if got := applyUnified(t, string(a), d); got != string(b) {
			t.Fatalf("patch gives %q, want %q\n%s", got, b, d)
		}
	})
}
