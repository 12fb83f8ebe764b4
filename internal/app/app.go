// Package app wires Sekimori together: the one place that joins concrete
// implementations (state database, log store, spool, ingest, API).
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"golang.org/x/sync/errgroup"

	"github.com/sekimori/sekimori/internal/api"
	"github.com/sekimori/sekimori/internal/collect"
	"github.com/sekimori/sekimori/internal/config"
	"github.com/sekimori/sekimori/internal/detect"
	"github.com/sekimori/sekimori/internal/drift"
	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/ingest"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/parse"
	"github.com/sekimori/sekimori/internal/seal"
	"github.com/sekimori/sekimori/internal/secret"
	"github.com/sekimori/sekimori/internal/sigma"
	"github.com/sekimori/sekimori/internal/spool"
	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/triage"
	"github.com/sekimori/sekimori/internal/web"
)

// StateDSN returns the state database DSN for cfg: SQLite in the data
// directory unless configured.
func StateDSN(cfg *config.Config) string {
	if cfg.State.DSN != "" {
		return cfg.State.DSN
	}
	return "sqlite:" + filepath.Join(cfg.Data, "state.db")
}

// SecretKeyPath is the file of the key that seals device credentials in
// the state database: DATA/secret.key, outside the database (with
// PostgreSQL, on the machine that runs the server).
func SecretKeyPath(cfg *config.Config) string { return filepath.Join(cfg.Data, "secret.key") }

// Addrs are the addresses Run listens on ("" when off); useful when the
// configuration asked for port 0.
type Addrs struct {
	HTTP, SyslogUDP, SyslogTCP, SyslogTLS string
	// HTTPS says HTTP serves TLS (http.tls_cert_file is set).
	HTTPS bool
}

