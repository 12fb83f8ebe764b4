package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ConfigRestore is a request to push a generation back to a device.
type ConfigRestore struct {
	ID               int64     `json:"id"`
	DeviceID         int64     `json:"device_id"`
	TenantID         uint32    `json:"tenant_id"`
	Generation       int       `json:"generation"`
	Reason           string    `json:"reason"`
	RequestedBy      string    `json:"requested_by"`
	RequestedAt      time.Time `json:"requested_at"`
	Status           string    `json:"status"` // pending, refused, done, failed
	DecidedBy        string    `json:"decided_by,omitempty"`
	DecidedAt        time.Time `json:"decided_at,omitzero"`
	BackupGeneration int       `json:"backup_generation,omitempty"`
	Verified         bool      `json:"verified"`
	Result           string    `json:"result,omitempty"`
}

// Restore statuses.
const (
	RestorePending = "pending"
	RestoreRefused = "refused"
	RestoreDone    = "done"
	RestoreFailed  = "failed"
)

// ErrSamePerson: the one who asked for a restore cannot approve it.
var ErrSamePerson = errors.New("a restore must be approved by a second person")

// RequestRestore records a request to push generation gen back to a device
// in the caller's tenants.
func (s *Store) RequestRestore(ctx context.Context, tenants []uint32, deviceID int64, gen int, reason, actor string) (ConfigRestore, error) {
	if actor == "" {
		return ConfigRestore{}, fmt.Errorf("request restore: %w", invalid("actor", "who asks is required"))
	}
	g, _, err := s.ConfigContent(ctx, tenants, deviceID, gen)
	if err != nil {
		return ConfigRestore{}, err
	}
	r := ConfigRestore{DeviceID: deviceID, TenantID: g.TenantID, Generation: g.Gen, Reason: reason, RequestedBy: actor, RequestedAt: s.now(), Status: RestorePending}
	err = s.write(ctx, false, func(q querier) error {
		if r.ID, err = nextID(ctx, q, "config_restore"); err != nil {
			return err
		}
		_, err := q.exec(ctx, `INSERT INTO config_restores (id, device_id, tenant_id, generation, reason, requested_by, requested_at, status, decided_by, decided_at, backup_generation, verified, result)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0, 0, '')`, r.ID, deviceID, int64(r.TenantID), r.Generation, reason, actor, toNanos(r.RequestedAt), RestorePending)
		return err
	})
	if err != nil {
		return r, fmt.Errorf("request restore: %w", err)
	}
	return r, nil
}

const restoreColumns = `id, device_id, tenant_id, generation, reason, requested_by, requested_at, status, decided_by, decided_at, backup_generation, verified, result`

func scanRestore(r scanner) (ConfigRestore, error) {
	var c ConfigRestore
	var tenant, req, dec, verified int64
	err := r.Scan(&c.ID, &c.DeviceID, &tenant, &c.Generation, &c.Reason, &c.RequestedBy, &req, &c.Status, &c.DecidedBy, &dec, &c.BackupGeneration, &verified, &c.Result)
	c.TenantID, c.RequestedAt, c.DecidedAt, c.Verified = uint32(tenant), fromNanos(req), fromNanos(dec), verified == 1
	return c, err
}

// Restore returns one restore request in the caller's tenants.
func (s *Store) Restore(ctx context.Context, tenants []uint32, id int64) (ConfigRestore, error) {
	if len(tenants) == 0 {
		return ConfigRestore{}, fmt.Errorf("restore %d: %w", id, ErrNotFound)
	}
	where, args := tenantIn(tenants)
	r, err := scanRestore(s.q().queryRow(ctx, `SELECT `+restoreColumns+` FROM config_restores WHERE id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("restore %d: %w", id, ErrNotFound)
	}
	return r, err
}

// Restores lists a device's restore requests, newest first.
func (s *Store) Restores(ctx context.Context, tenants []uint32, deviceID int64) ([]ConfigRestore, error) {
	if len(tenants) == 0 {
		return nil, fmt.Errorf("list restores: %w", invalid("tenants", "no tenant in scope"))
	}
	where, args := tenantIn(tenants)
	rows, err := s.q().query(ctx, `SELECT `+restoreColumns+` FROM config_restores WHERE device_id = ? AND `+where+` ORDER BY id DESC`, append([]any{deviceID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list restores: %w", err)
	}
	defer rows.Close()
	var out []ConfigRestore
	for rows.Next() {
		r, err := scanRestore(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DecideRestore moves a pending request: refused (by anyone allowed), or
// approved by someone other than the requester — then the caller runs it
// and records the outcome with FinishRestore. It returns the request.
func (s *Store) DecideRestore(ctx context.Context, tenants []uint32, id int64, approve bool, actor string) (ConfigRestore, error) {
	r, err := s.Restore(ctx, tenants, id)
	if err != nil {
		return r, err
	}
	if r.Status != RestorePending {
		return r, fmt.Errorf("restore %d: %w", id, invalid("status", "already %s", r.Status))
	}
	if approve && actor == r.RequestedBy {
		return r, fmt.Errorf("restore %d requested by %s: %w", id, actor, ErrSamePerson)
	}
	status := "approved"
	if !approve {
		status = RestoreRefused
	}
	err = s.write(ctx, false, func(q querier) error {
		res, err := q.exec(ctx, `UPDATE config_restores SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?`,
			status, actor, toNanos(s.now()), id, RestorePending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return invalid("status", "decided meanwhile")
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("restore %d: %w", id, err)
	}
	r.Status, r.DecidedBy, r.DecidedAt = status, actor, s.now()
	return r, nil
}

// FinishRestore records how an approved restore went.
func (s *Store) FinishRestore(ctx context.Context, id int64, ok bool, backupGen int, verified bool, result string) error {
	status := RestoreDone
	if !ok {
		status = RestoreFailed
	}
	return s.write(ctx, false, func(q querier) error {
		_, err := q.exec(ctx, `UPDATE config_restores SET status = ?, backup_generation = ?, verified = ?, result = ? WHERE id = ?`,
			status, backupGen, boolInt(verified), result, id)
		return err
	})
}
