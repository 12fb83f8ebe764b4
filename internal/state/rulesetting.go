package state

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RuleSetting is one tenant's choice for one rule.
type RuleSetting struct {
	TenantID  uint32    `json:"tenant_id"`
	RuleID    string    `json:"rule_id"`
	Enabled   bool      `json:"enabled"`
	Severity  string    `json:"severity,omitempty"` // "" keeps the rule's own
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SetRuleSetting stores a tenant's setting for a rule. It bumps the
// revision, so that running servers pick it up.
func (s *Store) SetRuleSetting(ctx context.Context, rs RuleSetting) (RuleSetting, error) {
	if strings.TrimSpace(rs.RuleID) == "" || len(rs.RuleID) > 256 {
		return rs, fmt.Errorf("set rule setting: %w", invalid("rule_id", "must be 1-256 characters"))
	}
	if rs.Severity != "" && !slices.Contains(Severities, rs.Severity) {
		return rs, fmt.Errorf("set rule setting: %w", invalid("severity", "%q: want one of %s, or empty", rs.Severity, strings.Join(Severities, ", ")))
	}
	if rs.UpdatedBy == "" {
		return rs, fmt.Errorf("set rule setting: %w", invalid("updated_by", "who made the change is required"))
	}
	rs.UpdatedAt = s.now()
	enabled := 0
	if rs.Enabled {
		enabled = 1
	}
	err := s.write(ctx, true, func(q querier) error {
		if _, err := scanTenant(q.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, int64(rs.TenantID))); err != nil {
			return err
		}
		_, err := q.exec(ctx, `INSERT INTO rule_settings (tenant_id, rule_id, enabled, severity, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, rule_id) DO UPDATE SET enabled = excluded.enabled, severity = excluded.severity,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			int64(rs.TenantID), rs.RuleID, enabled, rs.Severity, rs.UpdatedBy, toNanos(rs.UpdatedAt))
		return err
	})
	if err != nil {
		return rs, fmt.Errorf("set rule %s for tenant %d: %w", rs.RuleID, rs.TenantID, err)
	}
	return rs, nil
}

// RuleSettings lists the settings of the given tenants (all when none).
func (s *Store) RuleSettings(ctx context.Context, tenants []uint32) ([]RuleSetting, error) {
	where, args := "1 = 1", []any{}
	if len(tenants) > 0 {
		where, args = tenantIn(tenants)
	}
	rows, err := s.q().query(ctx, `SELECT tenant_id, rule_id, enabled, severity, updated_by, updated_at FROM rule_settings WHERE `+where+` ORDER BY tenant_id, rule_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list rule settings: %w", err)
	}
	defer rows.Close()
	var out []RuleSetting
	for rows.Next() {
		var rs RuleSetting
		var tenant, enabled, at int64
		if err := rows.Scan(&tenant, &rs.RuleID, &enabled, &rs.Severity, &rs.UpdatedBy, &at); err != nil {
			return nil, err
		}
		rs.TenantID, rs.Enabled, rs.UpdatedAt = uint32(tenant), enabled == 1, fromNanos(at)
		out = append(out, rs)
	}
	return out, rows.Err()
}
