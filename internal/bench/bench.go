// Package bench measures Sekimori the way an operator meets it: it starts
// the real binary as a child process (so that the server's CPU time and
// memory are its own), sends it generated FortiGate syslog over TCP, and
// times end-to-end ingest, disk use and query latency through the HTTP API.
// Optionally it feeds the same lines, parsed, to a VictoriaLogs server and
// measures that side by side.
//
// It is a measurement tool, not a test: numbers depend on the machine.
// It only talks to 127.0.0.1 and is Linux-only (it reads /proc).
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/sekimori/sekimori/internal/loadgen"
)

// Options configure Run. Only Binary is required.
type Options struct {
	// Binary is the sekimori executable to run as the server.
	Binary string
	// Config is a config file for the server ("" for none: the defaults).
	// Its listen addresses and data directory are overridden by the
	// bench's flags.
	Config string
	// Dir holds the run's data directories and server logs; it must not
	// exist or be empty. "" means a new temporary directory, removed at the
	// end unless Keep is set (it is also kept when the run fails).
	Dir  string
	Keep bool
	// Lines to send (default 1,000,000), over Conns TCP connections
	// (default 2), from Hosts internal hosts (default 5000), spread evenly
	// over [Start, Start+Span).
	Lines, Conns, Hosts int
	Seed                int64
	// Start defaults to midnight (JST) eight days ago, Span to 7 days: a
	// week that ends at least a day before now, so no line is in the
	// future and none is past the default 90-day retention.
	Start time.Time
	Span  time.Duration
	// QueryRuns is how many timed runs each query gets after a warm-up
	// (default 5).
	QueryRuns int
	// VictoriaLogs is the path of a victoria-logs executable to compare
	// with; "" skips the comparison.
	VictoriaLogs string
	// Again ingests the same lines into a fresh sekimori once more after
	// VictoriaLogs (ingest and disk only, no queries), so that sekimori's
	// runs bracket VictoriaLogs' and the machine's drift between them
	// shows; the CPU comparison then uses the mean of the two.
	Again bool
	// BatchLines is the number of lines per VictoriaLogs insert request
	// (default 2000).
	BatchLines int
	// StallTimeout: ingest fails when the stored count has not moved for
	// this long (default 60s).
	StallTimeout time.Duration
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
}

var jst = time.FixedZone("JST", 9*60*60)

