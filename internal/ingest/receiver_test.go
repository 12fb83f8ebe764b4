package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/sekimori/sekimori/internal/spool"
)

func newTestReceiver(t *testing.T, spoolMax int64, minFree uint64) (*Receiver, *spool.Spool, *Metrics) {
	t.Helper()
	dir := t.TempDir()
	sp, err := spool.Open(dir, spool.Options{MaxBytes: spoolMax})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	m := NewMetrics(metrics.NewSet())
	return NewReceiver(sp, m, ReceiverOptions{DataDir: dir, MinFreeBytes: minFree}), sp, m
}

func TestDiskGuardRefuses(t *testing.T) {
	r, sp, m := newTestReceiver(t, 0, 1<<62) // more free space than any disk has
	err := r.AppendDevice("http", 1, "192.0.2.1", [][]byte{[]byte("x")})
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("want ErrDiskFull, got %v", err)
	}
	if st := sp.Stats(); st.Written != 0 {
		t.Fatalf("refused line was written: %+v", st)
	}
	if got := m.refused[DropDiskFull].Get(); got != 1 {
		t.Fatalf("disk_full refusals = %d", got)
	}
	if got := m.dropped[DropDiskFull].Get(); got != 0 {
		t.Fatalf("a refused HTTP line is not dropped, but counted %d", got)
	}
}

// TestTCPBackpressure fills a small spool over TCP: the connection must stay
// open with reading paused, and every line must arrive once space returns.
func TestTCPBackpressure(t *testing.T) {
	r, sp, _ := newTestReceiver(t, 64<<10, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.ServeStream(ctx, "tcp", "tcp", ln) }()

	const lines = 100000 // ~10 MB: far more than the spool and the kernel socket buffers hold
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	go func() {
		for i := range lines {
			if _, err := fmt.Fprintf(c, "line %05d %s\n", i, strings.Repeat("x", 80)); err != nil {
				sent <- err
				return
			}
		}
		sent <- c.Close()
	}()
	// Phase 1: nobody consumes. The spool fills and stops growing while the
	// sender is still blocked: reading is paused, the connection open.
	var last spool.Stats
	for stable := 0; stable < 20; {
		time.Sleep(20 * time.Millisecond)
		st := sp.Stats()
		if st.Written == last.Written && st.Written > 0 {
			stable++
		} else {
			stable = 0
		}
		last = st
	}
	if last.PendingBytes < 16<<10 { // a refused batch of up to 256 lines may not fit in the rest
		t.Fatalf("spool stopped growing before it was full: %+v", last)
	}
	select {
	case err := <-sent:
		t.Fatalf("sender finished (%v) although the spool holds only %d of %d lines", err, last.Written, lines)
	default:
	}
	// Phase 2: consume and commit like the pipeline: every line arrives.
	rd := sp.NewReader()
	got := 0
	deadline := time.Now().Add(30 * time.Second)
	for got < lines {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d lines arrived; spool %+v", got, lines, sp.Stats())
		}
		rec, err := rd.TryNext()
		if err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			sp.Commit(uint64(got)) // like the pipeline: commit after a batch
			time.Sleep(time.Millisecond)
			continue
		}
		want := fmt.Sprintf("line %05d ", got)
		if !strings.HasPrefix(string(rec.Line), want) {
			t.Fatalf("line %d: got %q", got, rec.Line[:12])
		}
		got++
	}
	if err := <-sent; err != nil {
		t.Fatalf("sender: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestUDPFloodDoesNotBlockTCP floods the UDP listener while a TCP sender
// delivers its lines; UDP losses are counted, TCP loses nothing.
func TestUDPFloodDoesNotBlockTCP(t *testing.T) {
	r, sp, m := newTestReceiver(t, 8<<20, 1)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	udpDone := make(chan error, 1)
	tcpDone := make(chan error, 1)
	go func() { udpDone <- r.ServeUDP(ctx, "udp", pc) }()
	go func() { tcpDone <- r.ServeStream(ctx, "tcp", "tcp", ln) }()

	stopFlood := make(chan struct{})
	flooded := make(chan int, 1)
	go func() {
		u, _ := net.Dial("udp", pc.LocalAddr().String())
		defer u.Close()
		msg := []byte("<13>" + strings.Repeat("u", 900))
		n := 0
		for n < 300000 {
			select {
			case <-stopFlood:
				flooded <- n
				return
			default:
			}
			u.Write(msg)
			n++
		}
		flooded <- n
	}()
	c, _ := net.Dial("tcp", ln.Addr().String())
	const tcpLines = 5000
	for i := range tcpLines {
		fmt.Fprintf(c, "tcp %d\n", i)
	}
	c.Close()
	// All TCP lines reach the spool even while the flood fills it.
	deadline := time.Now().Add(20 * time.Second)
	for m.Received["tcp"].Get() < tcpLines {
		if time.Now().After(deadline) {
			t.Fatalf("TCP delivered %d of %d lines during a UDP flood", m.Received["tcp"].Get(), tcpLines)
		}
		// Keep the spool draining so TCP is not simply waiting on space.
		sp.Commit(sp.Stats().Written)
		time.Sleep(10 * time.Millisecond)
	}
	close(stopFlood)
	n := <-flooded
	cancel()
	<-udpDone
	<-tcpDone
	recvd := m.Received["udp"].Get()
	dropped := m.dropped[DropUDPQueueFull].Get() + m.dropped[DropSpoolFull].Get()
	t.Logf("UDP: %d sent, %d spooled, %d dropped and counted (the rest lost in the kernel)", n, recvd, dropped)
	if recvd+dropped > uint64(n) {
		t.Fatalf("counted more UDP datagrams than were sent")
	}
}
