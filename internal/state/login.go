package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/password"
	"github.com/sekimori/sekimori/internal/totp"
)

// The lockout policy: LockoutFailures failed sign-ins of one user within
// LockoutWindow lock the user for LockoutDuration. Attempts while locked
// are refused without checking the password and are not counted.
const (
	LockoutFailures = 5
	LockoutWindow   = 15 * time.Minute
	LockoutDuration = 15 * time.Minute
)

// ErrTOTPRequired: the password was right and the user has a second
// factor; ask for a code and try again.
var ErrTOTPRequired = errors.New("second factor required")

// Reasons of a refused sign-in, for the audit trail (LoginError.Reason).
const (
	LoginUnknownUser  = "unknown_user"
	LoginDisabled     = "disabled"
	LoginLocked       = "locked"
	LoginNoPassword   = "no_password"
	LoginBadPassword  = "bad_password"
	LoginTOTPRequired = "totp_required"
	LoginBadCode      = "bad_code"
)

// LoginError is a refused sign-in. It matches ErrTOTPRequired when Reason
// is LoginTOTPRequired and ErrUnauthorized otherwise. Reason is for the
// audit trail; a client learns no more than those two errors.
type LoginError struct {
	Reason string
	// User is the user signing in; zero when the name is unknown.
	User User
	// LockedNow says this failure locked the user.
	LockedNow bool
}

func (e *LoginError) Error() string { return "sign-in refused: " + e.Reason }

// Unwrap makes errors.Is(err, ErrUnauthorized) or ErrTOTPRequired work.
func (e *LoginError) Unwrap() error {
	if e.Reason == LoginTOTPRequired {
		return ErrTOTPRequired
	}
	return ErrUnauthorized
}

// credentials are what Login checks; never outside this package.
type credentials struct {
	hash, totpSecret string
	totpLastStep     int64
}

// Login checks a local user's password and, when the user has a second
// factor, the TOTP code (code may be "" the first time: the answer is then
// ErrTOTPRequired). It applies the lockout policy and accepts each TOTP code
// once. On success it records the time and, when the password hash was made
// with older parameters, replaces it.
//
// An unknown name costs the same password hashing as a known one.
func (s *Store) Login(ctx context.Context, name, pw, code string) (User, error) {
	var c credentials
	u, err := scanUser(s.q().queryRow(ctx, `SELECT `+userColumns+`, password_hash, totp_last_step FROM users WHERE name = ?`, normName(name)),
		&c.hash, &c.totpLastStep)
	if errors.Is(err, ErrNotFound) {
		password.VerifyDummy(pw)
		return User{}, &LoginError{Reason: LoginUnknownUser}
	}
	if err != nil {
		return User{}, fmt.Errorf("login: %w", err)
	}
	if u.Role == RoleProviderAnalyst {
		if u.Tenants, err = userTenants.get(ctx, s.q(), u.ID); err != nil {
			return User{}, fmt.Errorf("login: %w", err)
		}
	}
	if u.TOTP {
		if err := s.q().queryRow(ctx, `SELECT totp_secret FROM users WHERE id = ?`, u.ID).Scan(&c.totpSecret); err != nil {
			return User{}, fmt.Errorf("login: %w", err)
		}
		if c.totpSecret, err = s.openTOTP(u.ID, c.totpSecret); err != nil {
			return User{}, fmt.Errorf("login: %w", err)
		}
	}
	now := s.now()
	switch {
	case now.Before(u.LockedUntil):
		password.VerifyDummy(pw)
		return User{}, &LoginError{Reason: LoginLocked, User: u}
	case u.Disabled:
		password.VerifyDummy(pw)
		return User{}, &LoginError{Reason: LoginDisabled, User: u}
	case c.hash == "":
		password.VerifyDummy(pw)
		return User{}, &LoginError{Reason: LoginNoPassword, User: u}
	}
	if err := password.Verify(c.hash, pw); err != nil {
		if !errors.Is(err, password.ErrMismatch) {
			return User{}, fmt.Errorf("login %s: %w", u.Name, err)
		}
		return User{}, s.loginFailed(ctx, u, LoginBadPassword)
	}
	if u.TOTP {
		if code == "" {
			return User{}, &LoginError{Reason: LoginTOTPRequired, User: u}
		}
		step, ok := totp.Verify(c.totpSecret, code, now, c.totpLastStep)
		if ok {
			// Only one sign-in may use a step, even when two race.
			res, err := s.q().exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, u.ID, step)
			if err != nil {
				return User{}, fmt.Errorf("login %s: %w", u.Name, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				ok = false
			}
		}
		if !ok {
			return User{}, s.loginFailed(ctx, u, LoginBadCode)
		}
	}
	set, args := `last_login_at = ?, failed_logins = 0, failed_since = 0`, []any{toNanos(now)}
	if password.NeedsRehash(c.hash) {
		if h, err := password.Hash(pw); err == nil {
			set, args = set+`, password_hash = ?`, append(args, h)
		}
	}
	if _, err := s.q().exec(ctx, `UPDATE users SET `+set+` WHERE id = ?`, append(args, u.ID)...); err != nil {
		return User{}, fmt.Errorf("login %s: %w", u.Name, err)
	}
	u.LastLoginAt = now
	return u, nil
}