// Run serves until ctx is done, then shuts down in order: stop accepting,
// drain the spool into the store, flush and close the store, commit.
// Ready, when not nil, is called once everything listens.
func Run(ctx context.Context, cfg *config.Config, log *slog.Logger, ready func(Addrs)) error {
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	st, err := state.Open(ctx, StateDSN(cfg))
	if err != nil {
		return fmt.Errorf("open state: %w", err)
	}
	defer st.Close()
	box, err := secret.LoadOrCreate(SecretKeyPath(cfg))
	if err != nil {
		return err
	}
	st.Secrets = box // users' TOTP keys are sealed with the credentials' key
	puller := collect.NewScheduler(st, box, log)
	store, err := logstore.OpenEmbedded(filepath.Join(cfg.Data, "logs"), logstore.EmbeddedOptions{
		Retention:        3650 * 24 * time.Hour, // per-tenant retention is enforced by retentionLoop
		MinFreeDiskBytes: int64(cfg.Store.MinFreeDisk) / 2,
		AllColumns:       cfg.Store.AllColumns,
		SplitBySource:    cfg.Store.SplitBySource == nil || *cfg.Store.SplitBySource, // nil: Defaults not run
	})
	if err != nil {
		return err
	}
	storeOpen := true
	defer func() {
		if storeOpen {
			store.Close()
		}
	}()
	sp, err := spool.Open(filepath.Join(cfg.Data, "spool"), spool.Options{MaxBytes: int64(cfg.Spool.MaxBytes)})
	if err != nil {
		return fmt.Errorf("open spool: %w", err)
	}
	defer sp.Close()

	set := metrics.NewSet()
	m := ingest.NewMetrics(set)
	set.NewGauge("sekimori_spool_depth_records", func() float64 {
		s := sp.Stats()
		return float64(s.Written - s.Committed)
	})
	set.NewGauge("sekimori_spool_pending_bytes", func() float64 { return float64(sp.Stats().PendingBytes) })
	var storeBytes, storeRows, storeLean atomic.Uint64
	set.NewGauge("sekimori_store_bytes", func() float64 { return float64(storeBytes.Load()) })
	set.NewGauge("sekimori_store_rows", func() float64 { return float64(storeRows.Load()) })
	set.NewGauge("sekimori_store_lean_rows_total", func() float64 { return float64(storeLean.Load()) })

	if err := os.MkdirAll(cfg.Formats.Dir, 0o750); err != nil {
		return fmt.Errorf("create formats dir: %w", err)
	}
	formats := parse.NewRegistry(cfg.Formats.Dir, parse.RegistryOptions{Logger: log})
	if err := formats.Load(); err != nil {
		log.Warn("declarative formats: some files refused; the previous definitions stay", "err", err)
	}
	reg := ingest.NewRegistryWith(formats)
	var detector *detect.Detector // set below; reload runs again once it is
	var rules atomic.Pointer[detect.SigmaRules]
	var uploadedSig string // what the loaded rules were built from
	corrDir := filepath.Join(cfg.Data, "correlation")
	var reloadMu sync.Mutex // the poller and API handlers reload
	reload := func(ctx context.Context) error {
		reloadMu.Lock()
		defer reloadMu.Unlock()
		if detector != nil {
			rs, err := st.RuleSettings(ctx, nil)
			if err != nil {
				return fmt.Errorf("load rule settings: %w", err)
			}
			detector.SetSettings(rs)
			// Rules uploaded through the API: rebuild when they changed,
			// carrying correlation state over where it still fits.
			up, err := st.Rules(ctx)
			if err != nil {
				return fmt.Errorf("load uploaded rules: %w", err)
			}
			if sig := uploadSignature(up); sig != uploadedSig {
				next, err := loadRules(cfg, log, up)
				if err != nil {
					return err
				}
				if old := rules.Load(); old != nil {
					if err := old.SaveState(corrDir); err != nil {
						log.Warn("save correlation state before reloading rules", "err", err)
					}
				}
				if err := next.LoadState(corrDir); err != nil {
					log.Warn("correlation state not restored", "err", err)
				}
				rules.Store(next)
				detector.SetRules(next)
				uploadedSig = sig
			}
		}
		return reloadDevices(ctx, st, reg)
	}
	if err := reload(ctx); err != nil {
		return err
	}
	recv := ingest.NewReceiver(sp, m, ingest.ReceiverOptions{
		DataDir: cfg.Data, MinFreeBytes: uint64(cfg.Store.MinFreeDisk), MaxLineBytes: int(cfg.Syslog.MaxLineBytes),
		MaxConns: cfg.Syslog.MaxConnections, Logger: log,
	})
	zones := map[string]*time.Location{}
	for name, l := range map[string]config.Listener{"udp": cfg.Syslog.UDP, "tcp": cfg.Syslog.TCP, "tls": cfg.Syslog.TLS} {
		loc, err := time.LoadLocation(l.TimeZone)
		if err != nil {
			return fmt.Errorf("syslog %s time zone: %w", name, err)
		}
		zones[name] = loc
	}
	// Matches reach the state store together, once a second: a write
	// costs the same for one match as for hundreds.
	matches := detect.NewBuffer(st, detect.BufferOptions{OnError: func(err error) {
		m.DetectErrors.Inc()
		log.Error("record detection matches", "err", err)
	}})
	detector = detect.New(matches, nil)
	uploadedSig = "-" // forces the first load
	if err := reload(ctx); err != nil {
		return err
	}
	drifts := drift.New(drift.Options{Learn: cfg.Drift.LearnLines})
	onDrift := func(ctx context.Context, cs []drift.Change) {
		if len(cs) == 0 {
			return
		}
		evs := make([]*event.Event, len(cs))
		ms := make([]state.Match, len(cs))
		for i, c := range cs {
			evs[i] = c.Event()
			ms[i] = driftMatch(c)
			log.Warn("format drift", "tenant", c.TenantID, "device", c.Device, "format", c.Format, "kind", c.Kind, "field", c.Field)
		}
		if err := store.Add(evs); err != nil {
			log.Error("store drift events", "err", err)
		}
		if err := detector.Record(ctx, ms); err != nil {
			log.Error("record drift alerts", "err", err)
		}
	}
	pipe := ingest.NewPipeline(sp, store, reg, m, ingest.PipelineOptions{
		Zones:  zones,
		Logger: log,
		OnParsed: func(ctx context.Context, evs []*event.Event) {
			onDrift(ctx, drifts.Observe(evs, time.Now()))
		},
		OnStored: func(ctx context.Context, evs []*event.Event) error {
			return detector.Events(ctx, evs)
		},
		Tenants: func(ctx context.Context) ([]uint32, error) {
			ts, err := st.ListTenants(ctx)
			ids := make([]uint32, len(ts))
			for i, t := range ts {
				ids[i] = t.ID
			}
			return ids, err
		},
		NoteUnassigned: func(ctx context.Context, us []ingest.Unassigned) {
			for _, u := range us {
				if err := st.NoteUnassigned(ctx, u.Source, u.Hostname, u.DevID, u.Seen, u.Lines); err != nil {
					log.Warn("note unassigned source", "source", u.Source, "err", err)
				}
			}
		},
	})

	// Listeners first, so that a taken port fails start-up at once.
	var lns []func(ctx context.Context) error
	var addrs Addrs
	if a := cfg.Syslog.UDP.Listen; a != "" {
		pc, err := net.ListenPacket("udp", a)
		if err != nil {
			return fmt.Errorf("listen syslog udp %s: %w", a, err)
		}
		if uc, ok := pc.(*net.UDPConn); ok {
			_ = uc.SetReadBuffer(8 << 20)
		}
		addrs.SyslogUDP = pc.LocalAddr().String()
		log.Info("syslog udp listening", "addr", addrs.SyslogUDP)
		lns = append(lns, func(ctx context.Context) error { return recv.ServeUDP(ctx, "udp", pc) })
	}
	if a := cfg.Syslog.TCP.Listen; a != "" {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("listen syslog tcp %s: %w", a, err)
		}
		addrs.SyslogTCP = ln.Addr().String()
		log.Info("syslog tcp listening", "addr", addrs.SyslogTCP)
		lns = append(lns, func(ctx context.Context) error { return recv.ServeStream(ctx, "tcp", "tcp", ln) })
	}
	if a := cfg.Syslog.TLS.Listen; a != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Syslog.TLS.CertFile, cfg.Syslog.TLS.KeyFile)
		if err != nil {
			return fmt.Errorf("syslog tls certificate: %w", err)
		}
		tlsCfg, err := syslogTLSConfig(cfg.Syslog, cert)
		if err != nil {
			return err
		}
		ln, err := tls.Listen("tcp", a, tlsCfg)
		if err != nil {
			return fmt.Errorf("listen syslog tls %s: %w", a, err)
		}
		addrs.SyslogTLS = ln.Addr().String()
		log.Info("syslog tls listening", "addr", addrs.SyslogTLS, "client_certificates", tlsCfg.ClientAuth.String())
		lns = append(lns, func(ctx context.Context) error { return recv.ServeStream(ctx, "tls", "tls", ln) })
	}
	var httpTLS *tls.Config
	if cfg.HTTP.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.HTTP.TLSCertFile, cfg.HTTP.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("http tls certificate: %w", err)
		}
		httpTLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	httpLn, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen http %s: %w", cfg.HTTP.Listen, err)
	}
	var pipelineUp atomic.Bool
	srv := &http.Server{
		Handler: withUI(api.New(api.Deps{
			State: st, Logs: store, Receiver: recv, Registry: reg, Metrics: set,
			ReloadDevices: reload,
			Configs:       puller,
			Rules:         rules.Load,
			Formats:       formats,
			Reassign: func(ctx context.Context, source string, dev state.Device) (int, error) {
				return reassign(ctx, store, recv, st, source, dev)
			},
			Ready: func() error {
				if !pipelineUp.Load() {
					return errors.New("pipeline starting (replaying the spool)")
				}
				if store.Stats().ReadOnly {
					return errors.New("log store is read-only: free disk below the guard")
				}
				return nil
			},
			MaxBodyBytes:    int64(cfg.HTTP.MaxBodyBytes),
			BodyReadTimeout: time.Duration(cfg.HTTP.BodyReadTimeout),
			Logger:          log,
		}), web.Handler()),
		// A slow client: headers within 10s and 64 KiB; bodies within
		// http.body_read_timeout (the API sets it per request, so that
		// streamed search results are not cut).
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         httpTLS,
	}
	log.Info("http listening", "addr", httpLn.Addr().String(), "tls", httpTLS != nil, "data", cfg.Data)

	// The pipeline outlives the listeners: it drains the spool after they stop.
	pipeCtx, stopPipe := context.WithCancel(context.Background())
	defer stopPipe()
	pipeDone := make(chan error, 1)
	go func() {
		pipelineUp.Store(true)
		pipeDone <- pipe.Run(pipeCtx)
	}()

	g, gctx := errgroup.WithContext(ctx)
	for _, serve := range lns {
		g.Go(func() error { return serve(gctx) })
	}
	g.Go(func() error {
		serve := func() error { return srv.Serve(httpLn) }
		if httpTLS != nil {
			serve = func() error { return srv.ServeTLS(httpLn, "", "") } // certificates in TLSConfig
		}
		if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error { pollState(gctx, st, reload, log); return nil })
	g.Go(func() error { return triage.NewService(st, set, log).Run(gctx) })
	g.Go(func() error { return puller.Run(gctx) })
	g.Go(func() error { retentionLoop(gctx, st, store, log); return nil })
	g.Go(func() error { return formats.Run(gctx) })
	g.Go(func() error { flushCorrelations(gctx, &rules, detector, log); return nil })
	g.Go(func() error { return matches.Run(gctx) })
	g.Go(func() error { // close drift windows of devices gone quiet
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-gctx.Done():
				return nil
			case now := <-t.C:
				onDrift(gctx, drifts.Observe(nil, now))
			}
		}
	})
	sealer := &seal.Sealer{State: st, Logs: store, Committed: func() uint64 { return sp.Stats().Committed }}
	g.Go(func() error { sealLoop(gctx, sealer, sp, log); return nil })
	g.Go(func() error {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			s := store.Stats()
			storeBytes.Store(s.DiskBytes)
			storeRows.Store(s.Rows)
			storeLean.Store(s.LeanRows)
			select {
			case <-gctx.Done():
				return nil
			case <-t.C:
			}
		}
	})
	g.Go(func() error {
		select {
		case err := <-pipeDone:
			pipeDone <- err
			if err != nil {
				return fmt.Errorf("pipeline: %w", err)
			}
			return nil
		case <-gctx.Done():
			return nil
		}
	})
	if ready != nil {
		addrs.HTTP, addrs.HTTPS = httpLn.Addr().String(), httpTLS != nil
		ready(addrs)
	}
	runErr := g.Wait()

	// Listeners and HTTP have stopped: close the spool so the pipeline
	// stores what is left and returns, then flush the store to disk and
	// commit everything.
	log.Info("shutting down: draining spool")
	if err := sp.Close(); err != nil {
		log.Error("close spool", "err", err)
	}
	if err := <-pipeDone; err != nil && runErr == nil {
		runErr = fmt.Errorf("pipeline: %w", err)
	}
	// Detection's last matches before the final commit: when they cannot
	// be written, the spool keeps the lines uncommitted, and the next
	// start replays them to detection.
	matchesKept := true
	if err := matches.Flush(context.Background()); err != nil {
		matchesKept = false
		log.Error("record the last detection matches; their lines will be replayed at the next start", "err", err)
	}
	store.Close()
	storeOpen = false
	if err := rules.Load().SaveState(corrDir); err != nil {
		log.Error("save correlation state", "err", err)
	}
	if matchesKept {
		if err := pipe.Drain(); err != nil {
			log.Error("final spool commit", "err", err)
		}
	}
	log.Info("stopped")
	return runErr
}

