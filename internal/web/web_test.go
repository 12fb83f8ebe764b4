package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// built returns the embedded index.html and the paths of the script and
// stylesheet it loads.
func built(t *testing.T) (index string, assets []string) {
	t.Helper()
	b, err := fs.ReadFile(dist, "dist/index.html")
	if err != nil {
		t.Fatalf("no built UI: %v (cd web && npm ci && npm run build)", err)
	}
	index = string(b)
	for _, m := range regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(index, -1) {
		assets = append(assets, m[1])
	}
	if len(assets) < 2 {
		t.Fatalf("index.html loads %q; want a script and a stylesheet", assets)
	}
	return index, assets
}

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

func TestHandler(t *testing.T) {
	h := Handler()
	index, assets := built(t)
	var script string
	for _, a := range assets {
		if strings.HasSuffix(a, ".js") {
			script = a
		}
	}
	for _, tc := range []struct {
		method, path string
		status       int
		ctype, cache string
		index        bool // the body is index.html
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "no-cache", true},
		{"GET", "/search?q=action:deny&start=1h", 200, "text/html; charset=utf-8", "no-cache", true},
		{"GET", "/devices", 200, "text/html; charset=utf-8", "no-cache", true},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", "no-cache", true},
		{"GET", "/search/../../etc/passwd", 200, "text/html; charset=utf-8", "no-cache", true},
		{"GET", script, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", false},
		{"GET", "/favicon.svg", 200, "image/svg+xml", "no-cache", false},
		{"GET", "/assets/index-missing.js", 404, "", "", false},
		{"HEAD", "/", 200, "text/html; charset=utf-8", "no-cache", false},
		{"POST", "/", 405, "", "", false},
		{"DELETE", "/search", 405, "", "", false},
	} {
		res := get(t, h, tc.method, tc.path, nil)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, res.StatusCode, tc.status)
			continue
		}
		for k, want := range map[string]string{
			"Content-Security-Policy": ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("%s %s: %s = %q, want %q", tc.method, tc.path, k, got, want)
			}
		}
		if tc.status != 200 {
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.path, got, tc.ctype)
		}
		if got := res.Header.Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", tc.method, tc.path, got, tc.cache)
		}
		if tc.index && string(body) != index {
			t.Errorf("%s %s: not index.html", tc.method, tc.path)
		}
		if tc.method == "HEAD" && len(body) != 0 {
			t.Errorf("HEAD %s: %d bytes of body", tc.path, len(body))
		}
	}
}

func TestCSPFramesAndScripts(t *testing.T) {
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, d) {
			t.Errorf("CSP lacks %q", d)
		}
	}
	if strings.Contains(ContentSecurityPolicy, "unsafe-") || strings.Contains(ContentSecurityPolicy, "http") {
		t.Errorf("CSP allows inline code or other origins: %s", ContentSecurityPolicy)
	}
}

// TestNoInlineCodeNoInternet checks the build against the CSP and the
// offline rule: index.html has no inline script or style, and nothing the
// first screen loads comes from another origin.
func TestNoInlineCodeNoInternet(t *testing.T) {
	index, assets := built(t)
	for _, m := range regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(index, -1) {
		if !strings.Contains(m[1], `src="/`) || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script in index.html: %s", m[0])
		}
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<style`), regexp.MustCompile(`\sstyle=`), regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`(?:src|href)="(?:https?:)?//`),
	} {
		if loc := bad.FindString(index); loc != "" {
			t.Errorf("index.html has %q", loc)
		}
	}
	for _, a := range assets {
		if !strings.HasSuffix(a, ".css") {
			continue
		}
		css, _ := fs.ReadFile(dist, "dist"+a)
		if m := regexp.MustCompile(`(?i)@import|url\(\s*['"]?(?:https?:)?//`).Find(css); m != nil {
			t.Errorf("%s loads from the internet: %s", a, m)
		}
	}
}

// TestBundleSize keeps the first screen small: index.html and what it
// loads, gzipped, stay under 250 KB.
func TestBundleSize(t *testing.T) {
	const budget = 250 << 10
	h := Handler()
	_, assets := built(t)
	total := 0
	for _, p := range append([]string{"/"}, assets...) {
		res := get(t, h, "GET", p, map[string]string{"Accept-Encoding": "gzip"})
		body, _ := io.ReadAll(res.Body)
		if res.Header.Get("Content-Encoding") != "gzip" {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(body)
			zw.Close()
			body = b.Bytes()
		}
		total += len(body)
	}
	t.Logf("first screen: %d bytes gzipped", total)
	if total > budget {
		t.Errorf("first screen is %d bytes gzipped; the budget is %d", total, budget)
	}
}

func TestGzipAndETag(t *testing.T) {
	h := Handler()
	_, assets := built(t)
	plain := get(t, h, "GET", assets[0], nil)
	want, _ := io.ReadAll(plain.Body)
	etag := plain.Header.Get("ETag")
	if etag == "" || plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("plain response: ETag %q, Content-Encoding %q", etag, plain.Header.Get("Content-Encoding"))
	}
	for _, tc := range []struct {
		accept string
		gz     bool
	}{
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"*", true},
		{"identity", false},
		{"", false},
	} {
		res := get(t, h, "GET", assets[0], map[string]string{"Accept-Encoding": tc.accept})
		body, _ := io.ReadAll(res.Body)
		if got := res.Header.Get("Content-Encoding") == "gzip"; got != tc.gz {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", tc.accept, got, tc.gz)
			continue
		}
		if tc.gz {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		if !bytes.Equal(body, want) {
			t.Errorf("Accept-Encoding %q: body differs", tc.accept)
		}
		if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: no Vary", tc.accept)
		}
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		if res := get(t, h, "GET", assets[0], map[string]string{"If-None-Match": inm}); res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: status %d, want 304", inm, res.StatusCode)
		}
	}
	if res := get(t, h, "GET", assets[0], map[string]string{"If-None-Match": `"other"`}); res.StatusCode != 200 {
		t.Errorf("If-None-Match other: status %d", res.StatusCode)
	}
}
