package jsonw

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c", "管理者\n\t\x01", "<script>", "caf\xe9 \x82\xa0 \xe7\xae", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		if !utf8.Valid(out) || !json.Valid(out) {
			t.Fatalf("%q gives invalid JSON %q", s, out)
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		var want string
		b, _ := json.Marshal(s)
		json.Unmarshal(b, &want)
		if back != want {
			t.Fatalf("%q round-trips to %q, encoding/json gives %q", s, back, want)
		}
	})
}

func BenchmarkAppendString(b *testing.B) {
	s := `<189>date=2026-11-22 time=16:29:24 devname="FG-0001" devid="FG100FTK23351869" logid="0000000013" type="traffic" msg="管理者ログイン失敗"`
	var dst []byte
	b.SetBytes(int64(len(s)))
	for i := 0; i < b.N; i++ {
		dst = AppendString(dst[:0], s)
	}
}
