// Package config loads Sekimori's YAML configuration: strict decoding
// (unknown keys are errors), defaults, then validation that reports every
// problem with file:line:column. `sekimori config check` runs the same code.
package config

import (
	"cmp"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Config is the whole configuration. The zero value plus Defaults is a
// working single-machine setup.
type Config struct {
	// Data is the data directory (default ./sekimori-data).
	Data    string  `yaml:"data"`
	HTTP    HTTP    `yaml:"http"`
	Syslog  Syslog  `yaml:"syslog"`
	Spool   Spool   `yaml:"spool"`
	Store   Store   `yaml:"store"`
	State   State   `yaml:"state"`
	Rules   Rules   `yaml:"rules"`
	Drift   Drift   `yaml:"drift"`
	Formats Formats `yaml:"formats"`
}

// Formats locates declarative format definitions.
type Formats struct {
	// Dir holds *.yaml format files, reloaded on change (default DATA/formats).
	Dir string `yaml:"dir"`
}

// Drift tunes format-drift detection.
type Drift struct {
	// LearnLines is how many lines of a device make its format baseline
	// (default 500).
	LearnLines int `yaml:"learn_lines"`
}

// Rules locates the detection rules.
type Rules struct {
	// Dirs are Sigma rule files or directories (default DATA/rules).
	Dirs []string `yaml:"dirs"`
	// PlaceholdersFile is a JSON object {"name": ["value", ...]} for the
	// expand modifier's %name% placeholders.
	PlaceholdersFile string `yaml:"placeholders_file"`
}

// HTTP is the API and UI listener.
type HTTP struct {
	Listen string `yaml:"listen"` // default 127.0.0.1:8514
	// MaxBodyBytes caps one ingest request body after decompression.
	MaxBodyBytes Size `yaml:"max_body_bytes"` // default 64 MiB
	// TLSCertFile and TLSKeyFile (PEM), both or neither, serve the API and
	// UI over HTTPS; session cookies are then marked Secure.
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// BodyReadTimeout bounds reading one request body (ingest, uploads),
	// so that a client dribbling its body cannot hold a connection for
	// ever (default 5m). Headers have 10s, and at most 64 KiB.
	BodyReadTimeout Duration `yaml:"body_read_timeout"`
}

// Syslog holds the syslog listeners; each is off unless Listen is set.
type Syslog struct {
	UDP Listener `yaml:"udp"`
	TCP Listener `yaml:"tcp"`
	TLS Listener `yaml:"tls"`
	// MaxLineBytes truncates longer lines (default 64 KiB, at most 1 MiB:
	// a stored row holds at most 2 MiB, parsed fields included).
	MaxLineBytes Size `yaml:"max_line_bytes"`
	// MaxConnections caps the connections open at once on each of the TCP
	// and TLS listeners; more are closed at once and counted in
	// sekimori_syslog_connections_refused_total (default 10000).
	MaxConnections int `yaml:"max_connections"`
	// TLSClientCAFile (PEM) makes the TLS listener ask senders for a client
	// certificate and verify it against these CAs (RFC 5425 §5.3). A
	// device whose sources name the certificate (cert:sha256:<hex> or
	// cert:cn:<name>) gets the connection's lines, whatever hostname or
	// devid they carry; an unknown certificate's lines are held as
	// unassigned under its cert:sha256: source.
	TLSClientCAFile string `yaml:"tls_client_ca_file"`
	// TLSRequireClientCert refuses TLS senders without a certificate
	// signed by TLSClientCAFile; otherwise they may connect without one
	// and are recognised by address, hostname or devid.
	TLSRequireClientCert bool `yaml:"tls_require_client_cert"`
}

// Listener is one syslog listener.
type Listener struct {
	Listen string `yaml:"listen"`
	// TimeZone applies to headers without a zone from devices that have no
	// zone of their own (default Asia/Tokyo).
	TimeZone string `yaml:"time_zone"`
	CertFile string `yaml:"cert_file"` // TLS only
	KeyFile  string `yaml:"key_file"`  // TLS only
}

// Spool bounds the write-ahead spool.
type Spool struct {
	MaxBytes Size `yaml:"max_bytes"` // default 4 GiB
}

// Store configures the log store.
type Store struct {
	// RetentionDays is the default retention for new tenants (default 90).
	RetentionDays int `yaml:"retention_days"`
	// MinFreeDisk: below this much free disk, ingest stops instead of
	// corrupting the store (default 1 GiB).
	MinFreeDisk Size `yaml:"min_free_disk"`
	// AllColumns stores every vendor field as a column (default false:
	// key=value lines keep the normalized fields and a few vendor fields
	// as columns and the rest are read from the line when a query needs
	// them). True: faster filters on any vendor field, ~1.6× the disk and
	// ~1.4× the log store's CPU per line.
	AllColumns bool `yaml:"all_columns"`
	// SplitBySource splits each busy kind of a device's lines by source
	// address, so that a host's lines share fewer blocks (default true: in
	// `sekimori bench ingest` at 5M lines, one IP over a week 353 ms
	// instead of 562 ms; false saves ~14% of the CPU per ingested line).
	SplitBySource *bool `yaml:"split_by_source"`
}

// State selects the relational state database.
type State struct {
	// DSN: "" means SQLite in the data directory; "postgres://..." for PostgreSQL.
	DSN string `yaml:"dsn"`
}

// Size is a byte count written as a number or with a unit: 512KiB, 64MiB, 4GiB, 1GB.
type Size int64

// badSize marks a value that did not parse; validation reports it with its
// position (an error from here would lose the position).
const badSize Size = -1

// UnmarshalYAML accepts an integer or a string with a unit.
func (s *Size) UnmarshalYAML(b []byte) error {
	v, err := ParseSize(strings.Trim(strings.TrimSpace(string(b)), `"'`))
	if err != nil {
		*s = badSize
		return nil
	}
	*s = Size(v)
	return nil
}

// Duration is a time span written like 30s, 5m or 1h.
type Duration time.Duration

// badDuration marks a value that did not parse (see badSize).
const badDuration Duration = -1

// UnmarshalYAML accepts a Go duration string.
func (d *Duration) UnmarshalYAML(b []byte) error {
	v, err := time.ParseDuration(strings.Trim(strings.TrimSpace(string(b)), `"'`))
	if err != nil || v < 0 {
		*d = badDuration
		return nil
	}
	*d = Duration(v)
	return nil
}

// ParseSize parses "4GiB", "64MiB", "512KiB", "1GB", "1000".
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := int64(1)
	num := s
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			mult, num = u.mult, strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want a non-negative number with an optional unit (KiB, MiB, GiB, KB, MB, GB)", s)
	}
	return n * mult, nil
}

