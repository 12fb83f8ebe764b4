-- Sigma rules uploaded through the API, kept as their YAML text. Rule
-- directories hold the rest.

CREATE TABLE sigma_rules (
	name        TEXT PRIMARY KEY, -- the upload's name, e.g. vpn-bruteforce.yml
	yaml        TEXT NOT NULL,
	uploaded_by TEXT NOT NULL,
	uploaded_at BIGINT NOT NULL
);
