package syslog_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sekimori/sekimori/internal/syslog"
)

var benchLines = []struct {
	name string
	line string
}{
	{name: "rfc3164", line: "<13>Apr  3 08:59:58 host sshd[4242]: Accepted publickey for admin from 192.0.2.10 port 50022 ssh2"},
	{name: "rfc5424", line: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry`},
	{name: "fortigate", line: `<189>date=2024-08-28 time=10:33:52 devname="FG100F" devid="FG100FTK19000000" eventtime=1724808832123456789 tz="+0900" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=192.168.1.10 srcport=50000 srcintf="port1" dstip=203.0.113.5 dstport=443 dstintf="wan1" proto=6 action="accept" policyid=1 service="HTTPS" sentbyte=1234 rcvdbyte=5678`},
	{name: "iso-relay", line: `2026-04-03T00:31:09.976660+00:00 192.168.2.1 date=2026-04-02 time=09:31:09 devname="FGT60F" logid="0000000013"`},
}

func BenchmarkParse(b *testing.B) {
	for _, bl := range benchLines {
		b.Run(bl.name, func(b *testing.B) {
			line := []byte(bl.line)
			opts := syslog.ParseOptions{Now: now}
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				syslog.Parse(line, opts)
			}
		})
	}
}

func BenchmarkScanner(b *testing.B) {
	var lf, octet bytes.Buffer
	for range 1000 {
		for _, bl := range benchLines {
			lf.WriteString(bl.line)
			lf.WriteByte('\n')
			fmt.Fprintf(&octet, "%d %s", len(bl.line), bl.line)
		}
	}
	for _, stream := range []struct {
		name string
		data []byte
	}{{"lf", lf.Bytes()}, {"octet", octet.Bytes()}} {
		b.Run(stream.name, func(b *testing.B) {
			r := bytes.NewReader(stream.data)
			b.ReportAllocs()
			b.SetBytes(int64(len(stream.data)))
			for b.Loop() {
				r.Reset(stream.data)
				s := syslog.NewScanner(r, 0)
				for s.Scan() {
				}
				if err := s.Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
