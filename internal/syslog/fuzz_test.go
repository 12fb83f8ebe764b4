package syslog_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/syslog"
)

func FuzzParse(f *testing.F) {
	for _, line := range testLines(f) {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := bytes.Clone(line)
		m := syslog.Parse(line, syslog.ParseOptions{Now: now})
		if !bytes.Equal(line, orig) {
			t.Fatalf("Parse changed its input")
		}
		// Msg is a suffix of the line, not a copy.
		if len(m.Msg) > len(line) {
			t.Fatalf("len(Msg) = %d > len(line) = %d", len(m.Msg), len(line))
		}
		if len(m.Msg) > 0 && &m.Msg[0] != &line[len(line)-len(m.Msg)] {
			t.Fatalf("Msg %q is not a suffix of the line", m.Msg)
		}
		if m.Priority < -1 || m.Priority > 191 {
			t.Fatalf("Priority = %d", m.Priority)
		}
		if m.Priority == -1 && (m.Facility != -1 || m.Severity != -1) ||
			m.Priority >= 0 && (m.Facility != m.Priority/8 || m.Severity != m.Priority%8) {
			t.Fatalf("Priority %d, Facility %d, Severity %d", m.Priority, m.Facility, m.Severity)
		}
		switch m.Format {
		case syslog.FormatNone:
			if !m.Timestamp.IsZero() || m.Hostname != "" || m.AppName != "" || m.ProcID != "" || m.MsgID != "" || m.StructuredData != "" {
				t.Fatalf("FormatNone with header fields: %+v", m)
			}
		case syslog.FormatRFC3164:
			if m.MsgID != "" || m.StructuredData != "" {
				t.Fatalf("RFC 3164 with RFC 5424 fields: %+v", m)
			}
			// An RFC 3164 header has a timestamp, but it may be the zero
			// time itself ("0001-01-01T00:00:00Z"), which then reads as
			// none; so the timestamp is not checked.
		case syslog.FormatRFC5424:
			if m.Priority < 0 {
				t.Fatalf("RFC 5424 without PRI: %+v", m)
			}
		default:
			t.Fatalf("Format = %v", m.Format)
		}
		// Deterministic; cmp.Diff only on failure, as it is slow.
		if again := syslog.Parse(line, syslog.ParseOptions{Now: now}); !sameMessage(m, again) {
			t.Fatalf("second Parse differs:\n%s", cmp.Diff(m, again))
		}
		_ = m.HeaderFields(nil)
	})
}

func FuzzScanner(f *testing.F) {
	// The testdata lines as streams of a few frames each, both framings:
	// small seeds keep the fuzzer's minimizing quick.
	lines := testLines(f)
	for i := 0; i < len(lines); i += 4 {
		var lf, octet bytes.Buffer
		for _, line := range lines[i:min(i+4, len(lines))] {
			lf.Write(line)
			lf.WriteString("\r\n")
			fmt.Fprintf(&octet, "%d %s", len(line), line)
		}
		f.Add(lf.Bytes(), uint16(i*7), uint8(255))
		f.Add(octet.Bytes(), uint16(i*11), uint8(i*5))
	}
	for _, tt := range scannerTests {
		f.Add([]byte(tt.in), uint16(len(tt.in)/2), uint8(max(tt.maxFrame, 1)-1))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16, maxFrame uint8) {
		// Small maxima reach truncation often; the default is covered by
		// the seeds' lines being far shorter than it.
		max := int(maxFrame) + 1
		want := scanAll(bytes.NewReader(data), max)
		for i, fr := range want.Frames {
			if len(fr.Text) == 0 || len(fr.Text) > max {
				t.Fatalf("frame %d has %d bytes, want 1 to %d", i, len(fr.Text), max)
			}
			if fr.Truncated && len(fr.Text) != max {
				t.Fatalf("truncated frame %d has %d bytes, want %d", i, len(fr.Text), max)
			}
		}
		// cmp.Diff only on failure: it is slow, and the fuzzer minimizes
		// by running this function many times.
		got := scanAll(iotest.OneByteReader(bytes.NewReader(data)), max)
		if !sameScan(want, got) {
			t.Fatalf("one byte at a time differs from whole (-whole +one byte):\n%s", cmp.Diff(want, got))
		}
		at := int(split) % (len(data) + 1)
		got = scanAll(splitAt(data, at), max)
		if !sameScan(want, got) {
			t.Fatalf("split at %d differs from whole (-whole +split):\n%s", at, cmp.Diff(want, got))
		}
	})
}

// sameScan is a fast equality for fuzzing.
func sameScan(a, b scanned) bool {
	return a.Err == b.Err && slices.Equal(a.Frames, b.Frames)
}

// sameMessage is a fast equality for fuzzing.
func sameMessage(a, b syslog.Message) bool {
	return a.Format == b.Format && a.Priority == b.Priority && a.Facility == b.Facility && a.Severity == b.Severity &&
		a.Timestamp.Equal(b.Timestamp) && a.Hostname == b.Hostname && a.AppName == b.AppName &&
		a.ProcID == b.ProcID && a.MsgID == b.MsgID && a.StructuredData == b.StructuredData && bytes.Equal(a.Msg, b.Msg)
}
