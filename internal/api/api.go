// Package api is Sekimori's HTTP API: authentication by API token, tenant
// scoping of every read from the token (never from the request), ingest,
// search, tenants and devices. One JSON error shape everywhere:
// {"error": {"code": "...", "message": "..."}}.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/sekimori/sekimori/internal/detect"
	"github.com/sekimori/sekimori/internal/ingest"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/state"
)

// Deps is what the API serves from. All fields are required except Logger.
type Deps struct {
	State    *state.Store
	Logs     logstore.Store
	Receiver *ingest.Receiver
	Registry *ingest.Registry
	Metrics  *metrics.Set
	// Formats are the parsers devices may use (nil: the built-ins).
	Formats ingest.FormatSet
	// Rules returns the loaded detection rules (list and hunting).
	Rules func() *detect.SigmaRules
	// ReloadDevices refreshes the registry from the state database.
	ReloadDevices func(ctx context.Context) error
	// Reassign moves the held lines of an unassigned source to a device.
	Reassign func(ctx context.Context, source string, dev state.Device) (int, error)
	// Ready reports whether the server can take traffic.
	Ready        func() error
	MaxBodyBytes int64
	Logger       *slog.Logger
}

// Server is the http.Handler for the API.
type Server struct {
	d           Deps
	mux         *http.ServeMux
	auditErrors *metrics.Counter
}

// New builds the API routes.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 64 << 20
	}
	s := &Server{d: d, mux: http.NewServeMux(), auditErrors: d.Metrics.GetOrCreateCounter("sekimori_audit_errors_total")}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.auth(rt.admin, rt.h))
	}
	return s
}

type route struct {
	pattern string
	admin   bool // only admin tokens
	h       func(w http.ResponseWriter, r *http.Request, p principal)
}

// routes lists every authenticated route; tests enumerate it.
func (s *Server) routes() []route {
	return []route{
		{"GET /readyz", false, s.readyz},
		{"GET /metrics", false, s.metrics},
		{"GET /api/v1/openapi.json", false, s.openapi},
		{"POST /api/v1/ingest", false, s.ingest},
		{"GET /api/v1/search", false, s.search},
		{"GET /api/v1/hits", false, s.hits},
		{"GET /api/v1/facets", false, s.facets},
		{"GET /api/v1/tenants", false, s.listTenants},
		{"POST /api/v1/tenants", true, s.createTenant},
		{"GET /api/v1/devices", false, s.listDevices},
		{"POST /api/v1/devices", true, s.addDevice},
		{"GET /api/v1/alerts", false, s.listAlerts},
		{"GET /api/v1/alerts/{id}", false, s.getAlert},
		{"POST /api/v1/alerts/{id}/status", false, s.setAlertStatus},
		{"GET /api/v1/logs/verify", false, s.verifyLogs},
		{"GET /api/v1/audit", true, s.listAudit},
		{"GET /api/v1/rules", false, s.listRules},
		{"POST /api/v1/hunt", false, s.hunt},
		{"GET /api/v1/rules/settings", false, s.ruleSettings},
		{"POST /api/v1/rules", true, s.uploadRule},
		{"DELETE /api/v1/rules/{name}", true, s.deleteRule},
		{"PUT /api/v1/rules/{id}/settings", false, s.setRuleSetting},
		{"GET /api/v1/assets", false, s.listAssets},
		{"GET /api/v1/assets/{id}", false, s.getAsset},
		{"POST /api/v1/assets/import", false, s.importAssets},
		{"GET /api/v1/knowledge", false, s.listKnowledge},
		{"POST /api/v1/knowledge/import", true, s.importKnowledge},
		{"GET /api/v1/triage/tasks", false, s.triageTasks},
		{"PUT /api/v1/triage/settings", false, s.setTriageSettings},
		{"GET /api/v1/devices/{id}/configs", false, s.listConfigs},
		{"POST /api/v1/devices/{id}/configs", false, s.uploadConfig},
		{"GET /api/v1/devices/{id}/configs/diff", false, s.diffConfigs},
		{"GET /api/v1/devices/{id}/configs/{gen}", false, s.getConfig},
		{"GET /api/v1/devices/{id}/configs/{gen}/restore-script", false, s.restoreScript},
		{"GET /api/v1/unassigned", true, s.listUnassigned},
		{"POST /api/v1/unassigned/assign", true, s.assign},
	}
}

