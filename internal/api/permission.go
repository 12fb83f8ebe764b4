package api

import (
	"fmt"
	"slices"

	"github.com/sekimori/sekimori/internal/state"
)

// This file is the one place where permissions are decided: which routes a
// role may call (perm, rolePerms, principal.can), which tenants it sees
// (principal.scope and friends), whom it may manage and what rights it may
// hand out (principal.covers), and whether it sees hidden alerts.

// perm is what a route needs. Every route has exactly one.
type perm int

const (
	// permPublic routes need no authentication (sign-in).
	permPublic perm = iota
	// permSelf: any signed-in caller, about itself (session, sign-out, its
	// own password and second factor) or the server's readiness.
	permSelf
	// permRead: read what is in the caller's tenants: logs, alerts,
	// devices, rules, seals.
	permRead
	// permMetrics: the server's Prometheus metrics (all tenants' volumes).
	permMetrics
	// permIngest: push log lines for a device in scope.
	permIngest
	// permTriage: change the status of alerts in scope.
	permTriage
	// permHunt: run Sigma rules over stored logs in scope.
	permHunt
	// permRuleSettings: enable, disable or re-rank rules for a tenant in scope.
	permRuleSettings
	// permRuleFiles: upload and delete rule files (every tenant's detection).
	permRuleFiles
	// permTenants: create tenants.
	permTenants
	// permDevices: register devices and assign unassigned sources.
	permDevices
	// permAudit: read the audit trail.
	permAudit
	// permUsers: manage the users the caller covers.
	permUsers
	// permTokens: create, list and revoke API tokens (the caller's own, or
	// those of the users it manages).
	permTokens
	// permAssets: import a tenant's asset inventory (hosts, SBOMs, scans).
	permAssets
	// permConfigs: upload device configurations, download them with their
	// secrets, and get restore scripts (others see them masked).
	permConfigs
)

var permNames = []string{"public", "self", "read", "metrics", "ingest", "triage", "hunt", "rule_settings", "rule_files", "tenants", "devices", "audit", "users", "tokens", "assets", "configs"}

func (x perm) String() string { return permNames[x] }

// rolePerms is the permission table: what each role may do. A provider
// analyst works on tenants but administers nothing; a customer admin does
// everything a customer may do in its tenant; a customer viewer reads.
var rolePerms = map[state.Role][]perm{
	state.RoleProviderAdmin:   {permSelf, permRead, permMetrics, permIngest, permTriage, permHunt, permRuleSettings, permRuleFiles, permTenants, permDevices, permAudit, permUsers, permTokens, permAssets, permConfigs},
	state.RoleProviderAnalyst: {permSelf, permRead, permMetrics, permTriage, permHunt, permRuleSettings, permTokens, permAssets},
	state.RoleCustomerAdmin:   {permSelf, permRead, permIngest, permTriage, permHunt, permRuleSettings, permUsers, permTokens, permAssets, permConfigs},
	state.RoleCustomerViewer:  {permSelf, permRead},
}

// principal is who is calling: a token or a signed-in user, with the
// role and tenants that decide everything it may do.
type principal struct {
	Role     state.Role
	TenantID uint32   // customer roles' tenant
	Tenants  []uint32 // a provider analyst's assigned tenants; nil: every tenant
	// UserID is the signed-in user or the token's user; 0 for a token of
	// no user.
	UserID   int64
	UserName string
	// TokenID is 0 for a session.
	TokenID   int64
	TokenName string
	// session is the session cookie's secret; "" for tokens. Never logged.
	session string
}

func tokenPrincipal(t state.Token) principal {
	return principal{Role: t.Role, TenantID: t.TenantID, Tenants: t.Tenants, UserID: t.UserID, TokenID: t.ID, TokenName: t.Name}
}

func userPrincipal(u state.User, session string) principal {
	return principal{Role: u.Role, TenantID: u.TenantID, Tenants: u.Tenants, UserID: u.ID, UserName: u.Name, session: session}
}

// can reports whether p's role grants x.
func (p principal) can(x perm) bool {
	return x == permPublic || slices.Contains(rolePerms[p.Role], x)
}

// perms lists what p may do, for the UI.
func (p principal) perms() []string {
	var out []string
	for _, x := range rolePerms[p.Role] {
		out = append(out, x.String())
	}
	return out
}

// actor names p in the audit trail and in alert histories.
func (p principal) actor() string {
	if p.TokenID == 0 {
		return "user:" + p.UserName
	}
	return fmt.Sprintf("token:%d:%s", p.TokenID, p.TokenName)
}

// provider reports whether p is the provider's staff (sees server paths,
// refused rules).
func (p principal) provider() bool {
	return p.Role == state.RoleProviderAdmin || p.Role == state.RoleProviderAnalyst
}

// allTenants reports whether p sees every tenant, and the unassigned area.
func (p principal) allTenants() bool {
	return p.Role == state.RoleProviderAdmin || (p.Role == state.RoleProviderAnalyst && len(p.Tenants) == 0)
}

// scope returns the tenants p sees; nil when it sees all (allTenants).
func (p principal) scope() []uint32 {
	switch {
	case p.allTenants():
		return nil
	case p.Role.Customer():
		return []uint32{p.TenantID}
	case p.Role == state.RoleProviderAnalyst:
		return slices.Clone(p.Tenants)
	}
	return []uint32{} // an unknown role sees nothing
}

// seesTenant reports whether tenant id is in p's scope.
func (p principal) seesTenant(id uint32) bool {
	return (p.allTenants() && id != 0) || (id != 0 && slices.Contains(p.scope(), id))
}

// seesHiddenAlerts reports whether p sees the alerts that the provider
// judged not to be reported, in a tenant whose reporting policy is policy
// ("all": every alert is reported). Only a customer viewer is kept from
// them; the alerts list and detail filter with this.
func (p principal) seesHiddenAlerts(policy string) bool {
	return p.Role != state.RoleCustomerViewer || policy == "all"
}

// covers reports whether the rights of role with tenantID and tenants are
// within p's own: what p may hand out to a user or token it creates, and
// whose users and tokens it may manage.
func (p principal) covers(role state.Role, tenantID uint32, tenants []uint32) bool {
	switch p.Role {
	case state.RoleProviderAdmin:
		return true
	case state.RoleProviderAnalyst:
		switch role {
		case state.RoleProviderAnalyst:
			if p.allTenants() {
				return true
			}
			return len(tenants) > 0 && subset(tenants, p.Tenants)
		case state.RoleCustomerViewer:
			return p.seesTenant(tenantID)
		}
	case state.RoleCustomerAdmin:
		return role.Customer() && tenantID == p.TenantID
	case state.RoleCustomerViewer:
		return role == state.RoleCustomerViewer && tenantID == p.TenantID
	}
	return false
}

// managesUser reports whether p may see and change user u.
func (p principal) managesUser(u state.User) bool {
	return p.can(permUsers) && p.covers(u.Role, u.TenantID, u.Tenants)
}

// seesToken reports whether p may see and revoke token t: its own, or one
// whose rights are within those of a user manager.
func (p principal) seesToken(t state.Token) bool {
	if !p.can(permTokens) {
		return false
	}
	return (p.UserID != 0 && t.UserID == p.UserID) || (p.can(permUsers) && p.covers(t.Role, t.TenantID, t.Tenants))
}

func subset(a, b []uint32) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
