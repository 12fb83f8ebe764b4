// Package web serves Sekimori's browser UI: the single-page app that web/
// builds with Vite into dist/, committed and embedded in the binary, so that
// neither `go build` nor `go test` needs Node and the UI works offline.
//
// Every path that is not a file of the build gets index.html, so that the
// app's own routes (/search, /devices?tenant=acme) can be loaded and shared
// as links. The app calls the API on the same origin; the API is mounted
// beside this handler by internal/app.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is sent with every response: only files of this
// origin may run or style the page (no inline scripts or styles, nothing
// from the internet), it may call only this origin, and no other site may
// frame it.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; " +
	"frame-ancestors 'none'; object-src 'none'"

// Handler returns the UI's handler. It answers GET and HEAD only; it is safe
// for concurrent use. Files under /assets/ have content hashes in their names
// and are cached for a year; everything else is revalidated each time.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(fmt.Sprintf("web: embedded dist: %v", err)) // the build embeds it: a programming error
	}
	h, err := newHandler(sub)
	if err != nil {
		panic(fmt.Sprintf("web: embedded dist: %v", err))
	}
	return h
}

// asset is one file, ready to serve.
type asset struct {
	body      []byte
	gz        []byte // nil when gzip does not make it smaller
	ctype     string
	etag      string
	immutable bool
}

type handler struct {
	files map[string]*asset // by URL path: "/index.html", "/assets/index-XXXX.js"
	index *asset
}

func newHandler(fsys fs.FS) (*handler, error) {
	h := &handler{files: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		h.files["/"+p] = newAsset(p, body)
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.index = h.files["/index.html"]
	if h.index == nil {
		return nil, fmt.Errorf("no index.html: build the UI with `cd web && npm ci && npm run build`")
	}
	return h, nil
}

func newAsset(p string, body []byte) *asset {
	sum := sha256.Sum256(body)
	a := &asset{
		body:      body,
		etag:      `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		immutable: strings.HasPrefix(p, "assets/"),
	}
	ext := path.Ext(p)
	a.ctype = mime.TypeByExtension(ext)
	switch ext { // not every system's MIME table knows these
	case ".js", ".mjs":
		a.ctype = "text/javascript; charset=utf-8"
	case ".css":
		a.ctype = "text/css; charset=utf-8"
	case ".html":
		a.ctype = "text/html; charset=utf-8"
	case ".svg":
		a.ctype = "image/svg+xml"
	case ".json", ".map":
		a.ctype = "application/json"
	}
	if a.ctype == "" {
		a.ctype = "application/octet-stream"
	}
	if compressible(a.ctype) && len(body) > 512 {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if b.Len() < len(body) {
			a.gz = b.Bytes()
		}
	}
	return a
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	a, ok := h.files[p]
	switch {
	case ok && p != "/index.html":
	case strings.HasPrefix(p, "/assets/"):
		// A missing hashed file is an old or broken reference: answering
		// index.html would hide it behind a MIME error.
		http.Error(w, "not found", http.StatusNotFound)
		return
	default:
		a = h.index // a route of the app
	}
	if a.immutable {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	hd.Set("Content-Type", a.ctype)
	hd.Set("ETag", a.etag)
	if a.gz != nil {
		hd.Add("Vary", "Accept-Encoding")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body = a.gz
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// etagMatch implements If-None-Match's weak comparison (RFC 9110 section 13.1.2).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reads Accept-Encoding (RFC 9110 section 12.5.3): gzip, unless
// given q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return !strings.HasPrefix(q, "q=0") || strings.HasPrefix(q, "q=0.") && strings.Trim(q[4:], "0") != ""
	}
	return false
}
