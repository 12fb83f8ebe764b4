package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/jsonw"
	"github.com/sekimori/sekimori/internal/loadgen"
	"github.com/sekimori/sekimori/internal/parse"
)

// The comparison feeds VictoriaLogs what its users typically send: the line
// parsed into fields (by Sekimori's FortiGate parser, so both stores get
// the same fields) plus the raw line as _msg, as JSON lines.
const vlInsertPath = "/insert/jsonline?_stream_fields=devname&_time_field=_time&_msg_field=_msg"

// span is one insert request's body in the bodies file.
type span struct{ off, n int64 }

// writeBodies regenerates the lines of opts (the same lines Sekimori got:
// the generator is deterministic), converts them to JSON lines in the
// background and writes insert bodies of batch lines each to path. It
// returns where each body is and the total JSON size.
//
// The bodies go to a file because at millions of lines they would not fit
// in memory next to the server; reading them back costs a copy from the
// page cache.
func writeBodies(ctx context.Context, opts loadgen.Options, batch int, path string) ([]span, int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, 0, fmt.Errorf("create insert bodies: %w", err)
	}
	defer f.Close()
	type job struct {
		lines [][]byte
		out   chan []byte
	}
	jobs := make(chan job, 2*runtime.GOMAXPROCS(0))
	order := make(chan chan []byte, 2*runtime.GOMAXPROCS(0))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Generate (one goroutine: the generator is sequential), encode (one
	// goroutine per CPU), write in order.
	go func() {
		defer close(jobs)
		defer close(order)
		g := loadgen.New(opts)
		for n := 0; n < opts.Total && ctx.Err() == nil; {
			j := job{out: make(chan []byte, 1)}
			for ; n < opts.Total && len(j.lines) < batch; n++ {
				j.lines = append(j.lines, g.Next(nil))
			}
			select {
			case jobs <- j:
				order <- j.out
			case <-ctx.Done():
			}
		}
	}()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ev event.Event
			for j := range jobs {
				var body []byte
				for _, l := range j.lines {
					body = appendVLJSON(body, l, &ev)
				}
				j.out <- body
			}
		}()
	}
	var spans []span
	var off int64
	var werr error
	for out := range order {
		body := <-out
		if werr == nil {
			if _, werr = f.Write(body); werr != nil {
				cancel()
			}
		}
		spans = append(spans, span{off, int64(len(body))})
		off += int64(len(body))
	}
	wg.Wait()
	if werr != nil {
		return nil, 0, fmt.Errorf("write insert bodies: %w", werr)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	return spans, off, f.Close()
}

var fortigate = func() parse.Parser {
	p, ok := parse.Lookup("fortigate")
	if !ok {
		panic("bench: no fortigate parser")
	}
	return p
}()

// appendVLJSON appends line as one JSON object and a newline: _time (the
// event time), _msg (the line byte for byte) and the parsed fields.
func appendVLJSON(dst, line []byte, ev *event.Event) []byte {
	ev.Reset()
	ev.Raw = string(line)
	msg := line
	if len(msg) > 0 && msg[0] == '<' { // the syslog "<PRI>"
		if i := bytes.IndexByte(msg, '>'); i > 0 {
			msg = msg[i+1:]
		}
	}
	_ = fortigate.Parse(msg, jst, ev) // a failed parse still sends _msg, as Sekimori stores it
	dst = append(dst, `{"_time":"`...)
	dst = ev.Time.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","_msg":`...)
	dst = jsonw.AppendString(dst, ev.Raw)
	seen := make(map[string]bool, len(ev.Fields))
	for _, f := range ev.Fields {
		if f.Name == "" || f.Name[0] == '_' || seen[f.Name] {
			continue
		}
		seen[f.Name] = true
		dst = append(dst, ',')
		dst = jsonw.AppendString(dst, f.Name)
		dst = append(dst, ':')
		dst = jsonw.AppendString(dst, f.Value)
	}
	return append(dst, '}', '\n')
}