// Defaults fills unset values.
func (c *Config) Defaults() {
	if c.Data == "" {
		c.Data = "sekimori-data"
	}
	if c.HTTP.Listen == "" {
		c.HTTP.Listen = "127.0.0.1:8514"
	}
	if c.HTTP.MaxBodyBytes == 0 {
		c.HTTP.MaxBodyBytes = 64 << 20
	}
	if c.HTTP.BodyReadTimeout == 0 {
		c.HTTP.BodyReadTimeout = Duration(5 * time.Minute)
	}
	if c.Syslog.MaxLineBytes == 0 {
		c.Syslog.MaxLineBytes = 64 << 10
	}
	if c.Syslog.MaxConnections == 0 {
		c.Syslog.MaxConnections = 10_000
	}
	for _, l := range []*Listener{&c.Syslog.UDP, &c.Syslog.TCP, &c.Syslog.TLS} {
		if l.TimeZone == "" {
			l.TimeZone = "Asia/Tokyo"
		}
	}
	if c.Spool.MaxBytes == 0 {
		c.Spool.MaxBytes = 4 << 30
	}
	if c.Store.RetentionDays == 0 {
		c.Store.RetentionDays = 90
	}
	if c.Store.MinFreeDisk == 0 {
		c.Store.MinFreeDisk = 1 << 30
	}
	if c.Store.SplitBySource == nil {
		split := true
		c.Store.SplitBySource = &split
	}
	if c.Formats.Dir == "" {
		c.Formats.Dir = filepath.Join(c.Data, "formats")
	}
	if c.Drift.LearnLines == 0 {
		c.Drift.LearnLines = 500
	}
	if len(c.Rules.Dirs) == 0 {
		c.Rules.Dirs = []string{filepath.Join(c.Data, "rules")}
	}
}

