package charset_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"

	"github.com/sekimori/sekimori/internal/charset"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		want    string
		wantErr bool
	}{
		{name: "", want: "utf-8"},
		{name: "utf-8", want: "utf-8"},
		{name: "UTF8", want: "utf-8"},
		{name: "Shift_JIS", want: "shift_jis"},
		{name: "sjis", want: "shift_jis"},
		{name: "CP932", want: "shift_jis"},
		{name: "Windows-31J", want: "shift_jis"},
		{name: "EUC-JP", want: "euc-jp"},
		{name: "eucjp", want: "euc-jp"},
		{name: " sjis ", want: "shift_jis"},
		{name: "latin1", wantErr: true},
		{name: "iso-2022-jp", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := charset.New(tt.name)
			if tt.wantErr {
				if !errors.Is(err, charset.ErrUnknown) {
					t.Fatalf("New(%q) error = %v, want one wrapping ErrUnknown", tt.name, err)
				}
				for _, part := range []string{`"` + tt.name + `"`, "shift_jis", "euc-jp", "utf-8"} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("New(%q) error %q does not mention %s", tt.name, err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.name, err)
			}
			if got := d.Name(); got != tt.want {
				t.Errorf("New(%q).Name() = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

// encode returns s in the given encoding.
func encode(t *testing.T, e encoding.Encoding, s string) string {
	t.Helper()
	b, err := e.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestDecode(t *testing.T) {
	const (
		kanji    = "管理者ログイン失敗"
		hankaku  = "ｶﾝﾘｼｬ ﾛｸﾞｲﾝ ｼｯﾊﾟｲ"
		nec      = "①㈱№髙" // CP932 NEC and IBM extension characters
		fullLine = `date=2024-08-28 user="管理者" msg="ログイン失敗" note="ｼｯﾊﾟｲ"`
	)
	tests := []struct {
		name    string
		charset string
		src     string
		want    string
	}{
		{name: "utf-8 ascii", charset: "utf-8", src: "plain ascii\x00\x7f", want: "plain ascii\x00\x7f"},
		{name: "utf-8 valid", charset: "utf-8", src: kanji, want: kanji},
		{name: "utf-8 invalid bytes", charset: "utf-8", src: "a\xffb\xc3", want: "a\uFFFDb\uFFFD"},
		{name: "utf-8 cut sequence", charset: "utf-8", src: "管\xe7\x90", want: "管\uFFFD\uFFFD"},
		{name: "utf-8 surrogate", charset: "utf-8", src: "\xed\xa0\x80x", want: "\uFFFD\uFFFD\uFFFDx"},
		{name: "empty", charset: "sjis", src: "", want: ""},
		{name: "sjis ascii", charset: "sjis", src: `C:\logs\a.txt ~`, want: `C:\logs\a.txt ~`},
		{name: "sjis kanji", charset: "sjis", src: encode(t, japanese.ShiftJIS, kanji), want: kanji},
		{name: "sjis half-width katakana", charset: "sjis", src: encode(t, japanese.ShiftJIS, hankaku), want: hankaku},
		{name: "sjis line", charset: "sjis", src: encode(t, japanese.ShiftJIS, fullLine), want: fullLine},
		{name: "cp932 extensions", charset: "cp932", src: encode(t, japanese.ShiftJIS, nec), want: nec},
		{name: "cp932 fullwidth tilde", charset: "cp932", src: "\x81\x60", want: "～"},
		{name: "sjis lead byte at end", charset: "sjis", src: "ab\x8a", want: "ab\uFFFD"},
		{name: "sjis lead byte before ascii", charset: "sjis", src: "\x8a b", want: "\uFFFD b"},
		{name: "sjis invalid single bytes", charset: "sjis", src: "\xa0x\xfdy\xff", want: "\uFFFDx\uFFFDy\uFFFD"},
		{name: "sjis invalid then valid", charset: "sjis", src: "\xff" + encode(t, japanese.ShiftJIS, kanji), want: "\uFFFD" + kanji},
		{name: "euc-jp kanji", charset: "euc-jp", src: encode(t, japanese.EUCJP, kanji), want: kanji},
		{name: "euc-jp half-width katakana", charset: "euc-jp", src: encode(t, japanese.EUCJP, hankaku), want: hankaku},
		{name: "euc-jp line", charset: "euc-jp", src: encode(t, japanese.EUCJP, fullLine), want: fullLine},
		{name: "euc-jp JIS X 0212", charset: "euc-jp", src: "\x8f\xb0\xa1", want: "丂"},
		{name: "euc-jp cut at end", charset: "euc-jp", src: "x\xb4", want: "x\uFFFD"},
		{name: "euc-jp invalid bytes", charset: "euc-jp", src: "\xff\x80a", want: "\uFFFD\uFFFDa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := charset.New(tt.charset)
			if err != nil {
				t.Fatal(err)
			}
			prefix := []byte("kept:")
			got := d.Decode(prefix, []byte(tt.src))
			if diff := cmp.Diff("kept:"+tt.want, string(got)); diff != "" {
				t.Errorf("Decode(% x) mismatch (-want +got):\n%s", tt.src, diff)
			}
			if !utf8.Valid(got) {
				t.Errorf("Decode(% x) = %q: not valid UTF-8", tt.src, got)
			}
		})
	}
}

// TestDecodeReuse decodes several lines with one Decoder, as a connection
// does, so that no state leaks from one line to the next.
func TestDecodeReuse(t *testing.T) {
	d, err := charset.New("sjis")
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for _, tt := range []struct{ src, want string }{
		{src: "\x8a", want: "\uFFFD"},
		{src: "\xc7", want: "ﾇ"},
		{src: "\x8a\xc7", want: "管"},
	} {
		buf = d.Decode(buf[:0], []byte(tt.src))
		if string(buf) != tt.want {
			t.Errorf("Decode(% x) = %q, want %q", tt.src, buf, tt.want)
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	kanji, err := japanese.ShiftJIS.NewEncoder().String("管理者ログイン失敗 user=admin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ charset, src string }{
		{charset: "utf-8", src: "ascii only line"},
		{charset: "utf-8", src: "管理者 \xff"},
		{charset: "sjis", src: "ascii only line"},
		{charset: "sjis", src: kanji},
	} {
		d, err := charset.New(tt.charset)
		if err != nil {
			t.Fatal(err)
		}
		src, dst := []byte(tt.src), make([]byte, 0, 256)
		if n := testing.AllocsPerRun(100, func() { d.Decode(dst, src) }); n != 0 {
			t.Errorf("%s Decode(%q) with room in dst allocates %v times, want 0", tt.charset, tt.src, n)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "ascii", "管理者ログイン失敗", "\x8a\xc7\x97\x9d", "\xb4\xc9\xcd\xfd", "\x8f\xb0\xa1", "\xb6\xc0", "a\xffb\x81"} {
		f.Add([]byte(s))
	}
	decoders := map[string]encoding.Encoding{"utf-8": nil, "shift_jis": japanese.ShiftJIS, "euc-jp": japanese.EUCJP}
	f.Fuzz(func(t *testing.T, src []byte) {
		for name, enc := range decoders {
			d, err := charset.New(name)
			if err != nil {
				t.Fatal(err)
			}
			got := d.Decode(nil, src)
			if !utf8.Valid(got) {
				t.Fatalf("%s Decode(% x) = % x: not valid UTF-8", name, src, got)
			}
			if len(src) > 0 && len(got) == 0 {
				t.Fatalf("%s Decode(% x) is empty", name, src)
			}
			if enc == nil {
				if utf8.Valid(src) && string(got) != string(src) {
					t.Fatalf("utf-8 Decode(% x) = % x, want the input", src, got)
				}
				continue
			}
			// Same as x/text's own decoder run on the whole input.
			want, err := enc.NewDecoder().Bytes(src)
			if err == nil && string(got) != string(want) {
				t.Fatalf("%s Decode(% x) = %q, x/text gives %q", name, src, got, want)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	line := `date=2024-08-28 time=10:33:52 devname="FG100F" logid="0100032002" type="event" subtype="system" level="alert" user="管理者" ui="https(192.0.2.1)" action="login" status="failed" msg="管理者ログイン失敗"`
	sjis, err := japanese.ShiftJIS.NewEncoder().String(line)
	if err != nil {
		b.Fatal(err)
	}
	ascii := strings.NewReplacer("管理者ログイン失敗", "Administrator login failed", "管理者", "admin").Replace(line)
	for _, bc := range []struct{ name, charset, src string }{
		{"ascii/shift_jis", "shift_jis", ascii},
		{"kanji/shift_jis", "shift_jis", sjis},
		{"kanji/utf-8", "utf-8", line},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d, err := charset.New(bc.charset)
			if err != nil {
				b.Fatal(err)
			}
			src, dst := []byte(bc.src), make([]byte, 0, 4*len(bc.src))
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				dst = d.Decode(dst[:0], src)
			}
		})
	}
}