// syslogTLSConfig is the syslog TLS listener's configuration: with
// syslog.tls_client_ca_file, it asks senders for a client certificate and
// verifies it against those CAs (required with tls_require_client_cert).
// The receiver then attributes lines by the certificate.
func syslogTLSConfig(c config.Syslog, cert tls.Certificate) (*tls.Config, error) {
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if c.TLSClientCAFile == "" {
		return tc, nil
	}
	b, err := os.ReadFile(c.TLSClientCAFile)
	if err != nil {
		return nil, fmt.Errorf("syslog tls client CAs: %w", err)
	}
	tc.ClientCAs = x509.NewCertPool()
	if !tc.ClientCAs.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("syslog tls client CAs: %s holds no PEM certificate", c.TLSClientCAFile)
	}
	tc.ClientAuth = tls.VerifyClientCertIfGiven
	if c.TLSRequireClientCert {
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

// withUI sends the API's paths to the API and every other path to the web UI.
func withUI(apiHandler, ui http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/api" || strings.HasPrefix(p, "/api/"), p == "/metrics", p == "/healthz", p == "/readyz":
			apiHandler.ServeHTTP(w, r)
		default:
			ui.ServeHTTP(w, r)
		}
	})
}

// driftMatch makes a format drift an alert of its tenant, so that it is
// seen and can be notified like any alert.
func driftMatch(c drift.Change) state.Match {
	sev := "medium"
	if c.Kind == "parse_failures" {
		sev = "high"
	}
	id := "drift:" + c.Format + ":" + c.Kind + ":" + c.Field
	return state.Match{TenantID: c.TenantID, Kind: "drift", RuleID: id, RuleName: c.Detail, Severity: sev, Device: c.Device, Time: c.Time,
		GroupKey: detect.GroupKey("drift", id, c.Device, ""),
		Details:  map[string]string{"format": c.Format, "format.version": c.FormatVersion, "example": c.Example}}
}