// Problem is one configuration error at a position in a file.
type Problem struct {
	File         string
	Line, Column int
	Path         string // e.g. syslog.udp.listen
	Msg          string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Error lists every problem found.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// Load reads, decodes strictly, applies defaults and validates path. An
// *Error lists every problem with its position.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, b)
}

// Parse is Load for bytes already read; name is used in messages.
func Parse(name string, b []byte) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.DisallowUnknownField(), yaml.Strict()); err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			p := Problem{File: name, Msg: ye.GetMessage()}
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Column = tk.Position.Line, tk.Position.Column
			}
			return nil, &Error{Problems: []Problem{p}}
		}
		return nil, &Error{Problems: []Problem{{File: name, Msg: err.Error()}}}
	}
	c.Defaults()
	file, err := parser.ParseBytes(b, 0)
	if err != nil {
		return nil, &Error{Problems: []Problem{{File: name, Msg: err.Error()}}}
	}
	if probs := c.validate(); len(probs) > 0 {
		for i := range probs {
			probs[i].File = name
			probs[i].Line, probs[i].Column = position(file, probs[i].Path)
		}
		slices.SortStableFunc(probs, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		return nil, &Error{Problems: probs}
	}
	return &c, nil
}

// Validate checks a configuration built in code (flags over defaults).
func (c *Config) Validate() error {
	if probs := c.validate(); len(probs) > 0 {
		for i := range probs {
			probs[i].File = "flags"
		}
		return &Error{Problems: probs}
	}
	return nil
}

