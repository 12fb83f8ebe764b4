package syslog_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/syslog"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

var (
	tokyo = time.FixedZone("JST", 9*60*60)
	// now is the receive time of the tests: 2026-04-03 09:00 in Tokyo.
	now = time.Date(2026, 4, 3, 9, 0, 0, 0, tokyo)
)

const bom = "\xEF\xBB\xBF"

func TestParse(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	jst := func(year int, month time.Month, day, hour, min, sec, nsec int) time.Time {
		return time.Date(year, month, day, hour, min, sec, nsec, tokyo)
	}
	// none is a Message with neither PRI nor header.
	none := func(msg string) syslog.Message {
		return syslog.Message{Priority: -1, Facility: -1, Severity: -1, Msg: []byte(msg)}
	}

	tests := []struct {
		name string
		line string
		want syslog.Message
	}{
		{
			name: "rfc5424 several SD elements with escapes and BOM",
			line: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][b@1 x="a\]b\"c"] ` + bom + `An application event`,
			want: syslog.Message{
				Format: syslog.FormatRFC5424, Priority: 165, Facility: 20, Severity: 5,
				Timestamp: utc("2003-10-11T22:14:15.003Z"),
				Hostname:  "mymachine.example.com", AppName: "evntslog", MsgID: "ID47",
				StructuredData: `[exampleSDID@32473 iut="3" eventSource="Application"][b@1 x="a\]b\"c"]`,
				Msg:            []byte("An application event"),
			},
		},
		{
			name: "rfc5424 SD param value ending in an escaped backslash",
			line: `<14>1 2026-04-03T09:31:09.976660+09:00 web01 nginx 4242 access [meta@1 path="C:\\logs\\"] GET /`,
			want: syslog.Message{
				Format: syslog.FormatRFC5424, Priority: 14, Facility: 1, Severity: 6,
				Timestamp: jst(2026, 4, 3, 9, 31, 9, 976660000),
				Hostname:  "web01", AppName: "nginx", ProcID: "4242", MsgID: "access",
				StructuredData: `[meta@1 path="C:\\logs\\"]`,
				Msg:            []byte("GET /"),
			},
		},
		{
			name: "rfc5424 negative offset and microseconds",
			line: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
			want: syslog.Message{
				Format: syslog.FormatRFC5424, Priority: 165, Facility: 20, Severity: 5,
				Timestamp: utc("2003-08-24T12:14:15.000003Z"),
				Hostname:  "192.0.2.1", AppName: "myproc", ProcID: "8710",
				Msg: []byte("%% It's time to make the do-nuts."),
			},
		},
		{
			name: "rfc5424 SD and no MSG",
			line: `<165>1 2003-10-11T22:14:15Z h a p m [x@1 k="v"]`,
			want: syslog.Message{
				Format: syslog.FormatRFC5424, Priority: 165, Facility: 20, Severity: 5,
				Timestamp: utc("2003-10-11T22:14:15Z"),
				Hostname:  "h", AppName: "a", ProcID: "p", MsgID: "m", StructuredData: `[x@1 k="v"]`,
				Msg: []byte{},
			},
		},
		{
			name: "rfc5424 every field nil",
			line: "<14>1 - - - - - -",
			want: syslog.Message{Format: syslog.FormatRFC5424, Priority: 14, Facility: 1, Severity: 6, Msg: []byte{}},
		},
		{
			name: "rfc5424 every field nil with MSG",
			line: "<14>1 - - - - - - hello",
			want: syslog.Message{Format: syslog.FormatRFC5424, Priority: 14, Facility: 1, Severity: 6, Msg: []byte("hello")},
		},
		{
			name: "rfc5424 without offset is local time",
			line: "<14>1 2026-04-03T09:00:00 h a - - - x",
			want: syslog.Message{
				Format: syslog.FormatRFC5424, Priority: 14, Facility: 1, Severity: 6,
				Timestamp: jst(2026, 4, 3, 9, 0, 0, 0), Hostname: "h", AppName: "a", Msg: []byte("x"),
			},
		},
		{
			name: "rfc5424 cut short is body",
			line: "<14>1 2026-04-03T00:00:00Z host app",
			want: syslog.Message{Priority: 14, Facility: 1, Severity: 6, Msg: []byte("1 2026-04-03T00:00:00Z host app")},
		},
		{
			name: "rfc5424 bad month is body",
			line: "<14>1 2026-13-03T00:00:00Z h a - - - x",
			want: syslog.Message{Priority: 14, Facility: 1, Severity: 6, Msg: []byte("1 2026-13-03T00:00:00Z h a - - - x")},
		},
		{
			name: "rfc5424 unterminated SD is body",
			line: `<14>1 - h a - - [x@1 k="v] tail`,
			want: syslog.Message{Priority: 14, Facility: 1, Severity: 6, Msg: []byte(`1 - h a - - [x@1 k="v] tail`)},
		},
		{
			name: "rfc5424 SD not followed by SP is body",
			line: `<14>1 - h a - - [x@1]tail`,
			want: syslog.Message{Priority: 14, Facility: 1, Severity: 6, Msg: []byte(`1 - h a - - [x@1]tail`)},
		},
		{
			name: "rfc3164",
			line: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 34, Facility: 4, Severity: 2,
				Timestamp: jst(2025, 10, 11, 22, 14, 15, 0),
				Hostname:  "mymachine", AppName: "su",
				Msg: []byte("'su root' failed for lonvick on /dev/pts/8"),
			},
		},
		{
			name: "rfc3164 space-padded day and tag with pid",
			line: "<13>Apr  1 02:03:04 host app[123]: msg",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 1, 2, 3, 4, 0),
				Hostname:  "host", AppName: "app", ProcID: "123", Msg: []byte("msg"),
			},
		},
		{
			name: "rfc3164 unpadded day, lower-case month, fraction",
			line: "<13>apr 3 08:59:58.25 host x",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 3, 8, 59, 58, 250000000), Hostname: "host", Msg: []byte("x"),
			},
		},
		{
			name: "rfc3164 tag with pid and no colon",
			line: "<13>Apr  3 08:59:58 host postfix/smtpd[77] connect from unknown[192.0.2.9]",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 3, 8, 59, 58, 0),
				Hostname:  "host", AppName: "postfix/smtpd", ProcID: "77",
				Msg: []byte("connect from unknown[192.0.2.9]"),
			},
		},
		{
			name: "rfc3164 word without colon is not a tag",
			line: "<13>Apr  3 08:59:58 host app message",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 3, 8, 59, 58, 0), Hostname: "host", Msg: []byte("app message"),
			},
		},
		{
			name: "rfc3164 no tag, no MSG",
			line: "<13>Apr  3 08:59:58 host",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 3, 8, 59, 58, 0), Hostname: "host", Msg: []byte{},
			},
		},
		{
			name: "rfc3164 tag too long",
			line: "<13>Apr  3 08:59:58 host " + strings.Repeat("a", 49) + ": x",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 3, 8, 59, 58, 0), Hostname: "host",
				Msg: []byte(strings.Repeat("a", 49) + ": x"),
			},
		},
		{
			name: "rfc3164 IPv6 hostname",
			line: "<13>Apr  3 08:59:58 2001:db8::1 sshd[42]: Accepted",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 3, 8, 59, 58, 0),
				Hostname:  "2001:db8::1", AppName: "sshd", ProcID: "42", Msg: []byte("Accepted"),
			},
		},
		{
			name: "rfc3164 IPv6 hostname ending in a colon",
			line: "<13>Apr  3 08:59:58 fe80:: kernel: overflow",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 3, 8, 59, 58, 0),
				Hostname:  "fe80::", AppName: "kernel", Msg: []byte("overflow"),
			},
		},
		{
			name: "rfc3164 without hostname",
			line: "<13>Apr  3 08:59:58 su: failed",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: jst(2026, 4, 3, 8, 59, 58, 0), AppName: "su", Msg: []byte("failed"),
			},
		},
		{
			name: "rfc3164 with year (Cisco)",
			line: "<189>Apr  3 2024 08:59:58 router %SYS-5-CONFIG_I: Configured",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 189, Facility: 23, Severity: 5,
				Timestamp: jst(2024, 4, 3, 8, 59, 58, 0),
				Hostname:  "router", Msg: []byte("%SYS-5-CONFIG_I: Configured"),
			},
		},
		{
			name: "ISO timestamp after PRI",
			line: `<13>2026-04-03T00:31:09.976660+00:00 192.168.2.1 date=2026-04-02 time=09:31:09 devname="FGT60F"`,
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: 13, Facility: 1, Severity: 5,
				Timestamp: utc("2026-04-03T00:31:09.97666Z"), Hostname: "192.168.2.1",
				Msg: []byte(`date=2026-04-02 time=09:31:09 devname="FGT60F"`),
			},
		},
		{
			name: "ISO timestamp without PRI (relay file)",
			line: `2026-04-03T00:31:09.976660+00:00 192.168.2.1 date=2026-04-02 time=09:31:09`,
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: -1, Facility: -1, Severity: -1,
				Timestamp: utc("2026-04-03T00:31:09.97666Z"), Hostname: "192.168.2.1",
				Msg: []byte(`date=2026-04-02 time=09:31:09`),
			},
		},
		{
			name: "BSD timestamp without PRI",
			line: "Apr  3 00:31:09 host payload",
			want: syslog.Message{
				Format: syslog.FormatRFC3164, Priority: -1, Facility: -1, Severity: -1,
				Timestamp: jst(2026, 4, 3, 0, 31, 9, 0), Hostname: "host", Msg: []byte("payload"),
			},
		},
		{
			name: "FortiGate: PRI then key=value",
			line: `<190>date=2024-08-28 time=10:33:52 devname="X" logid="0000000013"`,
			want: syslog.Message{Priority: 190, Facility: 23, Severity: 6, Msg: []byte(`date=2024-08-28 time=10:33:52 devname="X" logid="0000000013"`)},
		},
		{
			name: "Yamaha RTX: PRI, space, message",
			line: "<13> [INSPECT] LAN2[out][200102] TCP 192.168.100.2:40980 > 203.0.113.5:80 (2012/06/19 10:10:44)",
			want: syslog.Message{Priority: 13, Facility: 1, Severity: 5, Msg: []byte("[INSPECT] LAN2[out][200102] TCP 192.168.100.2:40980 > 203.0.113.5:80 (2012/06/19 10:10:44)")},
		},
		{
			name: "PRI only",
			line: "<0>",
			want: syslog.Message{Priority: 0, Facility: 0, Severity: 0, Msg: []byte{}},
		},
		{
			name: "PRI with leading zeros",
			line: "<013>x",
			want: syslog.Message{Priority: 13, Facility: 1, Severity: 5, Msg: []byte("x")},
		},
		{name: "PRI too large", line: "<192>Apr  3 08:59:58 host x", want: none("<192>Apr  3 08:59:58 host x")},
		{name: "PRI unterminated", line: "<13", want: none("<13")},
		{name: "PRI empty", line: "<>x", want: none("<>x")},
		{name: "plain text", line: "just text", want: none("just text")},
		{name: "empty", line: "", want: none("")},
		{
			name: "timestamp not followed by SP is body",
			line: "<13>Apr  3 08:59:58host",
			want: syslog.Message{Priority: 13, Facility: 1, Severity: 5, Msg: []byte("Apr  3 08:59:58host")},
		},
		{
			name: "timestamp at the zero time reads as none",
			line: "0001-01-01T00:00:00Z h x",
			want: syslog.Message{Format: syslog.FormatRFC3164, Priority: -1, Facility: -1, Severity: -1, Hostname: "h", Msg: []byte("x")},
		},
		{
			name: "February 30th is body",
			line: "<13>Feb 30 08:59:58 host x",
			want: syslog.Message{Priority: 13, Facility: 1, Severity: 5, Msg: []byte("Feb 30 08:59:58 host x")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := syslog.Parse([]byte(tt.line), syslog.ParseOptions{Now: now})
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestParseYear(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		line string
		want time.Time // zero: no header
	}{
		{
			name: "received just after new year",
			now:  time.Date(2027, 1, 1, 0, 0, 5, 0, tokyo),
			line: "Dec 31 23:59:59 h x",
			want: time.Date(2026, 12, 31, 23, 59, 59, 0, tokyo),
		},
		{
			name: "sender clock ahead at new year",
			now:  time.Date(2026, 12, 31, 23, 59, 50, 0, tokyo),
			line: "Jan  1 00:00:05 h x",
			want: time.Date(2027, 1, 1, 0, 0, 5, 0, tokyo),
		},
		{
			name: "new year in Location, not in UTC",
			now:  time.Date(2026, 12, 31, 15, 0, 5, 0, time.UTC),
			line: "Dec 31 23:59:59 h x",
			want: time.Date(2026, 12, 31, 23, 59, 59, 0, tokyo),
		},
		{
			name: "same year",
			now:  time.Date(2026, 6, 15, 12, 0, 0, 0, tokyo),
			line: "Jun 14 12:00:00 h x",
			want: time.Date(2026, 6, 14, 12, 0, 0, 0, tokyo),
		},
		{
			name: "more than half a year ago",
			now:  time.Date(2026, 4, 3, 9, 0, 0, 0, tokyo),
			line: "Oct 11 22:14:15 h x",
			want: time.Date(2025, 10, 11, 22, 14, 15, 0, tokyo),
		},
		{
			name: "February 29th of a leap year",
			now:  time.Date(2028, 3, 1, 0, 0, 0, 0, tokyo),
			line: "Feb 29 12:00:00 h x",
			want: time.Date(2028, 2, 29, 12, 0, 0, 0, tokyo),
		},
		{
			name: "February 29th in the year after a leap year",
			now:  time.Date(2029, 1, 10, 0, 0, 0, 0, tokyo),
			line: "Feb 29 12:00:00 h x",
			want: time.Date(2028, 2, 29, 12, 0, 0, 0, tokyo),
		},
		{
			name: "February 29th with no leap year near",
			now:  time.Date(2026, 3, 1, 0, 0, 0, 0, tokyo),
			line: "Feb 29 12:00:00 h x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := syslog.Parse([]byte(tt.line), syslog.ParseOptions{Now: tt.now})
			if diff := cmp.Diff(tt.want, got.Timestamp); diff != "" {
				t.Errorf("Parse(%q).Timestamp mismatch (-want +got):\n%s", tt.line, diff)
			}
			if wantFormat := syslog.FormatRFC3164; tt.want.IsZero() {
				if got.Format != syslog.FormatNone {
					t.Errorf("Parse(%q).Format = %v, want %v", tt.line, got.Format, syslog.FormatNone)
				}
			} else if got.Format != wantFormat {
				t.Errorf("Parse(%q).Format = %v, want %v", tt.line, got.Format, wantFormat)
			}
		})
	}
}

