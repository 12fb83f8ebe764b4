package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sekimori/sekimori/internal/devconfig"
	"github.com/sekimori/sekimori/internal/logstore"
	"github.com/sekimori/sekimori/internal/ruleaudit"
	"github.com/sekimori/sekimori/internal/state"
)

// configDevice resolves {id} to a device in the caller's tenants; another
// tenant's device is 404, like one that does not exist.
func (s *Server) configDevice(w http.ResponseWriter, r *http.Request, p principal) (state.Device, bool) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return state.Device{}, false
	}
	id, ok := pathID(w, r, "device")
	if !ok {
		return state.Device{}, false
	}
	dev, err := s.d.State.DeviceByID(r.Context(), tenants, id)
	if err != nil {
		stateError(w, err)
		return state.Device{}, false
	}
	return dev, true
}

// listConfigs: GET /api/v1/devices/{id}/configs — generations and pulls.
func (s *Server) listConfigs(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	gens, err := s.d.State.ConfigGenerations(r.Context(), []uint32{dev.TenantID}, dev.ID)
	if err != nil {
		stateError(w, err)
		return
	}
	pulls, err := s.d.State.ConfigPulls(r.Context(), []uint32{dev.TenantID}, dev.ID, 100)
	if err != nil {
		stateError(w, err)
		return
	}
	if gens == nil {
		gens = []state.ConfigGeneration{}
	}
	if pulls == nil {
		pulls = []state.ConfigPull{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"device": dev.Name, "generations": gens, "pulls": pulls})
}

// uploadConfig: POST /api/v1/devices/{id}/configs with the file as body.
func (s *Server) uploadConfig(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	data, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	res, err := devconfig.Keep(r.Context(), s.d.State, dev, data, "upload", p.actor())
	if err != nil {
		if errors.Is(err, devconfig.ErrRejected) {
			writeError(w, http.StatusUnprocessableEntity, "rejected", err.Error())
			return
		}
		stateError(w, err)
		return
	}
	s.audit(r, p, "config.upload", fmt.Sprintf("device/%d/config/%d", dev.ID, res.Generation.Gen), nil,
		map[string]any{"new": res.New, "severity": res.Severity, "sha256": res.Generation.SHA256})
	writeJSON(w, http.StatusOK, res)
}

func genParam(w http.ResponseWriter, v string) (int, bool) {
	if v == "" || v == "latest" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("generation %q: want a positive number or latest", v))
		return 0, false
	}
	return n, true
}

