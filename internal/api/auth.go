package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/state"
)

// How callers prove who they are: an API token ("Authorization: Bearer"),
// or the session cookie a browser got from POST /api/v1/login. A cookie
// request that changes something must also carry the session's CSRF token
// in the X-CSRF-Token header: another site can make a browser send the
// cookie, but cannot read the token.

const (
	// SessionCookie is the name of the session cookie.
	SessionCookie = "sekimori_session"
	// CSRFHeader carries the session's CSRF token on state-changing
	// requests authenticated by cookie.
	CSRFHeader = "X-CSRF-Token"
	// Default session lifetimes: an hour without a request, a working
	// day (12 hours) at most.
	DefaultSessionIdle   = time.Hour
	DefaultSessionMaxAge = 12 * time.Hour
)

// csrfToken derives a session's CSRF token from its secret: nothing to
// store, and it cannot be turned back into the secret.
func csrfToken(session string) string {
	sum := sha256.Sum256([]byte("sekimori csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// handler wraps a route: access log, rate limit, authentication, CSRF
// check, then the one permission check of the route.
func (s *Server) handler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		w = sw
		s.limitBody(w, r)
		actor := "-"
		// An access log line per request, never with a secret.
		defer func() {
			s.d.Logger.Debug("request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
				"status", sw.status, "actor", actor, "remote", r.RemoteAddr, "ms", time.Since(start).Milliseconds())
		}()
		if rt.limited {
			if ok, wait := s.limiter.allow(remoteHost(r)); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
				writeError(w, http.StatusTooManyRequests, "rate_limited", fmt.Sprintf("too many requests from %s; retry in %s", remoteHost(r), wait.Round(time.Second)))
				return
			}
		}
		if rt.perm == permPublic {
			rt.h(w, r, principal{})
			return
		}
		p, aerr := s.authenticate(r)
		if aerr != nil {
			if aerr.status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="sekimori"`)
			}
			aerr.write(w)
			return
		}
		actor = p.actor()
		if p.session != "" && !safeMethod(r.Method) &&
			subtle.ConstantTimeCompare([]byte(r.Header.Get(CSRFHeader)), []byte(csrfToken(p.session))) != 1 {
			writeError(w, http.StatusForbidden, "csrf", "a request signed in by cookie that changes something needs the session's CSRF token in the "+CSRFHeader+" header")
			return
		}
		if !p.can(rt.perm) {
			writeError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("role %s does not have the %s permission this endpoint needs", p.Role, rt.perm))
			return
		}
		rt.h(w, r, p)
	})
}

// authenticate finds the caller from the Authorization header or, without
// one, the session cookie.
func (s *Server) authenticate(r *http.Request) (principal, *apiError) {
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			return principal{}, &apiError{http.StatusUnauthorized, "unauthorized", "Authorization must be: Bearer <token>"}
		}
		tok, err := s.d.State.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if !errors.Is(err, state.ErrUnauthorized) {
				s.d.Logger.Error("authenticate", "err", err)
			}
			s.d.Logger.Info("rejected token", "remote", r.RemoteAddr, "path", r.URL.Path)
			return principal{}, &apiError{http.StatusUnauthorized, "unauthorized", "invalid, expired or revoked token"}
		}
		return tokenPrincipal(tok), nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return principal{}, &apiError{http.StatusUnauthorized, "unauthorized", "sign in (POST /api/v1/login) or send an API token: Authorization: Bearer <token>"}
	}
	_, u, err := s.d.State.SessionUser(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, state.ErrUnauthorized) {
			s.d.Logger.Error("session", "err", err)
		}
		s.d.Logger.Info("rejected session", "remote", r.RemoteAddr, "path", r.URL.Path)
		return principal{}, &apiError{http.StatusUnauthorized, "unauthorized", "the session has ended: sign in again"}
	}
	return userPrincipal(u, c.Value), nil
}

// setSessionCookie gives the browser its session: HttpOnly (no script
// reads it), SameSite=Lax (not sent on other sites' requests that change
// something), Secure when served over TLS, for the whole site.
func setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// remoteHost is the client's address without the port.
func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}
