package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ConfigGeneration is one stored configuration of a device.
type ConfigGeneration struct {
	ID          int64           `json:"id"`
	DeviceID    int64           `json:"device_id"`
	TenantID    uint32          `json:"tenant_id"`
	Gen         int             `json:"generation"`
	Kind        string          `json:"kind"`
	Fingerprint string          `json:"fingerprint"` // SHA-256 of the masked content: the identity for "changed?"
	SHA256      string          `json:"sha256"`      // of the content as pulled
	Size        int64           `json:"size"`
	Firmware    string          `json:"firmware"`
	Method      string          `json:"method"`
	Actor       string          `json:"actor"`
	PulledAt    time.Time       `json:"pulled_at"`
	Severity    string          `json:"severity"`
	Summary     json.RawMessage `json:"summary,omitempty"`
}

// ConfigPull is one attempt to pull or upload a configuration.
type ConfigPull struct {
	ID           int64     `json:"id"`
	DeviceID     int64     `json:"device_id"`
	TenantID     uint32    `json:"tenant_id"`
	At           time.Time `json:"at"`
	Method       string    `json:"method"`
	Actor        string    `json:"actor"`
	Outcome      string    `json:"outcome"` // new, unchanged, rejected, failed
	Reason       string    `json:"reason,omitempty"`
	GenerationID int64     `json:"generation_id,omitempty"`
}

// Pull outcomes.
const (
	PullNew       = "new"
	PullUnchanged = "unchanged"
	PullRejected  = "rejected"
	PullFailed    = "failed"
)

// AddConfig stores content as the device's next generation unless its
// fingerprint equals the latest generation's; either way the pull is
// recorded. It returns the generation (the new one, or the latest) and
// whether it is new. g's Gen, ID, SHA256, Size and PulledAt are set here.
func (s *Store) AddConfig(ctx context.Context, g ConfigGeneration, content []byte) (ConfigGeneration, bool, error) {
	if g.Actor == "" {
		return g, false, fmt.Errorf("add config: %w", invalid("actor", "who made the change is required"))
	}
	sum := sha256.Sum256(content)
	g.SHA256, g.Size, g.PulledAt = hex.EncodeToString(sum[:]), int64(len(content)), s.now()
	if len(g.Summary) == 0 {
		g.Summary = json.RawMessage(`{}`)
	}
	created := false
	err := s.write(ctx, false, func(q querier) error {
		latest, err := scanGeneration(q.queryRow(ctx, `SELECT `+generationColumns+` FROM config_generations g WHERE g.device_id = ? ORDER BY g.gen DESC LIMIT 1`, g.DeviceID))
		switch {
		case err == nil && latest.Fingerprint == g.Fingerprint:
			g = latest
			return recordPull(ctx, q, ConfigPull{DeviceID: g.DeviceID, TenantID: g.TenantID, At: s.now(), Method: g.Method, Actor: g.Actor,
				Outcome: PullUnchanged, GenerationID: latest.ID})
		case err == nil:
			g.Gen = latest.Gen + 1
		case errors.Is(err, sql.ErrNoRows):
			g.Gen = 1
		default:
			return err
		}
		if _, err := q.exec(ctx, `INSERT INTO config_blobs (sha256, content, size) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
			g.SHA256, string(content), g.Size); err != nil {
			return err
		}
		if g.ID, err = nextID(ctx, q, "config_generation"); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `INSERT INTO config_generations (id, device_id, tenant_id, gen, kind, fingerprint, sha256, firmware, method, actor, pulled_at, severity, summary)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, g.ID, g.DeviceID, int64(g.TenantID), g.Gen, g.Kind, g.Fingerprint, g.SHA256,
			g.Firmware, g.Method, g.Actor, toNanos(g.PulledAt), g.Severity, string(g.Summary)); err != nil {
			return err
		}
		created = true
		return recordPull(ctx, q, ConfigPull{DeviceID: g.DeviceID, TenantID: g.TenantID, At: g.PulledAt, Method: g.Method, Actor: g.Actor,
			Outcome: PullNew, GenerationID: g.ID})
	})
	if err != nil {
		return g, false, fmt.Errorf("add config of device %d: %w", g.DeviceID, err)
	}
	return g, created, nil
}

// RecordConfigPull records a pull that stored nothing (rejected, failed).
func (s *Store) RecordConfigPull(ctx context.Context, p ConfigPull) error {
	if p.At.IsZero() {
		p.At = s.now()
	}
	return s.write(ctx, false, func(q querier) error { return recordPull(ctx, q, p) })
}

