package ingest

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sekimori/sekimori/internal/spool"
	"github.com/sekimori/sekimori/internal/syslog"
)

// ErrDiskFull is returned when free disk space is below the guard: new data
// is refused rather than risking the stores.
var ErrDiskFull = errors.New("free disk space below the guard")

// Receiver writes received lines to the spool. It is safe for concurrent
// use by every listener and HTTP handler.
type Receiver struct {
	sp               *spool.Spool
	m                *Metrics
	log              *slog.Logger
	dataDir          string
	minFree          uint64
	maxLine          int
	maxConns         int
	handshakeTimeout time.Duration

	freeOK    atomic.Bool
	freeCheck atomic.Int64 // unix ns of the last statfs

	hsLogMu sync.Mutex
	hsLog   rateLog // handshake failures, from every connection
}

// ReceiverOptions configure a Receiver; zero values take the defaults.
type ReceiverOptions struct {
	DataDir      string // checked for free space
	MinFreeBytes uint64 // default 1 GiB
	MaxLineBytes int    // default 64 KiB
	// MaxConns caps the connections open at once on each stream listener
	// (each ServeStream call); more are closed on accept and counted
	// (default 10,000).
	MaxConns int
	// HandshakeTimeout bounds a TLS handshake (default 10s).
	HandshakeTimeout time.Duration
	Logger           *slog.Logger
}

// NewReceiver returns a receiver writing to sp.
func NewReceiver(sp *spool.Spool, m *Metrics, o ReceiverOptions) *Receiver {
	if o.MinFreeBytes == 0 {
		o.MinFreeBytes = 1 << 30
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = 64 << 10
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 10_000
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Receiver{sp: sp, m: m, log: o.Logger, dataDir: o.DataDir, minFree: o.MinFreeBytes, maxLine: o.MaxLineBytes,
		maxConns: o.MaxConns, handshakeTimeout: o.HandshakeTimeout}
	r.freeOK.Store(true)
	return r
}

// diskOK reports whether free space is above the guard, checking at most
// once a second.
func (r *Receiver) diskOK() bool {
	now := time.Now().UnixNano()
	last := r.freeCheck.Load()
	if now-last > int64(time.Second) && r.freeCheck.CompareAndSwap(last, now) && r.dataDir != "" {
		var st syscall.Statfs_t
		if err := syscall.Statfs(r.dataDir, &st); err == nil {
			free := st.Bavail * uint64(st.Bsize)
			ok := free >= r.minFree
			if r.freeOK.Swap(ok) != ok {
				if ok {
					r.log.Info("free disk space recovered; accepting data again", "free_bytes", free)
				} else {
					r.log.Error("free disk space below the guard; refusing new data", "free_bytes", free, "min_free_bytes", r.minFree)
				}
			}
		}
	}
	return r.freeOK.Load()
}

// Append spools lines received through transport and waits until they are
// durable when sync is set. It fails with spool.ErrFull or ErrDiskFull
// without storing anything.
//
// Append counts nothing as dropped: the caller decides whether a refusal
// loses lines (UDP) or is pushed back to the sender (TCP, HTTP).
func (r *Receiver) Append(transport string, recs []spool.Record, sync bool) error {
	if !r.diskOK() {
		return ErrDiskFull
	}
	for i := range recs {
		if len(recs[i].Line) > r.maxLine {
			recs[i].Line = recs[i].Line[:r.maxLine]
			r.m.Truncated.Inc()
		}
	}
	var err error
	if sync {
		err = r.sp.Append(recs)
	} else {
		err = r.sp.AppendAsync(recs)
	}
	if err != nil {
		return err
	}
	r.m.Received[transport].Add(len(recs))
	return nil
}

// refused counts lines refused with err for reason-specific metrics.
func (r *Receiver) refused(err error, n int, drop bool) {
	reason := DropSpoolFull
	if errors.Is(err, ErrDiskFull) {
		reason = DropDiskFull
	}
	if drop {
		r.m.Dropped(reason, n)
	} else {
		r.m.Refused(reason, n)
	}
}

// AppendDevice spools lines pushed for a known device (HTTP ingest,
// import) and returns once they are durable.
func (r *Receiver) AppendDevice(transport string, deviceID int64, source string, lines [][]byte) error {
	now := time.Now()
	recs := make([]spool.Record, len(lines))
	hint := hintDevicePrefix + strconv.FormatInt(deviceID, 10)
	for i, l := range lines {
		recs[i] = spool.Record{Received: now, Source: source, Hint: hint, Line: l}
	}
	err := r.Append(transport, recs, true)
	if err != nil {
		r.refused(err, len(recs), false)
	}
	return err
}

// ServeUDP reads datagrams from conn until ctx is done. Reading never waits
// for the spool: when the queue to the spool writer is full, datagrams are
// dropped and counted, so a flood cannot block TCP or HTTP ingest.
func (r *Receiver) ServeUDP(ctx context.Context, name string, conn net.PacketConn) error {
	type dgram struct {
		b    []byte
		src  string
		when time.Time
	}
	q := make(chan dgram, 65536)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // spool writer: batches what has queued up
		defer wg.Done()
		hint := hintListener + name
		batch := make([]spool.Record, 0, 1024)
		for d := range q {
			batch = append(batch[:0], spool.Record{Received: d.when, Source: d.src, Hint: hint, Line: d.b})
		more:
			for len(batch) < cap(batch) {
				select {
				case d, ok := <-q:
					if !ok {
						break more
					}
					batch = append(batch, spool.Record{Received: d.when, Source: d.src, Hint: hint, Line: d.b})
				default:
					break more
				}
			}
			// UDP has no way to push back: a refusal loses the lines.
			if err := r.Append("udp", batch, false); err != nil {
				r.refused(err, len(batch), true)
			}
		}
	}()
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 65536)
	var err error
	for {
		n, addr, rerr := conn.ReadFrom(buf)
		if rerr != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("read udp: %w", rerr)
			}
			break
		}
		line := trimLine(buf[:n])
		if len(line) == 0 {
			continue
		}
		d := dgram{b: append([]byte(nil), line...), src: hostOf(addr), when: time.Now()}
		select {
		case q <- d:
		default:
			r.m.Dropped(DropUDPQueueFull, 1)
		}
	}
	close(q)
	wg.Wait()
	return err
}