// uploadSignature identifies a set of uploaded rules.
func uploadSignature(up []state.StoredRule) string {
	var b strings.Builder
	for _, u := range up {
		fmt.Fprintf(&b, "%s@%d;", u.Name, u.UploadedAt.UnixNano())
	}
	return b.String()
}

// loadRules loads the Sigma rules; refused rules are logged with their
// file:line:column reasons and do not stop the others.
func loadRules(cfg *config.Config, log *slog.Logger, uploaded []state.StoredRule) (*detect.SigmaRules, error) {
	var ph map[string][]string
	if f := cfg.Rules.PlaceholdersFile; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read rule placeholders: %w", err)
		}
		if ph, err = sigma.ParsePlaceholders(b); err != nil {
			return nil, fmt.Errorf("rule placeholders %s: %w", f, err)
		}
	}
	files := make([]detect.RuleFile, len(uploaded))
	for i, u := range uploaded {
		files[i] = detect.RuleFile{Name: u.Name, Tenant: u.TenantID, Src: []byte(u.YAML)}
	}
	rules, err := detect.LoadSigma(cfg.Rules.Dirs, ph, files...)
	if err != nil {
		return nil, err
	}
	for _, e := range rules.Refused() {
		log.Warn("sigma rule refused", "reason", e.Error())
	}
	log.Info("sigma rules loaded", "rules", len(rules.Rules()), "refused", len(rules.Refused()))
	return rules, nil
}