// loginFailed counts a failure of u and locks u at the LockoutFailures-th
// failure within LockoutWindow. It returns the LoginError for reason.
func (s *Store) loginFailed(ctx context.Context, u User, reason string) error {
	now := s.now()
	le := &LoginError{Reason: reason, User: u}
	err := s.write(ctx, false, func(q querier) error {
		var n, since int64
		if err := q.queryRow(ctx, `SELECT failed_logins, failed_since FROM users WHERE id = ?`, u.ID).Scan(&n, &since); err != nil {
			return err
		}
		if since == 0 || now.Sub(fromNanos(since)) >= LockoutWindow {
			n, since = 0, toNanos(now)
		}
		n++
		locked := int64(0)
		if n >= LockoutFailures {
			locked, n, since = toNanos(now.Add(LockoutDuration)), 0, 0
			le.LockedNow = true
			le.User.LockedUntil = fromNanos(locked)
		}
		set, args := `failed_logins = ?, failed_since = ?`, []any{n, since}
		if locked != 0 {
			set, args = set+`, locked_until = ?`, append(args, locked)
		}
		_, err := q.exec(ctx, `UPDATE users SET `+set+` WHERE id = ?`, append(args, u.ID)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("login %s: record failure: %w", u.Name, err)
	}
	return le
}

// EnrollTOTP starts enrolment of a second factor for user id: a new secret
// is kept as pending and returned, to be shown to the user once (with
// totp.URI); ConfirmTOTP with a code from the user's app turns it on. A
// confirmed factor stays in force until then.
func (s *Store) EnrollTOTP(ctx context.Context, id int64) (string, error) {
	secret, err := totp.NewSecret()
	if err != nil {
		return "", fmt.Errorf("enroll totp for user %d: %w", id, err)
	}
	err = s.write(ctx, false, func(q querier) error {
		res, err := q.exec(ctx, `UPDATE users SET totp_pending = ?, updated_at = ? WHERE id = ?`, s.sealTOTP(id, secret), toNanos(s.now()), id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res, "user")
	})
	if err != nil {
		return "", fmt.Errorf("enroll totp for user %d: %w", id, err)
	}
	return secret, nil
}

// ConfirmTOTP checks code against user id's pending secret and makes it the
// user's second factor. A wrong code is a *FieldError for "code".
func (s *Store) ConfirmTOTP(ctx context.Context, id int64, code string) error {
	now := s.now()
	err := s.write(ctx, false, func(q querier) error {
		var pending string
		if err := q.queryRow(ctx, `SELECT totp_pending FROM users WHERE id = ?`, id).Scan(&pending); err != nil {
			return fmt.Errorf("user: %w", ErrNotFound)
		}
		if pending == "" {
			return invalid("code", "no enrolment is pending: enroll first")
		}
		pending, err := s.openTOTP(id, pending)
		if err != nil {
			return err
		}
		step, ok := totp.Verify(pending, code, now, 0)
		if !ok {
			return invalid("code", "does not match the pending secret (check the device's clock)")
		}
		_, err = q.exec(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_last_step = ?, updated_at = ? WHERE id = ?`,
			step, toNanos(now), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("confirm totp for user %d: %w", id, err)
	}
	return nil
}

// DisableTOTP removes user id's second factor and any pending enrolment.
func (s *Store) DisableTOTP(ctx context.Context, id int64) error {
	err := s.write(ctx, false, func(q querier) error {
		res, err := q.exec(ctx, `UPDATE users SET totp_secret = '', totp_pending = '', totp_last_step = 0, updated_at = ? WHERE id = ?`,
			toNanos(s.now()), id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res, "user")
	})
	if err != nil {
		return fmt.Errorf("disable totp for user %d: %w", id, err)
	}
	return nil
}

// UnlockUser ends a lockout of user id and forgets its failures.
func (s *Store) UnlockUser(ctx context.Context, id int64) error {
	res, err := s.q().exec(ctx, `UPDATE users SET failed_logins = 0, failed_since = 0, locked_until = 0 WHERE id = ?`, id)
	if err == nil {
		err = notFoundIfNone(res, "user")
	}
	if err != nil {
		return fmt.Errorf("unlock user %d: %w", id, err)
	}
	return nil
}

// CheckPassword verifies the current password of local user id, for a
// change that needs it (the user's own new password). It refuses while the
// user is locked, and a wrong password counts toward the lockout as a
// failed sign-in does. The error is a *LoginError.
func (s *Store) CheckPassword(ctx context.Context, id int64, pw string) error {
	var hash string
	u, err := scanUser(s.q().queryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE id = ?`, id), &hash)
	if err != nil {
		return fmt.Errorf("check password of user %d: %w", id, err)
	}
	switch {
	case s.now().Before(u.LockedUntil):
		return &LoginError{Reason: LoginLocked, User: u}
	case hash == "":
		return &LoginError{Reason: LoginNoPassword, User: u}
	}
	if err := password.Verify(hash, pw); err != nil {
		if !errors.Is(err, password.ErrMismatch) {
			return fmt.Errorf("check password of %s: %w", u.Name, err)
		}
		return s.loginFailed(ctx, u, LoginBadPassword)
	}
	return nil
}

// Sealer seals the secrets the state database must be able to read back
// (TOTP keys) with a key kept outside it; *secret.Box implements it.
type Sealer interface {
	Seal(plaintext, aad []byte) string
	Open(sealed string, aad []byte) ([]byte, error)
}

// sealedPrefix starts a sealed value; a TOTP key (base32) never has ':'.
const sealedPrefix = "v1:"

func totpAAD(id int64) []byte { return fmt.Appendf(nil, "totp:user:%d", id) }

// sealTOTP seals a user's TOTP key when the Store has a Sealer.
func (s *Store) sealTOTP(id int64, key string) string {
	if s.Secrets == nil {
		return key
	}
	return s.Secrets.Seal([]byte(key), totpAAD(id))
}

// openTOTP opens a stored TOTP key; keys stored before sealing was set up
// are read as they are.
func (s *Store) openTOTP(id int64, stored string) (string, error) {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored, nil
	}
	if s.Secrets == nil {
		return "", fmt.Errorf("the second factor of user %d is sealed and no secret key is loaded", id)
	}
	key, err := s.Secrets.Open(stored, totpAAD(id))
	if err != nil {
		return "", fmt.Errorf("open the second factor of user %d: %w", id, err)
	}
	return string(key), nil
}
