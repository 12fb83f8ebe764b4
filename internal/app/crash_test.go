package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// sekimoriBinary builds the real binary once per test run.
func sekimoriBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sekimori-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "sekimori")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/sekimori").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sekimori %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type server struct {
	cmd   *exec.Cmd
	addr  string
	token string
	log   *os.File
}

func startServer(t *testing.T, bin, data, addr, token string, extra ...string) *server {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(data, "..", "serve.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--data", data, "--http", addr}, extra...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, addr: addr, token: token, log: logf}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("GET", "http://"+addr+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("server not ready after 30s: %v\n%s", err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) kill9(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s.log.Close()
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exit: %v", err)
		}
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		t.Error("server did not stop within 60s of SIGTERM")
	}
	s.log.Close()
}

func (s *server) get(t *testing.T, path string) (*http.Response, error) {
	req, _ := http.NewRequest("GET", "http://"+s.addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	return http.DefaultClient.Do(req)
}

// ids returns how often each id= value occurs among stored events.
func (s *server) ids(t *testing.T) map[string]int {
	t.Helper()
	resp, err := s.get(t, "/api/v1/search?q=*&limit=0&tenant=t1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("search: %s %s", resp.Status, b)
	}
	got := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var row map[string]string
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("bad row %q: %v", sc.Text(), err)
		}
		got[row["id"]]++
	}
	return got
}

// TestKill9LosesNothingAcknowledged kills the real server with SIGKILL
// while clients push lines over HTTP, twice (once mid-ingest, once right
// after restart during replay), then checks that every acknowledged line is
// stored exactly once and that nothing is stored twice.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a real server")
	}
	bin := sekimoriBinary(t)
	root := t.TempDir()
	data := filepath.Join(root, "data")
	run(t, bin, "tenant", "create", "t1", "--data", data)
	run(t, bin, "device", "add", "--data", data, "--tenant", "t1", "--name", "d1", "--source", "192.0.2.1", "--format", "kv")
	token := run(t, bin, "token", "create", "--data", data, "--role", "admin")
	addr := freePort(t)

	var mu sync.Mutex
	acked := map[string]bool{}
	sent := 0
	round := 0
	push := func(ctx context.Context, s *server, writer int) {
		client := &http.Client{Timeout: 10 * time.Second}
		for n := 0; ctx.Err() == nil; n++ {
			var b strings.Builder
			var batch []string
			size := 1 + rand.IntN(200)
			for i := range size {
				id := fmt.Sprintf("r%d-w%d-%d-%d", round, writer, n, i)
				batch = append(batch, id)
				fmt.Fprintf(&b, "id=%s action=accept srcip=10.0.0.%d msg=\"line %d of batch %d\"\n", id, i%250, i, n)
			}
			req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+s.addr+"/api/v1/ingest?device=d1", strings.NewReader(b.String()))
			req.Header.Set("Authorization", "Bearer "+s.token)
			mu.Lock()
			sent += size
			mu.Unlock()
			resp, err := client.Do(req)
			if err != nil {
				return // the server died: this batch is not acknowledged
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				mu.Lock()
				for _, id := range batch {
					acked[id] = true
				}
				mu.Unlock()
			}
		}
	}
	pushFor := func(s *server, d time.Duration) {
		round++
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() { defer wg.Done(); push(ctx, s, w) }()
		}
		time.Sleep(d)
		s.kill9(t) // mid-request for some writers
		cancel()
		wg.Wait()
	}

	s := startServer(t, bin, data, addr, token)
	pushFor(s, time.Duration(1500+rand.IntN(1500))*time.Millisecond)
	first := len(acked)
	// Restart and kill again almost at once: during spool replay.
	s = startServer(t, bin, data, addr, token)
	pushFor(s, time.Duration(200+rand.IntN(300))*time.Millisecond)
	s = startServer(t, bin, data, addr, token)
	defer s.stop(t)
	t.Logf("acknowledged %d lines (%d before the first kill) of %d sent", len(acked), first, sent)
	if first == 0 {
		t.Fatal("nothing was acknowledged before the first kill; the test proves nothing")
	}

	// Wait until every acknowledged line is searchable (the spool drains
	// asynchronously), then check for losses and duplicates.
	deadline := time.Now().Add(60 * time.Second)
	var got map[string]int
	for {
		got = s.ids(t)
		missing := 0
		for id := range acked {
			if got[id] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged lines are missing after restart", missing, len(acked))
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // let anything that would duplicate arrive
	got = s.ids(t)
	dups := 0
	for id, n := range got {
		if n > 1 {
			dups++
			if dups < 3 {
				resp, _ := s.get(t, "/api/v1/search?q=id:="+id+"&limit=0&tenant=t1")
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				t.Errorf("line %s stored %d times:\n%s", id, n, b)
			}
		}
	}
	if dups > 0 {
		t.Fatalf("%d lines stored more than once", dups)
	}
	t.Logf("stored %d distinct lines: all %d acknowledged present, no duplicates", len(got), len(acked))
}
