package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/password"
	"github.com/sekimori/sekimori/internal/state"
)

// maxSmallBody caps the JSON bodies of the sign-in, user and token
// routes: they are a few fields, and are read before anything is checked.
const maxSmallBody = 16 << 10

// loginRequest is the body of POST /api/v1/login.
type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

// parseLogin decodes and checks a sign-in body: one JSON object with the
// known fields only, each within its bounds. Errors name the field.
func parseLogin(b []byte) (loginRequest, error) {
	var in loginRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return loginRequest{}, fmt.Errorf("body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return loginRequest{}, errors.New("body: one JSON object expected")
	}
	switch {
	case in.User == "":
		return loginRequest{}, errors.New("user: required")
	case len(in.User) > 256 || !utf8.ValidString(in.User):
		return loginRequest{}, errors.New("user: at most 256 bytes of UTF-8")
	case in.Password == "":
		return loginRequest{}, errors.New("password: required")
	case len(in.Password) > password.MaxLen:
		return loginRequest{}, fmt.Errorf("password: at most %d bytes", password.MaxLen)
	case len(in.TOTP) > 16:
		return loginRequest{}, errors.New("totp: at most 16 characters")
	}
	return in, nil
}

// readLoginBody reads a sign-in body: JSON (a form posted by another site
// cannot have this type without a CORS preflight, which this server never
// grants, so no site can sign a browser in to an account of its choosing)
// of at most maxSmallBody bytes. On failure it has written the error.
func readLoginBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "bad_request", "Content-Type: application/json is required")
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSmallBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body: at most %d bytes", maxSmallBody))
		return nil, false
	}
	return b, true
}

// sessionJSON is who the caller is, as the UI needs it: the answer of
// sign-in and of GET /api/v1/session.
type sessionJSON struct {
	Kind        string    `json:"kind"` // session or token
	User        string    `json:"user,omitempty"`
	UserID      int64     `json:"user_id,omitempty"`
	TokenID     int64     `json:"token_id,omitempty"`
	Role        string    `json:"role"`
	Tenant      *string   `json:"tenant"`  // customer roles' tenant
	Tenants     []string  `json:"tenants"` // a provider analyst's assigned tenants; null: every tenant
	Permissions []string  `json:"permissions"`
	CSRF        string    `json:"csrf,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
}

func (s *Server) sessionOf(r *http.Request, p principal, csrf string, expires time.Time) sessionJSON {
	out := sessionJSON{Kind: "token", User: p.UserName, UserID: p.UserID, TokenID: p.TokenID, Role: string(p.Role), Permissions: p.perms(), CSRF: csrf, ExpiresAt: expires}
	if p.session != "" {
		out.Kind = "session"
	}
	if p.TokenID != 0 && p.UserID != 0 {
		if u, err := s.d.State.User(r.Context(), p.UserID); err == nil {
			out.User = u.Name
		}
	}
	names := s.tenantNames(r)
	if p.Role.Customer() {
		n := names[p.TenantID]
		out.Tenant = &n
	}
	for _, id := range p.Tenants {
		out.Tenants = append(out.Tenants, names[id])
	}
	return out
}

// login checks a user's password (and second factor) and starts a
// session: the cookie, and in the body who signed in and the CSRF token.
// A user with a second factor who sent no code gets 401 totp_required;
// every other refusal is the same 401, saying nothing of which part was
// wrong or whether the user is locked out.
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ principal) {
	b, ok := readLoginBody(w, r)
	if !ok {
		return
	}
	in, err := parseLogin(b)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	u, err := s.d.State.Login(r.Context(), in.User, in.Password, in.TOTP)
	var le *state.LoginError
	switch {
	case errors.As(err, &le) && le.Reason == state.LoginTOTPRequired:
		writeError(w, http.StatusUnauthorized, "totp_required", "enter the code of your authenticator app")
		return
	case errors.As(err, &le):
		target := "user/(unknown)" // an unknown name may be a mistyped password: never recorded
		if le.User.ID != 0 {
			target = "user/" + le.User.Name
			s.d.Logger.Info("sign-in refused", "user", le.User.Name, "reason", le.Reason, "remote", remoteHost(r))
		} else {
			s.d.Logger.Info("sign-in refused", "reason", le.Reason, "remote", remoteHost(r))
		}
		s.auditAs(r, "anonymous", "login.failure", target, nil, map[string]any{"reason": le.Reason})
		if le.LockedNow {
			s.auditAs(r, "system", "user.lock", target, nil, map[string]any{"locked_until": le.User.LockedUntil, "failures": state.LockoutFailures})
		}
		writeError(w, http.StatusUnauthorized, "unauthorized", "sign-in refused: wrong user name, password or code, or locked after repeated failures (try again later)")
		return
	case err != nil:
		s.d.Logger.Error("sign-in", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "sign-in failed")
		return
	}
	secret, se, err := s.d.State.CreateSession(r.Context(), u.ID, remoteHost(r), s.d.SessionIdle, s.d.SessionMaxAge)
	if err != nil {
		s.d.Logger.Error("create session", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "sign-in failed")
		return
	}
	p := userPrincipal(u, secret)
	s.audit(r, p, "login.success", "user/"+u.Name, nil, map[string]any{"role": u.Role, "totp": u.TOTP})
	setSessionCookie(w, r, secret)
	writeJSON(w, http.StatusOK, s.sessionOf(r, p, csrfToken(secret), se.ExpiresAt))
}

// logout ends the caller's session. With a token there is nothing to end.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, p principal) {
	if p.session != "" {
		if err := s.d.State.EndSession(r.Context(), p.session); err != nil {
			s.d.Logger.Error("end session", "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "sign-out failed")
			return
		}
		s.audit(r, p, "logout", "user/"+p.UserName, nil, nil)
		clearSessionCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
}

// session tells the caller who it is: user, role, tenants, permissions and,
// for a browser session, the CSRF token (a reloaded page gets it here).
func (s *Server) session(w http.ResponseWriter, r *http.Request, p principal) {
	csrf := ""
	var expires time.Time
	if p.session != "" {
		csrf = csrfToken(p.session)
		if se, _, err := s.d.State.SessionUser(r.Context(), p.session); err == nil {
			expires = se.ExpiresAt
		}
	}
	writeJSON(w, http.StatusOK, s.sessionOf(r, p, csrf, expires))
}
