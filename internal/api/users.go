package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sekimori/sekimori/internal/state"
	"github.com/sekimori/sekimori/internal/totp"
)

// TOTPIssuer names Sekimori in authenticator apps.
const TOTPIssuer = "Sekimori"

// userJSON is a user as the API shows it: never a secret.
type userJSON struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	Role              string    `json:"role"`
	Tenant            *string   `json:"tenant"`
	Tenants           []string  `json:"tenants"`
	AuthSource        string    `json:"auth_source"`
	Subject           string    `json:"subject,omitempty"`
	TOTP              bool      `json:"totp"`
	Disabled          bool      `json:"disabled"`
	LockedUntil       time.Time `json:"locked_until,omitzero"`
	LastLoginAt       time.Time `json:"last_login_at,omitzero"`
	PasswordChangedAt time.Time `json:"password_changed_at,omitzero"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func toUserJSON(u state.User, names map[uint32]string) userJSON {
	out := userJSON{ID: u.ID, Name: u.Name, Role: string(u.Role), AuthSource: u.AuthSource, Subject: u.Subject, TOTP: u.TOTP, Disabled: u.Disabled,
		LastLoginAt: u.LastLoginAt, PasswordChangedAt: u.PasswordChangedAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.LockedUntil.After(time.Now()) {
		out.LockedUntil = u.LockedUntil
	}
	if u.Role.Customer() {
		n := names[u.TenantID]
		out.Tenant = &n
	}
	for _, id := range u.Tenants {
		out.Tenants = append(out.Tenants, names[id])
	}
	return out
}

// resolveTenants turns tenant names into ids among those p sees; a name
// outside p's scope is as unknown as one that does not exist.
func (s *Server) resolveTenants(ctx context.Context, p principal, field string, names ...string) ([]uint32, *apiError) {
	var ids []uint32
	for _, n := range names {
		t, err := s.d.State.TenantByName(ctx, n)
		if err != nil || !p.seesTenant(t.ID) {
			return nil, &apiError{http.StatusBadRequest, "invalid", fmt.Sprintf("%s: tenant %q not found", field, n)}
		}
		ids = append(ids, t.ID)
	}
	return ids, nil
}

// rights are a role with its tenants, as a request names them.
type rights struct {
	role     state.Role
	tenantID uint32
	tenants  []uint32
}

// parseRights checks a role name and resolves its tenant (customer roles)
// or tenants (provider analysts) among those p sees.
func (s *Server) parseRights(ctx context.Context, p principal, role, tenant string, tenants []string) (rights, *apiError) {
	r, ok := state.ParseRole(role)
	if !ok {
		return rights{}, &apiError{http.StatusBadRequest, "invalid", fmt.Sprintf("role: %q is not one of provider_admin, provider_analyst, customer_admin, customer_viewer", role)}
	}
	out := rights{role: r}
	if r.Customer() && tenant == "" {
		return rights{}, &apiError{http.StatusBadRequest, "invalid", fmt.Sprintf("tenant: role %s needs a tenant", r)}
	}
	if tenant != "" {
		ids, aerr := s.resolveTenants(ctx, p, "tenant", tenant)
		if aerr != nil {
			return rights{}, aerr
		}
		out.tenantID = ids[0]
	}
	var aerr *apiError
	if out.tenants, aerr = s.resolveTenants(ctx, p, "tenants", tenants...); aerr != nil {
		return rights{}, aerr
	}
	if !p.covers(out.role, out.tenantID, out.tenants) {
		return rights{}, &apiError{http.StatusForbidden, "forbidden", fmt.Sprintf("role: %s with these tenants is beyond your own rights (%s)", out.role, p.Role)}
	}
	return out, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p principal) {
	all, err := s.d.State.ListUsers(r.Context())
	if err != nil {
		stateError(w, err)
		return
	}
	names := s.tenantNames(r)
	out := []userJSON{}
	for _, u := range all {
		if p.managesUser(u) {
			out = append(out, toUserJSON(u, names))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// createUser creates a local user: {name, role, tenant | tenants, password}.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p principal) {
	var in struct {
		Name     string   `json:"name"`
		Role     string   `json:"role"`
		Tenant   string   `json:"tenant"`
		Tenants  []string `json:"tenants"`
		Password string   `json:"password"`
	}
	if !decodeSmall(w, r, &in) {
		return
	}
	rt, aerr := s.parseRights(r.Context(), p, in.Role, in.Tenant, in.Tenants)
	if aerr != nil {
		aerr.write(w)
		return
	}
	u, err := s.d.State.CreateUser(r.Context(), state.User{Name: in.Name, Role: rt.role, TenantID: rt.tenantID, Tenants: rt.tenants}, in.Password)
	if err != nil {
		stateError(w, err)
		return
	}
	out := toUserJSON(u, s.tenantNames(r))
	s.audit(r, p, "user.create", "user/"+u.Name, nil, out)
	writeJSON(w, http.StatusCreated, out)
}

// targetUser returns the user of the path's {id} when p may act on it:
// p manages it, or it is p itself and self is allowed. Anyone else's id
// is not found, as one that does not exist. On failure it has written the
// error.
func (s *Server) targetUser(w http.ResponseWriter, r *http.Request, p principal, self bool) (state.User, bool) {
	id, ok := pathID(w, r, "user")
	if !ok {
		return state.User{}, false
	}
	u, err := s.d.State.User(r.Context(), id)
	if err != nil || !((self && u.ID == p.UserID) || p.managesUser(u)) {
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			stateError(w, err)
			return state.User{}, false
		}
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("user %d not found", id))
		return state.User{}, false
	}
	return u, true
}

// updateUser changes a user's role, tenants or state: {role, tenant,
// tenants, disabled, unlock}. Nobody changes their own role or disables
// themselves.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, p principal) {
	u, ok := s.targetUser(w, r, p, false)
	if !ok {
		return
	}
	var in struct {
		Role     *string   `json:"role"`
		Tenant   *string   `json:"tenant"`
		Tenants  *[]string `json:"tenants"`
		Disabled *bool     `json:"disabled"`
		Unlock   bool      `json:"unlock"`
	}
	if !decodeSmall(w, r, &in) {
		return
	}
	if u.ID == p.UserID && (in.Role != nil || in.Tenant != nil || in.Tenants != nil || in.Disabled != nil) {
		writeError(w, http.StatusBadRequest, "invalid", "role: you cannot change your own role, tenants or state")
		return
	}
	var ch state.UserChange
	if in.Role != nil || in.Tenant != nil || in.Tenants != nil {
		role, tenant, tenants := string(u.Role), "", []string(nil)
		names := s.tenantNames(r)
		if u.Role.Customer() {
			tenant = names[u.TenantID]
		}
		for _, id := range u.Tenants {
			tenants = append(tenants, names[id])
		}
		if in.Role != nil {
			role = *in.Role
			if nr, ok := state.ParseRole(role); ok && !nr.Customer() {
				tenant = ""
			}
		}
		if in.Tenant != nil {
			tenant = *in.Tenant
		}
		if in.Tenants != nil {
			tenants = *in.Tenants
		}
		rt, aerr := s.parseRights(r.Context(), p, role, tenant, tenants)
		if aerr != nil {
			aerr.write(w)
			return
		}
		ch.Role, ch.TenantID, ch.Tenants = &rt.role, &rt.tenantID, &rt.tenants
	}
	ch.Disabled = in.Disabled
	before, after, err := s.d.State.UpdateUser(r.Context(), u.ID, ch)
	if err != nil {
		stateError(w, err)
		return
	}
	if in.Unlock {
		if err := s.d.State.UnlockUser(r.Context(), u.ID); err != nil {
			stateError(w, err)
			return
		}
		after.LockedUntil = time.Time{}
	}
	names := s.tenantNames(r)
	out := toUserJSON(after, names)
	s.audit(r, p, "user.update", "user/"+u.Name, toUserJSON(before, names), out)
	writeJSON(w, http.StatusOK, out)
}

// deleteUser removes a user; its tokens are revoked, its sessions end.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, p principal) {
	u, ok := s.targetUser(w, r, p, false)
	if !ok {
		return
	}
	if u.ID == p.UserID {
		writeError(w, http.StatusBadRequest, "invalid", "id: you cannot delete yourself")
		return
	}
	gone, err := s.d.State.DeleteUser(r.Context(), u.ID)
	if err != nil {
		stateError(w, err)
		return
	}
	s.audit(r, p, "user.delete", "user/"+u.Name, toUserJSON(gone, s.tenantNames(r)), nil)
	w.WriteHeader(http.StatusNoContent)
}

// setPassword sets a user's password: {password, current_password}. Users
// changing their own give the current one; a manager does not. Every other
// session of the user ends.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, p principal) {
	u, ok := s.targetUser(w, r, p, true)
	if !ok {
		return
	}
	var in struct {
		Password        string `json:"password"`
		CurrentPassword string `json:"current_password"`
	}
	if !decodeSmall(w, r, &in) {
		return
	}
	self := u.ID == p.UserID
	if self {
		if in.CurrentPassword == "" {
			writeError(w, http.StatusBadRequest, "invalid", "current_password: required to change your own password")
			return
		}
		if err := s.d.State.CheckPassword(r.Context(), u.ID, in.CurrentPassword); err != nil {
			var le *state.LoginError
			if errors.As(err, &le) {
				s.audit(r, p, "user.password_refused", "user/"+u.Name, nil, map[string]any{"reason": le.Reason})
				if le.LockedNow {
					s.auditAs(r, "system", "user.lock", "user/"+u.Name, nil, map[string]any{"locked_until": le.User.LockedUntil, "failures": state.LockoutFailures})
				}
				writeError(w, http.StatusForbidden, "forbidden", "current_password: wrong, or locked after repeated failures")
				return
			}
			stateError(w, err)
			return
		}
	}
	keep := ""
	if self {
		keep = p.session
	}
	if err := s.d.State.SetPassword(r.Context(), u.ID, in.Password, keep); err != nil {
		stateError(w, err)
		return
	}
	by := "manager"
	if self {
		by = "self"
	}
	s.audit(r, p, "user.password", "user/"+u.Name, nil, map[string]any{"by": by, "other_sessions_ended": true})
	w.WriteHeader(http.StatusNoContent)
}

// enrollTOTP starts a second factor for a user: the answer holds the
// secret and its otpauth:// URI, shown once; confirm with a code.
func (s *Server) enrollTOTP(w http.ResponseWriter, r *http.Request, p principal) {
	u, ok := s.targetUser(w, r, p, true)
	if !ok {
		return
	}
	secret, err := s.d.State.EnrollTOTP(r.Context(), u.ID)
	if err != nil {
		stateError(w, err)
		return
	}
	s.audit(r, p, "user.totp_enroll", "user/"+u.Name, nil, nil)
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret, "uri": totp.URI(TOTPIssuer, u.Name, secret)})
}

// confirmTOTP turns a pending second factor on: {code}.
func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request, p principal) {
	u, ok := s.targetUser(w, r, p, true)
	if !ok {
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if !decodeSmall(w, r, &in) {
		return
	}
	if err := s.d.State.ConfirmTOTP(r.Context(), u.ID, in.Code); err != nil {
		stateError(w, err)
		return
	}
	s.audit(r, p, "user.totp_confirm", "user/"+u.Name, map[string]bool{"totp": u.TOTP}, map[string]bool{"totp": true})
	w.WriteHeader(http.StatusNoContent)
}

// disableTOTP removes a user's second factor.
func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request, p principal) {
	u, ok := s.targetUser(w, r, p, true)
	if !ok {
		return
	}
	if err := s.d.State.DisableTOTP(r.Context(), u.ID); err != nil {
		stateError(w, err)
		return
	}
	s.audit(r, p, "user.totp_disable", "user/"+u.Name, map[string]bool{"totp": u.TOTP}, map[string]bool{"totp": false})
	w.WriteHeader(http.StatusNoContent)
}
