package ingest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/parse"
)

// TestHostileLines sends, over TCP, a line that is not valid UTF-8 and a
// JSON line of many distinct keys: both are stored with their raw line,
// the first searchable and with its bytes kept, the second with the first
// fields kept and the rest counted.
func TestHostileLines(t *testing.T) {
	rig := newIngestRig(t, ReceiverOptions{MaxLineBytes: 1 << 20}, []Device{
		{ID: 1, TenantID: 1, Name: "app", Sources: []string{"127.0.0.1"}, Format: "json"},
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	rig.serve(t, "tcp", ln)

	bad := "<13>Oct  1 00:00:00 host app: {\"msg\":\"caf\xe9 \x82\xa0 ok\",\"n\":1} invalid-utf8"
	var b strings.Builder
	b.WriteString(`<13>Oct  1 00:00:00 host app: {`)
	const keys = 5000
	for i := range keys {
		fmt.Fprintf(&b, `"k%d":%d,`, i, i)
	}
	b.WriteString(`"last":1} many-keys`)
	wide := b.String()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "%s\n%s\n", bad, wide)
	c.Close()
	rows := rig.waitStored(t, 2)

	// Invalid UTF-8: U+FFFD in _msg, searchable by its words, the
	// original bytes in raw.base64.
	r := rows["invalid-utf8"]
	if msg := r["_msg"]; !utf8.ValidString(msg) || !strings.Contains(msg, "caf\uFFFD \uFFFD\uFFFD ok") {
		t.Errorf("_msg = %q", msg)
	}
	if orig, err := base64.StdEncoding.DecodeString(r[FieldRawBase64]); err != nil || string(orig) != bad {
		t.Errorf("raw.base64 = %q (%v), want the line as received", r[FieldRawBase64], err)
	}
	n := 0
	err = rig.store.Search(context.Background(), logstore.Request{Tenants: []uint32{1}, Query: `caf* AND ok`}, func([]event.Field) error { n++; return nil })
	if err != nil || n != 1 {
		t.Errorf("search for words of the invalid line: %d rows, %v", n, err)
	}

	// Many keys: the raw line whole, the first fields, the rest counted.
	w := rows["many-keys"]
	if w["_msg"] != wide {
		t.Errorf("raw line of %d bytes stored as %d bytes", len(wide), len(w["_msg"]))
	}
	if w["k0"] != "0" || w["k1"] != "1" || w["last"] != "" {
		t.Errorf("fields: k0=%q k1=%q last=%q", w["k0"], w["k1"], w["last"])
	}
	dropped := rig.m.FieldsDropped.Get()
	if dropped < keys+1-parse.MaxFields || w[logstore.FieldParseTruncated] != fmt.Sprint(dropped) {
		t.Errorf("fields dropped: counter %d, parse.truncated %q", dropped, w[logstore.FieldParseTruncated])
	}
}
