package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// sekimori is a running "sekimori serve" child and the way to talk to it.
type sekimori struct {
	*child
	bin, data     string
	config        string // passed as serve --config when set
	httpAddr, tcp string
	token         string
	client        *http.Client
	readyTimeout  time.Duration
	stopTimeout   time.Duration
	logPath       string
}

// setupSekimori creates the data directory's tenant, device and admin
// token with the binary's own commands, as an operator would.
func setupSekimori(ctx context.Context, bin, data string) (token string, err error) {
	steps := [][]string{
		{"tenant", "create", "bench", "--data", data},
		{"device", "add", "--data", data, "--tenant", "bench", "--name", "fg1", "--source", "127.0.0.1", "--format", "fortigate"},
		{"token", "create", "--data", data, "--role", "admin", "--name", "bench"},
	}
	for _, args := range steps {
		out, err := exec.CommandContext(ctx, bin, args...).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			return "", fmt.Errorf("sekimori %s: %w\n%s", strings.Join(args, " "), err, stderr)
		}
		token = strings.TrimSpace(string(out))
	}
	return token, nil
}

// start runs "sekimori serve" and waits until /readyz answers.
func (s *sekimori) start(ctx context.Context) error {
	args := []string{"serve", "--data", s.data, "--http", s.httpAddr, "--syslog-tcp", s.tcp}
	if s.config != "" {
		args = append(args, "--config", s.config)
	}
	c, err := startChild("sekimori", s.logPath, s.bin, args...)
	if err != nil {
		return err
	}
	s.child = c
	return waitReady(ctx, c, s.readyTimeout, func(ctx context.Context) (*http.Response, error) {
		return s.do(ctx, "/readyz", nil)
	})
}

func (s *sekimori) do(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	u := "http://" + s.httpAddr + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	return s.client.Do(req)
}

// get returns the body of a 200 answer.
func (s *sekimori) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	resp, err := s.do(ctx, path, q)
	return bodyOK(path, resp, err)
}

// counters reads the ingest counters from /metrics.
func (s *sekimori) counters(ctx context.Context) (map[string]float64, error) {
	b, err := s.get(ctx, "/metrics", nil)
	if err != nil {
		return nil, err
	}
	return parseMetrics(b), nil
}

// parseMetrics reads the sekimori_* samples of a Prometheus text
// exposition, keyed by name with labels ("sekimori_x{reason=\"y\"}").
func parseMetrics(b []byte) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "sekimori_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

func sumPrefix(m map[string]float64, prefix string) uint64 {
	var n float64
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return uint64(n)
}

