package api

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/sekimori/sekimori/internal/ingest"
	"github.com/sekimori/sekimori/internal/spool"
	"github.com/sekimori/sekimori/internal/state"
)

// ingest takes newline-separated raw lines for one device and answers 200
// only once they are durable in the spool.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request, p principal) {
	ctx := r.Context()
	v := r.URL.Query()
	name := v.Get("device")
	if name == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "device is required: POST /api/v1/ingest?device=NAME")
		return
	}
	dev, aerr := s.findDevice(r, p, v.Get("tenant"), name)
	if aerr != nil {
		aerr.write(w)
		return
	}
	if _, ok := s.d.Registry.ByID(dev.ID); !ok {
		// Created moments ago by another process: refresh before spooling
		// so the pipeline knows the device.
		if err := s.d.ReloadDevices(ctx); err != nil {
			writeError(w, http.StatusServiceUnavailable, "unavailable", "device registry is being reloaded; retry")
			return
		}
	}
	body := io.Reader(http.MaxBytesReader(w, r.Body, s.d.MaxBodyBytes))
	br := bufio.NewReader(body)
	if magic, _ := br.Peek(2); r.Header.Get("Content-Encoding") == "gzip" || bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "body: not valid gzip: "+err.Error())
			return
		}
		defer zr.Close()
		body = io.LimitReader(zr, s.d.MaxBodyBytes+1)
	} else {
		body = br
	}
	data, err := io.ReadAll(body)
	var mbe *http.MaxBytesError
	if isTimeout(err) {
		s.bodyTimeout(w)
		return
	}
	if errors.As(err, &mbe) || int64(len(data)) > s.d.MaxBodyBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes; split it into several requests", s.d.MaxBodyBytes))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "read body: "+err.Error())
		return
	}
	var lines [][]byte
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) > 0 {
			lines = append(lines, line)
		}
	}
	if len(lines) > 0 {
		src := "http"
		if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			src = h
		}
		err := s.d.Receiver.AppendDevice(transportOf(r), dev.ID, src, lines)
		switch {
		case errors.Is(err, spool.ErrFull), errors.Is(err, ingest.ErrDiskFull):
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, "busy", "not accepted: "+err.Error()+"; nothing of this request was stored, retry later")
			return
		case err != nil:
			s.d.Logger.Error("spool append", "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "could not store the lines; nothing of this request was acknowledged")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"accepted": len(lines), "device": dev.Name})
}

func transportOf(r *http.Request) string {
	if r.Header.Get("X-Sekimori-Import") != "" {
		return "import"
	}
	return "http"
}

// findDevice resolves a device name among the tenants p sees; the tenant
// is needed only when the name is not unique there. A tenant or device
// outside p's scope is not found.
func (s *Server) findDevice(r *http.Request, p principal, tenant, name string) (state.Device, *apiError) {
	ctx := r.Context()
	notFound := &apiError{http.StatusNotFound, "not_found", fmt.Sprintf("device %q not found", name)}
	if tenant != "" {
		t, err := s.d.State.TenantByName(ctx, tenant)
		if err != nil || !p.seesTenant(t.ID) {
			return state.Device{}, &apiError{http.StatusNotFound, "not_found", fmt.Sprintf("tenant %q not found", tenant)}
		}
		d, err := s.d.State.Device(ctx, t.ID, name)
		if err != nil {
			return state.Device{}, notFound
		}
		return d, nil
	}
	all, err := s.d.State.ListDevices(ctx, 0)
	if err != nil {
		return state.Device{}, &apiError{http.StatusInternalServerError, "internal", "list devices"}
	}
	var found []state.Device
	for _, d := range all {
		if d.Name == name && p.seesTenant(d.TenantID) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return state.Device{}, notFound
	case 1:
		return found[0], nil
	}
	return state.Device{}, &apiError{http.StatusBadRequest, "ambiguous", fmt.Sprintf("device %q exists in %d tenants; add tenant=NAME", name, len(found))}
}
