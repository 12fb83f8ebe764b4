package ingest

import "github.com/VictoriaMetrics/metrics"

// Metrics are the ingest counters exported at /metrics. Safe for
// concurrent use.
type Metrics struct {
	set          *metrics.Set
	Received     map[string]*metrics.Counter // by transport
	Parsed       *metrics.Counter
	ParseFailed  *metrics.Counter
	Stored       *metrics.Counter
	Replayed     *metrics.Counter
	StoreErrors  *metrics.Counter
	DetectErrors *metrics.Counter
	Truncated    *metrics.Counter
	// FieldsDropped counts fields left out by the limits on fields per
	// event, name length and the store's row and stream limits.
	FieldsDropped *metrics.Counter
	// ConnsRefused counts stream connections closed at once because the
	// listener had MaxConns open, by transport ("tcp", "tls").
	ConnsRefused map[string]*metrics.Counter
	// HandshakeFailures counts TLS connections that failed or timed out in
	// the handshake (no client certificate when one is required, one from
	// another CA, a plain-text sender).
	HandshakeFailures *metrics.Counter
	// FramingErrors counts stream connections closed on a framing error
	// (syslog.ErrFraming), by transport.
	FramingErrors map[string]*metrics.Counter
	dropped       map[string]*metrics.Counter
	refused       map[string]*metrics.Counter
}

// Drop reasons.
const (
	DropUDPQueueFull = "udp_queue_full"
	DropSpoolFull    = "spool_full"
	DropDiskFull     = "disk_full"
)

// NewMetrics registers the ingest metrics in set.
func NewMetrics(set *metrics.Set) *Metrics {
	m := &Metrics{
		set:               set,
		Received:          map[string]*metrics.Counter{},
		Parsed:            set.NewCounter("sekimori_lines_parsed_total"),
		ParseFailed:       set.NewCounter("sekimori_lines_parse_failed_total"),
		Stored:            set.NewCounter("sekimori_lines_stored_total"),
		Replayed:          set.NewCounter(`sekimori_spool_replay_skipped_total`),
		StoreErrors:       set.NewCounter("sekimori_store_errors_total"),
		DetectErrors:      set.NewCounter("sekimori_detect_errors_total"),
		Truncated:         set.NewCounter("sekimori_lines_truncated_total"),
		FieldsDropped:     set.NewCounter("sekimori_fields_dropped_total"),
		ConnsRefused:      map[string]*metrics.Counter{},
		HandshakeFailures: set.NewCounter("sekimori_syslog_tls_handshake_failures_total"),
		FramingErrors:     map[string]*metrics.Counter{},
		dropped:           map[string]*metrics.Counter{},
		refused:           map[string]*metrics.Counter{},
	}
	for _, t := range []string{"tcp", "tls"} {
		m.ConnsRefused[t] = set.NewCounter(`sekimori_syslog_connections_refused_total{transport="` + t + `"}`)
		m.FramingErrors[t] = set.NewCounter(`sekimori_syslog_framing_errors_total{transport="` + t + `"}`)
	}
	for _, t := range []string{"udp", "tcp", "tls", "http", "import"} {
		m.Received[t] = set.NewCounter(`sekimori_lines_received_total{transport="` + t + `"}`)
	}
	for _, r := range []string{DropUDPQueueFull, DropSpoolFull, DropDiskFull} {
		m.dropped[r] = set.NewCounter(`sekimori_lines_dropped_total{reason="` + r + `"}`)
	}
	for _, r := range []string{DropSpoolFull, DropDiskFull} {
		m.refused[r] = set.NewCounter(`sekimori_lines_refused_total{reason="` + r + `"}`)
	}
	return m
}

// Dropped counts n lines lost for reason (UDP only: nothing else drops).
func (m *Metrics) Dropped(reason string, n int) { m.dropped[reason].Add(n) }

// Refused counts n lines pushed back to the sender (HTTP 503, paused TCP
// reads, which count once per pause) for reason.
func (m *Metrics) Refused(reason string, n int) { m.refused[reason].Add(n) }