// ServeStream accepts TCP (or TLS, when ln is a tls listener) connections
// until ctx is done. Each connection's framing (octet counting or LF) is
// detected from its first byte. When the spool refuses data, the
// connection stops reading until it accepts again (TCP backpressure).
//
// At most MaxConns connections are open at once; more are closed as soon
// as they are accepted, and counted. A TLS connection must finish its
// handshake within HandshakeTimeout. When the handshake verified a client
// certificate (the tls.Config asked for one), the connection's lines carry
// its identity and are attributed by it alone (see Registry.lookupCert).
func (r *Receiver) ServeStream(ctx context.Context, name, transport string, ln net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	conns := map[net.Conn]struct{}{}
	var mu sync.Mutex
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.SetDeadline(time.Now())
		}
		mu.Unlock()
	})
	defer stop()
	var refusedLog rateLog
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accept %s: %w", transport, err)
		}
		mu.Lock()
		full := len(conns) >= r.maxConns
		if !full {
			conns[c] = struct{}{}
		}
		mu.Unlock()
		if full {
			c.Close()
			r.m.ConnsRefused[transport].Inc()
			if n, ok := refusedLog.due(time.Now()); ok {
				r.log.Warn("syslog connection refused: too many open connections", "transport", transport,
					"max_connections", r.maxConns, "refused", n, "source", hostOf(c.RemoteAddr()))
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
			r.serveConn(ctx, name, transport, c)
		}()
	}
}

// rateLog lets a warning about something that can happen for every
// connection (a flood) through at most once a minute, with how many times
// it happened. It is used by one goroutine, or under a lock.
type rateLog struct {
	last time.Time
	n    int
}

func (l *rateLog) due(now time.Time) (int, bool) {
	l.n++
	if now.Sub(l.last) < time.Minute {
		return 0, false
	}
	n := l.n
	l.last, l.n = now, 0
	return n, true
}