// flushCorrelations closes the correlation windows of quiet tenants every
// ten seconds and records what they complete.
func flushCorrelations(ctx context.Context, rules *atomic.Pointer[detect.SigmaRules], detector *detect.Detector, log *slog.Logger) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if ms := rules.Load().Flush(now); len(ms) > 0 {
				if err := detector.Record(ctx, ms); err != nil {
					log.Error("record correlation matches", "err", err)
				}
			}
		}
	}
}

func reloadDevices(ctx context.Context, st *state.Store, reg *ingest.Registry) error {
	devs, err := st.ListDevices(ctx, 0)
	if err != nil {
		return fmt.Errorf("load devices: %w", err)
	}
	out := make([]ingest.Device, len(devs))
	for i, d := range devs {
		out[i] = ingest.Device{ID: d.ID, TenantID: d.TenantID, Name: d.Name, Sources: d.Sources, DevID: d.DevID, Format: d.Format, TimeZone: d.TimeZone, Charset: d.Charset}
	}
	return reg.Set(out)
}

// pollState picks up tenant, device and rule-setting changes made by
// other processes (the CLI) within a second.
func pollState(ctx context.Context, st *state.Store, reload func(context.Context) error, log *slog.Logger) {
	var last int64 = -1
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rev, err := st.Revision(ctx)
		if err != nil || rev == last {
			continue
		}
		if err := reload(ctx); err != nil {
			log.Error("reload devices and rule settings", "err", err)
			continue
		}
		last = rev
	}
}

