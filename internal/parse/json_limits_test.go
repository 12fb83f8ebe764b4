package parse_test

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
)

// manyKeys returns a JSON object of n distinct keys, each with a value that
// needs unescaping, so that a parser that kept going would allocate.
func manyKeys(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 20)
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`":"v\n`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`"`)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// TestJSONMillionKeys parses a line of a million distinct keys: the first
// MaxFields are kept, the rest counted, with no error, and the memory used
// does not grow with the line.
func TestJSONMillionKeys(t *testing.T) {
	const n = 1_000_000
	line := manyKeys(n)
	p, _ := parse.Lookup("json")
	ev := &event.Event{Raw: string(line)}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := p.Parse(line[len(line)-len(ev.Raw):], nil, ev)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("a valid line past the limits is not an error, got %v", err)
	}
	if len(ev.Fields) != parse.MaxFields || ev.FieldsDropped != n-parse.MaxFields {
		t.Fatalf("kept %d fields and dropped %d, want %d and %d", len(ev.Fields), ev.FieldsDropped, parse.MaxFields, n-parse.MaxFields)
	}
	last := strconv.Itoa(parse.MaxFields - 1)
	if f := ev.Fields[parse.MaxFields-1]; f.Name != "k"+last || f.Value != "v\n"+last {
		t.Errorf("last kept field = %+v, want the first MaxFields in order", f)
	}
	// MaxFields unescaped values and the Fields slice: well under 1 MiB for
	// a line of ~20 MB.
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("parsing a %d-byte line allocated %d bytes, want under 1 MiB", len(line), got)
	}

	// Allocations do not depend on the number of keys past the limit.
	small := manyKeys(2 * parse.MaxFields)
	allocs := func(line []byte) float64 {
		raw := string(line)
		var ev event.Event
		return testing.AllocsPerRun(3, func() {
			ev.Reset()
			ev.FieldsDropped = 0
			ev.Raw = raw
			_ = p.Parse(line, nil, &ev)
		})
	}
	if a, b := allocs(small), allocs(manyKeys(50*parse.MaxFields)); b > a {
		t.Errorf("allocations grow with the keys past the limit: %v for %d keys, %v for %d", a, 2*parse.MaxFields, b, 50*parse.MaxFields)
	}
}

// TestFieldLimitsKV: the key=value parser, sharing the field set,
// keeps the same limits.
func TestFieldLimitsKV(t *testing.T) {
	var b strings.Builder
	for i := range 3 * parse.MaxFields {
		b.WriteString("k" + strconv.Itoa(i) + "=v ")
	}
	b.WriteString(strings.Repeat("n", parse.MaxFieldNameBytes+1) + "=x")
	p, _ := parse.Lookup("kv")
	ev := &event.Event{}
	if err := p.Parse([]byte(b.String()), nil, ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Fields) > parse.MaxFields+16 || ev.FieldsDropped < 2*parse.MaxFields {
		t.Errorf("kv kept %d fields, dropped %d", len(ev.Fields), ev.FieldsDropped)
	}
	for _, f := range ev.Fields {
		if len(f.Name) > parse.MaxFieldNameBytes {
			t.Errorf("kept a %d-byte name", len(f.Name))
		}
	}
}
