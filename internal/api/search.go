package api

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/jsonw"
	"github.com/sekimori/sekimori/internal/logstore"
)

// readRequest builds a store request from q, start, end (or since) and
// limit, with the tenant scope from the token.
func (s *Server) readRequest(r *http.Request, p principal) (logstore.Request, *apiError) {
	tenants, aerr := s.tenantScope(r.Context(), r, p)
	if aerr != nil {
		return logstore.Request{}, aerr
	}
	v := r.URL.Query()
	now := time.Now()
	req := logstore.Request{Tenants: tenants, Query: v.Get("q")}
	var err error
	startParam := v.Get("start")
	if startParam == "" {
		startParam = v.Get("since")
	}
	if req.Start, err = parseTime(startParam, now); err != nil {
		return req, &apiError{http.StatusBadRequest, "bad_request", "start: " + err.Error()}
	}
	if req.End, err = parseTime(v.Get("end"), now); err != nil {
		return req, &apiError{http.StatusBadRequest, "bad_request", "end: " + err.Error()}
	}
	if !req.Start.IsZero() && !req.End.IsZero() && !req.End.After(req.Start) {
		return req, &apiError{http.StatusBadRequest, "bad_request", "end must be after start"}
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return req, &apiError{http.StatusBadRequest, "bad_request", "limit: want a non-negative integer, got " + strconv.Quote(l)}
		}
		req.Limit = n
	}
	return req, nil
}

func storeError(err error) *apiError {
	if errors.Is(err, logstore.ErrBadQuery) {
		return &apiError{http.StatusBadRequest, "bad_query", err.Error()}
	}
	return &apiError{http.StatusInternalServerError, "internal", "query failed"}
}

// search streams matching events as JSON lines, newest first when a limit
// is given (default 1000; limit=0 streams every match, unsorted).
func (s *Server) search(w http.ResponseWriter, r *http.Request, p principal) {
	if !r.URL.Query().Has("limit") {
		q := r.URL.Query()
		q.Set("limit", "1000")
		r.URL.RawQuery = q.Encode()
	}
	req, aerr := s.readRequest(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	if req.Limit == 0 {
		s.audit(r, p, "logs.export", "tenants/"+fmt.Sprint(req.Tenants), nil, map[string]any{"q": req.Query, "start": req.Start, "end": req.End})
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	started := false
	var line []byte
	err := s.d.Logs.Search(r.Context(), req, func(row []event.Field) error {
		if !started {
			w.Header().Set("Content-Type", "application/x-ndjson")
			started = true
		}
		line = appendRowJSON(line[:0], row)
		_, err := bw.Write(line)
		return err
	})
	if err != nil && !started {
		if r.Context().Err() == nil {
			storeError(err).write(w)
		}
		return
	}
	if !started {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	bw.Flush()
}

// appendRowJSON writes a row as one JSON object, keeping field order.
func appendRowJSON(dst []byte, row []event.Field) []byte {
	dst = append(dst, '{')
	for i, f := range row {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.AppendString(dst, f.Name)
		dst = append(dst, ':')
		dst = jsonw.AppendString(dst, f.Value)
	}
	return append(dst, '}', '\n')
}

func (s *Server) hits(w http.ResponseWriter, r *http.Request, p principal) {
	req, aerr := s.readRequest(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	step := time.Hour
	if st := r.URL.Query().Get("step"); st != "" {
		d, err := ParseDuration(st)
		if err != nil || d <= 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "step: want a positive duration like 1m, 1h, 1d")
			return
		}
		step = d
	}
	if !req.Start.IsZero() {
		end := req.End
		if end.IsZero() {
			end = time.Now()
		}
		if end.Sub(req.Start)/step > 100000 {
			writeError(w, http.StatusBadRequest, "bad_request", "step: more than 100000 buckets; use a larger step")
			return
		}
	}
	b, err := s.d.Logs.Hits(r.Context(), req, step)
	if err != nil {
		storeError(err).write(w)
		return
	}
	if b == nil {
		b = []logstore.Bucket{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"step": step.String(), "buckets": b})
}

func (s *Server) facets(w http.ResponseWriter, r *http.Request, p principal) {
	req, aerr := s.readRequest(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	field := r.URL.Query().Get("field")
	if field == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "field is required")
		return
	}
	limit := req.Limit
	if limit == 0 || limit > 1000 {
		limit = 10
	}
	vals, err := s.d.Logs.Facets(r.Context(), req, field, limit)
	if err != nil {
		storeError(err).write(w)
		return
	}
	if vals == nil {
		vals = []logstore.ValueCount{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"field": field, "values": vals})
}