func (o *Options) defaults(now time.Time) {
	if o.Lines <= 0 {
		o.Lines = 1_000_000
	}
	if o.Conns <= 0 {
		o.Conns = 2
	}
	if o.Hosts <= 0 {
		o.Hosts = 5000
	}
	if o.Span <= 0 {
		o.Span = 7 * 24 * time.Hour
	}
	if o.Start.IsZero() {
		t := now.In(jst)
		o.Start = time.Date(t.Year(), t.Month(), t.Day()-8, 0, 0, 0, 0, jst)
	}
	if o.QueryRuns <= 0 {
		o.QueryRuns = 5
	}
	if o.BatchLines <= 0 {
		o.BatchLines = 2000
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

func (o *Options) progress(format string, args ...any) {
	fmt.Fprintf(o.Progress, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func (o *Options) loadgen() loadgen.Options {
	return loadgen.Options{Seed: o.Seed, Hosts: o.Hosts, Start: o.Start, Span: o.Span, Devices: 1, Total: o.Lines}
}

// Result is what Run measured. Sizes are bytes; MB are 10^6 bytes.
type Result struct {
	Lines int `json:"lines"`
	// Bytes is the total length of the generated lines, without framing.
	Bytes      int64     `json:"bytes"`
	Conns      int       `json:"conns"`
	Hosts      int       `json:"hosts"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	GoMaxProcs int       `json:"gomaxprocs"`
	NumCPU     int       `json:"num_cpu"`
	Sekimori   Ingest    `json:"sekimori"`
	Queries    []Query   `json:"queries"`
	// QuerySettleSeconds is how long the restarted server took to go idle
	// (merging what it flushed at the stop) before the queries ran.
	QuerySettleSeconds float64 `json:"query_settle_seconds"`
	// VictoriaLogs is set when Options.VictoriaLogs was given.
	VictoriaLogs *Ingest `json:"victorialogs,omitempty"`
	// SekimoriAgain is the second sekimori ingest (Options.Again).
	SekimoriAgain *Ingest `json:"sekimori_again,omitempty"`
	// Dir is the kept work directory ("" when removed).
	Dir string `json:"dir,omitempty"`
}

// Ingest is one server's ingest measurement.
type Ingest struct {
	// Seconds is from the first byte sent until the server had stored
	// every line: for Sekimori, until /metrics counts them all as handed
	// to the log store; for VictoriaLogs, until its last insert request
	// (which returns once the rows are handed to its store) returned.
	Seconds float64 `json:"seconds"`
	// SendSeconds is until the last byte was written to the socket.
	SendSeconds       float64 `json:"send_seconds"`
	LinesPerSecond    float64 `json:"lines_per_second"`
	MBPerSecond       float64 `json:"mb_per_second"` // of raw lines
	CPUSeconds        float64 `json:"cpu_seconds"`   // the server's user+system time over Seconds
	LinesPerCPUSecond float64 `json:"lines_per_cpu_second"`
	// SenderCPUSeconds is the load generator's (this process's) CPU time
	// over Seconds, to show it was not what limited the server.
	SenderCPUSeconds float64 `json:"sender_cpu_seconds"`
	// OtherCPUSeconds is what every other process on the machine used
	// over Seconds: noise that took CPU from the server.
	OtherCPUSeconds float64 `json:"other_cpu_seconds"`
	// PeakRSSBytes is the server's VmHWM right after ingest.
	PeakRSSBytes uint64 `json:"peak_rss_bytes"`
	// StoreBytes is the log store's size on disk after a graceful stop.
	StoreBytes        uint64  `json:"store_bytes"`
	StoreBytesPerLine float64 `json:"store_bytes_per_line"`
	// SpoolBytes is the size of Sekimori's spool after the stop.
	SpoolBytes uint64 `json:"spool_bytes"`
	// SentBytes is what went over the wire (framing or JSON included).
	SentBytes uint64 `json:"sent_bytes"`
	// Stored is what the server counted as stored, Searchable what a
	// count query found afterwards; both must equal Lines.
	Stored     uint64 `json:"stored"`
	Searchable uint64 `json:"searchable"`
	// SearchableSeconds is from the first byte sent until the count
	// query found every line.
	SearchableSeconds float64 `json:"searchable_seconds"`
	// StopSeconds is how long the graceful stop took.
	StopSeconds float64 `json:"stop_seconds"`
	// Sekimori's own counters after ingest.
	Received    uint64 `json:"received,omitempty"`
	Dropped     uint64 `json:"dropped,omitempty"`
	ParseFailed uint64 `json:"parse_failed,omitempty"`
	Truncated   uint64 `json:"truncated,omitempty"`
}

// usage is the CPU time of the server, this process and the whole
// machine at one moment.
type usage struct{ server, self, machine float64 }

func readUsage(pid int) (usage, error) {
	u := usage{self: selfCPUSeconds(), machine: machineBusySeconds()}
	var err error
	u.server, err = cpuSeconds(pid)
	return u, err
}

func (in *Ingest) fill(lines int, bytes int64, took, send time.Duration, u0, u1 usage) {
	cpu, self := u1.server-u0.server, u1.self-u0.self
	in.OtherCPUSeconds = max(0, u1.machine-u0.machine-cpu-self)
	in.Seconds = took.Seconds()
	in.SendSeconds = send.Seconds()
	in.LinesPerSecond = float64(lines) / in.Seconds
	in.MBPerSecond = float64(bytes) / 1e6 / in.Seconds
	in.CPUSeconds = cpu
	if cpu > 0 {
		in.LinesPerCPUSecond = float64(lines) / cpu
	}
	in.SenderCPUSeconds = self
}

// Run generates the lines, measures Sekimori (and VictoriaLogs when asked)
// and returns the figures. It fails when any line is lost or duplicated.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	if o.Binary == "" {
		return nil, fmt.Errorf("bench: no sekimori binary given")
	}
	o.defaults(time.Now())
	root := o.Dir
	if root == "" {
		if root, err = os.MkdirTemp("", "sekimori-bench-"); err != nil {
			return nil, fmt.Errorf("create work dir: %w", err)
		}
	} else if err := emptyDir(root); err != nil {
		return nil, err
	}
	defer func() {
		switch {
		case err != nil:
			err = fmt.Errorf("%w (work dir kept: %s)", err, root)
		case o.Keep || o.Dir != "":
			res.Dir = root
		default:
			if rerr := os.RemoveAll(root); rerr != nil {
				err = fmt.Errorf("remove work dir: %w", rerr)
			}
		}
	}()
	res = &Result{
		Lines: o.Lines, Conns: o.Conns, Hosts: o.Hosts,
		Start: o.Start, End: o.Start.Add(o.Span),
		GoMaxProcs: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
	}

	o.progress("generating %d lines (%d hosts, %s .. %s)", o.Lines, o.Hosts, res.Start.Format(time.DateTime), res.End.Format(time.DateTime+" MST"))
	tr := generate(o.loadgen(), o.Conns)
	res.Bytes = tr.bytes
	if tr.ip == "" {
		return nil, fmt.Errorf("no line with a srcip in the second half of the traffic")
	}
	specs := querySpecs(tr.ip, res.Start, res.End)
	if err := runSekimori(ctx, &o, root, "sekimori", tr, &res.Sekimori, res, specs); err != nil {
		return nil, err
	}
	tr = nil
	debug.FreeOSMemory()
	if o.VictoriaLogs != "" {
		res.VictoriaLogs = &Ingest{}
		if err := runVictoriaLogs(ctx, &o, root, res, specs); err != nil {
			return nil, err
		}
	}
	if o.Again {
		// The generator is seeded: the same lines again.
		o.progress("generating the %d lines again", o.Lines)
		tr = generate(o.loadgen(), o.Conns)
		res.SekimoriAgain = &Ingest{}
		if err := runSekimori(ctx, &o, root, "sekimori-again", tr, res.SekimoriAgain, res, nil); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return os.MkdirAll(dir, 0o750)
	}
	if err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("work dir %s is not empty", filepath.Clean(dir))
	}
	return nil
}
