package parse_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
)

// declarativeFiles are the format files tested with golden files: the test
// formats and the shipped ones in formats/.
func declarativeFiles(t testing.TB) []string {
	test, _ := filepath.Glob(filepath.Join("testdata", "declarative", "*.yaml"))
	shipped, _ := filepath.Glob(filepath.Join("..", "..", "formats", "*.yaml"))
	files := append(test, shipped...)
	if len(files) == 0 {
		t.Fatal("no declarative format files")
	}
	return files
}

// TestDeclarativeGolden compiles every format file (its examples run as
// part of compiling) and parses testdata/declarative/<format>.input.
func TestDeclarativeGolden(t *testing.T) {
	for _, file := range declarativeFiles(t) {
		f, err := parse.LoadFormatFile(file)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		t.Run(f.Name(), func(t *testing.T) {
			in := filepath.Join("testdata", "declarative", f.Name()+".input")
			var got []result
			for _, line := range inputLines(t, in) {
				r, _ := parseLine(f, line)
				got = append(got, r)
			}
			compareGolden(t, strings.TrimSuffix(in, ".input")+".golden", got)
		})
	}
}

func compareGolden(t *testing.T, golden string, got []result) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, encodeGolden(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var want []result
	if err := jsonUnmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
	}
}

// TestDeclarativeBad checks that each *.bad.yaml is refused with the
// errors in the .err file next to it (positions included).
func TestDeclarativeBad(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "declarative", "bad", "*.bad.yaml"))
	if len(files) == 0 {
		t.Fatal("no *.bad.yaml files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := parse.LoadFormatFile(file)
			var fe *parse.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("LoadFormatFile(%s) = %v, want a *FormatError", file, err)
			}
			for _, p := range fe.Problems {
				if p.Msg == "" {
					t.Errorf("problem without a message: %+v", p)
				}
			}
			errFile := file + ".err"
			got := err.Error() + "\n"
			if *update {
				if err := os.WriteFile(errFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, rerr := os.ReadFile(errFile)
			if rerr != nil {
				t.Fatalf("%v (run go test -update to create it)", rerr)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", errFile, diff)
			}
		})
	}
}

const regFormatV1 = `format: acme
match: {prefix: "acme "}
steps:
  - regex: '^acme (?P<user>\S+) from (?P<src>\S+)$'
ecs:
  - {name: user.name, from: user}
  - {name: source.ip, from: src}
`

const regFormatV2 = `format: acme
description: version 2 also reads the port
match: {prefix: "acme "}
steps:
  - regex: '^acme (?P<user>\S+) from (?P<src>[^: ]+)(?::(?P<port>\d+))?$'
ecs:
  - {name: user.name, from: user}
  - {name: source.ip, from: src}
  - {name: source.port, from: port}
`

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// parseWith parses line with p and returns the fields as name=value.
func parseWith(t *testing.T, p parse.Parser, line string) (map[string]string, error) {
	t.Helper()
	ev := &event.Event{Raw: line}
	err := p.Parse([]byte(line), time.UTC, ev)
	out := map[string]string{}
	for _, f := range ev.Fields {
		out[f.Name] = f.Value
	}
	return out, err
}

func TestRegistryReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "acme.yaml")
	writeFile(t, path, regFormatV1)
	var changes []string
	r := parse.NewRegistry(dir, parse.RegistryOptions{OnChange: func(name string, f *parse.DeclarativeFormat) {
		changes = append(changes, fmt.Sprintf("%s:%v", name, f != nil))
	}})
	if err := r.Load(); err != nil {
		t.Fatal(err)
	}
	p, ok := r.Lookup("acme")
	if !ok {
		t.Fatal("acme not found after Load")
	}
	got, err := parseWith(t, p, "acme yamada from 192.0.2.1")
	if err != nil || got["source.ip"] != "192.0.2.1" {
		t.Fatalf("v1 parse = %v, %v", got, err)
	}
	if _, err := parseWith(t, p, "acme yamada from 192.0.2.1:22"); err != nil {
		// v1 takes "192.0.2.1:22" as src: no error, but no port either.
		t.Fatalf("v1: %v", err)
	}

	// A changed file is picked up by the parser looked up before.
	writeFile(t, path, regFormatV2)
	if err := r.Load(); err != nil {
		t.Fatal(err)
	}
	got, _ = parseWith(t, p, "acme yamada from 192.0.2.1:22")
	if got["source.port"] != "22" {
		t.Fatalf("after reload: %v, want source.port 22", got)
	}

	// A bad change is refused with its position; version 2 stays.
	writeFile(t, path, regFormatV2+"  - {name: source.ip}\n")
	err = r.Load()
	var fe *parse.FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "acme.yaml:10:") {
		t.Fatalf("bad reload error = %v, want a FormatError at acme.yaml:10", err)
	}
	if probs := r.Problems(); probs[path] == nil {
		t.Errorf("Problems() = %v, want an entry for %s", probs, path)
	}
	got, _ = parseWith(t, p, "acme yamada from 192.0.2.1:22")
	if got["source.port"] != "22" {
		t.Fatalf("after refused reload: %v, want version 2 still in force", got)
	}
	// An unchanged bad file is not read again.
	if err := r.Load(); err != nil {
		t.Fatalf("second scan of an unchanged bad file: %v", err)
	}

	// Fixing the file clears the problem.
	writeFile(t, path, regFormatV1+"# fixed\n")
	if err := r.Load(); err != nil {
		t.Fatal(err)
	}
	if probs := r.Problems(); len(probs) != 0 {
		t.Errorf("Problems() = %v after the fix", probs)
	}

	// Built-in names and names taken by another file are refused.
	writeFile(t, filepath.Join(dir, "fgt.yaml"), strings.Replace(regFormatV1, "format: acme", "format: fortigate", 1))
	writeFile(t, filepath.Join(dir, "acme2.yml"), regFormatV1)
	err = r.Load()
	if err == nil || !strings.Contains(err.Error(), "built-in") || !strings.Contains(err.Error(), "already defined") {
		t.Fatalf("Load = %v, want built-in and duplicate refusals", err)
	}
	if fp, _ := r.Lookup("fortigate"); fp == nil {
		t.Fatal("built-in fortigate lost")
	} else if _, isDecl := fp.(*parse.DeclarativeFormat); isDecl {
		t.Fatal("fortigate was overridden")
	}
	names := r.Names()
	if !contains(names, "acme") || !contains(names, "fortigate") {
		t.Errorf("Names() = %v", names)
	}

	// auto over the registry considers declarative formats.
	auto, _ := r.Lookup("auto")
	got, err = parseWith(t, auto, "acme yamada from 192.0.2.1")
	if err != nil || got[parse.FieldDetected] != "acme" {
		t.Errorf("auto: %v, %v, want format.detected=acme", got, err)
	}

	// A removed file's format goes; its parser says so.
	for _, name := range []string{"acme.yaml", "fgt.yaml", "acme2.yml"} {
		os.Remove(filepath.Join(dir, name))
	}
	if err := r.Load(); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Lookup("acme"); ok {
		t.Error("acme still found after its file was removed")
	}
	if _, err := parseWith(t, p, "acme yamada from 192.0.2.1"); !errors.Is(err, parse.ErrFormatRemoved) {
		t.Errorf("parse after removal: %v, want ErrFormatRemoved", err)
	}
	// Loaded, changed, (refused: no change), fixed, removed.
	want := []string{"acme:true", "acme:true", "acme:true", "acme:false"}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("OnChange calls (-want +got):\n%s", diff)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestRegistryRun checks that Run picks a change up within one interval,
