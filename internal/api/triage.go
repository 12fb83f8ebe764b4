package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"

	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/triage"
)

// oneTenant is the single tenant a write applies to: the caller's only
// tenant, or the ?tenant= it names (required when it sees several).
func (s *Server) oneTenant(r *http.Request, p principal) (state.Tenant, *apiError) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		return state.Tenant{}, aerr
	}
	if len(tenants) != 1 {
		return state.Tenant{}, &apiError{http.StatusBadRequest, "bad_request", "tenant: required (name the tenant with ?tenant=)"}
	}
	t, err := s.d.State.Tenant(r.Context(), tenants[0])
	if err != nil {
		return state.Tenant{}, &apiError{http.StatusNotFound, "not_found", "tenant not found"}
	}
	return t, nil
}

// listAssets: GET /api/v1/assets?tenant=&ip=
func (s *Server) listAssets(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	ip := r.URL.Query().Get("ip")
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "ip: "+err.Error())
			return
		}
		ip = a.String()
	}
	list, err := s.d.State.Assets(r.Context(), tenants, ip)
	writeList(w, "assets", list, err)
}

// getAsset: GET /api/v1/assets/{id}?tenant= with its history; another
// tenant's asset is 404.
func (s *Server) getAsset(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	a, err := s.d.State.Asset(r.Context(), tenants, r.PathValue("id"))
	if err != nil {
		stateError(w, err)
		return
	}
	alerts := []state.Alert{}
	if addrs := hostAddrs(a); len(addrs) > 0 { // no address: no alert can aim at it
		if alerts, err = s.d.State.ListAlerts(r.Context(), state.AlertFilter{Tenants: []uint32{a.TenantID}, TargetIPs: addrs, Limit: 100}); err != nil {
			stateError(w, err)
			return
		}
	}
	if alerts == nil {
		alerts = []state.Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"asset": a, "alerts": alerts})
}

func hostAddrs(a state.Asset) []string {
	var out []string
	for _, ip := range slices.Concat(a.Host.IPs, a.Host.PublicIPs) {
		out = append(out, ip.String())
	}
	return out
}

// importAssets: POST /api/v1/assets/import?tenant=&asset=&partial=&name=
// with the file as the body (hosts CSV, SBOM, nmap XML).
func (s *Server) importAssets(w http.ResponseWriter, r *http.Request, p principal) {
	t, aerr := s.oneTenant(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	data, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	name := q.Get("name")
	if name == "" {
		name = "upload"
	}
	res, err := triage.ImportAssets(r.Context(), s.d.State, triage.AssetImport{
		Tenant: t, File: name, Data: data, AssetID: q.Get("asset"), Partial: q.Get("partial") == "true" || q.Get("partial") == "1",
		Actor: p.actor(), ReceivedAt: timeNow(),
	})
	if err != nil {
		importError(w, err)
		return
	}
	s.audit(r, p, "assets.import", "tenant/"+t.Name+"/assets", nil, map[string]any{"file": name, "asset": q.Get("asset"), "result": res})
	writeJSON(w, http.StatusOK, res)
}

func importError(w http.ResponseWriter, err error) {
	if errors.Is(err, triage.ErrBadFile) {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	stateError(w, err)
}

// readUpload reads a request body of at most MaxBodyBytes.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.d.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body larger than %d bytes", mbe.Limit))
		} else if isTimeout(err) {
			s.bodyTimeout(w)
		} else {
			writeError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		}
		return nil, false
	}
	if len(data) == 0 {
		writeError(w, http.StatusBadRequest, "bad_request", "body: empty; send the file as the request body")
		return nil, false
	}
	return data, true
}

// importKnowledge: POST /api/v1/knowledge/import?name= (admin).
func (s *Server) importKnowledge(w http.ResponseWriter, r *http.Request, p principal) {
	data, ok := s.readUpload(w, r)
	if !ok {
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "upload"
	}
	ks, err := triage.ImportKnowledge(r.Context(), s.d.State, name, data, p.actor())
	if err != nil {
		importError(w, err)
		return
	}
	s.audit(r, p, "knowledge.import", "knowledge/"+ks.Kind, nil, ks)
	writeJSON(w, http.StatusOK, ks)
}

// listKnowledge: GET /api/v1/knowledge — the imported files (global
// knowledge, no tenant data).
func (s *Server) listKnowledge(w http.ResponseWriter, r *http.Request, p principal) {
	list, err := s.d.State.KnowledgeSources(r.Context())
	writeList(w, "sources", list, err)
}

// triageTasks: GET /api/v1/triage/tasks?tenant= — open data-quality tasks.
func (s *Server) triageTasks(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	list, err := s.d.State.TriageTasks(r.Context(), tenants)
	writeList(w, "tasks", list, err)
}

// setTriageSettings: PUT /api/v1/triage/settings?tenant= {policy, fresh_days}.
func (s *Server) setTriageSettings(w http.ResponseWriter, r *http.Request, p principal) {
	t, aerr := s.oneTenant(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	var in struct {
		Policy    string `json:"policy"`
		FreshDays int    `json:"fresh_days"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	before, _ := s.d.State.TriageSettings(r.Context())
	ts, err := s.d.State.SetTriageSetting(r.Context(), state.TriageSetting{TenantID: t.ID, Policy: in.Policy, FreshDays: in.FreshDays, UpdatedBy: p.actor()})
	if err != nil {
		stateError(w, err)
		return
	}
	s.audit(r, p, "triage.settings", "tenant/"+t.Name, before[t.ID], ts)
	writeJSON(w, http.StatusOK, ts)
}
