-- Per-tenant settings of detection rules (Sigma rule ids, or native
-- signature ids such as fortigate:ips:50825): enable or disable, and
-- override the severity.

CREATE TABLE rule_settings (
	tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
	rule_id    TEXT NOT NULL,
	enabled    INTEGER NOT NULL, -- 1 or 0
	severity   TEXT NOT NULL,    -- "" keeps the rule's own
	updated_by TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, rule_id)
);