// sealLoop marks where each arrival day starts in the spool's sequence (at
// start and when the day changes) and seals finished days every ten
// minutes.
func sealLoop(ctx context.Context, s *seal.Sealer, sp *spool.Spool, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	day, lastSeal := "", time.Time{}
	for {
		if today := seal.Day(time.Now()); today != day {
			if err := s.Mark(ctx, sp.Stats().Written+1); err != nil {
				log.Error("mark log day", "err", err)
			} else {
				day = today
			}
		}
		if time.Since(lastSeal) >= 10*time.Minute {
			if n, err := s.SealDue(ctx); err != nil {
				log.Error("seal log days", "err", err)
			} else {
				lastSeal = time.Now()
				if n > 0 {
					log.Info("sealed log days", "tenant_days", n)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// retentionLoop applies each tenant's retention hourly.
func retentionLoop(ctx context.Context, st *state.Store, store logstore.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := applyRetention(ctx, st, store, time.Now()); err != nil {
			log.Error("apply retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// applyRetention starts deleting each tenant's events older than its
// retention. The unassigned area keeps the longest retention of any tenant,
// so that nothing is lost before an admin can re-assign it.
func applyRetention(ctx context.Context, st *state.Store, store logstore.Store, now time.Time) error {
	ts, err := st.ListTenants(ctx)
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	longest := state.DefaultRetentionDays
	var errs []error
	for _, tn := range ts {
		longest = max(longest, tn.RetentionDays)
		cut := now.Add(-time.Duration(tn.RetentionDays) * 24 * time.Hour)
		if err := store.Delete(ctx, []uint32{tn.ID}, "*", cut); err != nil {
			errs = append(errs, fmt.Errorf("tenant %s: %w", tn.Name, err))
		}
	}
	if err := store.Delete(ctx, []uint32{0}, "*", now.Add(-time.Duration(longest)*24*time.Hour)); err != nil {
		errs = append(errs, fmt.Errorf("unassigned: %w", err))
	}
	return errors.Join(errs...)
}

// reassign moves the lines held for an unassigned source into a device:
// they are spooled again as the device's (so they are parsed with its
// format, zone and charset) and then removed from the holding area.
func reassign(ctx context.Context, store logstore.Store, recv *ingest.Receiver, st *state.Store, source string, dev state.Device) (int, error) {
	// The source may be an address or a hostname from syslog headers, or
	// the client certificate of a TLS connection.
	src := strings.ToLower(source)
	filter := fmt.Sprintf("(%q:=%q or %q:=%q)", logstore.FieldSource, src, "log.syslog.hostname", src)
	if fp, ok := strings.CutPrefix(src, ingest.CertSHA256Prefix); ok {
		filter = fmt.Sprintf("%q:=%q", ingest.FieldTLSClientHash, fp)
	}
	// Lines the store holds but does not yet show (up to ~2 s of them)
	// would stay behind.
	store.Flush()
	var lines [][]byte
	moved := 0
	flush := func() error {
		if len(lines) == 0 {
			return nil
		}
		if err := recv.AppendDevice("import", dev.ID, source, lines); err != nil {
			return err
		}
		moved += len(lines)
		lines = lines[:0]
		return nil
	}
	err := store.Search(ctx, logstore.Request{Tenants: []uint32{0}, Query: filter}, func(row []event.Field) error {
		// The line as received when it was not UTF-8 (a Shift_JIS device
		// not yet registered), so the device's charset can decode it.
		var line []byte
		for _, f := range row {
			switch f.Name {
			case "_msg":
				if line == nil {
					line = []byte(f.Value)
				}
			case ingest.FieldRawBase64:
				if b, err := base64.StdEncoding.DecodeString(f.Value); err == nil {
					line = b
				}
			}
		}
		if line != nil {
			lines = append(lines, line)
		}
		if len(lines) >= 10000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return moved, err
	}
	if err := store.Delete(ctx, []uint32{0}, filter, time.Time{}); err != nil {
		return moved, err
	}
	if err := st.ClearUnassigned(ctx, src); err != nil && !errors.Is(err, state.ErrNotFound) {
		return moved, err
	}
	return moved, nil
}
