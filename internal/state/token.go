package state

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Token is an API token as stored: never its secret.
type Token struct {
	ID       int64
	Name     string // what it is for, for people; not unique
	Role     Role
	TenantID uint32 // the tenant of customer roles; 0 for provider roles
	// Tenants are a provider analyst token's tenants; nil: every tenant.
	Tenants []uint32
	// UserID is the user the token belongs to, 0 for none. A user's token
	// stops working while the user is disabled, and is revoked when the
	// user's role or tenants change or the user is deleted.
	UserID    int64
	CreatedAt time.Time
	// ExpiresAt is the first instant the token is refused; zero: never.
	ExpiresAt time.Time
	// RevokedAt is when the token was revoked; zero: it was not.
	RevokedAt time.Time
	// LastUsedAt is when it last authenticated, to the minute; zero: never.
	LastUsedAt time.Time
}

const (
	// SecretPrefix starts every token secret, so that a leaked one is easy
	// to recognize (and to scan for).
	SecretPrefix = "skm_"
	secretBytes  = 32
	secretLen    = len(SecretPrefix) + (secretBytes*8+5)/6 // unpadded base64
	// lastUsedGranularity bounds how often Authenticate writes LastUsedAt
	// for one token: a busy API client must not turn every request into a
	// database write.
	lastUsedGranularity = time.Minute
)

// hashSecret returns the stored form of a secret: its SHA-256, in hex.
// A fast hash is right here: the secret is 256 random bits, so there is
// nothing to brute-force and no need for a slow password hash (bcrypt,
// argon2) that would make every API request pay for it.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken creates an API token without a user; see IssueToken.
func (s *Store) CreateToken(ctx context.Context, name string, role Role, tenantID uint32, expires time.Time) (string, Token, error) {
	return s.IssueToken(ctx, Token{Name: name, Role: role, TenantID: tenantID, ExpiresAt: expires})
}

// IssueToken creates the API token described by t (Name, Role, TenantID,
// Tenants, UserID, ExpiresAt; the rest is ignored) and returns its secret,
// which is shown to its owner once and kept nowhere: only its hash is
// stored. Customer roles need an existing tenant, a provider analyst
// optionally a list of them; a zero ExpiresAt means the token does not
// expire. A token's user must exist and be enabled. Whether the caller may
// give the token this role is internal/api's decision.
func (s *Store) IssueToken(ctx context.Context, t Token) (string, Token, error) {
	now := s.now()
	t = Token{Name: t.Name, Role: t.Role, TenantID: t.TenantID, Tenants: uniqueSorted(t.Tenants), UserID: t.UserID,
		CreatedAt: now, ExpiresAt: fromNanos(toNanos(t.ExpiresAt))}
	if err := checkToken(t, now); err != nil {
		return "", Token{}, fmt.Errorf("create token %q: %w", t.Name, err)
	}
	raw := make([]byte, secretBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, fmt.Errorf("create token %q: random secret: %w", t.Name, err)
	}
	secret := SecretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	err := s.write(ctx, false, func(q querier) error {
		if err := checkTenantsExist(ctx, q, "tenant_id", t.TenantID); err != nil {
			return err
		}
		if err := checkTenantsExist(ctx, q, "tenants", t.Tenants...); err != nil {
			return err
		}
		if t.UserID != 0 {
			u, err := userByID(ctx, q, t.UserID)
			if errors.Is(err, ErrNotFound) {
				return invalid("user_id", "no user %d", t.UserID)
			} else if err != nil {
				return err
			}
			if u.Disabled {
				return invalid("user_id", "user %s is disabled", u.Name)
			}
		}
		var err error
		if t.ID, err = nextID(ctx, q, "token"); err != nil {
			return err
		}
		_, err = q.exec(ctx, `INSERT INTO tokens (id, name, role, tenant_id, secret_hash, created_at, expires_at, revoked_at, last_used_at, user_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)`,
			t.ID, t.Name, string(t.Role), int64(t.TenantID), hashSecret(secret), toNanos(t.CreatedAt), toNanos(t.ExpiresAt), t.UserID)
		if err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return tokenTenants.set(ctx, q, t.ID, t.Tenants)
	})
	if err != nil {
		return "", Token{}, fmt.Errorf("create token %q: %w", t.Name, err)
	}
	return secret, t, nil
}