// on a fake clock.
func TestRegistryRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "acme.yaml")
	writeFile(t, path, regFormatV1)
	synctest.Test(t, func(t *testing.T) {
		r := parse.NewRegistry(dir, parse.RegistryOptions{Interval: 3 * time.Second})
		if err := r.Load(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()

		writeFile(t, path, regFormatV2)
		time.Sleep(3*time.Second + time.Millisecond)
		synctest.Wait()
		f, ok := r.Format("acme")
		if !ok || f.Description() == "" {
			t.Errorf("after one interval the format is not version 2")
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
}

func TestRegistryMissingDir(t *testing.T) {
	r := parse.NewRegistry(filepath.Join(t.TempDir(), "nope"), parse.RegistryOptions{})
	if err := r.Load(); err == nil {
		t.Error("Load of a missing directory: no error")
	}
	if p, ok := r.Lookup("json"); !ok || p == nil {
		t.Error("built-ins not found")
	}
}

// FuzzFormatLoader feeds arbitrary files to CompileFormat: no panic, and a
// refusal is a *FormatError whose problems have messages.
func FuzzFormatLoader(f *testing.F) {
	files := declarativeFiles(f)
	bad, _ := filepath.Glob(filepath.Join("testdata", "declarative", "bad", "*.bad.yaml"))
	for _, file := range append(files, bad...) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		df, err := parse.CompileFormat("fuzz.yaml", src)
		if err != nil {
			var fe *parse.FormatError
			if !errors.As(err, &fe) || len(fe.Problems) == 0 {
				t.Fatalf("error %v is not a *FormatError with problems", err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.yaml:") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		// A format that compiles parses its own kind of input safely.
		ev := &event.Event{}
		_ = df.Parse(src, time.UTC, ev)
		df.Detect(src, "")
	})
}

// FuzzDeclarative parses arbitrary lines with the test formats.
func FuzzDeclarative(f *testing.F) {
	var formats []*parse.DeclarativeFormat
	for _, file := range declarativeFiles(f) {
		df, err := parse.LoadFormatFile(file)
		if err != nil {
			f.Fatal(err)
		}
		formats = append(formats, df)
		in := filepath.Join("testdata", "declarative", df.Name()+".input")
		for _, line := range inputLines(f, in) {
			f.Add(uint8(len(formats)-1), []byte(line))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, msg []byte) {
		df := formats[int(which)%len(formats)]
		shared, _ := parseLine(df, string(msg))
		for _, fl := range shared.Fields {
			if fl[0] == "" || fl[1] == "" {
				t.Fatalf("empty field name or value: %q=%q", fl[0], fl[1])
			}
		}
		buf := append([]byte(nil), msg...)
		ev := &event.Event{Raw: "unrelated"}
		_ = df.Parse(buf, deviceZone, ev)
		for i := range buf {
			buf[i] = 'x'
		}
		copied := make([][2]string, 0, len(ev.Fields))
		for _, fl := range ev.Fields {
			copied = append(copied, [2]string{fl.Name, fl.Value})
		}
		if diff := cmp.Diff(shared.Fields, copied); diff != "" {
			t.Fatalf("results differ between runs (-shared +copied):\n%s", diff)
		}
	})
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
