package parse

import (
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
)

type pair struct{ K, V string }

func scanAll(s string, class uint8) ([]pair, string) {
	var got []pair
	errs := ""
	sc := newKVScanner(s, class)
	for {
		k, v, ok, err := sc.next()
		if !ok {
			break
		}
		if err != nil {
			errs = err.Error()
		}
		got = append(got, pair{k, v})
	}
	return got, errs
}

func TestKVScanner(t *testing.T) {
	tests := []struct {
		name, in string
		want     []pair
		err      string
	}{
		{"empty", "", nil, ""},
		{"spaces only", "  \t ", nil, ""},
		{"unquoted", "a=1 b=2", []pair{{"a", "1"}, {"b", "2"}}, ""},
		{"quoted with spaces and =", `a="x y=z" b=2`, []pair{{"a", "x y=z"}, {"b", "2"}}, ""},
		{"escapes", `a="q\"uote\\d \n"`, []pair{{"a", `q"uote\d \n`}}, ""},
		{"empty values", `a= b="" c=3`, []pair{{"a", ""}, {"b", ""}, {"c", "3"}}, ""},
		{"leading text", "Dec 23 11:13:03 host a=1", []pair{{"a", "1"}}, ""},
		{"pri glued", "<190>date=x", []pair{{"date", "x"}}, ""},
		{"stray words join unquoted value", "time=10: 13:03 a=1", []pair{{"time", "10: 13:03"}, {"a", "1"}}, ""},
		{"stray words at end", "a=1 two three", []pair{{"a", "1 two three"}}, ""},
		{"junk after quote", `a="1"| b=2`, []pair{{"a", "1"}, {"b", "2"}}, ""},
		{"pair glued after quote", `a="1"b=2`, []pair{{"a", "1"}, {"b", "2"}}, ""},
		{"stray after quote dropped", `a="1" junk b=2`, []pair{{"a", "1"}, {"b", "2"}}, ""},
		{"unterminated", `a=1 b="xy`, []pair{{"a", "1"}, {"b", "xy"}}, "key=value at byte 6: unterminated quote in value of b"},
		{"unterminated after backslash", `a="x\`, []pair{{"a", `x\`}}, "key=value at byte 2: unterminated quote in value of a"},
		{"equals first", "=x b=1", []pair{{"b", "1"}}, ""},
		{"double equals", "a==b", []pair{{"a", "=b"}}, ""},
		{"dot not a fortigate key char", "a.b=1", []pair{{"b", "1"}}, ""},
		{"tabs", "a=1\tb=2", []pair{{"a", "1"}, {"b", "2"}}, ""},
		{"no pairs", "just words", nil, ""},
		{"csv format", `a=1,b="x,y",c=3,4 d=5`, []pair{{"a", "1"}, {"b", "x,y"}, {"c", "3,4"}, {"d", "5"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanAll(tt.in, classKey)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pairs mismatch (-want +got):\n%s", diff)
			}
			if err != tt.err {
				t.Errorf("error = %q, want %q", err, tt.err)
			}
		})
	}
}

func TestKVScannerDottedKeys(t *testing.T) {
	got, _ := scanAll("a.b=1 c-d_e.f=2", classKVKey)
	want := []pair{{"a.b", "1"}, {"c-d_e.f", "2"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestCEFScanner(t *testing.T) {
	tests := []struct {
		name, in string
		want     []pair
	}{
		{"simple", "a=1 b=2", []pair{{"a", "1"}, {"b", "2"}}},
		{"spaces in values", "msg=hello big world src=1.2.3.4", []pair{{"msg", "hello big world"}, {"src", "1.2.3.4"}}},
		{"escaped equals", `request=/a?b\=c d=1`, []pair{{"request", "/a?b=c"}, {"d", "1"}}},
		{"unescaped equals not after space", "request=/a?b=c d=1", []pair{{"request", "/a?b=c"}, {"d", "1"}}},
		{"newline and backslash", `msg=a\nb\\c\q`, []pair{{"msg", "a\nb\\c\\q"}}},
		{"trailing spaces", "a=1   ", []pair{{"a", "1"}}},
		{"leading junk", "junk a=1", []pair{{"a", "1"}}},
		{"empty value", "a= b=2", []pair{{"a", ""}, {"b", "2"}}},
		{"nothing", "   ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []pair
			sc := cefScanner{s: tt.in}
			for {
				k, v, ok := sc.next()
				if !ok {
					break
				}
				got = append(got, pair{k, v})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplitCEF(t *testing.T) {
	tests := []struct {
		in   string
		want cefHeader
		ext  string
		err  string
	}{
		{"CEF:0|V|P|1.0|100|name|5|a=1", cefHeader{"0", "V", "P", "1.0", "100", "name", "5"}, "a=1", ""},
		{`x CEF:1|V\|W|P\\|1|2|n|3|`, cefHeader{"1", "V|W", `P\`, "1", "2", "n", "3"}, "", ""},
		{"CEF:0|V|P|1|2|n|3", cefHeader{"0", "V", "P", "1", "2", "n", "3"}, "", ""},
		{"CEF:0|V|P", cefHeader{}, "", "cef header at byte 0: found 2 of 7 fields"},
		{"nothing", cefHeader{}, "", `cef: no "CEF:" in message`},
	}
	for _, tt := range tests {
		h, ext, err := splitCEF(tt.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if gotErr != tt.err {
			t.Errorf("splitCEF(%q) error = %q, want %q", tt.in, gotErr, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if diff := cmp.Diff(tt.want, h, cmp.AllowUnexported(cefHeader{})); diff != "" {
			t.Errorf("splitCEF(%q) header mismatch (-want +got):\n%s", tt.in, diff)
		}
		if got := tt.in[ext:]; got != tt.ext {
			t.Errorf("splitCEF(%q) extension = %q, want %q", tt.in, got, tt.ext)
		}
	}
}

func TestEpochTime(t *testing.T) {
	want := time.Date(2024, 5, 13, 2, 45, 4, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1715568304", want, true},
		{"1715568304815", want.Add(815 * time.Millisecond), true},
		{"1715568304815101", want.Add(815101 * time.Microsecond), true},
		{"1715568304815101919", want.Add(815101919), true},
		{"111111111", time.Unix(111111111, 0).UTC(), true},
		{"0", time.Time{}, false},
		{"", time.Time{}, false},
		{"-1", time.Time{}, false},
		{"12a", time.Time{}, false},
		{"17155683048151019190", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := epochTime(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("epochTime(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTZOffset(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"+0900", 9 * 3600, true},
		{"-0700", -7 * 3600, true},
		{"+05:30", 5*3600 + 30*60, true},
		{"+09", 9 * 3600, true},
		{"UTC", 0, true},
		{"Z", 0, true},
		{"JST", 0, false},
		{"+9", 0, false},
		{"+0960", 0, false},
		{"+1500", 0, false},
		{"+09:0", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := tzOffset(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("tzOffset(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLocalDateTime(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	tests := []struct {
		date, clock, tz string
		loc             *time.Location
		want            time.Time
		ok              bool
	}{
		{"2024-08-28", "10:33:52", "+0200", nil, time.Date(2024, 8, 28, 8, 33, 52, 0, time.UTC), true},
		{"2024/08/28", "10:33:52", "", jst, time.Date(2024, 8, 28, 1, 33, 52, 0, time.UTC), true},
		{"2011-07-24", "10: 13:03", "", nil, time.Date(2011, 7, 24, 10, 13, 3, 0, time.UTC), true},
		{"2024-08-28", "10:33:52", "bogus", jst, time.Date(2024, 8, 28, 1, 33, 52, 0, time.UTC), true},
		{"2024-13-28", "10:33:52", "", nil, time.Time{}, false},
		{"2024-08-28", "25:00:00", "", nil, time.Time{}, false},
		{"2024-08-28", "10:33", "", nil, time.Time{}, false},
		{"2024-08-28", "1 0 : 3 3 : 5 2 x", "", nil, time.Time{}, false},
		{"", "10:33:52", "", nil, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := localDateTime(tt.date, tt.clock, tt.tz, tt.loc)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("localDateTime(%q, %q, %q) = %v, %v; want %v, %v", tt.date, tt.clock, tt.tz, got, ok, tt.want, tt.ok)
		}
	}
}

func TestVersions(t *testing.T) {
	tests := []struct {
		in   string
		f    func(string) (string, bool)
		want string
	}{
		{"702100863", logverVersion, "7.2"},
		{"604071811", logverVersion, "6.4"},
		{"700130523", logverVersion, "7.0"},
		{"1012345678", logverVersion, "10.12"},
		{"56", logverVersion, "5.6"},
		{"", logverVersion, ""},
		{"7021", logverVersion, ""},
		{"x02100863", logverVersion, ""},
		{"v7.2.8", deviceVersion, "7.2"},
		{"7.0.12,build0523", deviceVersion, "7.0"},
		{"v6.4", deviceVersion, "6.4"},
		{"v7", deviceVersion, ""},
		{"", deviceVersion, ""},
	}
	for _, tt := range tests {
		if got, _ := tt.f(tt.in); got != tt.want {
			t.Errorf("version of %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct{ status, action, want string }{
		{"", "accept", "success"},
		{"", "close", "success"},
		{"", "deny", "failure"},
		{"", "ssl-login-fail", "failure"},
		{"failed", "login", "failure"},
		{"success", "login", "success"},
		{"", "tunnel-up", "unknown"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := outcome(tt.status, tt.action); got != tt.want {
			t.Errorf("outcome(%q, %q) = %q, want %q", tt.status, tt.action, got, tt.want)
		}
	}
}

func TestNewRegistryRejectsDuplicates(t *testing.T) {
	for _, rows := range [][]registration{
		{{"a", kv{}}, {"a", cef{}}},
		{{"", kv{}}},
		{{"b", nil}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("newRegistry(%v) did not panic", rows)
				}
			}()
			newRegistry(rows)
		}()
	}
}

// TestValuesShareRaw checks that parsing does not copy a message that is
// the tail of ev.Raw: unescaped values point into ev.Raw.
func TestValuesShareRaw(t *testing.T) {
	msg := `logid="0000000013" type="traffic" srcip=10.0.0.1 msg="a b"`
	raw := "<189>" + msg
	ev := &event.Event{Raw: raw}
	if err := (fortiGate{}).Parse([]byte(msg), nil, ev); err != nil {
		t.Fatal(err)
	}
	lo := uintptr(unsafe.Pointer(unsafe.StringData(raw)))
	hi := lo + uintptr(len(raw))
	for _, f := range ev.Fields {
		if !strings.Contains(msg, f.Value) || strings.HasPrefix(f.Name, "observer.") || f.Name == "event.kind" || f.Name == "event.category" || f.Name == "event.outcome" || f.Name == "network.transport" {
			continue
		}
		if p := uintptr(unsafe.Pointer(unsafe.StringData(f.Value))); p < lo || p >= hi {
			t.Errorf("field %s=%q does not point into ev.Raw", f.Name, f.Value)
		}
	}
}

func TestParseDoesNotAllocatePerField(t *testing.T) {
	line := `date=2024-05-13 time=11:45:04 devname="FGT-TKY-01" devid="FG100FTK22001234" eventtime=1715568304815101919 tz="+0900" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.1.100.11 srcport=60446 srcintf="port12" dstip=203.0.113.55 dstport=443 dstintf="wan1" proto=6 action="close" policyid=4 service="HTTPS" sentbyte=4122 rcvdbyte=28634`
	msg := []byte(line)
	ev := &event.Event{Raw: line, Fields: make([]event.Field, 0, 128)}
	allocs := testing.AllocsPerRun(100, func() {
		ev.Fields = ev.Fields[:0]
		if err := (fortiGate{}).Parse(msg, nil, ev); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("Parse allocated %.0f times per line, want 0", allocs)
	}
}
