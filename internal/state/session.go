package state

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in browser, as stored: never its secret, which only
// the browser's cookie holds.
type Session struct {
	UserID     int64
	Remote     string // the client address at sign-in
	CreatedAt  time.Time
	LastSeenAt time.Time // to the minute
	// Idle is how long the session lasts without a request.
	Idle time.Duration
	// ExpiresAt ends the session however active it is.
	ExpiresAt time.Time
}

// sessionSecretLen is the length of a session secret: 32 random bytes in
// unpadded base64url.
const sessionSecretLen = (32*8 + 5) / 6

// CreateSession starts a session of user id, which must be enabled, and
// returns its secret for the cookie. The session ends after idle without a
// request or at maxAge after its start. Expired sessions of every user are
// removed on the way.
func (s *Store) CreateSession(ctx context.Context, userID int64, remote string, idle, maxAge time.Duration) (string, Session, error) {
	if idle <= 0 || maxAge <= 0 {
		return "", Session{}, fmt.Errorf("create session: %w", invalid("idle", "idle and maximum age must be positive"))
	}
	now := s.now()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, fmt.Errorf("create session: random secret: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	se := Session{UserID: userID, Remote: remote, CreatedAt: now, LastSeenAt: now, Idle: idle, ExpiresAt: now.Add(maxAge)}
	err := s.write(ctx, false, func(q querier) error {
		u, err := userByID(ctx, q, userID)
		if err != nil {
			return err
		}
		if u.Disabled {
			return invalid("user_id", "user %s is disabled", u.Name)
		}
		if _, err := q.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at + idle_ns <= ?`, toNanos(now), toNanos(now)); err != nil {
			return fmt.Errorf("remove expired sessions: %w", err)
		}
		_, err = q.exec(ctx, `INSERT INTO sessions (secret_hash, user_id, remote, created_at, last_seen_at, idle_ns, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			hashSecret(secret), userID, remote, toNanos(now), toNanos(now), int64(idle), toNanos(se.ExpiresAt))
		return err
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("create session for user %d: %w", userID, err)
	}
	return secret, se, nil
}

// SessionUser returns the session whose secret this is and its user. An
// unknown or expired secret, or a disabled user, gets ErrUnauthorized
// alone. The session's LastSeenAt moves at most once a minute.
func (s *Store) SessionUser(ctx context.Context, secret string) (Session, User, error) {
	if len(secret) != sessionSecretLen {
		return Session{}, User{}, ErrUnauthorized
	}
	want := hashSecret(secret)
	var se Session
	var stored string
	var created, seen, idle, expires int64
	u, err := scanUser(s.q().queryRow(ctx, `SELECT `+prefixed("u.", userColumns)+`, s.secret_hash, s.remote, s.created_at, s.last_seen_at, s.idle_ns, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = ?`, want),
		&stored, &se.Remote, &created, &seen, &idle, &expires)
	switch {
	case errors.Is(err, ErrNotFound):
		return Session{}, User{}, ErrUnauthorized
	case err != nil:
		return Session{}, User{}, fmt.Errorf("session: %w", err)
	}
	se.UserID, se.CreatedAt, se.LastSeenAt, se.Idle, se.ExpiresAt = u.ID, fromNanos(created), fromNanos(seen), time.Duration(idle), fromNanos(expires)
	now := s.now()
	if subtle.ConstantTimeCompare([]byte(stored), []byte(want)) != 1 || u.Disabled ||
		!now.Before(se.ExpiresAt) || !now.Before(se.LastSeenAt.Add(se.Idle)) {
		return Session{}, User{}, ErrUnauthorized
	}
	if u.Role == RoleProviderAnalyst {
		if u.Tenants, err = userTenants.get(ctx, s.q(), u.ID); err != nil {
			return Session{}, User{}, fmt.Errorf("session: %w", err)
		}
	}
	if now.Sub(se.LastSeenAt) >= lastUsedGranularity {
		if _, err := s.q().exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE secret_hash = ? AND last_seen_at <= ?`,
			toNanos(now), want, toNanos(now.Add(-lastUsedGranularity))); err != nil {
			return Session{}, User{}, fmt.Errorf("session: record use: %w", err)
		}
		se.LastSeenAt = now
	}
	return se, u, nil
}

// EndSession ends the session whose secret this is (signing out). An
// unknown secret is not an error: the session is gone either way.
func (s *Store) EndSession(ctx context.Context, secret string) error {
	if _, err := s.q().exec(ctx, `DELETE FROM sessions WHERE secret_hash = ?`, hashSecret(secret)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// ListSessions returns the live sessions of user id, oldest first.
func (s *Store) ListSessions(ctx context.Context, userID int64) ([]Session, error) {
	now := toNanos(s.now())
	rows, err := s.q().query(ctx, `SELECT remote, created_at, last_seen_at, idle_ns, expires_at FROM sessions
		WHERE user_id = ? AND expires_at > ? AND last_seen_at + idle_ns > ? ORDER BY created_at`, userID, now, now)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		se := Session{UserID: userID}
		var c, l, i, e int64
		if err := rows.Scan(&se.Remote, &c, &l, &i, &e); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		se.CreatedAt, se.LastSeenAt, se.Idle, se.ExpiresAt = fromNanos(c), fromNanos(l), time.Duration(i), fromNanos(e)
		out = append(out, se)
	}
	return out, rows.Err()
}

// endSessions removes the sessions of user id but the one with secret
// keep ("" for none), in q's transaction.
func endSessions(ctx context.Context, q querier, id int64, keep string) error {
	keepHash := ""
	if keep != "" {
		keepHash = hashSecret(keep)
	}
	if _, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND secret_hash <> ?`, id, keepHash); err != nil {
		return fmt.Errorf("end the user's sessions: %w", err)
	}
	return nil
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, cols string) string {
	out := make([]byte, 0, len(cols)*2)
	start := true
	for i := 0; i < len(cols); i++ {
		c := cols[i]
		if start && c != ' ' && c != '\t' && c != '\n' {
			out = append(out, p...)
			start = false
		}
		if c == ',' {
			start = true
		}
		out = append(out, c)
	}
	return string(out)
}
