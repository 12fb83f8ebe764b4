package logstore

import (
	"testing"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

func TestRewrite(t *testing.T) {
	ipq := ipFilter("10.0.0.3")
	tests := []struct{ in, want string }{
		{"", "*"},
		{"error", "error"},
		{"10.0.0.3", ipq},
		{"-10.0.0.3", "-" + ipq},
		{"srcip:10.0.0.3", "srcip:10.0.0.3"},
		{"2001:db8::1", ipFilter("2001:db8::1")},
		{"ログイン", `*"ログイン"*`},
		{`"ログイン 失敗"`, `*"ログイン 失敗"*`},
		{`rule.name:ログイン and action:deny`, `rule.name:*"ログイン"* and action:deny`},
		{`(ログイン or 10.0.0.3) | stats count()`, `(*"ログイン"* or ` + ipq + `) | stats count()`},
		{`"a|b" ログイン`, `"a|b" *"ログイン"*`},
		{`logid:in("0100032002", "0100032001")`, `logid:in("0100032002", "0100032001")`},
		{`rule.name:~"ログイン"`, `rule.name:~"ログイン"`},
		// Vendor fields that lean rows derive from the line.
		{`app:HTTPS action:deny`, `(not "parse.derived":in(kv,kva) or _msg:"HTTPS") action:deny` + unpack(`"app"`) + ` | filter app:HTTPS action:deny` + "\n"},
		{`msg:ログイン`, `(not "parse.derived":in(kv,kva) or _msg:*"ログイン"*)` + unpack(`"msg"`) + ` | filter msg:*"ログイン"*` + "\n"},
		{`app:HTTP* or action:deny`, `*` + unpack(`"app"`) + ` | filter app:HTTP* or action:deny` + "\n"},
		{`! app:DNS action:deny`, `action:deny` + unpack(`"app"`) + ` | filter ! app:DNS action:deny` + "\n"},
		{`-app:DNS 10.0.0.3`, ipq + unpack(`"app"`) + ` | filter -app:DNS ` + ipq + "\n"},
		{`type:utm | stats by (app, "appcat") count() hits`, `type:utm` + unpack(`"app", "appcat"`) + ` | stats by (app, "appcat") count() hits`},
		{`type:utm | stats by (srcip) count() hits`, `type:utm | stats by (srcip) count() hits`},
		{`*ログイン*`, `*ログイン*`},
		// ECS copies that rows marked kva leave out: set from the vendor
		// field, which rows store (dstport) or derive (srcport, msg).
		{`destination.port:=443 action:deny`, `(destination.port:=443 or "dstport":=443) action:deny` + copy("destination.port", "dstport") + ` | filter destination.port:=443 action:deny` + "\n"},
		{`source.port:443`, `(source.port:443 or _msg:"443")` + unpack(`"srcport"`) + copy("source.port", "srcport") + ` | filter source.port:443` + "\n"},
		{`message:ログイン and action:deny`, `(message:*"ログイン"* or _msg:*"ログイン"*) action:deny` + unpack(`"msg"`) + copy("message", "msg") + ` | filter message:*"ログイン"* and action:deny` + "\n"},
		{`-source.ip:10.0.0.3 type:traffic`, `type:traffic` + copy("source.ip", "srcip") + ` | filter -source.ip:10.0.0.3 type:traffic` + "\n"},
		{`* | stats by (source.ip) count() hits`, `*` + copy("source.ip", "srcip") + ` | stats by (source.ip) count() hits`},
		{`* | fields source.*`, `*` + unpack(`"srcport", "transport"`) + copy("source.ip", "srcip") + copy("source.port", "srcport") +
			copy("source.nat.port", "transport") + ` | fields source.*`},
		{`* | facets`, `* | facets`},
	}
	for _, tc := range tests {
		got := Rewrite(tc.in)
		if got != tc.want {
			t.Errorf("Rewrite(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if _, err := logstorage.ParseQuery(got); err != nil {
			t.Errorf("Rewrite(%q) = %q does not parse: %v", tc.in, got, err)
		}
	}
}

func unpack(fields string) string {
	return ` | unpack_logfmt if ("parse.derived":in(kv,kva)) from _msg fields (` + fields + `) keep_original_fields`
}

func copy(ecs, vendor string) string {
	return ` | format if ("parse.derived":=kva) "<` + vendor + `>" as "` + ecs + `"`
}

func FuzzRewrite(f *testing.F) {
	for _, s := range []string{"ログイン", "10.0.0.1", `a:"b c" | stats count()`, `(x or -y)`, `f:in(1,2)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		out := Rewrite(q)
		// A query that parsed before the rewrite must still parse.
		if _, err := logstorage.ParseQuery(q); err == nil {
			if _, err := logstorage.ParseQuery(out); err != nil {
				t.Fatalf("Rewrite(%q) = %q: %v", q, out, err)
			}
		}
	})
}
