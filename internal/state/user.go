package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/password"
)

// AuthLocal is the AuthSource of users who sign in with a password kept
// here. Single sign-on users will have their identity provider's name and
// a Subject.
const AuthLocal = "local"

// MinPasswordLen is the shortest password accepted, in characters (NIST SP
// 800-63B asks for at least 8; a SOC console deserves more).
const MinPasswordLen = 12

// User is a person who signs in. Its secrets (password hash, TOTP secret)
// are never part of it.
type User struct {
	ID int64
	// Name is the sign-in name: 1–64 characters of a-z, 0-9, '.', '_',
	// '@' and '-', starting with a letter or digit; stored in lower case.
	Name     string
	Role     Role
	TenantID uint32 // the tenant of customer roles; 0 for provider roles
	// Tenants are a provider analyst's assigned tenants; nil: every tenant.
	Tenants []uint32
	// AuthSource is AuthLocal, or later an identity provider.
	AuthSource string
	// Subject is the identity provider's id of the user; "" for local users.
	Subject string
	// TOTP says a second factor (RFC 6238 codes) is required at sign-in.
	TOTP     bool
	Disabled bool
	// LockedUntil is when a lockout after repeated failures ends; zero or
	// past: not locked.
	LockedUntil       time.Time
	PasswordChangedAt time.Time
	LastLoginAt       time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// checkUserName refuses a name outside [a-z0-9][a-z0-9._@-]{0,63}.
func checkUserName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return invalid("name", "%q: must be 1-%d characters", name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '@' || c == '-') && i > 0:
		default:
			return invalid("name", "%q: must be a-z, 0-9, '.', '_', '@' or '-', starting with a letter or digit", name)
		}
	}
	return nil
}

// normName is how names are compared: ASCII lower case, no surrounding space.
func normName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// checkPassword applies the password policy: MinPasswordLen characters or
// more, at most password.MaxLen bytes, valid UTF-8, not the user's name.
func checkPassword(pw, name string) error {
	switch {
	case !utf8.ValidString(pw):
		return invalid("password", "not valid UTF-8")
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return invalid("password", "shorter than %d characters", MinPasswordLen)
	case len(pw) > password.MaxLen:
		return invalid("password", "longer than %d bytes", password.MaxLen)
	case strings.EqualFold(pw, name):
		return invalid("password", "the same as the user name")
	}
	return nil
}

// CreateUser creates a user with password pw (a local user must have one;
// "" for users of an identity provider). Name, Role, TenantID, Tenants,
// AuthSource (default AuthLocal) and Subject are taken from u. A taken name
// matches ErrExists; a bad field is a *FieldError.
func (s *Store) CreateUser(ctx context.Context, u User, pw string) (User, error) {
	now := s.now()
	u = User{Name: normName(u.Name), Role: u.Role, TenantID: u.TenantID, Tenants: uniqueSorted(u.Tenants),
		AuthSource: u.AuthSource, Subject: u.Subject, CreatedAt: now, UpdatedAt: now}
	if u.AuthSource == "" {
		u.AuthSource = AuthLocal
	}
	if err := checkUserName(u.Name); err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	if err := checkScope(u.Role, u.TenantID, u.Tenants); err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Name, err)
	}
	var hash string
	switch {
	case u.AuthSource == AuthLocal && u.Subject != "":
		return User{}, fmt.Errorf("create user %s: %w", u.Name, invalid("subject", "local users have none"))
	case u.AuthSource != AuthLocal && (u.Subject == "" || pw != ""):
		return User{}, fmt.Errorf("create user %s: %w", u.Name, invalid("subject", "users of %s need a subject and no password", u.AuthSource))
	case u.AuthSource == AuthLocal:
		if err := checkPassword(pw, u.Name); err != nil {
			return User{}, fmt.Errorf("create user %s: %w", u.Name, err)
		}
		var err error
		if hash, err = password.Hash(pw); err != nil {
			return User{}, fmt.Errorf("create user %s: %w", u.Name, err)
		}
		u.PasswordChangedAt = now
	}
	err := s.write(ctx, false, func(q querier) error {
		if err := checkTenantsExist(ctx, q, "tenant_id", u.TenantID); err != nil {
			return err
		}
		if err := checkTenantsExist(ctx, q, "tenants", u.Tenants...); err != nil {
			return err
		}
		if _, err := userByName(ctx, q, u.Name); err == nil {
			return fmt.Errorf("name %q: %w", u.Name, ErrExists)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		var err error
		if u.ID, err = nextID(ctx, q, "user"); err != nil {
			return err
		}
		_, err = q.exec(ctx, `INSERT INTO users (id, name, role, tenant_id, auth_source, external_subject, password_hash, password_changed_at,
			totp_secret, totp_pending, totp_last_step, failed_logins, failed_since, locked_until, disabled_at, last_login_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, 0, 0, 0, 0, 0, ?, ?)`,
			u.ID, u.Name, string(u.Role), int64(u.TenantID), u.AuthSource, u.Subject, hash, toNanos(u.PasswordChangedAt), toNanos(now), toNanos(now))
		if isUniqueViolation(err) {
			return fmt.Errorf("name %q or subject: %w", u.Name, ErrExists)
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return userTenants.set(ctx, q, u.ID, u.Tenants)
	})
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Name, err)
	}
	return u, nil
}