// searchable counts the stored events between start and end with the
// hits API, as a user would see them.
func (s *sekimori) searchable(ctx context.Context, start, end time.Time) (uint64, error) {
	q := url.Values{"q": {"*"}, "step": {"1d"}, "start": {rfc3339(start)}, "end": {rfc3339(end)}}
	b, err := s.get(ctx, "/api/v1/hits", q)
	if err != nil {
		return 0, err
	}
	var h struct {
		Buckets []struct{ Count uint64 } `json:"buckets"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return 0, fmt.Errorf("decode hits: %w", err)
	}
	var n uint64
	for _, b := range h.Buckets {
		n += b.Count
	}
	return n, nil
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// runSekimori measures ingest of tr into a fresh sekimori server in
// root/name, filling in, and its disk use after a graceful stop, then the
// latencies of specs (none when empty) after a restart.
func runSekimori(ctx context.Context, o *Options, root, name string, tr *traffic, in *Ingest, res *Result, specs []querySpec) (err error) {
	data := filepath.Join(root, name)
	for _, f := range tr.frames {
		in.SentBytes += uint64(len(f))
	}
	o.progress("sekimori: creating tenant, device and token in %s", data)
	token, err := setupSekimori(ctx, o.Binary, data)
	if err != nil {
		return err
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	tcpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	s := &sekimori{
		bin: o.Binary, data: data, config: o.Config, httpAddr: httpAddr, tcp: tcpAddr, token: token,
		client:       &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
		readyTimeout: 2 * time.Minute, stopTimeout: 10 * time.Minute,
		logPath: filepath.Join(root, name+"-serve.log"),
	}
	if err := s.start(ctx); err != nil {
		return err
	}
	defer func() {
		if err != nil && s.child != nil {
			s.child.kill()
		}
	}()

	o.progress("sekimori: serving (pid %d); sending %d lines over %d TCP connection(s) to %s", s.pid(), tr.lines, len(tr.frames), tcpAddr)
	u0, err := readUsage(s.pid())
	if err != nil {
		return err
	}
	type sent struct {
		start time.Time
		took  time.Duration
		err   error
	}
	sentc := make(chan sent, 1)
	go func() {
		var r sent
		r.start, r.took, r.err = tr.send(ctx, tcpAddr)
		sentc <- r
	}()

	// Wait until the server has stored every line; give up when nothing
	// more is stored for StallTimeout.
	var (
		sendRes   *sent
		stored    uint64
		lastMove  = time.Now()
		storedAll time.Time
	)
	err = poll(ctx, 100*time.Millisecond, func() (bool, error) {
		if err := s.exited(); err != nil {
			return false, err
		}
		select {
		case r := <-sentc:
			if r.err != nil {
				return false, r.err
			}
			sendRes = &r
			o.progress("sekimori: sent in %.1fs", r.took.Seconds())
		default:
		}
		m, err := s.counters(ctx)
		if err != nil {
			return false, err
		}
		now := time.Now()
		if n := uint64(m["sekimori_lines_stored_total"]); n != stored {
			stored, lastMove = n, now
		}
		if stored >= uint64(tr.lines) && sendRes != nil {
			storedAll = now
			return true, nil
		}
		if now.Sub(lastMove) > o.StallTimeout {
			state := "sending had ended: lines were lost"
			if sendRes == nil {
				state = "still sending: the server stopped taking lines"
			}
			return false, fmt.Errorf("sekimori stored %d of %d lines and nothing more for %s, %s (received %d, dropped %d; see %s)",
				stored, tr.lines, o.StallTimeout, state, sumPrefix(m, "sekimori_lines_received_total"), sumPrefix(m, "sekimori_lines_dropped_total"), s.logPath)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	u1, err := readUsage(s.pid())
	if err != nil {
		return err
	}
	in.fill(tr.lines, tr.bytes, storedAll.Sub(sendRes.start), sendRes.took, u0, u1)
	in.Stored = stored
	if in.PeakRSSBytes, err = peakRSS(s.pid()); err != nil {
		return err
	}
	// The next steps need the memory more, and the queries must not be
	// timed in a client whose heap target is twice these gigabytes: with
	// no collection due, each response would be read into fresh pages from
	// the kernel (the two-field day took 1.2–1.45 s in a client holding
	// 4 GB, 0.65–0.73 s in one that had freed it, against the same server).
	tr.frames = nil
	debug.FreeOSMemory()

	m, err := s.counters(ctx)
	if err != nil {
		return err
	}
	in.Received = sumPrefix(m, "sekimori_lines_received_total")
	in.Dropped = sumPrefix(m, "sekimori_lines_dropped_total")
	in.ParseFailed = uint64(m["sekimori_lines_parse_failed_total"])
	in.Truncated = uint64(m["sekimori_lines_truncated_total"])

	// Stored means handed to the store; it answers queries within about a
	// second.
	o.progress("sekimori: stored %d lines in %.1fs (%.0f lines/s); checking they are searchable", stored, in.Seconds, in.LinesPerSecond)
	if in.Searchable, err = s.waitSearchable(ctx, res.Start, res.End, uint64(tr.lines)); err != nil {
		return err
	}
	in.SearchableSeconds = time.Since(sendRes.start).Seconds()

	o.progress("sekimori: stopping (SIGTERM) to measure disk use")
	stopStart := time.Now()
	err = s.stop(s.stopTimeout)
	s.child = nil
	if err != nil {
		return err
	}
	in.StopSeconds = time.Since(stopStart).Seconds()
	in.StoreBytes = dirSize(filepath.Join(data, "logs"))
	in.SpoolBytes = dirSize(filepath.Join(data, "spool"))
	in.StoreBytesPerLine = float64(in.StoreBytes) / float64(tr.lines)
	if len(specs) == 0 {
		return nil
	}

	o.progress("sekimori: restarting for queries")
	if err := s.start(ctx); err != nil {
		return err
	}
	// A restarted store merges the parts it flushed at the stop; query a
	// settled store so that the figures do not depend on merge timing.
	settled, err := settle(ctx, s.pid(), 5*time.Minute)
	if err != nil {
		return err
	}
	res.QuerySettleSeconds = settled.Seconds()
	o.progress("sekimori: idle %.1fs after the restart", settled.Seconds())
	if res.Queries, err = runQueries(ctx, s.get, o, specs); err != nil {
		return err
	}
	err = s.stop(s.stopTimeout)
	s.child = nil
	return err
}

// waitSearchable polls until want events are searchable, and returns how
// many are; fewer (after a minute) or more is an error.
func (s *sekimori) waitSearchable(ctx context.Context, start, end time.Time, want uint64) (uint64, error) {
	var n uint64
	deadline := time.Now().Add(time.Minute)
	err := poll(ctx, 100*time.Millisecond, func() (bool, error) {
		var err error
		if n, err = s.searchable(ctx, start, end); err != nil {
			return false, err
		}
		if n > want {
			return false, fmt.Errorf("%d events searchable, more than the %d sent: duplicates", n, want)
		}
		if n < want && time.Now().After(deadline) {
			return false, fmt.Errorf("only %d of %d events searchable a minute after they were stored", n, want)
		}
		return n == want, nil
	})
	return n, err
}

// settle waits until process pid uses less than a tenth of a CPU over two
// seconds, for at most limit, and returns how long that took.
func settle(ctx context.Context, pid int, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	const window = 2 * time.Second
	prev, err := cpuSeconds(pid)
	if err != nil {
		return 0, err
	}
	for time.Since(start) < limit {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(window):
		}
		cur, err := cpuSeconds(pid)
		if err != nil {
			return 0, err
		}
		if cur-prev < 0.1*window.Seconds() {
			break
		}
		prev = cur
	}
	return time.Since(start), nil
}
