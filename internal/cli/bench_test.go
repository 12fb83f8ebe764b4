package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sekimori/sekimori/internal/bench"
)

// TestBenchIngestSmall runs "sekimori bench ingest" end to end at a tiny
// size against the real binary: every line sent must be stored and
// searchable (the bench fails otherwise), and the figures must be sane.
// It checks that the benchmark works, not how fast anything is.
func TestBenchIngestSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sekimori")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/sekimori").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const lines = 20000
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The servers get the config file (a bad one would stop them).
	cfg := filepath.Join(dir, "sekimori.yaml")
	if err := os.WriteFile(cfg, []byte("store:\n  split_by_source: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := Main(ctx, Env{Stdout: &stdout, Stderr: &stderr}, []string{
		"bench", "ingest", "--binary", bin, "--lines", "20000", "--query-runs", "1",
		"--data", filepath.Join(dir, "work"), "--stall-timeout", "20s", "-o", "json", "--again",
		"--config", cfg,
	})
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	var res bench.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("output is not one JSON result: %v\n%s", err, &stdout)
	}
	s := res.Sekimori
	if res.Lines != lines || s.Stored != lines || s.Searchable != lines || s.Received != lines {
		t.Errorf("lines %d, received %d, stored %d, searchable %d: want %d each", res.Lines, s.Received, s.Stored, s.Searchable, lines)
	}
	// Octet-counting framing adds to the lines' bytes, in both runs.
	if s.SentBytes <= uint64(res.Bytes) || res.SekimoriAgain == nil || res.SekimoriAgain.SentBytes != s.SentBytes {
		t.Errorf("sent %d bytes for %d bytes of lines; the second run must send the same", s.SentBytes, res.Bytes)
	}
	// --again: a second, fresh sekimori took the same lines (no queries).
	if a := res.SekimoriAgain; a == nil || a.Stored != lines || a.Searchable != lines || a.Received != lines || !(a.LinesPerCPUSecond > 0) || a.StoreBytes == 0 {
		t.Errorf("second run: %+v, want every line stored and searchable, and figures", a)
	}
	if s.ParseFailed != 0 || s.Dropped != 0 || s.Truncated != 0 {
		t.Errorf("parse failed %d, dropped %d, truncated %d: want none", s.ParseFailed, s.Dropped, s.Truncated)
	}
	if avg := float64(res.Bytes) / lines; avg < 500 || avg > 1200 {
		t.Errorf("average line %.0f bytes, want FortiGate-sized lines (~800)", avg)
	}
	for name, v := range map[string]float64{
		"lines/s": s.LinesPerSecond, "MB/s": s.MBPerSecond, "CPU-seconds": s.CPUSeconds,
		"lines per CPU-second": s.LinesPerCPUSecond, "store bytes/line": s.StoreBytesPerLine,
		"peak RSS": float64(s.PeakRSSBytes),
	} {
		if !(v > 0) {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
	// The four, in its order, then the two-field day as the UI
	// asks for it (newest 1,000), without a target, then its filter alone.
	if len(res.Queries) != 6 {
		t.Fatalf("%d queries, want 6", len(res.Queries))
	}
	for _, q := range res.Queries {
		if q.Rows == 0 || q.Events == 0 || len(q.Runs) != 1 || !(q.Median > 0) {
			t.Errorf("query %q: %d rows, %d events, runs %v: want matches and one timed run", q.Name, q.Rows, q.Events, q.Runs)
		}
	}
	// The hourly histogram covers the whole week.
	if q := res.Queries[3]; q.Rows != 7*24 {
		t.Errorf("hourly histogram has %d buckets, want %d", q.Rows, 7*24)
	}
	if all, page := res.Queries[2], res.Queries[4]; page.Target != 0 || page.Rows != min(all.Rows, 1000) {
		t.Errorf("page query: target %v, %d rows; want no target and min(%d, 1000) rows", page.Target, page.Rows, all.Rows)
	}
	if all, filter := res.Queries[2], res.Queries[5]; filter.Rows != 1 || filter.Events != all.Events {
		t.Errorf("filter alone: %d rows counting %d events; want 1 row counting the %d events of every row", filter.Rows, filter.Events, all.Events)
	}
}

// TestBenchIngestFlags rejects bad flags before starting anything.
func TestBenchIngestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--lines", "0"},
		{"-o", "yaml"},
		{"extra"},
		{"--config", "/nonexistent/sekimori.yaml"},
	} {
		var out bytes.Buffer
		code := Main(context.Background(), Env{Stdout: &out, Stderr: &out}, append([]string{"bench", "ingest"}, args...))
		if code != 2 {
			t.Errorf("bench ingest %v: exit code %d, want 2\n%s", args, code, &out)
		}
	}
}
