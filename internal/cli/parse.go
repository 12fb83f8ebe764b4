package cli

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/charset"
	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/syslog"
)

// runParse is `sekimori parse --format F [--formats-dir DIR] FILE...`: it
// reads log lines as the pipeline does (syslog header first, then the
// format) and prints one JSON object per line: _time, format,
// format.version, parse.error, then the fields in order. An operator uses
// it to try a format, or a new declarative definition, on sample lines
// before enabling it. The exit status is 1 when a line failed to parse.
func runParse(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "parse")
	format := fs.String("format", "auto", "format to parse with: a built-in one, auto, or one defined in --formats-dir")
	dir := fs.String("formats-dir", "", "directory of declarative format files (*.yaml) to load besides the built-in formats")
	zone := fs.String("zone", "Asia/Tokyo", "the device's time zone, for times written without one")
	withMsg := fs.Bool("msg", false, "include the original line as _msg")
	list := fs.Bool("list", false, "list the format names and exit")
	device := fs.String("device", "", "parse as this registered device does: its format, time zone and charset (from --data)")
	tenant := fs.String("tenant", "", "the device's tenant, when several tenants have a device of that name")
	var df dataFlags
	df.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var dec *charset.Decoder
	if *device != "" {
		d, formatsDir, err := deviceForParse(ctx, &df, *tenant, *device)
		if err != nil {
			return err
		}
		*format = d.Format
		if d.TimeZone != "" {
			*zone = d.TimeZone
		}
		if dec, err = charset.New(d.Charset); err != nil {
			return err
		}
		if *dir == "" {
			*dir = formatsDir
		}
	}
	if _, err := os.Stat(*dir); *device != "" && err != nil {
		*dir = "" // the data directory has no formats of its own
	}
	reg := parse.NewRegistry(*dir, parse.RegistryOptions{})
	if *dir != "" {
		if err := reg.Load(); err != nil {
			// Refused files are reported; the good ones are usable.
			fmt.Fprintf(env.Stderr, "sekimori parse: refused format files:\n%v\n", err)
		}
	}
	if *list {
		for _, n := range reg.Names() {
			fmt.Fprintln(env.Stdout, n)
		}
		return nil
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: sekimori parse --format F [--formats-dir DIR] FILE... (- reads standard input)", ErrUsage)
	}
	p, ok := reg.Lookup(*format)
	if *format == "syslog" { // the syslog header only, as for devices of format syslog
		p, ok = headerOnly{}, true
	}
	if !ok {
		return fmt.Errorf("%w: unknown format %q; known: %s", ErrUsage, *format, strings.Join(reg.Names(), ", "))
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("%w: --zone %q: %v", ErrUsage, *zone, err)
	}
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	pr := lineParser{p: p, format: *format, loc: loc, withMsg: *withMsg, w: w, dec: dec}
	for _, name := range pos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := pr.file(env, name); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	fmt.Fprintf(env.Stderr, "%d lines, %d with parse errors\n", pr.lines, pr.failed)
	if pr.failed > 0 {
		return fmt.Errorf("%d of %d lines did not parse", pr.failed, pr.lines)
	}
	return nil
}

// lineParser parses lines and writes them as JSON objects.
type lineParser struct {
	p             parse.Parser
	format        string
	loc           *time.Location
	withMsg       bool
	w             *bufio.Writer
	lines, failed int
	ev            event.Event
	buf           []byte
	dec           *charset.Decoder // the device's charset, or nil for UTF-8
}

// deviceForParse finds a registered device by name in the data directory.
func deviceForParse(ctx context.Context, df *dataFlags, tenant, name string) (state.Device, string, error) {
	cfg, err := df.load()
	if err != nil {
		return state.Device{}, "", err
	}
	st, err := openState(ctx, df)
	if err != nil {
		return state.Device{}, "", err
	}
	defer st.Close()
	if tenant != "" {
		t, err := st.TenantByName(ctx, tenant)
		if err != nil {
			return state.Device{}, "", fmt.Errorf("tenant %q: %w", tenant, err)
		}
		d, err := st.Device(ctx, t.ID, name)
		if err != nil {
			return state.Device{}, "", fmt.Errorf("device %q: %w", name, err)
		}
		return d, cfg.Formats.Dir, nil
	}
	all, err := st.ListDevices(ctx, 0)
	if err != nil {
		return state.Device{}, "", err
	}
	var found []state.Device
	for _, d := range all {
		if d.Name == name {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return state.Device{}, "", fmt.Errorf("device %q not found in %s", name, cfg.Data)
	case 1:
		return found[0], cfg.Formats.Dir, nil
	}
	return state.Device{}, "", fmt.Errorf("%w: device %q exists in %d tenants; add --tenant", ErrUsage, name, len(found))
}

// file parses every line of a file ("-": standard input; ".gz": gzip).
func (lp *lineParser) file(env Env, name string) error {
	var r io.Reader
	if name == "-" {
		if env.Stdin == nil {
			return errors.New("no standard input")
		}
		r = env.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		defer f.Close()
		r = f
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				return fmt.Errorf("read %s: %w", name, err)
			}
			defer zr.Close()
			r = zr
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := lp.line(line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// line parses one line as the ingest pipeline does and writes it.
func (lp *lineParser) line(line string) error {
	lp.lines++
	now := time.Now()
	raw := []byte(line)
	if lp.dec != nil {
		raw = lp.dec.Decode(nil, raw)
		line = string(raw)
	}
	msg := syslog.Parse(raw, syslog.ParseOptions{Location: lp.loc, Now: now})
	ev := &lp.ev
	ev.Reset()
	ev.Raw, ev.Format, ev.Received = line, lp.format, now
	ev.Fields = msg.HeaderFields(ev.Fields)
	if !msg.Timestamp.IsZero() {
		ev.Time = msg.Timestamp
	}
	if err := lp.p.Parse(msg.Msg, lp.loc, ev); err != nil {
		ev.ParseError = err.Error()
		lp.failed++
	}

	b := append(lp.buf[:0], '{')
	seen := make(map[string]bool, len(ev.Fields)+4)
	pair := func(k, v string) {
		if v == "" || seen[k] {
			return
		}
		seen[k] = true
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	if !ev.Time.IsZero() {
		pair("_time", ev.Time.UTC().Format(time.RFC3339Nano))
	}
	pair("format", ev.Format)
	pair("format.version", ev.FormatVersion)
	pair("parse.error", ev.ParseError)
	if lp.withMsg {
		pair("_msg", ev.Raw)
	}
	for _, f := range ev.Fields {
		pair(f.Name, f.Value)
	}
	b = append(b, '}', '\n')
	lp.buf = b
	if _, err := lp.w.Write(b); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// appendJSONString appends s as a JSON string, without HTML escaping so
// that <Event> and & stay readable.
func appendJSONString(b []byte, s string) []byte {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(b, strings.TrimSuffix(sb.String(), "\n")...)
}

// headerOnly is the "syslog" device format: nothing beyond the header.
type headerOnly struct{}

func (headerOnly) Parse([]byte, *time.Location, *event.Event) error { return nil }
