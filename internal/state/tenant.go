package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// Tenant is one customer. Its logs, devices and tokens are kept apart from
// every other tenant's.
type Tenant struct {
	// ID is the tenant's number in every store, ≥ 1. Tenant 0 is reserved
	// for the holding area of lines from unassigned sources.
	ID uint32
	// Name is unique: 1–64 characters of a-z, 0-9, '_' and '-', starting
	// with a letter or digit.
	Name string
	// RetentionDays is how long the tenant's logs are kept, 1–3650 days.
	RetentionDays int
	CreatedAt     time.Time
}

// Retention limits, in days.
const (
	DefaultRetentionDays = 90
	MinRetentionDays     = 1
	MaxRetentionDays     = 3650
)

const maxNameLen = 64

// checkTenantName refuses a name outside [a-z0-9][a-z0-9_-]{0,63}.
func checkTenantName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return invalid("name", "%q: must be 1-%d characters", name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '_' || c == '-') && i > 0:
		default:
			return invalid("name", "%q: must be a-z, 0-9, '_' or '-', starting with a letter or digit", name)
		}
	}
	return nil
}

// CreateTenant creates a tenant with the default retention. It returns an
// error matching ErrExists when the name is taken and a *FieldError for a
// bad name.
func (s *Store) CreateTenant(ctx context.Context, name string) (Tenant, error) {
	if err := checkTenantName(name); err != nil {
		return Tenant{}, fmt.Errorf("create tenant: %w", err)
	}
	t := Tenant{Name: name, RetentionDays: DefaultRetentionDays, CreatedAt: s.now()}
	err := s.write(ctx, true, func(q querier) error {
		if _, err := tenantByName(ctx, q, name); err == nil {
			return fmt.Errorf("name %q: %w", name, ErrExists)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		id, err := nextID(ctx, q, "tenant")
		if err != nil {
			return err
		}
		if id > math.MaxUint32 {
			return errors.New("tenant ids exhausted")
		}
		t.ID = uint32(id)
		_, err = q.exec(ctx, `INSERT INTO tenants (id, name, retention_days, created_at) VALUES (?, ?, ?, ?)`,
			id, t.Name, t.RetentionDays, toNanos(t.CreatedAt))
		if isUniqueViolation(err) {
			return fmt.Errorf("name %q: %w", name, ErrExists)
		}
		return err
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("create tenant: %w", err)
	}
	return t, nil
}

// Tenant returns the tenant with the given ID, or an error matching
// ErrNotFound.
func (s *Store) Tenant(ctx context.Context, id uint32) (Tenant, error) {
	t, err := scanTenant(s.q().queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, int64(id)))
	if err != nil {
		return Tenant{}, fmt.Errorf("tenant %d: %w", id, err)
	}
	return t, nil
}

// TenantByName returns the tenant with the given name, or an error matching
// ErrNotFound.
func (s *Store) TenantByName(ctx context.Context, name string) (Tenant, error) {
	t, err := tenantByName(ctx, s.q(), name)
	if err != nil {
		return Tenant{}, fmt.Errorf("tenant %q: %w", name, err)
	}
	return t, nil
}

// ListTenants returns every tenant in order of ID.
func (s *Store) ListTenants(ctx context.Context) ([]Tenant, error) {
	rows, err := s.q().query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var ts []Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return ts, nil
}

// SetRetention sets how many days (1–3650) the tenant's logs are kept.
func (s *Store) SetRetention(ctx context.Context, tenantID uint32, days int) error {
	if days < MinRetentionDays || days > MaxRetentionDays {
		return fmt.Errorf("set retention of tenant %d: %w", tenantID,
			invalid("retention_days", "%d: must be %d-%d", days, MinRetentionDays, MaxRetentionDays))
	}
	err := s.write(ctx, true, func(q querier) error {
		res, err := q.exec(ctx, `UPDATE tenants SET retention_days = ? WHERE id = ?`, days, int64(tenantID))
		if err != nil {
			return err
		}
		return notFoundIfNone(res, "tenant")
	})
	if err != nil {
		return fmt.Errorf("set retention of tenant %d: %w", tenantID, err)
	}
	return nil
}

const tenantColumns = `id, name, retention_days, created_at`

type scanner interface{ Scan(dest ...any) error }

// scanTenant reads tenantColumns; sql.ErrNoRows becomes ErrNotFound.
func scanTenant(r scanner) (Tenant, error) {
	var (
		t       Tenant
		id      int64
		created int64
	)
	if err := r.Scan(&id, &t.Name, &t.RetentionDays, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Tenant{}, ErrNotFound
		}
		return Tenant{}, err
	}
	t.ID = uint32(id)
	t.CreatedAt = fromNanos(created)
	return t, nil
}

func tenantByName(ctx context.Context, q querier, name string) (Tenant, error) {
	return scanTenant(q.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE name = ?`, name))
}

// tenantExists reports whether tenant id has a row.
func tenantExists(ctx context.Context, q querier, id uint32) (bool, error) {
	_, err := scanTenant(q.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, int64(id)))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("look up tenant %d: %w", id, err)
	}
}
