// Package api is Sekimori's HTTP API: authentication by API token or by a
// signed-in user's session cookie, one permission check per route by role
// (permission.go), tenant scoping of every read from the caller (never from
// the request), ingest, search, alerts, rules, users and tokens. One JSON
// error shape everywhere: {"error": {"code": "...", "message": "..."}}.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/sekimori/sekimori/internal/collect"
	"github.com/sekimori/sekimori/internal/detect"
	"github.com/sekimori/sekimori/internal/devconfig"
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
	// Configs pulls device configurations and runs approved restores (nil:
	// this server does neither).
	Configs ConfigCollector
	// ReloadDevices refreshes the registry from the state database.
	ReloadDevices func(ctx context.Context) error
	// Reassign moves the held lines of an unassigned source to a device.
	Reassign func(ctx context.Context, source string, dev state.Device) (int, error)
	// Ready reports whether the server can take traffic.
	Ready        func() error
	MaxBodyBytes int64
	// BodyReadTimeout bounds reading one request body, against clients
	// that dribble it (default DefaultBodyReadTimeout). Requests without a
	// body, streamed search among them, have no such bound.
	BodyReadTimeout time.Duration
	Logger          *slog.Logger
	// SessionIdle and SessionMaxAge bound browser sessions (defaults
	// DefaultSessionIdle and DefaultSessionMaxAge).
	SessionIdle, SessionMaxAge time.Duration
	// RateLimit bounds sign-in, token and password requests per client
	// address (zero: 10 a minute).
	RateLimit RateLimit
}

// ConfigCollector reaches devices for their configurations;
// *collect.Scheduler implements it.
type ConfigCollector interface {
	Pull(ctx context.Context, deviceID int64, actor string) (devconfig.Result, error)
	Approve(ctx context.Context, tenants []uint32, id int64, actor string) (collect.RestoreResult, error)
}

var _ ConfigCollector = (*collect.Scheduler)(nil)

// Server is the http.Handler for the API.
type Server struct {
	d           Deps
	mux         *http.ServeMux
	auditErrors *metrics.Counter
	limiter     *limiter
}

// New builds the API routes.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 64 << 20
	}
	if d.BodyReadTimeout <= 0 {
		d.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = DefaultSessionIdle
	}
	if d.SessionMaxAge <= 0 {
		d.SessionMaxAge = DefaultSessionMaxAge
	}
	s := &Server{d: d, mux: http.NewServeMux(), auditErrors: d.Metrics.GetOrCreateCounter("sekimori_audit_errors_total"),
		limiter: newLimiter(d.RateLimit, nil)}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.handler(rt))
	}
	return s
}

// route is one endpoint: its pattern, the permission it needs (checked in
// one place, Server.handler), and whether requests are rate-limited per
// client address (those that check passwords or make tokens).
type route struct {
	pattern string
	perm    perm
	limited bool
	h       func(w http.ResponseWriter, r *http.Request, p principal)
}

