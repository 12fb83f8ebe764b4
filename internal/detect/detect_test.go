package detect

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/parse"
	"github.com/sekimori/sekimori/internal/state"
)

func parsed(t *testing.T, format, line string) *event.Event {
	t.Helper()
	p, ok := parse.Lookup(format)
	if !ok {
		t.Fatalf("no parser %s", format)
	}
	ev := &event.Event{Raw: line, TenantID: 7, Device: "fw1", Format: format, Seq: 42}
	if err := p.Parse([]byte(line), time.UTC, ev); err != nil {
		t.Fatalf("parse %q: %v", line, err)
	}
	return ev
}

func TestNativeFortiGate(t *testing.T) {
	tests := []struct {
		name, line string
		want       *state.Match
	}{
		{"ips", `date=2026-11-01 time=10:00:00 devname="FG" devid="FG100F" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" severity="critical" srcip=203.0.113.9 dstip=10.0.0.5 srcport=4444 dstport=443 proto=6 action="dropped" attack="Apache.HTTP.Server.Path.Traversal" attackid=50825 ref="http://www.fortinet.com/ids/VID50825"`,
			&state.Match{RuleID: "fortigate:ips:50825", RuleName: "Apache.HTTP.Server.Path.Traversal", Severity: "critical", SourceIP: "203.0.113.9", TargetIP: "10.0.0.5"}},
		{"anomaly", `date=2026-11-01 time=10:00:00 logid="0720018432" type="utm" subtype="anomaly" severity="high" srcip=198.51.100.7 dstip=10.0.0.6 action="clear_session" attack="tcp_syn_flood" attackid=100663396`,
			&state.Match{RuleID: "fortigate:anomaly:100663396", RuleName: "tcp_syn_flood", Severity: "high", SourceIP: "198.51.100.7", TargetIP: "10.0.0.6"}},
		{"virus", `date=2026-11-01 time=10:00:00 logid="0211008192" type="utm" subtype="virus" eventtype="infected" srcip=10.0.0.8 dstip=192.0.2.80 action="blocked" virus="EICAR_TEST_FILE" virusid=2172`,
			&state.Match{RuleID: "fortigate:virus:2172", RuleName: "EICAR_TEST_FILE", Severity: "high", SourceIP: "10.0.0.8", TargetIP: "192.0.2.80"}},
		{"webfilter blocked", `date=2026-11-01 time=10:00:00 logid="0316013056" type="utm" subtype="webfilter" srcip=10.0.0.8 dstip=192.0.2.81 action="blocked" cat=26 catdesc="Malicious Websites" url="/x"`,
			&state.Match{RuleID: "fortigate:webfilter:26", RuleName: "Malicious Websites", Severity: "low", SourceIP: "10.0.0.8", TargetIP: "192.0.2.81"}},
		{"webfilter passed", `date=2026-11-01 time=10:00:00 logid="0316013057" type="utm" subtype="webfilter" srcip=10.0.0.8 dstip=192.0.2.81 action="passthrough" cat=26`, nil},
		{"traffic", `date=2026-11-01 time=10:00:00 logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.8 dstip=192.0.2.81 action="deny"`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Native(parsed(t, "fortigate", tc.line), nil)
			if tc.want == nil {
				if len(got) != 0 {
					t.Fatalf("want no alert, got %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one alert, got %+v", got)
			}
			w := *tc.want
			w.TenantID, w.Kind, w.Device, w.Seq = 7, "native", "fw1", 42
			w.GroupKey = GroupKey("native", w.RuleID, "fw1", w.TargetIP)
			if d := cmp.Diff(w, got[0], cmpopts.IgnoreFields(state.Match{}, "Time", "Details")); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if got[0].Time.IsZero() {
				t.Error("alert time not set")
			}
		})
	}
}

type fakeRecorder struct{ ms []state.Match }

func (f *fakeRecorder) RecordMatches(_ context.Context, ms []state.Match) error {
	f.ms = append(f.ms, ms...)
	return nil
}

func TestDetectorSkipsUnassigned(t *testing.T) {
	rec := &fakeRecorder{}
	d := New(rec, nil)
	ev := parsed(t, "fortigate", `type="utm" subtype="ips" attack="X" attackid=1 srcip=1.2.3.4 dstip=10.0.0.1`)
	un := *ev
	un.TenantID = 0
	if err := d.Events(context.Background(), []*event.Event{ev, &un}); err != nil {
		t.Fatal(err)
	}
	if len(rec.ms) != 1 || rec.ms[0].TenantID != 7 {
		t.Fatalf("matches %+v", rec.ms)
	}
}

func TestRuleSettingsApply(t *testing.T) {
	rec := &fakeRecorder{}
	d := New(rec, nil)
	ips := `type="utm" subtype="ips" attack="X" attackid=1 srcip=1.2.3.4 dstip=10.0.0.1 severity="low"`
	d.SetSettings([]state.RuleSetting{
		{TenantID: 7, RuleID: "fortigate:ips:1", Enabled: true, Severity: "critical"},
		{TenantID: 8, RuleID: "fortigate:ips:1", Enabled: false},
	})
	ev7 := parsed(t, "fortigate", ips)
	ev8 := parsed(t, "fortigate", ips)
	ev8.TenantID = 8
	ev9 := parsed(t, "fortigate", ips)
	ev9.TenantID = 9
	if err := d.Events(context.Background(), []*event.Event{ev7, ev8, ev9}); err != nil {
		t.Fatal(err)
	}
	if len(rec.ms) != 2 || rec.ms[0].TenantID != 7 || rec.ms[0].Severity != "critical" || rec.ms[1].TenantID != 9 || rec.ms[1].Severity != "low" {
		t.Fatalf("want tenant 7 overridden to critical, 8 disabled, 9 untouched: %+v", rec.ms)
	}
}

func TestNativeOtherVendors(t *testing.T) {
	cp := `[action:"Prevent"; attack:"Web Server Enforcement Violation"; protection_name:"Apache Log4j Remote Code Execution"; severity:"High"; src:"198.51.100.23"; dst:"10.30.0.10"; proto:"6"; service:"80"; product:"SmartDefense"]`
	ms := Native(parsed(t, "checkpoint", cp), nil)
	if len(ms) != 1 || ms[0].RuleID != "checkpoint:ips:Apache Log4j Remote Code Execution" || ms[0].Severity != "high" || ms[0].TargetIP != "10.30.0.10" {
		t.Errorf("check point: %+v", ms)
	}
	ev := &event.Event{Format: "juniper_srx", TenantID: 1, Fields: []event.Field{{Name: "attack-name", Value: "HTTP:STC:SCRIPT:APACHE-LOG4J-RCE"}, {Name: "threat-severity", Value: "HIGH"}, {Name: "destination.ip", Value: "10.30.0.10"}}}
	ms = Native(ev, nil)
	if len(ms) != 1 || ms[0].RuleID != "juniper_srx:idp:HTTP:STC:SCRIPT:APACHE-LOG4J-RCE" || ms[0].Severity != "high" {
		t.Errorf("juniper: %+v", ms)
	}
}
