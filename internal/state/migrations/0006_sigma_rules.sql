-- Sigma rules uploaded through the API, kept as their YAML text. Rule
-- directories hold the rest. A file bound to a tenant holds that tenant's
-- Sigma filters (exclusions for its own estate).

CREATE TABLE sigma_rules (
	name        TEXT PRIMARY KEY, -- the upload's name, e.g. vpn-bruteforce.yml
	tenant_id   BIGINT NOT NULL,  -- 0: every tenant; else a tenant's own filters
	yaml        TEXT NOT NULL,
	uploaded_by TEXT NOT NULL,
	uploaded_at BIGINT NOT NULL
);
