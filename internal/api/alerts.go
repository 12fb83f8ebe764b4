package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/triage"
)

// alertScope is the caller's tenants for alert reads: the same rule as for
// logs, without the unassigned area (it has no alerts). It is where every
// alert read (list, detail, status, rule settings) is narrowed by the
// caller's rights; reportedOnly says whether the caller may see alerts that
// triage hid from the customer.
func (s *Server) alertScope(r *http.Request, p principal) ([]uint32, *apiError) {
	ts, aerr := s.tenantScope(r.Context(), r, p)
	if aerr != nil {
		return nil, aerr
	}
	out := ts[:0:0]
	for _, t := range ts {
		if t != 0 {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, &apiError{http.StatusNotFound, "not_found", "no tenant in scope"}
	}
	return out, nil
}

// reportedOnly says whether p must see only the alerts reported to the
// customer: a customer viewer, unless its tenant's policy is "all".
func (s *Server) reportedOnly(r *http.Request, p principal) (bool, *apiError) {
	if p.Role != state.RoleCustomerViewer {
		return false, nil
	}
	settings, err := s.d.State.TriageSettings(r.Context())
	if err != nil {
		return false, &apiError{http.StatusInternalServerError, "internal", "state database error"}
	}
	return !p.seesHiddenAlerts(settings[p.TenantID].Policy), nil
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	v := r.URL.Query()
	f := state.AlertFilter{Tenants: tenants, Status: v.Get("status"), MinSeverity: v.Get("severity"), RuleID: v.Get("rule"), Device: v.Get("device"),
		Verdict: v.Get("verdict"), Assignee: v.Get("assignee")}
	if f.Verdict != "" && !slices.Contains(triage.Verdicts, triage.Verdict(f.Verdict)) {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("verdict: %q is not one of %v", f.Verdict, triage.Verdicts))
		return
	}
	switch v.Get("report") {
	case "":
	case "true", "reported":
		f.Report = new(true)
	case "false", "hidden":
		f.Report = new(false)
	default:
		writeError(w, http.StatusBadRequest, "bad_request", "report: want true (reported) or false (hidden)")
		return
	}
	only, aerr := s.reportedOnly(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	if only {
		f.Report = new(true)
	}
	var err error
	if f.Since, err = parseTime(v.Get("since"), timeNow()); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "since: "+err.Error())
		return
	}
	for name, dst := range map[string]*int{"limit": &f.Limit} {
		if x := v.Get(name); x != "" {
			if *dst, err = strconv.Atoi(x); err != nil || *dst < 0 {
				writeError(w, http.StatusBadRequest, "bad_request", name+": want a non-negative integer")
				return
			}
		}
	}
	if x := v.Get("before"); x != "" {
		if f.BeforeID, err = strconv.ParseInt(x, 10, 64); err != nil || f.BeforeID < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "before: want an alert id")
			return
		}
	}
	alerts, err := s.d.State.ListAlerts(r.Context(), f)
	if err != nil {
		stateError(w, err)
		return
	}
	if alerts == nil {
		alerts = []state.Alert{}
	}
	out := map[string]any{"alerts": alerts}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	if n := len(alerts); n > 0 && n == min(limit, 1000) {
		out["next_before"] = alerts[n-1].ID // there may be more
	}
	writeJSON(w, http.StatusOK, out)
}

// pathID reads the {id} of the path, a positive integer naming a what;
// on failure it has written the error.
func pathID(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("%s id %q is not a positive integer", what, r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// scopedID reads the caller's alert scope and the {id} of the path; on
// failure it has written the error.
func (s *Server) scopedID(w http.ResponseWriter, r *http.Request, p principal, what string) ([]uint32, int64, bool) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return nil, 0, false
	}
	id, ok := pathID(w, r, what)
	return tenants, id, ok
}

// alertTarget is scopedID for alerts.
func (s *Server) alertTarget(w http.ResponseWriter, r *http.Request, p principal) ([]uint32, int64, bool) {
	return s.scopedID(w, r, p, "alert")
}

// getAlert returns an alert with its event references and history; an id
// of another tenant is 404, exactly like one that does not exist.
func (s *Server) getAlert(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, id, ok := s.alertTarget(w, r, p)
	if !ok {
		return
	}
	a, err := s.d.State.Alert(r.Context(), tenants, id)
	if err != nil {
		stateError(w, err)
		return
	}
	if only, aerr := s.reportedOnly(r, p); aerr != nil {
		aerr.write(w)
		return
	} else if only && !a.Report {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("alert %d: not found", id))
		return
	}
	refs, err := s.d.State.AlertEvents(r.Context(), tenants, id)
	if err != nil {
		stateError(w, err)
		return
	}
	hist, err := s.d.State.AlertHistory(r.Context(), tenants, id)
	if err != nil {
		stateError(w, err)
		return
	}
	if refs == nil {
		refs = []state.EventRef{}
	}
	if hist == nil {
		hist = []state.AlertChange{}
	}
	verdicts, err := s.d.State.VerdictHistory(r.Context(), tenants, id)
	if err != nil {
		stateError(w, err)
		return
	}
	if verdicts == nil {
		verdicts = []state.VerdictChange{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alert": a, "events": refs, "history": hist, "verdicts": verdicts})
}

// setAlertStatus moves an alert through new → acknowledged → closed.
func (s *Server) setAlertStatus(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, id, ok := s.alertTarget(w, r, p)
	if !ok {
		return
	}
	var in struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	before, _ := s.d.State.Alert(r.Context(), tenants, id)
	a, err := s.d.State.SetAlertStatus(r.Context(), tenants, id, in.Status, in.Reason, p.actor())
	if err != nil {
		if errors.Is(err, state.ErrNotFound) {
			writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("alert %d not found", id))
			return
		}
		stateError(w, err)
		return
	}
	s.audit(r, p, "alert.status", fmt.Sprintf("alert/%d", id), map[string]string{"status": before.Status}, map[string]string{"status": a.Status, "reason": a.StatusReason})
	writeJSON(w, http.StatusOK, a)
}

// assignAlert: POST /api/v1/alerts/{id}/assign {assignee} ("" unassigns).
func (s *Server) assignAlert(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, id, ok := s.alertTarget(w, r, p)
	if !ok {
		return
	}
	var in struct {
		Assignee string `json:"assignee"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	before, _ := s.d.State.Alert(r.Context(), tenants, id)
	a, err := s.d.State.AssignAlert(r.Context(), tenants, id, in.Assignee, p.actor())
	if err != nil {
		stateError(w, err)
		return
	}
	s.audit(r, p, "alert.assign", fmt.Sprintf("alert/%d", id), map[string]string{"assignee": before.Assignee}, map[string]string{"assignee": a.Assignee})
	writeJSON(w, http.StatusOK, a)
}