func TestParseZone(t *testing.T) {
	eastern := time.FixedZone("EST", -5*60*60)
	tests := []struct {
		name string
		loc  *time.Location
		line string
		want string // RFC 3339, offset included
	}{
		{name: "rfc3164 default Asia/Tokyo", line: "Apr  3 09:00:00 h x", want: "2026-04-03T09:00:00+09:00"},
		{name: "rfc3164 in Location", loc: eastern, line: "Apr  2 20:00:00 h x", want: "2026-04-02T20:00:00-05:00"},
		{name: "ISO without offset in Location", loc: eastern, line: "2026-04-02T20:00:00 h x", want: "2026-04-02T20:00:00-05:00"},
		{name: "ISO offset wins over Location", loc: eastern, line: "2026-04-03T09:00:00+09:00 h x", want: "2026-04-03T09:00:00+09:00"},
		{name: "ISO offset without colon", loc: eastern, line: "2026-04-03T09:00:00+0530 h x", want: "2026-04-03T09:00:00+05:30"},
		{name: "odd offset", line: "2026-04-03T09:00:00+05:17 h x", want: "2026-04-03T09:00:00+05:17"},
		{name: "Z is UTC", loc: eastern, line: "<14>1 2026-04-03T00:00:00Z h a - - -", want: "2026-04-03T00:00:00Z"},
		{name: "lower-case z is UTC", line: "<14>1 2026-04-03t00:00:00z h a - - -", want: "2026-04-03T00:00:00Z"},
		{name: "rfc5424 offset", loc: eastern, line: "<14>1 2026-04-03T09:00:00.5+09:00 h a - - -", want: "2026-04-03T09:00:00.5+09:00"},
		{name: "rfc5424 nanoseconds", line: "<14>1 2026-04-03T09:00:00.123456789+09:00 h a - - -", want: "2026-04-03T09:00:00.123456789+09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := syslog.Parse([]byte(tt.line), syslog.ParseOptions{Location: tt.loc, Now: now})
			if got.Timestamp.IsZero() {
				t.Fatalf("Parse(%q): no timestamp", tt.line)
			}
			if s := got.Timestamp.Format(time.RFC3339Nano); s != tt.want {
				t.Errorf("Parse(%q).Timestamp = %s, want %s", tt.line, s, tt.want)
			}
		})
	}
}