// routes lists every route but /healthz; tests enumerate it.
func (s *Server) routes() []route {
	return []route{
		{"POST /api/v1/login", permPublic, true, s.login},
		{"POST /api/v1/logout", permSelf, false, s.logout},
		{"GET /api/v1/session", permSelf, false, s.session},
		{"GET /readyz", permSelf, false, s.readyz},
		{"GET /metrics", permMetrics, false, s.metrics},
		{"GET /api/v1/openapi.json", permSelf, false, s.openapi},
		{"POST /api/v1/ingest", permIngest, false, s.ingest},
		{"GET /api/v1/search", permRead, false, s.search},
		{"GET /api/v1/hits", permRead, false, s.hits},
		{"GET /api/v1/facets", permRead, false, s.facets},
		{"GET /api/v1/tenants", permRead, false, s.listTenants},
		{"POST /api/v1/tenants", permTenants, false, s.createTenant},
		{"GET /api/v1/devices", permRead, false, s.listDevices},
		{"POST /api/v1/devices", permDevices, false, s.addDevice},
		{"GET /api/v1/alerts", permRead, false, s.listAlerts},
		{"GET /api/v1/alerts/{id}", permRead, false, s.getAlert},
		{"POST /api/v1/alerts/{id}/status", permTriage, false, s.setAlertStatus},
		{"POST /api/v1/alerts/{id}/assign", permTriage, false, s.assignAlert},
		{"GET /api/v1/logs/verify", permRead, false, s.verifyLogs},
		{"GET /api/v1/audit", permAudit, false, s.listAudit},
		{"GET /api/v1/rules", permRead, false, s.listRules},
		{"POST /api/v1/hunt", permHunt, false, s.hunt},
		{"GET /api/v1/rules/settings", permRead, false, s.ruleSettings},
		{"POST /api/v1/rules", permRuleFiles, false, s.uploadRule},
		{"DELETE /api/v1/rules/{name}", permRuleFiles, false, s.deleteRule},
		{"PUT /api/v1/rules/{id}/settings", permRuleSettings, false, s.setRuleSetting},
		{"GET /api/v1/assets", permRead, false, s.listAssets},
		{"GET /api/v1/assets/{id}", permRead, false, s.getAsset},
		{"POST /api/v1/assets/import", permAssets, false, s.importAssets},
		{"GET /api/v1/knowledge", permRead, false, s.listKnowledge},
		{"POST /api/v1/knowledge/import", permRuleFiles, false, s.importKnowledge},
		{"GET /api/v1/triage/tasks", permRead, false, s.triageTasks},
		{"PUT /api/v1/triage/settings", permRuleSettings, false, s.setTriageSettings},
		{"GET /api/v1/devices/{id}/configs", permRead, false, s.listConfigs},
		{"POST /api/v1/devices/{id}/configs", permConfigs, false, s.uploadConfig},
		{"GET /api/v1/devices/{id}/configs/diff", permRead, false, s.diffConfigs},
		{"POST /api/v1/devices/{id}/configs/pull", permConfigs, false, s.pullConfig},
		{"GET /api/v1/devices/{id}/audit", permRead, false, s.auditRuleset},
		{"GET /api/v1/ruleset-audit", permRead, false, s.auditTenant},
		{"GET /api/v1/devices/{id}/restores", permRead, false, s.listRestores},
		{"POST /api/v1/devices/{id}/restores", permConfigs, false, s.requestRestore},
		{"POST /api/v1/restores/{id}/approve", permConfigs, false, s.approveRestore},
		{"POST /api/v1/restores/{id}/refuse", permConfigs, false, s.refuseRestore},
		{"GET /api/v1/devices/{id}/configs/{gen}", permRead, false, s.getConfig},
		{"GET /api/v1/devices/{id}/configs/{gen}/restore-script", permConfigs, false, s.restoreScript},
		{"GET /api/v1/unassigned", permDevices, false, s.listUnassigned},
		{"POST /api/v1/unassigned/assign", permDevices, false, s.assign},
		{"GET /api/v1/users", permUsers, false, s.listUsers},
		{"POST /api/v1/users", permUsers, false, s.createUser},
		{"PATCH /api/v1/users/{id}", permUsers, false, s.updateUser},
		{"DELETE /api/v1/users/{id}", permUsers, false, s.deleteUser},
		{"POST /api/v1/users/{id}/password", permSelf, true, s.setPassword},
		{"POST /api/v1/users/{id}/totp", permSelf, false, s.enrollTOTP},
		{"POST /api/v1/users/{id}/totp/confirm", permSelf, true, s.confirmTOTP},
		{"DELETE /api/v1/users/{id}/totp", permSelf, false, s.disableTOTP},
		{"GET /api/v1/tokens", permTokens, false, s.listTokens},
		{"POST /api/v1/tokens", permTokens, true, s.createToken},
		{"DELETE /api/v1/tokens/{id}", permTokens, false, s.revokeToken},
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

// Unwrap lets http.ResponseController reach the connection (read
// deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets streamed responses (search) flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeList answers a list read from the state database as {key: [...]}
// ([] rather than null when empty), or the read's error.
func writeList[T any](w http.ResponseWriter, key string, list []T, err error) {
	if err != nil {
		stateError(w, err)
		return
	}
	if list == nil {
		list = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{key: list})
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
// ?tenant=NAME (or "unassigned", for those who see every tenant). A tenant
// outside p's scope gets 404, exactly as one that does not exist.
func (s *Server) tenantScope(ctx context.Context, r *http.Request, p principal) ([]uint32, *apiError) {
	name := r.URL.Query().Get("tenant")
	notFound := &apiError{http.StatusNotFound, "not_found", fmt.Sprintf("tenant %q not found", name)}
	switch {
	case name == "unassigned" && p.allTenants():
		return []uint32{0}, nil
	case name != "":
		t, err := s.d.State.TenantByName(ctx, name)
		if err != nil || !p.seesTenant(t.ID) {
			return nil, notFound
		}
		return []uint32{t.ID}, nil
	case !p.allTenants():
		return p.scope(), nil
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
