package api

import (
	"net/http"
	"time"

	"github.com/sekimori/sekimori/internal/seal"
)

// verifyLogs recomputes a sealed day of one tenant's logs and compares it
// with its seal: ?day=YYYY-MM-DD, and tenant=NAME for admin tokens.
func (s *Server) verifyLogs(w http.ResponseWriter, r *http.Request, p principal) {
	day := r.URL.Query().Get("day")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "day: want YYYY-MM-DD")
		return
	}
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	if len(tenants) != 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "tenant is required: ?tenant=NAME")
		return
	}
	t, err := s.d.State.Tenant(r.Context(), tenants[0])
	if err != nil {
		stateError(w, err)
		return
	}
	res, err := seal.Verify(r.Context(), s.d.State, s.d.Logs, t, day, timeNow())
	if err != nil {
		s.d.Logger.Error("verify logs", "tenant", t.Name, "day", day, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "verification could not read the logs")
		return
	}
	writeJSON(w, http.StatusOK, res)
}