func position(f *ast.File, path string) (int, int) {
	p, err := yaml.PathString("$." + path)
	if err != nil {
		return 0, 0
	}
	n, err := p.FilterFile(f)
	if err != nil || n == nil {
		return 0, 0
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

func (c *Config) validate() []Problem {
	var probs []Problem
	bad := func(path, format string, args ...any) {
		probs = append(probs, Problem{Path: path, Msg: path + ": " + fmt.Sprintf(format, args...)})
	}
	checkAddr := func(path, addr string) {
		if addr == "" {
			return
		}
		if _, port, err := net.SplitHostPort(addr); err != nil {
			bad(path, "%q is not host:port (%v)", addr, err)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			bad(path, "port %q is not a number from 0 to 65535", port)
		}
	}
	checkAddr("http.listen", c.HTTP.Listen)
	if (c.HTTP.TLSCertFile == "") != (c.HTTP.TLSKeyFile == "") {
		bad("http", "tls_cert_file and tls_key_file go together: give both to serve HTTPS, or neither")
	}
	for _, f := range []struct{ path, file string }{{"http.tls_cert_file", c.HTTP.TLSCertFile}, {"http.tls_key_file", c.HTTP.TLSKeyFile}} {
		if f.file != "" {
			if _, err := os.Stat(f.file); err != nil {
				bad(f.path, "cannot read %s: %v", f.file, errors.Unwrap(err))
			}
		}
	}
	for name, l := range map[string]Listener{"udp": c.Syslog.UDP, "tcp": c.Syslog.TCP, "tls": c.Syslog.TLS} {
		checkAddr("syslog."+name+".listen", l.Listen)
		if _, err := time.LoadLocation(l.TimeZone); err != nil {
			bad("syslog."+name+".time_zone", "unknown time zone %q", l.TimeZone)
		}
		if name != "tls" && (l.CertFile != "" || l.KeyFile != "") {
			bad("syslog."+name, "cert_file and key_file apply to the tls listener only")
		}
	}
	if c.Syslog.TLS.Listen != "" {
		if c.Syslog.TLS.CertFile == "" || c.Syslog.TLS.KeyFile == "" {
			bad("syslog.tls", "a TLS listener needs cert_file and key_file")
		}
		for _, f := range []struct{ path, file string }{{"syslog.tls.cert_file", c.Syslog.TLS.CertFile}, {"syslog.tls.key_file", c.Syslog.TLS.KeyFile}} {
			if f.file != "" {
				if _, err := os.Stat(f.file); err != nil {
					bad(f.path, "cannot read %s: %v", f.file, errors.Unwrap(err))
				}
			}
		}
	}
	for path, v := range map[string]Size{"http.max_body_bytes": c.HTTP.MaxBodyBytes, "syslog.max_line_bytes": c.Syslog.MaxLineBytes, "spool.max_bytes": c.Spool.MaxBytes, "store.min_free_disk": c.Store.MinFreeDisk} {
		if v == badSize {
			bad(path, "not a size: want a non-negative number with an optional unit (KiB, MiB, GiB, KB, MB, GB)")
		}
	}
	if c.Syslog.MaxLineBytes == badSize {
	} else if c.Syslog.MaxLineBytes < 256 || c.Syslog.MaxLineBytes > 1<<20 {
		bad("syslog.max_line_bytes", "%d is outside 256 bytes to 1 MiB (a stored row holds at most 2 MiB)", c.Syslog.MaxLineBytes)
	}
	if n := c.Syslog.MaxConnections; n < 1 || n > 1_000_000 {
		bad("syslog.max_connections", "%d is outside 1 to 1000000", n)
	}
	if f := c.Syslog.TLSClientCAFile; f != "" {
		if err := checkCAFile(f); err != nil {
			bad("syslog.tls_client_ca_file", "%v", err)
		}
	} else if c.Syslog.TLSRequireClientCert {
		bad("syslog.tls_require_client_cert", "needs syslog.tls_client_ca_file, the CAs that sign the client certificates")
	}
	if d := c.HTTP.BodyReadTimeout; d == badDuration {
		bad("http.body_read_timeout", "not a duration: want e.g. 30s, 5m, 1h")
	} else if time.Duration(d) < time.Second || time.Duration(d) > 24*time.Hour {
		bad("http.body_read_timeout", "%s is outside 1s to 24h", time.Duration(d))
	}
	if c.Spool.MaxBytes != badSize && c.Spool.MaxBytes < 1<<20 {
		bad("spool.max_bytes", "%d is below the minimum of 1 MiB", c.Spool.MaxBytes)
	}
	if c.Store.RetentionDays < 1 || c.Store.RetentionDays > 3650 {
		bad("store.retention_days", "%d is outside 1 to 3650", c.Store.RetentionDays)
	}
	if c.State.DSN != "" && !strings.HasPrefix(c.State.DSN, "postgres://") && !strings.HasPrefix(c.State.DSN, "postgresql://") && !strings.HasPrefix(c.State.DSN, "sqlite:") {
		bad("state.dsn", "want sqlite:PATH or postgres://..., got %q", redactDSN(c.State.DSN))
	}
	if c.Drift.LearnLines < 10 || c.Drift.LearnLines > 10_000_000 {
		bad("drift.learn_lines", "%d is outside 10 to 10000000", c.Drift.LearnLines)
	}
	if f := c.Rules.PlaceholdersFile; f != "" {
		if _, err := os.Stat(f); err != nil {
			bad("rules.placeholders_file", "cannot read %s: %v", f, errors.Unwrap(err))
		}
	}
	if filepath.Clean(c.Data) == "/" {
		bad("data", "refusing to use / as the data directory")
	}
	return probs
}

// checkCAFile checks that f holds at least one PEM certificate.
func checkCAFile(f string) error {
	b, err := os.ReadFile(f)
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", f, errors.Unwrap(err))
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return fmt.Errorf("%s holds no PEM certificate", f)
	}
	return nil
}

// redactDSN hides a password in a DSN so it never reaches logs or messages.
func redactDSN(s string) string {
	if i := strings.Index(s, "@"); i > 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			return s[:j+3] + "***" + s[i:]
		}
	}
	return s
}