// runVictoriaLogs measures a VictoriaLogs server on the same lines, then
// times specs' LogsQL against it (none when specs is empty).
func runVictoriaLogs(ctx context.Context, o *Options, root string, res *Result, specs []querySpec) (err error) {
	in := res.VictoriaLogs
	bodiesPath := filepath.Join(root, "victorialogs-insert.jsonl")
	o.progress("victorialogs: converting the %d lines to JSON lines in %s", o.Lines, bodiesPath)
	spans, jsonBytes, err := writeBodies(ctx, o.loadgen(), o.BatchLines, bodiesPath)
	if err != nil {
		return err
	}
	defer os.Remove(bodiesPath)
	in.SentBytes = uint64(jsonBytes)
	bodies, err := os.Open(bodiesPath)
	if err != nil {
		return fmt.Errorf("open insert bodies: %w", err)
	}
	defer bodies.Close()

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	data := filepath.Join(root, "victorialogs")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Conns}}
	base := "http://" + addr
	vl, err := startVL(ctx, o, client, root, data, addr)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			vl.kill()
		}
	}()

	o.progress("victorialogs: sending %d lines (%.0f MB of JSON) in %d-line requests over %d connection(s)", o.Lines, float64(jsonBytes)/1e6, o.BatchLines, o.Conns)
	u0, err := readUsage(vl.pid())
	if err != nil {
		return err
	}
	start := time.Now()
	var next atomic.Int64
	errs := make([]error, o.Conns)
	var wg sync.WaitGroup
	for w := range o.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for {
				i := next.Add(1) - 1
				if i >= int64(len(spans)) || ctx.Err() != nil {
					return
				}
				sp := spans[i]
				if int64(cap(buf)) < sp.n {
					buf = make([]byte, sp.n)
				}
				buf = buf[:sp.n]
				if _, err := bodies.ReadAt(buf, sp.off); err != nil {
					errs[w] = fmt.Errorf("read insert body: %w", err)
					return
				}
				if err := vlPost(ctx, client, base+vlInsertPath, buf); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	u1, err := readUsage(vl.pid())
	if err != nil {
		return err
	}
	in.fill(res.Lines, res.Bytes, took, took, u0, u1)
	if in.PeakRSSBytes, err = peakRSS(vl.pid()); err != nil {
		return err
	}
	in.Stored = uint64(res.Lines) // every insert request succeeded
	o.progress("victorialogs: stored %d lines in %.1fs (%.0f lines/s); checking they are searchable", res.Lines, in.Seconds, in.LinesPerSecond)

	deadline := time.Now().Add(time.Minute)
	err = poll(ctx, 100*time.Millisecond, func() (bool, error) {
		n, err := vlCount(ctx, client, base)
		if err != nil {
			return false, err
		}
		in.Searchable = n
		if n > uint64(res.Lines) {
			return false, fmt.Errorf("victoria-logs has %d rows, more than the %d sent", n, res.Lines)
		}
		if n < uint64(res.Lines) && time.Now().After(deadline) {
			return false, fmt.Errorf("victoria-logs: only %d of %d rows searchable a minute after ingest; see %s", n, res.Lines, vl.log.Name())
		}
		return n == uint64(res.Lines), nil
	})
	if err != nil {
		return err
	}
	in.SearchableSeconds = time.Since(start).Seconds()

	o.progress("victorialogs: stopping (SIGTERM) to measure disk use")
	stopStart := time.Now()
	if err := vl.stop(10 * time.Minute); err != nil {
		return err
	}
	in.StopSeconds = time.Since(stopStart).Seconds()
	in.StoreBytes = dirSize(data)
	in.StoreBytesPerLine = float64(in.StoreBytes) / float64(res.Lines)
	if len(specs) == 0 {
		return nil
	}

	// The same questions, asked the same way as of Sekimori: restarted,
	// idle, one warm-up then the timed runs.
	o.progress("victorialogs: restarting for queries")
	vlq, err := startVL(ctx, o, client, root, data, addr)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			vlq.kill()
		}
	}()
	settled, err := settle(ctx, vlq.pid(), 5*time.Minute)
	if err != nil {
		return err
	}
	o.progress("victorialogs: idle %.1fs after the restart", settled.Seconds())
	get := func(ctx context.Context, path string, q url.Values) ([]byte, error) {
		return getBody(ctx, client, base+path+"?"+q.Encode())
	}
	if err := runVLQueries(ctx, get, o, specs, res.Queries); err != nil {
		return err
	}
	return vlq.stop(10 * time.Minute)
}

// vlQueryPath is VictoriaLogs' LogsQL query endpoint.
const vlQueryPath = "/select/logsql/query"

// startVL starts VictoriaLogs' server on data and waits until it is ready.
func startVL(ctx context.Context, o *Options, client *http.Client, root, data, addr string) (*child, error) {
	vl, err := startChild("victoria-logs", filepath.Join(root, "victorialogs.log"), o.VictoriaLogs,
		"-storageDataPath="+data, "-httpListenAddr="+addr,
		"-retentionPeriod=100y", // accept the generated week, however old
		"-loggerLevel=WARN")
	if err != nil {
		return nil, err
	}
	err = waitReady(ctx, vl, 2*time.Minute, func(ctx context.Context) (*http.Response, error) {
		return httpGet(ctx, client, "http://"+addr+"/health")
	})
	if err != nil {
		return nil, err
	}
	return vl, nil
}

func vlPost(ctx context.Context, c *http.Client, u string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/stream+json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("victoria-logs insert: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("victoria-logs insert: %s: %s", resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// vlCount counts every stored row with a LogsQL stats query.
func vlCount(ctx context.Context, c *http.Client, base string) (uint64, error) {
	b, err := getBody(ctx, c, base+vlQueryPath+"?"+url.Values{"query": {"* | stats count() n"}}.Encode())
	if err != nil {
		return 0, fmt.Errorf("victoria-logs count: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return 0, nil // no rows yet
	}
	_, n, err := countStat(b)
	if err != nil {
		return 0, fmt.Errorf("victoria-logs count: %w", err)
	}
	return n, nil
}

// getBody GETs u and returns the whole body of a 200 answer.
func getBody(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	resp, err := httpGet(ctx, c, u)
	return bodyOK(u, resp, err)
}

// httpGet sends a GET of u with c.
func httpGet(ctx context.Context, c *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

// bodyOK reads and closes the body of the answer (resp, err) to a GET of
// what: the whole body when the status is 200 OK, else an error.
func bodyOK(what string, resp *http.Response, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", what, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", what, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", what, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}