// User returns user id.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	u, err := userByID(ctx, s.q(), id)
	if err != nil {
		return User{}, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// UserByName returns the user called name (compared in lower case).
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u, err := userByName(ctx, s.q(), normName(name))
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

// ListUsers returns every user in order of ID.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	scopes, err := userTenants.all(ctx, s.q(), "")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	rows, err := s.q().query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.Tenants = scopes[u.ID]
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UserChange is a change to a user; nil fields stay as they are.
type UserChange struct {
	Role     *Role
	TenantID *uint32
	Tenants  *[]uint32
	Disabled *bool
}

// UpdateUser applies ch to user id and returns the user before and after.
// A change of role or tenants ends the user's sessions and revokes the
// user's tokens (they were made for the old rights); disabling ends the
// sessions (the tokens stop working until the user is enabled again).
func (s *Store) UpdateUser(ctx context.Context, id int64, ch UserChange) (before, after User, err error) {
	now := s.now()
	err = s.write(ctx, false, func(q querier) error {
		if before, err = userByID(ctx, q, id); err != nil {
			return err
		}
		after = before
		if ch.Role != nil {
			after.Role = *ch.Role
			if !after.Role.Customer() {
				after.TenantID = 0 // provider roles have no tenant of their own
			}
		}
		if ch.TenantID != nil {
			after.TenantID = *ch.TenantID
		}
		if ch.Tenants != nil {
			after.Tenants = uniqueSorted(*ch.Tenants)
		} else if after.Role != RoleProviderAnalyst {
			after.Tenants = nil
		}
		if ch.Disabled != nil {
			after.Disabled = *ch.Disabled
		}
		if err := checkScope(after.Role, after.TenantID, after.Tenants); err != nil {
			return err
		}
		if err := checkTenantsExist(ctx, q, "tenant_id", after.TenantID); err != nil {
			return err
		}
		if err := checkTenantsExist(ctx, q, "tenants", after.Tenants...); err != nil {
			return err
		}
		rights := after.Role != before.Role || after.TenantID != before.TenantID || !equalIDs(after.Tenants, before.Tenants)
		after.UpdatedAt = now
		if _, err := q.exec(ctx, `UPDATE users SET role = ?, tenant_id = ?, updated_at = ? WHERE id = ?`,
			string(after.Role), int64(after.TenantID), toNanos(now), id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if after.Disabled != before.Disabled {
			at := int64(0)
			if after.Disabled {
				at = toNanos(now)
			}
			if _, err := q.exec(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, at, id); err != nil {
				return fmt.Errorf("update user: %w", err)
			}
		}
		if err := userTenants.set(ctx, q, id, after.Tenants); err != nil {
			return err
		}
		if rights {
			if err := revokeUserTokens(ctx, q, id, now); err != nil {
				return err
			}
		}
		if rights || (after.Disabled && !before.Disabled) {
			return endSessions(ctx, q, id, "")
		}
		return nil
	})
	if err != nil {
		return User{}, User{}, fmt.Errorf("update user %d: %w", id, err)
	}
	return before, after, nil
}

// DeleteUser removes user id with its sessions, revokes its tokens and
// returns what it was.
func (s *Store) DeleteUser(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.write(ctx, false, func(q querier) error {
		var err error
		if u, err = userByID(ctx, q, id); err != nil {
			return err
		}
		if err := revokeUserTokens(ctx, q, id, s.now()); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		if _, err := q.exec(ctx, `DELETE FROM user_tenants WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("delete user tenants: %w", err)
		}
		res, err := q.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		return notFoundIfNone(res, "user")
	})
	if err != nil {
		return User{}, fmt.Errorf("delete user %d: %w", id, err)
	}
	return u, nil
}

// SetPassword replaces the password of local user id, clears a lockout and
// ends every session of the user except keepSession (the secret of the
// session that made the change, or "").
func (s *Store) SetPassword(ctx context.Context, id int64, pw, keepSession string) error {
	u, err := s.User(ctx, id)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if u.AuthSource != AuthLocal {
		return fmt.Errorf("set password of %s: %w", u.Name, invalid("password", "user %s signs in with %s", u.Name, u.AuthSource))
	}
	if err := checkPassword(pw, u.Name); err != nil {
		return fmt.Errorf("set password of %s: %w", u.Name, err)
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", u.Name, err)
	}
	now := s.now()
	err = s.write(ctx, false, func(q querier) error {
		res, err := q.exec(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ?,
			failed_logins = 0, failed_since = 0, locked_until = 0 WHERE id = ?`, hash, toNanos(now), toNanos(now), id)
		if err != nil {
			return err
		}
		if err := notFoundIfNone(res, "user"); err != nil {
			return err
		}
		return endSessions(ctx, q, id, keepSession)
	})
	if err != nil {
		return fmt.Errorf("set password of %s: %w", u.Name, err)
	}
	return nil
}

func equalIDs(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

const userColumns = `id, name, role, tenant_id, auth_source, external_subject, totp_secret, locked_until, disabled_at,
	password_changed_at, last_login_at, created_at, updated_at`

// scanUser reads userColumns then extra; sql.ErrNoRows becomes ErrNotFound.
func scanUser(r scanner, extra ...any) (User, error) {
	var (
		u                                           User
		role, totp                                  string
		tenant, locked, disabled, pwAt, login, c, m int64
	)
	dest := append([]any{&u.ID, &u.Name, &role, &tenant, &u.AuthSource, &u.Subject, &totp, &locked, &disabled, &pwAt, &login, &c, &m}, extra...)
	if err := r.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, ErrNotFound
		}
		return User{}, err
	}
	u.Role, u.TenantID, u.TOTP, u.Disabled = Role(role), uint32(tenant), totp != "", disabled != 0
	u.LockedUntil, u.PasswordChangedAt, u.LastLoginAt = fromNanos(locked), fromNanos(pwAt), fromNanos(login)
	u.CreatedAt, u.UpdatedAt = fromNanos(c), fromNanos(m)
	return u, nil
}

func userByID(ctx context.Context, q querier, id int64) (User, error) {
	return userWhere(ctx, q, `id = ?`, id)
}

func userByName(ctx context.Context, q querier, name string) (User, error) {
	return userWhere(ctx, q, `name = ?`, name)
}

func userWhere(ctx context.Context, q querier, where string, arg any) (User, error) {
	u, err := scanUser(q.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if err != nil {
		return User{}, err
	}
	if u.Role == RoleProviderAnalyst {
		if u.Tenants, err = userTenants.get(ctx, q, u.ID); err != nil {
			return User{}, err
		}
	}
	return u, nil
}
