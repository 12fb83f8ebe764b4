package parse_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
)

// fuzzParser checks, for any input, that the parser does not panic, that
// every field has a non-empty name and value, that the result is the same
// whether or not the message shares ev.Raw, and that it does not depend on
// msg after Parse returns. Seeds are the testdata/<name>/*.input lines.
func fuzzParser(f *testing.F, name string, extra func(t *testing.T, msg []byte, r result)) {
	p, ok := parse.Lookup(name)
	if !ok {
		f.Fatalf("no parser %q", name)
	}
	inputs, _ := filepath.Glob(filepath.Join("testdata", name, "*.input"))
	for _, in := range inputs {
		for _, line := range inputLines(f, in) {
			f.Add([]byte(line))
		}
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		shared, _ := parseLine(p, string(msg))
		for _, fl := range shared.Fields {
			if fl[0] == "" || fl[1] == "" {
				t.Fatalf("empty field name or value: %q=%q", fl[0], fl[1])
			}
		}

		// Same message, not the tail of ev.Raw: parsed from a copy.
		buf := append([]byte(nil), msg...)
		ev := &event.Event{Raw: "unrelated"}
		err := p.Parse(buf, deviceZone, ev)
		copied := result{Input: string(msg), FormatVersion: ev.FormatVersion, Kind: ev.Kind, Fields: [][2]string{}, FieldsDropped: ev.FieldsDropped}
		if !ev.Time.IsZero() {
			copied.Time = shared.Time // compared below
			if got := ev.Time.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"); got != shared.Time {
				t.Fatalf("time differs between runs: %s vs %s", got, shared.Time)
			}
		}
		if err != nil {
			copied.ParseError = err.Error()
		}
		for i := range buf {
			buf[i] = 'x' // Parse must not keep msg
		}
		for _, fl := range ev.Fields {
			copied.Fields = append(copied.Fields, [2]string{fl.Name, fl.Value})
		}
		if diff := cmp.Diff(shared, copied); diff != "" {
			t.Fatalf("results differ between runs (-shared +copied):\n%s", diff)
		}
		if err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatal("empty error message")
		}
		if extra != nil {
			extra(t, msg, shared)
		}
	})
}

func FuzzFortiGate(f *testing.F) { fuzzParser(f, "fortigate", nil) }
func FuzzKV(f *testing.F)        { fuzzParser(f, "kv", nil) }
func FuzzJSON(f *testing.F)      { fuzzParser(f, "json", checkAgainstEncodingJSON) }
func FuzzCEF(f *testing.F)       { fuzzParser(f, "cef", nil) }

