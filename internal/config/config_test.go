package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGood(t *testing.T) {
	c, err := Load("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Syslog.MaxLineBytes != 128<<10 || c.Spool.MaxBytes != 8<<30 || c.Store.RetentionDays != 180 {
		t.Errorf("values not decoded: %+v", c)
	}
	if c.Syslog.UDP.TimeZone != "Asia/Tokyo" || c.Syslog.TCP.TimeZone != "UTC" {
		t.Errorf("time zone defaults: %+v", c.Syslog)
	}
	if c.Syslog.MaxConnections != 500 || c.Syslog.TLSClientCAFile != "testdata/client-ca.pem" || !c.Syslog.TLSRequireClientCert ||
		c.HTTP.BodyReadTimeout != Duration(90*time.Second) {
		t.Errorf("limits not decoded: syslog %+v, http %+v", c.Syslog, c.HTTP)
	}
	var d Config
	d.Defaults()
	if d.Syslog.MaxConnections != 10_000 || d.HTTP.BodyReadTimeout != Duration(5*time.Minute) {
		t.Errorf("limit defaults: syslog %+v, http %+v", d.Syslog, d.HTTP)
	}
	// split_by_source defaults to true, so an explicit false must stay.
	if c.Store.SplitBySource == nil || *c.Store.SplitBySource {
		t.Errorf("store.split_by_source: false decoded as %v", c.Store.SplitBySource)
	}
	if d.Store.SplitBySource == nil || !*d.Store.SplitBySource {
		t.Errorf("store.split_by_source default %v, want true", d.Store.SplitBySource)
	}
}

func TestBad(t *testing.T) {
	want := map[string][]string{
		"unknown-key.bad.yaml": {`unknown-key.bad.yaml:5:5: unknown field "listne"`},
		"many.bad.yaml": {
			`many.bad.yaml:2:11: http.listen: "localhost" is not host:port`,
			`many.bad.yaml:5:13: syslog.udp.listen: port "99999" is not a number from 0 to 65535`,
			`many.bad.yaml:6:16: syslog.udp.time_zone: unknown time zone "Mars/Olympus"`,
			`many.bad.yaml:8:11: syslog.tls: a TLS listener needs cert_file and key_file`,
			`many.bad.yaml:12:14: spool.max_bytes: 12 is below the minimum of 1 MiB`,
		},
		"badsize.bad.yaml": {`badsize.bad.yaml:2:14: spool.max_bytes: not a size`},
		"http-tls.bad.yaml": {
			`http-tls.bad.yaml:2:9: http: tls_cert_file and tls_key_file go together`,
			`http-tls.bad.yaml:3:18: http.tls_cert_file: cannot read testdata/no-such-cert.pem`,
		},
		"syslog-limits.bad.yaml": {
			`syslog-limits.bad.yaml:2:22: http.body_read_timeout: not a duration`,
			`syslog-limits.bad.yaml:4:19: syslog.max_line_bytes: 2097152 is outside 256 bytes to 1 MiB`,
			`syslog-limits.bad.yaml:5:20: syslog.max_connections: -5 is outside 1 to 1000000`,
			`syslog-limits.bad.yaml:6:28: syslog.tls_require_client_cert: needs syslog.tls_client_ca_file`,
		},
		"tls-client-ca.bad.yaml": {`tls-client-ca.bad.yaml:6:23: syslog.tls_client_ca_file: testdata/good.yaml holds no PEM certificate`},
	}
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) != len(want) {
		t.Fatalf("%d bad files, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		_, err := Load(f)
		if err == nil {
			t.Errorf("%s: no error", f)
			continue
		}
		got := strings.Split(err.Error(), "\n")
		exp := want[filepath.Base(f)]
		var miss []string
		for _, w := range exp {
			found := false
			for _, g := range got {
				if strings.HasPrefix(g, "testdata/"+w) {
					found = true
				}
			}
			if !found {
				miss = append(miss, w)
			}
		}
		if len(miss) > 0 {
			t.Errorf("%s: missing problems %s\ngot:\n%s", f, cmp.Diff([]string{}, miss), err)
		}
	}
}

func TestRetentionZeroIsDefaultedNotAnError(t *testing.T) {
	// retention_days: 0 means "unset" and takes the default.
	c, err := Parse("x.yaml", []byte("store:\n  retention_days: 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.RetentionDays != 90 {
		t.Fatalf("got %d", c.Store.RetentionDays)
	}
}

func TestRedactDSN(t *testing.T) {
	if got := redactDSN("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Fatal(got)
	}
}