func recordPull(ctx context.Context, q querier, p ConfigPull) error {
	id, err := nextID(ctx, q, "config_pull")
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO config_pulls (id, device_id, tenant_id, at, method, actor, outcome, reason, generation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, p.DeviceID, int64(p.TenantID), toNanos(p.At), p.Method, p.Actor, p.Outcome, p.Reason, p.GenerationID)
	return err
}

const generationColumns = `g.id, g.device_id, g.tenant_id, g.gen, g.kind, g.fingerprint, g.sha256, g.firmware, g.method, g.actor, g.pulled_at, g.severity, g.summary,
	(SELECT size FROM config_blobs b WHERE b.sha256 = g.sha256)`

func scanGeneration(r scanner) (ConfigGeneration, error) {
	var g ConfigGeneration
	var tenant, at int64
	var summary string
	err := r.Scan(&g.ID, &g.DeviceID, &tenant, &g.Gen, &g.Kind, &g.Fingerprint, &g.SHA256, &g.Firmware, &g.Method, &g.Actor, &at, &g.Severity, &summary, &g.Size)
	g.TenantID, g.PulledAt, g.Summary = uint32(tenant), fromNanos(at), json.RawMessage(summary)
	return g, err
}

// ConfigGenerations lists a device's generations, newest first; the device
// must be in the caller's tenants (else ErrNotFound).
func (s *Store) ConfigGenerations(ctx context.Context, tenants []uint32, deviceID int64) ([]ConfigGeneration, error) {
	if len(tenants) == 0 {
		return nil, fmt.Errorf("list configs: %w", invalid("tenants", "no tenant in scope"))
	}
	where, args := tenantIn(tenants)
	rows, err := s.q().query(ctx, `SELECT `+generationColumns+` FROM config_generations g WHERE g.device_id = ? AND g.`+where+` ORDER BY g.gen DESC`,
		append([]any{deviceID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list configs: %w", err)
	}
	defer rows.Close()
	var out []ConfigGeneration
	for rows.Next() {
		g, err := scanGeneration(rows)
		if err != nil {
			return nil, fmt.Errorf("list configs: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// ConfigContent returns one generation (0: the latest) of a device in the
// caller's tenants with its content; ErrNotFound otherwise.
func (s *Store) ConfigContent(ctx context.Context, tenants []uint32, deviceID int64, gen int) (ConfigGeneration, []byte, error) {
	if len(tenants) == 0 {
		return ConfigGeneration{}, nil, fmt.Errorf("config: %w", ErrNotFound)
	}
	where, args := tenantIn(tenants)
	query := `SELECT ` + generationColumns + ` FROM config_generations g WHERE g.device_id = ? AND g.` + where
	qargs := append([]any{deviceID}, args...)
	if gen > 0 {
		query += ` AND g.gen = ?`
		qargs = append(qargs, gen)
	}
	query += ` ORDER BY g.gen DESC LIMIT 1`
	g, err := scanGeneration(s.q().queryRow(ctx, query, qargs...))
	if errors.Is(err, sql.ErrNoRows) {
		return g, nil, fmt.Errorf("generation %d of device %d: %w", gen, deviceID, ErrNotFound)
	}
	if err != nil {
		return g, nil, fmt.Errorf("config: %w", err)
	}
	var content string
	if err := s.q().queryRow(ctx, `SELECT content FROM config_blobs WHERE sha256 = ?`, g.SHA256).Scan(&content); err != nil {
		return g, nil, fmt.Errorf("config content %s: %w", g.SHA256, err)
	}
	return g, []byte(content), nil
}

// ConfigPulls lists a device's pull attempts, newest first.
func (s *Store) ConfigPulls(ctx context.Context, tenants []uint32, deviceID int64, limit int) ([]ConfigPull, error) {
	if len(tenants) == 0 {
		return nil, fmt.Errorf("list pulls: %w", invalid("tenants", "no tenant in scope"))
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	where, args := tenantIn(tenants)
	rows, err := s.q().query(ctx, `SELECT id, device_id, tenant_id, at, method, actor, outcome, reason, generation_id FROM config_pulls
		WHERE device_id = ? AND `+where+fmt.Sprintf(` ORDER BY at DESC, id DESC LIMIT %d`, limit), append([]any{deviceID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list pulls: %w", err)
	}
	defer rows.Close()
	var out []ConfigPull
	for rows.Next() {
		var p ConfigPull
		var tenant, at int64
		if err := rows.Scan(&p.ID, &p.DeviceID, &tenant, &at, &p.Method, &p.Actor, &p.Outcome, &p.Reason, &p.GenerationID); err != nil {
			return nil, err
		}
		p.TenantID, p.At = uint32(tenant), fromNanos(at)
		out = append(out, p)
	}
	return out, rows.Err()
}
