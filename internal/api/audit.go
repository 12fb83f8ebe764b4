package api

import (
	"net/http"
	"strconv"

	"github.com/sekimori/sekimori/internal/state"
)

// audit appends a change to the audit trail. The change has happened; a
// failure to record it is logged and counted, and does not undo it.
func (s *Server) audit(r *http.Request, p principal, action, target string, before, after any) {
	s.auditAs(r, p.actor(), action, target, before, after)
}

// auditAs is audit for an actor that is not a principal (a refused
// sign-in).
func (s *Server) auditAs(r *http.Request, actor, action, target string, before, after any) {
	err := s.d.State.Audit(r.Context(), state.AuditEntry{
		Actor: actor, Remote: remoteHost(r), Action: action, Target: target, Before: state.JSON(before), After: state.JSON(after),
	})
	if err != nil {
		s.auditErrors.Inc()
		s.d.Logger.Error("audit trail append failed", "action", action, "target", target, "err", err)
	}
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, p principal) {
	v := r.URL.Query()
	f := state.AuditFilter{Actor: v.Get("actor"), Action: v.Get("action")}
	var err error
	if f.Since, err = parseTime(v.Get("since"), timeNow()); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "since: "+err.Error())
		return
	}
	for name, dst := range map[string]*int64{"before": &f.BeforeSeq} {
		if x := v.Get(name); x != "" {
			if *dst, err = strconv.ParseInt(x, 10, 64); err != nil {
				writeError(w, http.StatusBadRequest, "bad_request", name+": want an entry number")
				return
			}
		}
	}
	if x := v.Get("limit"); x != "" {
		if f.Limit, err = strconv.Atoi(x); err != nil || f.Limit < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "limit: want a non-negative integer")
			return
		}
	}
	list, err := s.d.State.ListAudit(r.Context(), f)
	writeList(w, "entries", list, err)
}
