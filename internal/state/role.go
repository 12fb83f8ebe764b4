package state

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Role is what a user or an API token may do. The state package stores it
// and checks that its tenant fields fit; what each role may reach is
// decided in one place, internal/api's permission table.
type Role string

const (
	// RoleProviderAdmin reaches everything: every tenant, users, tokens,
	// tenants, devices, rule files, the audit trail.
	RoleProviderAdmin Role = "provider_admin"
	// RoleProviderAnalyst works on every tenant, or on a list of assigned
	// tenants: search, alert triage, hunts, rule settings.
	RoleProviderAnalyst Role = "provider_analyst"
	// RoleCustomerAdmin does everything a customer may do in its one
	// tenant, including managing that tenant's users.
	RoleCustomerAdmin Role = "customer_admin"
	// RoleCustomerViewer reads its one tenant.
	RoleCustomerViewer Role = "customer_viewer"

	// RoleAdmin is the name admin tokens had before users existed; it is
	// the provider admin. Migration 0007 renamed the stored tokens.
	RoleAdmin = RoleProviderAdmin
	// RoleTenant is the name tenant tokens had before users existed; it is
	// the customer admin of the token's tenant.
	RoleTenant = RoleCustomerAdmin
)

// Roles lists every role, the most powerful first.
var Roles = []Role{RoleProviderAdmin, RoleProviderAnalyst, RoleCustomerAdmin, RoleCustomerViewer}

// ParseRole accepts a role's name, and the names of version-1 tokens:
// "admin" (provider_admin) and "tenant" (customer_admin).
func ParseRole(s string) (Role, bool) {
	switch s {
	case "admin":
		return RoleProviderAdmin, true
	case "tenant":
		return RoleCustomerAdmin, true
	}
	r := Role(s)
	return r, slices.Contains(Roles, r)
}

// Customer reports whether r belongs to one tenant.
func (r Role) Customer() bool { return r == RoleCustomerAdmin || r == RoleCustomerViewer }

func roleNames() string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// checkScope checks the tenant fields of a user or token with role r:
// customer roles have one tenant (tenantID); a provider analyst has none or
// a list of assigned tenants (tenants); a provider admin has neither.
func checkScope(r Role, tenantID uint32, tenants []uint32) error {
	switch r {
	case RoleProviderAdmin:
		if tenantID != 0 || len(tenants) > 0 {
			return invalid("tenant_id", "a provider admin reaches every tenant and takes none")
		}
	case RoleProviderAnalyst:
		if tenantID != 0 {
			return invalid("tenant_id", "a provider analyst takes a list of tenants (tenants), or none for all")
		}
		if slices.Contains(tenants, 0) {
			return invalid("tenants", "tenant 0 is not a tenant")
		}
	case RoleCustomerAdmin, RoleCustomerViewer:
		if tenantID == 0 {
			return invalid("tenant_id", "role %s needs a tenant", r)
		}
		if len(tenants) > 0 {
			return invalid("tenants", "role %s has one tenant (tenant_id), not a list", r)
		}
	default:
		return invalid("role", "%q: must be one of %s", r, roleNames())
	}
	return nil
}

// checkTenantsExist refuses tenant ids without a row, naming field.
func checkTenantsExist(ctx context.Context, q querier, field string, ids ...uint32) error {
	for _, id := range ids {
		if id == 0 {
			continue
		}
		ok, err := tenantExists(ctx, q, id)
		if err != nil {
			return err
		}
		if !ok {
			return invalid(field, "no tenant %d", id)
		}
	}
	return nil
}

// scopeTable is a table of (owner id, tenant id) rows: the assigned
// tenants of provider analysts (users and tokens).
type scopeTable struct{ table, owner string }

var (
	userTenants  = scopeTable{"user_tenants", "user_id"}
	tokenTenants = scopeTable{"token_tenants", "token_id"}
)

// set replaces the tenants of owner id.
func (st scopeTable) set(ctx context.Context, q querier, id int64, tenants []uint32) error {
	if _, err := q.exec(ctx, `DELETE FROM `+st.table+` WHERE `+st.owner+` = ?`, id); err != nil {
		return fmt.Errorf("clear %s: %w", st.table, err)
	}
	for _, t := range uniqueSorted(tenants) {
		if _, err := q.exec(ctx, `INSERT INTO `+st.table+` (`+st.owner+`, tenant_id) VALUES (?, ?)`, id, int64(t)); err != nil {
			return fmt.Errorf("insert %s: %w", st.table, err)
		}
	}
	return nil
}

// get returns the tenants of owner id in order, nil for none.
func (st scopeTable) get(ctx context.Context, q querier, id int64) ([]uint32, error) {
	all, err := st.all(ctx, q, `WHERE `+st.owner+` = ?`, id)
	return all[id], err
}

// all returns the tenants of every owner matching where.
func (st scopeTable) all(ctx context.Context, q querier, where string, args ...any) (map[int64][]uint32, error) {
	rows, err := q.query(ctx, `SELECT `+st.owner+`, tenant_id FROM `+st.table+` `+where+` ORDER BY `+st.owner+`, tenant_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", st.table, err)
	}
	defer rows.Close()
	out := map[int64][]uint32{}
	for rows.Next() {
		var id, t int64
		if err := rows.Scan(&id, &t); err != nil {
			return nil, fmt.Errorf("read %s: %w", st.table, err)
		}
		out[id] = append(out[id], uint32(t))
	}
	return out, rows.Err()
}

func uniqueSorted(ids []uint32) []uint32 {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