func checkToken(t Token, now time.Time) error {
	if t.Name == "" || utf8.RuneCountInString(t.Name) > maxNameLen || !utf8.ValidString(t.Name) ||
		strings.IndexFunc(t.Name, unicode.IsControl) >= 0 {
		return invalid("name", "%q: must be 1-%d printable characters", t.Name, maxNameLen)
	}
	if err := checkScope(t.Role, t.TenantID, t.Tenants); err != nil {
		return err
	}
	if !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(now) {
		return invalid("expires_at", "%s: in the past", t.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// Authenticate returns the token whose secret this is. An unknown, revoked
// or expired secret, or the token of a disabled user, gets ErrUnauthorized
// alone, saying no more.
//
// The lookup is by the secret's SHA-256: whatever the index search leaks
// through its timing is about hashes, which an attacker cannot steer toward
// a valid secret; the found hash is compared again in constant time.
// Authenticate records LastUsedAt at most once a minute per token.
func (s *Store) Authenticate(ctx context.Context, secret string) (Token, error) {
	if len(secret) != secretLen || !strings.HasPrefix(secret, SecretPrefix) {
		return Token{}, ErrUnauthorized
	}
	want := hashSecret(secret)
	var stored string
	var owner, ownerDisabled int64
	t, err := scanToken(s.q().queryRow(ctx, `SELECT `+tokenColumns+`, t.secret_hash, COALESCE(u.id, 0), COALESCE(u.disabled_at, 0)
		FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?`, want), &stored, &owner, &ownerDisabled)
	switch {
	case errors.Is(err, ErrNotFound):
		return Token{}, ErrUnauthorized
	case err != nil:
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	now := s.now()
	if subtle.ConstantTimeCompare([]byte(stored), []byte(want)) != 1 ||
		!t.RevokedAt.IsZero() || (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) ||
		(t.UserID != 0 && (owner != t.UserID || ownerDisabled != 0)) {
		return Token{}, ErrUnauthorized
	}
	if t.Role == RoleProviderAnalyst {
		if t.Tenants, err = tokenTenants.get(ctx, s.q(), t.ID); err != nil {
			return Token{}, fmt.Errorf("authenticate: %w", err)
		}
	}
	if now.Sub(t.LastUsedAt) >= lastUsedGranularity {
		// The condition keeps one writer per minute even when requests race.
		_, err := s.q().exec(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ? AND last_used_at <= ?`,
			toNanos(now), t.ID, toNanos(now.Add(-lastUsedGranularity)))
		if err != nil {
			return Token{}, fmt.Errorf("authenticate: record use: %w", err)
		}
		t.LastUsedAt = now
	}
	return t, nil
}

// RevokeToken revokes token id for good. Revoking it again keeps the first
// revocation time.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	now := s.now()
	err := s.write(ctx, false, func(q querier) error {
		res, err := q.exec(ctx, `UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE id = ?`,
			toNanos(now), id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res, "token")
	})
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}

// ListTokens returns every token, revoked and expired ones included, in
// order of ID.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	scopes, err := tokenTenants.all(ctx, s.q(), "")
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	rows, err := s.q().query(ctx, `SELECT `+tokenColumns+` FROM tokens t ORDER BY t.id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var ts []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.Tenants = scopes[t.ID]
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// TokenByID returns token id, revoked and expired ones included.
func (s *Store) TokenByID(ctx context.Context, id int64) (Token, error) {
	t, err := scanToken(s.q().queryRow(ctx, `SELECT `+tokenColumns+` FROM tokens t WHERE t.id = ?`, id))
	if err == nil {
		t.Tenants, err = tokenTenants.get(ctx, s.q(), id)
	}
	if err != nil {
		return Token{}, fmt.Errorf("token %d: %w", id, err)
	}
	return t, nil
}

// revokeUserTokens revokes every token of user id, in q's transaction.
func revokeUserTokens(ctx context.Context, q querier, id int64, now time.Time) error {
	_, err := q.exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0`, toNanos(now), id)
	if err != nil {
		return fmt.Errorf("revoke the user's tokens: %w", err)
	}
	return nil
}

// tokenColumns are read from "tokens t".
const tokenColumns = `t.id, t.name, t.role, t.tenant_id, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.user_id`

// scanToken reads tokenColumns and then extra; sql.ErrNoRows becomes
// ErrNotFound.
func scanToken(r scanner, extra ...any) (Token, error) {
	var (
		t                                  Token
		role                               string
		tenant                             int64
		created, expires, revoked, lastUse int64
	)
	dest := append([]any{&t.ID, &t.Name, &role, &tenant, &created, &expires, &revoked, &lastUse, &t.UserID}, extra...)
	if err := r.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Token{}, ErrNotFound
		}
		return Token{}, err
	}
	t.Role = Role(role)
	t.TenantID = uint32(tenant)
	t.CreatedAt = fromNanos(created)
	t.ExpiresAt = fromNanos(expires)
	t.RevokedAt = fromNanos(revoked)
	t.LastUsedAt = fromNanos(lastUse)
	return t, nil
}