// handshake completes a TLS connection's handshake within the timeout and
// returns the hint suffix naming its verified client certificate ("" when
// it has none). It reports false when the connection is to be closed.
func (r *Receiver) handshake(ctx context.Context, tc *tls.Conn, src string) (string, bool) {
	hctx, cancel := context.WithTimeout(ctx, r.handshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		if ctx.Err() == nil {
			r.m.HandshakeFailures.Inc()
			r.hsLogMu.Lock()
			n, ok := r.hsLog.due(time.Now())
			r.hsLogMu.Unlock()
			if ok {
				r.log.Warn("syslog tls handshake failed", "source", src, "err", err, "failures", n)
			}
		}
		return "", false
	}
	return certHint(tc.ConnectionState()), true
}

// certHint returns "|cert:sha256:<hex>" and, when the certificate has a
// common name, "|cert:cn:<name>" for a verified client certificate. The
// fingerprint covers the leaf's DER encoding, as "openssl x509 -noout
// -fingerprint -sha256" prints it (without the colons).
func certHint(cs tls.ConnectionState) string {
	if len(cs.VerifiedChains) == 0 || len(cs.PeerCertificates) == 0 {
		return ""
	}
	leaf := cs.PeerCertificates[0]
	sum := sha256.Sum256(leaf.Raw)
	h := "|" + CertSHA256Prefix + hex.EncodeToString(sum[:])
	if cn := leaf.Subject.CommonName; cn != "" {
		h += "|" + CertCNPrefix + cn
	}
	return h
}

func (r *Receiver) serveConn(ctx context.Context, name, transport string, c net.Conn) {
	src := hostOf(c.RemoteAddr())
	hint := hintListener + name
	if tc, ok := c.(*tls.Conn); ok {
		cert, ok := r.handshake(ctx, tc, src)
		if !ok {
			return
		}
		hint += cert
	}
	batch := make([]spool.Record, 0, 256)
	// The batch's lines are copied into one buffer (appendCopy), reused
	// once the spool has written them (a copy per line was a small
	// allocation each, 40 MB/s of garbage at 50,000 lines/s).
	var lines []byte
	var flush func() bool
	// Spool what was framed before blocking for more bytes, so a quiet
	// sender's lines are not held back, and busy senders still batch.
	sc := syslog.NewScanner(readFunc(func(p []byte) (int, error) {
		if !flush() {
			return 0, ctx.Err()
		}
		return c.Read(p)
	}), r.maxLine)
	flush = func() bool {
		wait := 2 * time.Millisecond
		for len(batch) > 0 {
			err := r.Append(transport, batch, false)
			if err == nil {
				break
			}
			if wait == 2*time.Millisecond {
				r.refused(err, len(batch), false)
			}
			// Full spool or disk: stop reading (the sender's TCP window
			// fills) and retry, never discarding what was read.
			select {
			case <-ctx.Done():
				return false
			case <-time.After(wait):
			}
			wait = min(2*wait, 200*time.Millisecond)
		}
		batch, lines = batch[:0], lines[:0]
		return true
	}
	for sc.Scan() {
		if sc.Truncated() {
			r.m.Truncated.Inc()
		}
		line := trimLine(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var kept []byte
		lines, kept = appendCopy(lines, line)
		batch = append(batch, spool.Record{Received: time.Now(), Source: src, Hint: hint, Line: kept})
		if len(batch) == cap(batch) && !flush() {
			return
		}
	}
	flush()
	switch err := sc.Err(); {
	case err == nil || ctx.Err() != nil:
	case errors.Is(err, syslog.ErrFraming):
		// The connection is closed: after a bad frame, where the next
		// one starts is unknown.
		r.m.FramingErrors[transport].Inc()
		r.log.Warn("syslog stream closed on a framing error", "transport", transport, "source", src, "err", err)
	default:
		r.log.Debug("syslog stream ended on a read error", "transport", transport, "source", src, "err", err)
	}
}

type readFunc func(p []byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

func trimLine(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	return b
}

func hostOf(a net.Addr) string {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort().Addr().Unmap().String()
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap().String()
	}
	if h, _, err := net.SplitHostPort(a.String()); err == nil {
		return h
	}
	return a.String()
}