func (s *Server) formats() ingest.FormatSet {
	if s.d.Formats == nil {
		return ingest.BuiltinFormats
	}
	return s.d.Formats
}

// Patterns lists every route pattern ("METHOD /path"), for tests that
// prove each one's authentication and scoping.
func (s *Server) Patterns() []string {
	out := []string{"GET /healthz"}
	for _, rt := range s.routes() {
		out = append(out, rt.pattern)
	}
	return out
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Flush lets streamed responses (search) flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// principal is who is calling, from the token.
type principal struct {
	TokenID  int64
	Name     string
	Admin    bool
	TenantID uint32 // for tenant tokens
}

func (s *Server) auth(adminOnly bool, h func(http.ResponseWriter, *http.Request, principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		w = sw
		actor := "-"
		// An access log line per request, never with the token itself.
		defer func() {
			s.d.Logger.Debug("request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
				"status", sw.status, "actor", actor, "remote", r.RemoteAddr, "ms", time.Since(start).Milliseconds())
		}()
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sekimori"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "an API token is required: Authorization: Bearer <token>")
			return
		}
		tok, err := s.d.State.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if !errors.Is(err, state.ErrUnauthorized) {
				s.d.Logger.Error("authenticate", "err", err)
			}
			s.d.Logger.Info("rejected token", "remote", r.RemoteAddr, "path", r.URL.Path)
			writeError(w, http.StatusUnauthorized, "unauthorized", "invalid, expired or revoked token")
			return
		}
		p := principal{TokenID: tok.ID, Name: tok.Name, Admin: tok.Role == state.RoleAdmin, TenantID: tok.TenantID}
		actor = p.actor()
		if adminOnly && !p.Admin {
			writeError(w, http.StatusForbidden, "forbidden", "this endpoint needs an admin token")
			return
		}
		h(w, r, p)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ principal) {
	if err := s.d.Ready(); err != nil {
		writeError(w, http.StatusServiceUnavailable, "not_ready", err.Error())
		return
	}
	io.WriteString(w, "ready\n")
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ principal) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	s.d.Metrics.WritePrometheus(w)
	metrics.WriteProcessMetrics(w)
}

// tenantScope returns the tenants p may read, narrowed by an optional
// ?tenant=NAME (or "unassigned", admins only). A tenant token naming
// another tenant gets 404, exactly as for a tenant that does not exist.
func (s *Server) tenantScope(ctx context.Context, r *http.Request, p principal) ([]uint32, *apiError) {
	name := r.URL.Query().Get("tenant")
	if !p.Admin {
		if name != "" {
			t, err := s.d.State.TenantByName(ctx, name)
			if err != nil || t.ID != p.TenantID {
				return nil, &apiError{http.StatusNotFound, "not_found", fmt.Sprintf("tenant %q not found", name)}
			}
		}
		return []uint32{p.TenantID}, nil
	}
	if name == "unassigned" {
		return []uint32{0}, nil
	}
	if name != "" {
		t, err := s.d.State.TenantByName(ctx, name)
		if err != nil {
			return nil, &apiError{http.StatusNotFound, "not_found", fmt.Sprintf("tenant %q not found", name)}
		}
		return []uint32{t.ID}, nil
	}
	ts, err := s.d.State.ListTenants(ctx)
	if err != nil {
		return nil, &apiError{http.StatusInternalServerError, "internal", "list tenants"}
	}
	ids := []uint32{0}
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return ids, nil
}

type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) write(w http.ResponseWriter) { writeError(w, e.status, e.code, e.message) }

// parseTime accepts RFC 3339, unix seconds (with fraction), or a duration
// meaning "that long ago" ("24h", "30m", "7d").
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	var sec float64
	if _, err := fmt.Sscanf(s, "%g", &sec); err == nil && !strings.ContainsAny(s, " \t") {
		return time.Unix(0, int64(sec*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("%q is not RFC 3339, unix seconds or a duration like 24h", s)
}

// timeNow is the clock for relative times.
var timeNow = time.Now

// ParseDuration is time.ParseDuration plus a "d" (day) unit.
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days float64
		if _, err := fmt.Sscanf(n, "%g", &days); err == nil && days >= 0 {
			return time.Duration(days * float64(24*time.Hour)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like 90s, 15m, 24h, 7d", s)
	}
	return d, nil
}
