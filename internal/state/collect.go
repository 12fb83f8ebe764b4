package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CollectSource says how to reach a device to pull its configuration.
// Credentials are sealed by the caller (internal/secret); the state
// database never holds them in clear.
type CollectSource struct {
	DeviceID    int64     `json:"device_id"`
	TenantID    uint32    `json:"tenant_id"`
	Kind        string    `json:"kind"`   // devconfig kind
	Method      string    `json:"method"` // api | ssh
	Address     string    `json:"address"`
	VDOM        string    `json:"vdom,omitempty"`
	EveryHours  int       `json:"every_hours"`
	Credentials string    `json:"-"` // sealed JSON
	HostKey     string    `json:"host_key,omitempty"`
	TLSSHA256   string    `json:"tls_sha256,omitempty"`
	Insecure    bool      `json:"insecure,omitempty"`
	LastPullAt  time.Time `json:"last_pull_at,omitzero"`
	UpdatedBy   string    `json:"updated_by"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SetCollectSource stores how to reach a device.
func (s *Store) SetCollectSource(ctx context.Context, c CollectSource) error {
	if c.Method != "api" && c.Method != "ssh" {
		return fmt.Errorf("set collect source: %w", invalid("method", "%q: want api or ssh", c.Method))
	}
	if c.Address == "" {
		return fmt.Errorf("set collect source: %w", invalid("address", "required (host or host:port)"))
	}
	if c.EveryHours < 1 || c.EveryHours > 24*31 {
		return fmt.Errorf("set collect source: %w", invalid("every_hours", "%d: want 1-744", c.EveryHours))
	}
	if c.UpdatedBy == "" {
		return fmt.Errorf("set collect source: %w", invalid("updated_by", "who made the change is required"))
	}
	return s.write(ctx, false, func(q querier) error {
		_, err := q.exec(ctx, `INSERT INTO device_collect (device_id, kind, method, address, vdom, every_hours, credentials, host_key, tls_sha256, insecure, last_pull_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
			ON CONFLICT (device_id) DO UPDATE SET kind = excluded.kind, method = excluded.method, address = excluded.address, vdom = excluded.vdom,
			every_hours = excluded.every_hours, credentials = excluded.credentials, host_key = excluded.host_key, tls_sha256 = excluded.tls_sha256,
			insecure = excluded.insecure, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			c.DeviceID, c.Kind, c.Method, c.Address, c.VDOM, c.EveryHours, c.Credentials, c.HostKey, c.TLSSHA256, boolInt(c.Insecure), c.UpdatedBy, toNanos(s.now()))
		return err
	})
}

const collectColumns = `c.device_id, d.tenant_id, c.kind, c.method, c.address, c.vdom, c.every_hours, c.credentials, c.host_key, c.tls_sha256, c.insecure, c.last_pull_at, c.updated_by, c.updated_at`

func scanCollect(r scanner) (CollectSource, error) {
	var c CollectSource
	var tenant, insecure, last, at int64
	err := r.Scan(&c.DeviceID, &tenant, &c.Kind, &c.Method, &c.Address, &c.VDOM, &c.EveryHours, &c.Credentials, &c.HostKey, &c.TLSSHA256, &insecure, &last, &c.UpdatedBy, &at)
	c.TenantID, c.Insecure, c.LastPullAt, c.UpdatedAt = uint32(tenant), insecure == 1, fromNanos(last), fromNanos(at)
	return c, err
}

// CollectSources lists every device's collect source.
func (s *Store) CollectSources(ctx context.Context) ([]CollectSource, error) {
	rows, err := s.q().query(ctx, `SELECT `+collectColumns+` FROM device_collect c JOIN devices d ON d.id = c.device_id ORDER BY c.device_id`)
	if err != nil {
		return nil, fmt.Errorf("list collect sources: %w", err)
	}
	defer rows.Close()
	var out []CollectSource
	for rows.Next() {
		c, err := scanCollect(rows)
		if err != nil {
			return nil, fmt.Errorf("list collect sources: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CollectSourceOf returns a device's collect source; ErrNotFound if none.
func (s *Store) CollectSourceOf(ctx context.Context, deviceID int64) (CollectSource, error) {
	c, err := scanCollect(s.q().queryRow(ctx, `SELECT `+collectColumns+` FROM device_collect c JOIN devices d ON d.id = c.device_id WHERE c.device_id = ?`, deviceID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("collect source of device %d: %w", deviceID, ErrNotFound)
	}
	return c, err
}

// MarkPulled records a pull attempt's time and, when the source had no
// pinned host key yet, the one seen (trust on first use).
func (s *Store) MarkPulled(ctx context.Context, deviceID int64, at time.Time, hostKey string) error {
	return s.write(ctx, false, func(q querier) error {
		_, err := q.exec(ctx, `UPDATE device_collect SET last_pull_at = ?, host_key = CASE WHEN host_key = '' THEN ? ELSE host_key END WHERE device_id = ?`,
			toNanos(at), hostKey, deviceID)
		return err
	})
}

// PolicyHits is one policy's counters as the device reported them.
type PolicyHits struct {
	VDOM      string    `json:"vdom,omitempty"`
	PolicyID  string    `json:"policy_id"`
	Hits      int64     `json:"hits"`
	FirstUsed time.Time `json:"first_used,omitzero"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	Bytes     int64     `json:"bytes"`
	PulledAt  time.Time `json:"pulled_at"`
}

// SetPolicyHits replaces a device's counters.
func (s *Store) SetPolicyHits(ctx context.Context, deviceID int64, hits []PolicyHits) error {
	return s.write(ctx, false, func(q querier) error {
		if _, err := q.exec(ctx, `DELETE FROM policy_hits WHERE device_id = ?`, deviceID); err != nil {
			return err
		}
		now := toNanos(s.now())
		for _, h := range hits {
			if _, err := q.exec(ctx, `INSERT INTO policy_hits (device_id, vdom, policy_id, hits, first_used, last_used, bytes, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (device_id, vdom, policy_id) DO UPDATE SET hits = excluded.hits`,
				deviceID, h.VDOM, h.PolicyID, h.Hits, toNanos(h.FirstUsed), toNanos(h.LastUsed), h.Bytes, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// PolicyHitsOf returns a device's last reported counters.
func (s *Store) PolicyHitsOf(ctx context.Context, deviceID int64) ([]PolicyHits, error) {
	rows, err := s.q().query(ctx, `SELECT vdom, policy_id, hits, first_used, last_used, bytes, pulled_at FROM policy_hits WHERE device_id = ? ORDER BY vdom, policy_id`, deviceID)
	if err != nil {
		return nil, fmt.Errorf("policy hits: %w", err)
	}
	defer rows.Close()
	var out []PolicyHits
	for rows.Next() {
		var h PolicyHits
		var first, last, at int64
		if err := rows.Scan(&h.VDOM, &h.PolicyID, &h.Hits, &first, &last, &h.Bytes, &at); err != nil {
			return nil, err
		}
		h.FirstUsed, h.LastUsed, h.PulledAt = fromNanos(first), fromNanos(last), fromNanos(at)
		out = append(out, h)
	}
	return out, rows.Err()
}
