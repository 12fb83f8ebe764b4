package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sekimori/sekimori/internal/bench"
)

// runBenchIngest measures end-to-end ingest and query speed: it starts this
// binary's "serve" as a child process, sends it generated FortiGate syslog
// over TCP and reports lines/s, CPU, memory, disk and query latencies
// (see package bench).
func runBenchIngest(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "bench ingest")
	var o bench.Options
	fs.IntVar(&o.Lines, "lines", 1_000_000, "lines to send (the issue's query targets are for 5000000)")
	fs.IntVar(&o.Conns, "conns", 2, "TCP connections to send over (and parallel VictoriaLogs inserts)")
	fs.IntVar(&o.Hosts, "hosts", 5000, "distinct internal hosts in the generated traffic")
	fs.Int64Var(&o.Seed, "seed", 1, "generator seed: equal seeds give equal lines")
	fs.IntVar(&o.QueryRuns, "query-runs", 5, "timed runs of each query after one warm-up")
	fs.StringVar(&o.Dir, "data", "", "work directory (must be empty; kept): sekimori data in DIR/sekimori, server logs in DIR (default: a temporary directory)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary work directory")
	fs.StringVar(&o.VictoriaLogs, "victorialogs", "", "path of a victoria-logs binary to compare with on the same lines (off unless set)")
	fs.StringVar(&o.Binary, "binary", "", "sekimori binary to benchmark (default: this one)")
	fs.StringVar(&o.Config, "config", "", "config file for the benchmarked server (e.g. store.split_by_source: false); listen addresses and data directory come from the bench")
	fs.BoolVar(&o.Again, "again", false, "ingest into a fresh sekimori once more after victorialogs (no queries), so that sekimori's runs bracket its run; the CPU comparison uses their mean")
	fs.DurationVar(&o.StallTimeout, "stall-timeout", 0, "fail when nothing more is stored for this long (default 1m)")
	out := fs.String("o", "table", "output: table or json")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, pos[0])
	}
	if *out != "table" && *out != "json" {
		return fmt.Errorf("%w: -o must be table or json, got %q", ErrUsage, *out)
	}
	if o.Lines <= 0 || o.Conns <= 0 || o.Hosts <= 0 || o.QueryRuns <= 0 {
		return fmt.Errorf("%w: --lines, --conns, --hosts and --query-runs must be positive", ErrUsage)
	}
	if o.Binary == "" {
		if o.Binary, err = os.Executable(); err != nil {
			return fmt.Errorf("find this binary: %w", err)
		}
	}
	if o.Config != "" {
		// The server runs in another directory: give it the file's full path.
		if o.Config, err = filepath.Abs(o.Config); err == nil {
			_, err = os.Stat(o.Config)
		}
		if err != nil {
			return fmt.Errorf("%w: --config: %v", ErrUsage, err)
		}
	}
	if !*quiet {
		o.Progress = env.Stderr
	}
	res, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if *out == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return bench.WriteTable(env.Stdout, res)
}
