package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sekimori/sekimori/internal/state"
)

// tokenJSON is a token as the API shows it: never its secret, except once
// in the answer that creates it (Secret).
type tokenJSON struct {
	Secret     string    `json:"token,omitempty"`
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Tenant     *string   `json:"tenant"`
	Tenants    []string  `json:"tenants"`
	User       string    `json:"user,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

func toTokenJSON(t state.Token, tenants map[uint32]string, users map[int64]string) tokenJSON {
	out := tokenJSON{ID: t.ID, Name: t.Name, Role: string(t.Role), User: users[t.UserID], CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt}
	if t.Role.Customer() {
		n := tenants[t.TenantID]
		out.Tenant = &n
	}
	for _, id := range t.Tenants {
		out.Tenants = append(out.Tenants, tenants[id])
	}
	return out
}

func (s *Server) userNames(r *http.Request) map[int64]string {
	out := map[int64]string{}
	if us, err := s.d.State.ListUsers(r.Context()); err == nil {
		for _, u := range us {
			out[u.ID] = u.Name
		}
	}
	return out
}

// listTokens lists the tokens the caller may see: its own, and for user
// managers those within their rights.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, p principal) {
	all, err := s.d.State.ListTokens(r.Context())
	if err != nil {
		stateError(w, err)
		return
	}
	tenants, users := s.tenantNames(r), s.userNames(r)
	out := []tokenJSON{}
	for _, t := range all {
		if p.seesToken(t) {
			out = append(out, toTokenJSON(t, tenants, users))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// createToken makes an API token: {name, role, tenant | tenants, user,
// expires_in}. The token belongs to the caller's user unless "user" names
// one the caller manages; its rights must be within the caller's and its
// user's. The secret is in the answer, once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p principal) {
	var in struct {
		Name      string   `json:"name"`
		Role      string   `json:"role"`
		Tenant    string   `json:"tenant"`
		Tenants   []string `json:"tenants"`
		User      string   `json:"user"`
		ExpiresIn string   `json:"expires_in"`
	}
	if !decodeSmall(w, r, &in) {
		return
	}
	rt, aerr := s.parseRights(r.Context(), p, in.Role, in.Tenant, in.Tenants)
	if aerr != nil {
		aerr.write(w)
		return
	}
	owner := p.UserID
	if in.User != "" {
		u, err := s.d.State.UserByName(r.Context(), in.User)
		if err != nil || !(u.ID == p.UserID || p.managesUser(u)) {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("user: %q not found", in.User))
			return
		}
		if !userPrincipal(u, "").covers(rt.role, rt.tenantID, rt.tenants) {
			writeError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("role: %s is beyond the rights of user %s (%s)", rt.role, u.Name, u.Role))
			return
		}
		owner = u.ID
	}
	var expires time.Time
	if in.ExpiresIn != "" {
		d, err := ParseDuration(in.ExpiresIn)
		if err != nil || d <= 0 {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("expires_in: %q is not a positive duration like 90d or 720h", in.ExpiresIn))
			return
		}
		expires = time.Now().Add(d)
	}
	if in.Name == "" {
		in.Name = string(rt.role)
	}
	secret, t, err := s.d.State.IssueToken(r.Context(), state.Token{Name: in.Name, Role: rt.role, TenantID: rt.tenantID, Tenants: rt.tenants, UserID: owner, ExpiresAt: expires})
	if err != nil {
		stateError(w, err)
		return
	}
	out := toTokenJSON(t, s.tenantNames(r), s.userNames(r))
	s.audit(r, p, "token.create", fmt.Sprintf("token/%d", t.ID), nil, out)
	out.Secret = secret
	writeJSON(w, http.StatusCreated, out)
}

// revokeToken revokes a token the caller may see; others are not found.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p principal) {
	id, ok := pathID(w, r, "token")
	if !ok {
		return
	}
	t, err := s.d.State.TokenByID(r.Context(), id)
	if err != nil || !p.seesToken(t) {
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			stateError(w, err)
			return
		}
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("token %d not found", id))
		return
	}
	if err := s.d.State.RevokeToken(r.Context(), id); err != nil {
		stateError(w, err)
		return
	}
	after, _ := s.d.State.TokenByID(r.Context(), id)
	tenants, users := s.tenantNames(r), s.userNames(r)
	s.audit(r, p, "token.revoke", fmt.Sprintf("token/%d", id), toTokenJSON(t, tenants, users), toTokenJSON(after, tenants, users))
	w.WriteHeader(http.StatusNoContent)
}
