package collect

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		file     string
		want     fortiStatus
		firmware string
		post     bool
	}{
		{"status_72.json", fortiStatus{Version: "v7.2.10", Major: 7, Minor: 2, Patch: 10, Build: 1706,
			Serial: "FG100FTK22000001", Model: "FG100F", Hostname: "fw-osaka-02"}, "v7.2.10 build1706", false},
		{"status_76.json", fortiStatus{Version: "v7.6.0", Major: 7, Minor: 6, Build: 3401,
			Serial: "FGT60FTK2309XXXX", Model: "FGT60F", Hostname: "branch-fw"}, "v7.6.0 build3401", true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseStatus(readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if got.firmware() != tt.firmware || got.atLeast(7, 6) != tt.post {
				t.Errorf("firmware %q atLeast(7,6) %v; want %q %v", got.firmware(), got.atLeast(7, 6), tt.firmware, tt.post)
			}
		})
	}
}

func TestParseStatusErrors(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `{"status":"error","http_status":401}`, `{"status":"success","version":"seven"}`,
		`{"version":"v7.2.10","build":"x"}`, `{"version":"v7"}`,
	} {
		if _, err := parseStatus([]byte(in)); err == nil {
			t.Errorf("parseStatus(%q): no error", in)
		}
	}
}

func TestParseFortiVersion(t *testing.T) {
	tests := []struct {
		in                  string
		major, minor, patch int
		ok                  bool
	}{
		{"v7.2.10", 7, 2, 10, true},
		{"7.6.0", 7, 6, 0, true},
		{"v7.4", 7, 4, 0, true},
		{"v7.4.3,build2573", 7, 4, 3, true},
		{"v8.0.0-beta", 8, 0, 0, true},
		{"", 0, 0, 0, false},
		{"v7", 0, 0, 0, false},
		{"v7.x.1", 0, 0, 0, false},
		{"1.2.3.4", 0, 0, 0, false},
	}
	for _, tt := range tests {
		ma, mi, pa, ok := parseFortiVersion(tt.in)
		if ma != tt.major || mi != tt.minor || pa != tt.patch || ok != tt.ok {
			t.Errorf("parseFortiVersion(%q) = %d %d %d %v; want %d %d %d %v", tt.in, ma, mi, pa, ok, tt.major, tt.minor, tt.patch, tt.ok)
		}
	}
}

func TestParseHits(t *testing.T) {
	unix := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	got, err := parseHits(readTestdata(t, "hits.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []PolicyHit{
		{VDOM: "root", PolicyID: "0", Hits: 1520, FirstUsed: unix(1704067200), LastUsed: unix(1735700000)},
		{VDOM: "root", PolicyID: "1", Hits: 5000123, Bytes: 987654321012, Packets: 123456789, ActiveSessions: 42,
			FirstUsed: unix(1704070800), LastUsed: unix(1735707600)},
		{VDOM: "root", PolicyID: "8"},
		{VDOM: "root", PolicyID: "12", Hits: 3, Bytes: 2048},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hits (-want +got):\n%s", diff)
	}

	got, err = parseHits(readTestdata(t, "hits_multivdom.json"), "*")
	if err != nil {
		t.Fatal(err)
	}
	want = []PolicyHit{
		{VDOM: "root", PolicyID: "1", Hits: 10, Bytes: 100, Packets: 2, ActiveSessions: 1,
			FirstUsed: unix(1735600000), LastUsed: unix(1735700000)},
		{VDOM: "cust-a", PolicyID: "3", Hits: 7},
		{VDOM: "cust-a", PolicyID: "4"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("multi-vdom hits (-want +got):\n%s", diff)
	}
}

func TestParseHitsErrors(t *testing.T) {
	for _, in := range []string{
		``, `{`, `{"status":"error","http_status":403}`, `{"results":[{"hit_count":1}]}`,
		`{"results":[{"policyid":1,"hit_count":1.5}]}`, `{"results":[{"policyid":1,"bytes":1e300}]}`,
		`{"results":{"policyid":1}}`, `[{"status":"success","results":[]},{"status":"error"}]`,
	} {
		if _, err := parseHits([]byte(in), ""); err == nil {
			t.Errorf("parseHits(%q): no error", in)
		}
	}
}

// FuzzParseStatus checks that any answer decodes or fails cleanly, and
// that an accepted one has a usable version.
func FuzzParseStatus(f *testing.F) {
	f.Add(readTestdata(f, "status_72.json"))
	f.Add(readTestdata(f, "status_76.json"))
	f.Add([]byte(`{"version":"v99999.1.1","build":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseStatus(data)
		if err != nil {
			return
		}
		if ma, mi, pa, ok := parseFortiVersion(s.Version); !ok || ma != s.Major || mi != s.Minor || pa != s.Patch {
			t.Fatalf("accepted status with version %q parsed as %+v", s.Version, s)
		}
		_ = s.firmware()
	})
}

// FuzzParseHits checks that any answer decodes or fails cleanly, and
// that accepted entries keep the "zero time means never" rule.
func FuzzParseHits(f *testing.F) {
	f.Add(readTestdata(f, "hits.json"))
	f.Add(readTestdata(f, "hits_multivdom.json"))
	f.Add([]byte(`{"results":[{"policyid":"x","last_used":-5,"first_used":9223372036854775807}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		hits, err := parseHits(data, "root")
		if err != nil {
			return
		}
		for _, h := range hits {
			if h.PolicyID == "" {
				t.Fatalf("accepted entry without policy id: %+v", h)
			}
			for _, tm := range []time.Time{h.FirstUsed, h.LastUsed} {
				if !tm.IsZero() && tm.Unix() <= 0 {
					t.Fatalf("time %v should be zero", tm)
				}
			}
		}
	})
}
