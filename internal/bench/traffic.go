package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/sekimori/sekimori/internal/loadgen"
)

// blockLines is how many consecutive lines go to one connection before the
// next connection's turn, so that every connection sends lines from the
// whole time range, as a device's would.
const blockLines = 1000

// traffic is the pre-generated syslog stream: octet-counted frames (RFC 6587
// section 3.4.1: "MSG-LEN SP SYSLOG-MSG"), one buffer per connection.
type traffic struct {
	frames [][]byte
	lines  int
	bytes  int64  // sum of the line lengths, without framing
	ip     string // the srcip of a line in the middle of the stream
}

// generate builds the traffic for opts over conns connections. It holds
// every line in memory, so that generating them costs nothing while the
// server is being measured.
func generate(opts loadgen.Options, conns int) *traffic {
	g := loadgen.New(opts)
	tr := &traffic{frames: make([][]byte, conns), lines: opts.Total}
	per := opts.Total/conns + blockLines
	for i := range tr.frames {
		tr.frames[i] = make([]byte, 0, per*840) // FortiGate lines average ~800 bytes
	}
	var line []byte
	for n := 0; n < opts.Total; n++ {
		line = g.Next(line[:0])
		tr.bytes += int64(len(line))
		if tr.ip == "" && n >= opts.Total/2 {
			tr.ip = fieldValue(line, "srcip")
		}
		c := n / blockLines % conns
		f := strconv.AppendInt(tr.frames[c], int64(len(line)), 10)
		f = append(f, ' ')
		tr.frames[c] = append(f, line...)
	}
	return tr
}

// fieldValue returns the unquoted value of key=value in a FortiGate line,
// or "".
func fieldValue(line []byte, key string) string {
	i := bytes.Index(line, []byte(" "+key+"="))
	if i < 0 {
		return ""
	}
	v := line[i+len(key)+2:]
	if len(v) > 0 && v[0] == '"' {
		v = v[1:]
		if j := bytes.IndexByte(v, '"'); j >= 0 {
			return string(v[:j])
		}
		return ""
	}
	if j := bytes.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	return string(v)
}

// send writes every connection's frames to addr over its own TCP
// connection, as fast as the receiver reads, and returns when all are
// written and closed. Connections are opened before start is taken, so the
// time covers sending only.
func (tr *traffic) send(ctx context.Context, addr string) (start time.Time, took time.Duration, err error) {
	var d net.Dialer
	conns := make([]net.Conn, len(tr.frames))
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range conns {
		if conns[i], err = d.DialContext(ctx, "tcp", addr); err != nil {
			return time.Time{}, 0, fmt.Errorf("connect to syslog tcp %s: %w", addr, err)
		}
	}
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.SetWriteDeadline(time.Now())
		}
	})
	defer stop()
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	start = time.Now()
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := tr.frames[i]
			for len(b) > 0 {
				n := min(len(b), 1<<20)
				if _, err := c.Write(b[:n]); err != nil {
					errs[i] = fmt.Errorf("send to syslog tcp %s: %w", addr, err)
					return
				}
				b = b[n:]
			}
			// Close sends FIN after the data: the receiver reads to EOF.
			errs[i] = c.Close()
		}()
	}
	wg.Wait()
	took = time.Since(start)
	for _, err := range errs {
		if err != nil {
			return start, took, err
		}
	}
	return start, took, nil
}
