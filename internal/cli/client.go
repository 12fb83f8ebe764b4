package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"
)

// clientFlags locate a running server.
type clientFlags struct {
	server, token string
}

func (c *clientFlags) register(fs *flag.FlagSet, env Env) {
	def := env.Getenv("SEKIMORI_SERVER")
	if def == "" {
		def = "http://127.0.0.1:8514"
	}
	fs.StringVar(&c.server, "server", def, "server URL ($SEKIMORI_SERVER)")
	fs.StringVar(&c.token, "token", env.Getenv("SEKIMORI_TOKEN"), "API token ($SEKIMORI_TOKEN)")
}

func (c *clientFlags) check() error {
	if c.token == "" {
		return fmt.Errorf("%w: an API token is needed: --token T or $SEKIMORI_TOKEN (create one with 'sekimori token create --role admin')", ErrUsage)
	}
	return nil
}

func (c *clientFlags) do(ctx context.Context, method, path string, q url.Values, body io.Reader, hdr map[string]string) (*http.Response, error) {
	u := strings.TrimRight(c.server, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, c.server, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return nil, fmt.Errorf("server answered %d: %s", resp.StatusCode, e.Error.Message)
		}
		return nil, fmt.Errorf("server answered %s", resp.Status)
	}
	return resp, nil
}

func runImport(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "import")
	var cf clientFlags
	cf.register(fs, env)
	device := fs.String("device", "", "device name the lines belong to (required)")
	tenant := fs.String("tenant", "", "tenant of the device, when an admin token sees several with that name")
	batch := fs.Int("batch-bytes", 4<<20, "bytes per request")
	progress := fs.Bool("progress", term.IsTerminal(int(os.Stderr.Fd())), "show a progress bar (default: when stderr is a terminal)")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *device == "" || len(files) == 0 {
		return fmt.Errorf("%w: sekimori import FILE... --device NAME", ErrUsage)
	}
	if err := cf.check(); err != nil {
		return err
	}
	q := url.Values{"device": {*device}}
	if *tenant != "" {
		q.Set("tenant", *tenant)
	}
	var total int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		total += fi.Size()
	}
	pb := &progressBar{w: env.Stderr, on: *progress, total: total, start: time.Now()}
	var lines int64
	for _, f := range files {
		n, err := importFile(ctx, &cf, q, f, *batch, pb)
		lines += n
		if err != nil {
			pb.done()
			return fmt.Errorf("import %s: %w (%d lines before this point were stored)", f, err, lines)
		}
	}
	pb.done()
	fmt.Fprintf(env.Stdout, "imported %d lines from %d file(s) into %s\n", lines, len(files), *device)
	return nil
}

// countingReader reports compressed bytes read, for the progress bar.
type countingReader struct {
	r  io.Reader
	pb *progressBar
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.pb.add(int64(n))
	return n, err
}

func importFile(ctx context.Context, cf *clientFlags, q url.Values, path string, batchBytes int, pb *progressBar) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(&countingReader{f, pb}, 1<<20)
	br := r.(*bufio.Reader)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, fmt.Errorf("open gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	var buf bytes.Buffer
	var n, pending int64
	send := func() error {
		if buf.Len() == 0 {
			return nil
		}
		for attempt := 0; ; attempt++ {
			resp, err := cf.do(ctx, http.MethodPost, "/api/v1/ingest", q, bytes.NewReader(buf.Bytes()), map[string]string{"Content-Type": "text/plain", "X-Sekimori-Import": "1"})
			if err == nil {
				resp.Body.Close()
				break
			}
			if attempt < 10 && strings.Contains(err.Error(), "answered 503") {
				time.Sleep(time.Duration(attempt+1) * time.Second)
				continue
			}
			return err
		}
		n += pending
		pending = 0
		buf.Reset()
		return nil
	}
	for sc.Scan() {
		buf.Write(sc.Bytes())
		buf.WriteByte('\n')
		pending++
		if buf.Len() >= batchBytes {
			if err := send(); err != nil {
				return n, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("read: %w", err)
	}
	return n, send()
}

type progressBar struct {
	w          io.Writer
	on         bool
	total, cur int64
	start      time.Time
	last       time.Time
}

func (p *progressBar) add(n int64) {
	p.cur += n
	if !p.on || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progressBar) draw() {
	frac := 1.0
	if p.total > 0 {
		frac = min(float64(p.cur)/float64(p.total), 1)
	}
	const width = 30
	fill := int(frac * width)
	rate := float64(p.cur) / max(time.Since(p.start).Seconds(), 0.001) / (1 << 20)
	fmt.Fprintf(p.w, "\r[%s%s] %5.1f%% %.1f MiB/s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, rate)
}

func (p *progressBar) done() {
	if p.on {
		p.draw()
		fmt.Fprintln(p.w)
	}
}

func runSearch(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "search")
	var cf clientFlags
	cf.register(fs, env)
	since := fs.String("since", "24h", "how far back: a duration (15m, 24h, 7d) or an RFC 3339 time")
	until := fs.String("until", "", "end of the range (RFC 3339 or a duration ago); default now")
	limit := fs.Int("limit", 100, "rows to return, newest first (0: all, unsorted)")
	tenant := fs.String("tenant", "", "narrow an admin token to one tenant (or 'unassigned')")
	out := fs.String("o", "table", "output: json, table or csv")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: sekimori search 'QUERY' [--since 24h] [-o json|table|csv]", ErrUsage)
	}
	if *out != "json" && *out != "table" && *out != "csv" {
		return fmt.Errorf("%w: -o must be json, table or csv", ErrUsage)
	}
	if err := cf.check(); err != nil {
		return err
	}
	q := url.Values{"q": {pos[0]}, "start": {*since}, "limit": {fmt.Sprint(*limit)}}
	if *until != "" {
		q.Set("end", *until)
	}
	if *tenant != "" {
		q.Set("tenant", *tenant)
	}
	resp, err := cf.do(ctx, http.MethodGet, "/api/v1/search", q, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if *out == "json" {
		_, err := io.Copy(env.Stdout, resp.Body)
		return err
	}
	return writeRows(env.Stdout, resp.Body, *out)
}

// writeRows renders JSON-lines rows as a table (_time, device, _msg) or as
// CSV with every field that occurs.
func writeRows(w io.Writer, r io.Reader, format string) error {
	dec := json.NewDecoder(r)
	var rows []map[string]string
	for {
		var row map[string]string
		if err := dec.Decode(&row); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("read results: %w", err)
		}
		rows = append(rows, row)
	}
	if format == "table" {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tDEVICE\tMESSAGE")
		for _, row := range rows {
			dev := row["device"]
			if dev == "" {
				dev = "(unassigned " + row["log.source.address"] + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", row["_time"], dev, row["_msg"])
		}
		return tw.Flush()
	}
	cols := map[string]bool{}
	for _, row := range rows {
		for k := range row {
			cols[k] = true
		}
	}
	header := []string{"_time", "_msg"}
	delete(cols, "_time")
	delete(cols, "_msg")
	rest := make([]string, 0, len(cols))
	for k := range cols {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	header = append(header, rest...)
	cw := csv.NewWriter(w)
	cw.Write(header)
	rec := make([]string, len(header))
	for _, row := range rows {
		for i, h := range header {
			rec[i] = row[h]
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}