// getConfig: GET /api/v1/devices/{id}/configs/{gen} — the full file, as
// pulled (restorable), or with secrets masked (?masked=true).
func (s *Server) getConfig(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	gen, ok := genParam(w, r.PathValue("gen"))
	if !ok {
		return
	}
	g, data, err := s.d.State.ConfigContent(r.Context(), []uint32{dev.TenantID}, dev.ID, gen)
	if err != nil {
		stateError(w, err)
		return
	}
	if r.URL.Query().Get("masked") == "true" || !p.can(permConfigs) {
		// Secrets only for those who may restore configurations.
		data = devconfig.Mask(devconfig.Kind(g.Kind), data)
	} else {
		s.audit(r, p, "config.download", fmt.Sprintf("device/%d/config/%d", dev.ID, g.Gen), nil, nil)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-gen%d.conf"`, dev.Name, g.Gen))
	w.Write(data)
}

// diffConfigs: GET /api/v1/devices/{id}/configs/diff?a=&b= (default: the
// latest two) — semantic changes (en, ja) and a unified diff, masked.
func (s *Server) diffConfigs(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	q := r.URL.Query()
	a, okA := genParam(w, q.Get("a"))
	if !okA {
		return
	}
	b, okB := genParam(w, q.Get("b"))
	if !okB {
		return
	}
	if a == 0 {
		gens, err := s.d.State.ConfigGenerations(r.Context(), []uint32{dev.TenantID}, dev.ID)
		if err != nil {
			stateError(w, err)
			return
		}
		if len(gens) < 2 {
			writeError(w, http.StatusNotFound, "not_found", "fewer than two generations")
			return
		}
		a = gens[1].Gen
	}
	ga, da, err := s.d.State.ConfigContent(r.Context(), []uint32{dev.TenantID}, dev.ID, a)
	if err != nil {
		stateError(w, err)
		return
	}
	gb, db, err := s.d.State.ConfigContent(r.Context(), []uint32{dev.TenantID}, dev.ID, b)
	if err != nil {
		stateError(w, err)
		return
	}
	c := devconfig.Compare(devconfig.Kind(gb.Kind), da, db)
	unified := devconfig.UnifiedDiff(fmt.Sprintf("%s@%d", dev.Name, ga.Gen), fmt.Sprintf("%s@%d", dev.Name, gb.Gen),
		devconfig.Mask(devconfig.Kind(ga.Kind), da), devconfig.Mask(devconfig.Kind(gb.Kind), db), 3)
	writeJSON(w, http.StatusOK, map[string]any{"a": ga.Gen, "b": gb.Gen, "semantic": nonNilStrings(c.Semantic), "semantic_ja": nonNilStrings(c.Japanese), "unified": unified})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// restoreScript: GET /api/v1/devices/{id}/configs/{gen}/restore-script —
// the FortiOS CLI that brings the latest configuration back to {gen}.
func (s *Server) restoreScript(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	gen, ok := genParam(w, r.PathValue("gen"))
	if !ok {
		return
	}
	_, cur, err := s.d.State.ConfigContent(r.Context(), []uint32{dev.TenantID}, dev.ID, 0)
	if err != nil {
		stateError(w, err)
		return
	}
	_, target, err := s.d.State.ConfigContent(r.Context(), []uint32{dev.TenantID}, dev.ID, gen)
	if err != nil {
		stateError(w, err)
		return
	}
	script, err := devconfig.RestoreDelta(cur, target)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "unsupported", err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(script))
}

// pullConfig: POST /api/v1/devices/{id}/configs/pull — pull now.
func (s *Server) pullConfig(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	if s.d.Configs == nil {
		writeError(w, http.StatusNotImplemented, "unsupported", "this server does not pull configurations")
		return
	}
	res, err := s.d.Configs.Pull(r.Context(), dev.ID, p.actor())
	switch {
	case errors.Is(err, state.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("device %s has no collect source: set one with sekimori configs source", dev.Name))
		return
	case errors.Is(err, devconfig.ErrRejected):
		writeError(w, http.StatusUnprocessableEntity, "rejected", err.Error())
		return
	case err != nil:
		writeError(w, http.StatusBadGateway, "pull_failed", err.Error())
		return
	}
	s.audit(r, p, "config.pull", fmt.Sprintf("device/%d/config/%d", dev.ID, res.Generation.Gen), nil, map[string]any{"new": res.New, "severity": res.Severity})
	writeJSON(w, http.StatusOK, res)
}

// auditRuleset: GET /api/v1/devices/{id}/audit?generation= — ruleset
// findings of a generation (default the latest), per VDOM, with the score's
// trend over the device's recent generations.
func (s *Server) auditRuleset(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	gen, ok := genParam(w, r.URL.Query().Get("generation"))
	if !ok {
		return
	}
	da, err := ruleaudit.AuditDevice(r.Context(), s.d.State, dev, gen, timeNow(), s.policyCounter)
	switch {
	case errors.Is(err, ruleaudit.ErrUnsupported):
		writeError(w, http.StatusUnprocessableEntity, "unsupported", err.Error())
		return
	case err != nil:
		stateError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, da)
}

// listRestores: GET /api/v1/devices/{id}/restores.
func (s *Server) listRestores(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	list, err := s.d.State.Restores(r.Context(), []uint32{dev.TenantID}, dev.ID)
	writeList(w, "restores", list, err)
}

// requestRestore: POST /api/v1/devices/{id}/restores {generation, reason}:
// a request a second person must approve.
func (s *Server) requestRestore(w http.ResponseWriter, r *http.Request, p principal) {
	dev, ok := s.configDevice(w, r, p)
	if !ok {
		return
	}
	var in struct {
		Generation int    `json:"generation"`
		Reason     string `json:"reason"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Generation < 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "generation: want a positive number")
		return
	}
	req, err := s.d.State.RequestRestore(r.Context(), []uint32{dev.TenantID}, dev.ID, in.Generation, in.Reason, p.actor())
	if err != nil {
		stateError(w, err)
		return
	}
	s.audit(r, p, "config.restore.request", fmt.Sprintf("device/%d/restore/%d", dev.ID, req.ID), nil, req)
	writeJSON(w, http.StatusCreated, req)
}

// approveRestore: POST /api/v1/restores/{id}/approve — by a second
// person; runs the restore (backup, push, read-back) and answers how it
// went.
func (s *Server) approveRestore(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, id, ok := s.scopedID(w, r, p, "restore")
	if !ok {
		return
	}
	if s.d.Configs == nil {
		writeError(w, http.StatusNotImplemented, "unsupported", "this server does not push configurations")
		return
	}
	res, err := s.d.Configs.Approve(r.Context(), tenants, id, p.actor())
	s.audit(r, p, "config.restore.approve", fmt.Sprintf("restore/%d", id), nil, res)
	switch {
	case err != nil && res.Restore.Status == state.RestoreFailed:
		// Decided, then failed (backup, push or read-back): say where.
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": map[string]string{"code": "restore_failed", "message": err.Error()}, "restore": res.Restore})
	case errors.Is(err, state.ErrSamePerson):
		writeError(w, http.StatusForbidden, "second_person_required", err.Error())
	case errors.Is(err, state.ErrNotFound), errors.Is(err, state.ErrInvalid):
		stateError(w, err)
	case err != nil:
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": map[string]string{"code": "restore_failed", "message": err.Error()}, "restore": res.Restore})
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// refuseRestore: POST /api/v1/restores/{id}/refuse.
func (s *Server) refuseRestore(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, id, ok := s.scopedID(w, r, p, "restore")
	if !ok {
		return
	}
	req, err := s.d.State.DecideRestore(r.Context(), tenants, id, false, p.actor())
	if err != nil {
		stateError(w, err)
		return
	}
	s.audit(r, p, "config.restore.refuse", fmt.Sprintf("restore/%d", id), nil, req)
	writeJSON(w, http.StatusOK, req)
}

// auditTenant: GET /api/v1/ruleset-audit?tenant= — the ruleset score of
// each of a tenant's devices and the tenant's score.
func (s *Server) auditTenant(w http.ResponseWriter, r *http.Request, p principal) {
	t, aerr := s.oneTenant(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	ta, err := ruleaudit.AuditTenant(r.Context(), s.d.State, t.ID, timeNow(), s.policyCounter)
	if err != nil {
		stateError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ta)
}

// policyCounter counts a FortiGate's traffic logs by policyid in the log
// store (the device's own counters are preferred when it has them), and
// finds the day its stored lines begin.
func (s *Server) policyCounter(ctx context.Context, dev state.Device, vdom string, days int) (map[string]int64, time.Time, error) {
	now := timeNow()
	q := "device:=" + strconv.Quote(dev.Name) + " policyid:*"
	if vdom != "" {
		q += " vd:=" + strconv.Quote(vdom)
	}
	req := logstore.Request{Tenants: []uint32{dev.TenantID}, Query: q, Start: now.Add(-time.Duration(days) * 24 * time.Hour), End: now}
	vals, err := s.d.Logs.Facets(ctx, req, "policyid", 10000)
	if err != nil {
		return nil, time.Time{}, err
	}
	counts := make(map[string]int64, len(vals))
	for _, v := range vals {
		counts[v.Value] = int64(v.Count)
	}
	// Since when the store holds the device's lines: look further back
	// than the window (a rule is unused only if the logs cover it).
	req.Query, req.Start = "device:="+strconv.Quote(dev.Name), now.Add(-time.Duration(2*days)*24*time.Hour)
	buckets, err := s.d.Logs.Hits(ctx, req, 24*time.Hour)
	if err != nil {
		return nil, time.Time{}, err
	}
	var since time.Time
	for _, b := range buckets {
		if b.Count > 0 && (since.IsZero() || b.Time.Before(since)) {
			since = b.Time
		}
	}
	return counts, since, nil
}
