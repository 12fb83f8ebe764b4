package api

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBodyReadTimeout: a client that sends its headers and then dribbles
// (here: stops sending) its body gets 408 once BodyReadTimeout passes; one
// that sends it in time is served, and its connection stays usable.
func TestBodyReadTimeout(t *testing.T) {
	fx := newFixture(t)
	fx.api.d.BodyReadTimeout = 300 * time.Millisecond

	c, err := net.Dial("tcp", fx.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/v1/ingest?device=fw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 1000\r\n\r\n<13>partial", fx.tokA)
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), `"request_timeout"`) {
		t.Errorf("stalled body: %d %s, want 408", resp.StatusCode, b)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered after %v, want about 300ms", d)
	}

	// In time, over one keep-alive connection: the deadline of the first
	// request does not cut the second.
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	for i := range 2 {
		req, _ := http.NewRequest("POST", fx.srv.URL+"/api/v1/ingest?device=fw", strings.NewReader("<13>line\n"))
		req.Header.Set("Authorization", "Bearer "+fx.tokA)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("request %d in time: %d", i, resp.StatusCode)
		}
		time.Sleep(400 * time.Millisecond) // past the first request's bound
	}
}