func TestParseAllocs(t *testing.T) {
	tests := []struct {
		name string
		line string
		max  float64 // the strings of the Message
	}{
		{name: "fortigate", line: `<190>date=2024-08-28 time=10:33:52 devname="X"`, max: 0},
		{name: "rfc3164", line: "<13>Apr  3 08:59:58 host sshd[4242]: Accepted", max: 3},
		{name: "rfc5424", line: `<14>1 2026-04-03T09:31:09.976660+09:00 web01 nginx 4242 access [a@1 b="c"] GET`, max: 5},
		{name: "rfc3164 without Now", line: "<13>Apr  3 08:59:58 host x", max: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := []byte(tt.line)
			opts := syslog.ParseOptions{Now: now}
			if strings.Contains(tt.name, "without Now") {
				opts = syslog.ParseOptions{}
			}
			got := testing.AllocsPerRun(100, func() { syslog.Parse(line, opts) })
			if got > tt.max {
				t.Errorf("Parse(%q) allocates %v times, want at most %v", tt.line, got, tt.max)
			}
		})
	}
}

func TestHeaderFields(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []event.Field
	}{
		{
			name: "rfc5424",
			line: `<165>1 2003-10-11T22:14:15.003Z mymachine evntslog 12 ID47 [a@1 b="c"] x`,
			want: []event.Field{
				{Name: "log.syslog.priority", Value: "165"},
				{Name: "log.syslog.facility.code", Value: "20"},
				{Name: "log.syslog.severity.code", Value: "5"},
				{Name: "log.syslog.hostname", Value: "mymachine"},
				{Name: "log.syslog.appname", Value: "evntslog"},
				{Name: "log.syslog.procid", Value: "12"},
				{Name: "log.syslog.msgid", Value: "ID47"},
				{Name: "log.syslog.structured_data", Value: `[a@1 b="c"]`},
			},
		},
		{
			name: "rfc3164 without tag",
			line: "<0>Apr  3 08:59:58 host x",
			want: []event.Field{
				{Name: "log.syslog.priority", Value: "0"},
				{Name: "log.syslog.facility.code", Value: "0"},
				{Name: "log.syslog.severity.code", Value: "0"},
				{Name: "log.syslog.hostname", Value: "host"},
			},
		},
		{name: "nothing", line: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []event.Field{{Name: "kept", Value: "1"}}
			got := syslog.Parse([]byte(tt.line), syslog.ParseOptions{Now: now}).HeaderFields(prefix)
			if diff := cmp.Diff(append(prefix, tt.want...), got); diff != "" {
				t.Errorf("HeaderFields of %q mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestTrimTrailer(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "", want: ""},
		{in: "a", want: "a"},
		{in: "a\n", want: "a"},
		{in: "a\r\n", want: "a"},
		{in: "a\x00", want: "a"},
		{in: "a\n\x00", want: "a"},
		{in: "\n", want: ""},
		{in: "a\nb", want: "a\nb"},
	}
	for _, tt := range tests {
		if got := string(syslog.TrimTrailer([]byte(tt.in))); got != tt.want {
			t.Errorf("TrimTrailer(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestParseGolden parses every line of testdata/lines.txt and compares a
// rendering of the result with testdata/lines.golden.
func TestParseGolden(t *testing.T) {
	var out bytes.Buffer
	for _, line := range testLines(t) {
		m := syslog.Parse(line, syslog.ParseOptions{Now: now})
		fmt.Fprintf(&out, "%s\n", line)
		fmt.Fprintf(&out, "\tformat=%v priority=%d facility=%d severity=%d\n", m.Format, m.Priority, m.Facility, m.Severity)
		if !m.Timestamp.IsZero() {
			fmt.Fprintf(&out, "\ttimestamp=%s\n", m.Timestamp.Format(time.RFC3339Nano))
		}
		for _, f := range m.HeaderFields(nil) {
			switch f.Name {
			case "log.syslog.priority", "log.syslog.facility.code", "log.syslog.severity.code":
			default: // the string fields
				fmt.Fprintf(&out, "\t%s=%q\n", strings.TrimPrefix(f.Name, "log.syslog."), f.Value)
			}
		}
		fmt.Fprintf(&out, "\tmsg=%q\n\n", m.Msg)
	}
	golden := filepath.Join("testdata", "lines.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got), rerun with -update if intended:\n%s", golden, diff)
	}
}

// testLines returns the lines of testdata/lines.txt, comments left out.
func testLines(tb testing.TB) [][]byte {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "lines.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if bytes.HasPrefix(sc.Bytes(), []byte("# ")) {
			continue
		}
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}
