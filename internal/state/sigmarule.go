package state

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// StoredRule is a rule file uploaded through the API.
type StoredRule struct {
	Name       string    `json:"name"`
	TenantID   uint32    `json:"tenant_id,omitempty"` // 0: every tenant`
	YAML       string    `json:"yaml"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
}

var ruleFileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.ya?ml$`)

// PutRule stores (or replaces) a rule file. The caller validates the YAML.
// It bumps the revision so that running servers reload their rules.
func (s *Store) PutRule(ctx context.Context, r StoredRule) (StoredRule, error) {
	if !ruleFileName.MatchString(r.Name) {
		return r, fmt.Errorf("store rule: %w", invalid("name", "%q: want a file name ending in .yml or .yaml (letters, digits, . _ -)", r.Name))
	}
	if len(r.YAML) > 1<<20 {
		return r, fmt.Errorf("store rule: %w", invalid("yaml", "%d bytes: at most 1 MiB", len(r.YAML)))
	}
	r.UploadedAt = s.now()
	err := s.write(ctx, true, func(q querier) error {
		_, err := q.exec(ctx, `INSERT INTO sigma_rules (name, tenant_id, yaml, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET tenant_id = excluded.tenant_id, yaml = excluded.yaml, uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at`,
			r.Name, int64(r.TenantID), r.YAML, r.UploadedBy, toNanos(r.UploadedAt))
		return err
	})
	if err != nil {
		return r, fmt.Errorf("store rule %s: %w", r.Name, err)
	}
	return r, nil
}

// DeleteRule removes an uploaded rule file (ErrNotFound when absent).
func (s *Store) DeleteRule(ctx context.Context, name string) error {
	return s.write(ctx, true, func(q querier) error {
		res, err := q.exec(ctx, `DELETE FROM sigma_rules WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("delete rule %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("rule %s: %w", name, ErrNotFound)
		}
		return nil
	})
}

// Rules returns every uploaded rule file, by name.
func (s *Store) Rules(ctx context.Context) ([]StoredRule, error) {
	rows, err := s.q().query(ctx, `SELECT name, tenant_id, yaml, uploaded_by, uploaded_at FROM sigma_rules ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	var out []StoredRule
	for rows.Next() {
		var r StoredRule
		var at, tenant int64
		if err := rows.Scan(&r.Name, &tenant, &r.YAML, &r.UploadedBy, &at); err != nil {
			return nil, err
		}
		r.UploadedAt, r.TenantID = fromNanos(at), uint32(tenant)
		out = append(out, r)
	}
	return out, rows.Err()
}