// checkAgainstEncodingJSON compares the json parser with encoding/json: an
// object that encoding/json finds valid parses without error (within the
// limits), one it rejects does not parse cleanly, and scalar values agree.
func checkAgainstEncodingJSON(t *testing.T, msg []byte, r result) {
	trimmed := bytes.TrimLeft(msg, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !utf8.Valid(msg) {
		return
	}
	valid := json.Valid(msg)
	limit := strings.Contains(r.ParseError, "nested deeper")
	switch {
	case valid && r.ParseError != "" && !limit:
		t.Fatalf("encoding/json accepts %q, we report %s", msg, r.ParseError)
	case !valid && r.ParseError == "":
		t.Fatalf("encoding/json rejects %q, we parsed it", msg)
	}
	if !valid || r.ParseError != "" {
		return
	}
	want, dropped, err := flattenWithTokens(msg)
	if err != nil {
		t.Fatalf("encoding/json tokens: %v", err)
	}
	if dropped != r.FieldsDropped {
		t.Fatalf("%q: %d fields dropped, encoding/json's flattening drops %d", msg, r.FieldsDropped, dropped)
	}
	var got [][2]string
	for _, f := range r.Fields {
		got = append(got, f)
	}
	for i := range got {
		for _, w := range want {
			if w[0] == got[i][0] && w[1] == "[array]" && strings.HasPrefix(got[i][1], "[") {
				got[i][1] = "[array]"
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("fields differ from encoding/json for %q (-encoding/json +ours):\n%s", msg, diff)
	}
}

// flattenWithTokens flattens a JSON object with encoding/json's tokenizer,
// following the json parser's rules (dotted names, first name wins, null
// and empty strings skipped, at most parse.MaxFields fields, names of at
// most parse.MaxFieldNameBytes), with arrays shown as "[array]". It returns
// the fields and how many were dropped by the limits.
func flattenWithTokens(msg []byte) ([][2]string, int, error) {
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.UseNumber()
	var out [][2]string
	dropped := 0
	seen := map[string]bool{}
	add := func(name, v string) {
		if name == "" || v == "" || seen[name] {
			return
		}
		seen[name] = true
		out = append(out, [2]string{name, v})
	}
	var object func(prefix string) error
	var skip func() error
	skip = func() error { // the rest of an array or object whose start was read
		for depth := 1; depth > 0; {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			if d, ok := tok.(json.Delim); ok {
				if d == '[' || d == '{' {
					depth++
				} else {
					depth--
				}
			}
		}
		return nil
	}
	// count drops a value whose first token is tok, counting the fields
	// it would have added.
	var count func(tok json.Token) error
	count = func(tok json.Token) error {
		switch v := tok.(type) {
		case json.Delim:
			if v == '[' {
				dropped++
				return skip()
			}
			for dec.More() {
				if _, err := dec.Token(); err != nil { // key
					return err
				}
				t, err := dec.Token()
				if err != nil {
					return err
				}
				if err := count(t); err != nil {
					return err
				}
			}
			_, err := dec.Token() // '}'
			return err
		case string:
			if v != "" {
				dropped++
			}
		case nil:
		default:
			dropped++
		}
		return nil
	}
	object = func(prefix string) error {
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key := tok.(string)
			name := key
			if prefix != "" {
				name = prefix + "." + key
			}
			tok, err = dec.Token()
			if err != nil {
				return err
			}
			if len(out) >= parse.MaxFields || len(name) > parse.MaxFieldNameBytes {
				if err := count(tok); err != nil {
					return err
				}
				continue
			}
			switch v := tok.(type) {
			case json.Delim:
				if v == '{' {
					if err := object(name); err != nil {
						return err
					}
				} else {
					if err := skip(); err != nil {
						return err
					}
					add(name, "[array]")
				}
			case json.Number:
				add(name, v.String())
			case string:
				add(name, v)
			case bool:
				add(name, strconv.FormatBool(v))
			}
		}
		_, err := dec.Token() // '}'
		return err
	}
	if _, err := dec.Token(); err != nil { // '{'
		return nil, 0, err
	}
	err := object("")
	return out, dropped, err
}

// FuzzKVRoundTrip quotes arbitrary values the way FortiGate does (\" and
// \\) and checks that the kv parser gives them back unchanged.
func FuzzKVRoundTrip(f *testing.F) {
	f.Add("msg", `say "hi" to C:\temp`, "user", "N/A")
	f.Add("a.b", "x=y z", "c", `\`)
	p, _ := parse.Lookup("kv")
	quote := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		for _, k := range []string{k1, k2} {
			if k == "" || strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
				return
			}
		}
		if k1 == k2 || v1 == "" || v2 == "" {
			return
		}
		line := k1 + `="` + quote.Replace(v1) + `" ` + k2 + `="` + quote.Replace(v2) + `"`
		ev := &event.Event{}
		if err := p.Parse([]byte(line), nil, ev); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		// Names longer than the store takes are dropped and counted.
		var want []event.Field
		dropped := 0
		for _, f := range []event.Field{{Name: k1, Value: v1}, {Name: k2, Value: v2}} {
			if len(f.Name) > parse.MaxFieldNameBytes {
				dropped++
			} else {
				want = append(want, f)
			}
		}
		if diff := cmp.Diff(want, ev.Fields[:min(len(want), len(ev.Fields))]); len(want) > 0 && diff != "" {
			t.Fatalf("%s: mismatch (-want +got):\n%s", line, diff)
		}
		if ev.FieldsDropped != dropped {
			t.Fatalf("%s: %d fields dropped, want %d", line, ev.FieldsDropped, dropped)
		}
	})
}
