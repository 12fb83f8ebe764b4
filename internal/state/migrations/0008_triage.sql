-- Relevance triage: asset inventory per tenant (with its history),
-- vulnerability and signature knowledge (global, with provenance), tenant
-- triage settings, the verdict of each alert and its changes, and the
-- data-quality tasks triage opens (unknown assets, unknown signatures).

INSERT INTO counters (name, value) VALUES ('triage_revision', 0), ('asset_change', 0), ('knowledge_source', 0);

-- A host: the record's fields as JSON (ips, public_ips, role, os, ...).
CREATE TABLE assets (
	tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
	asset_id   TEXT NOT NULL,
	hostname   TEXT NOT NULL,
	doc        TEXT NOT NULL,
	source     TEXT NOT NULL,  -- where the record last came from
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, asset_id)
);

-- A software list of a host from one source (an SBOM, a scan).
CREATE TABLE asset_inventories (
	tenant_id    BIGINT NOT NULL,
	asset_id     TEXT NOT NULL,
	source       TEXT NOT NULL,   -- cyclonedx | spdx | nmap
	file         TEXT NOT NULL,
	complete     INTEGER NOT NULL, -- 1: a full software list
	collected_at BIGINT NOT NULL,
	imported_at  BIGINT NOT NULL,
	software     TEXT NOT NULL,   -- JSON array
	ports        TEXT NOT NULL,   -- JSON array
	PRIMARY KEY (tenant_id, asset_id, source),
	FOREIGN KEY (tenant_id, asset_id) REFERENCES assets (tenant_id, asset_id) ON DELETE CASCADE
);

-- What changed, when, from which source.
CREATE TABLE asset_history (
	id        BIGINT PRIMARY KEY,
	tenant_id BIGINT NOT NULL,
	asset_id  TEXT NOT NULL,
	at        BIGINT NOT NULL,
	actor     TEXT NOT NULL,
	source    TEXT NOT NULL,
	file      TEXT NOT NULL,
	change    TEXT NOT NULL   -- JSON: fields before/after, software added/removed/changed
);
CREATE INDEX asset_history_asset ON asset_history (tenant_id, asset_id, at);

-- Each imported knowledge file.
CREATE TABLE knowledge_sources (
	id          BIGINT PRIMARY KEY,
	kind        TEXT NOT NULL,  -- nvd | kev | epss | debian | suricata | sigma | signature-csv | ...
	source      TEXT NOT NULL,  -- file name
	feed_date   BIGINT NOT NULL,
	sha256      TEXT NOT NULL,
	records     BIGINT NOT NULL,
	skipped     TEXT NOT NULL,  -- JSON array of reasons
	imported_at BIGINT NOT NULL,
	imported_by TEXT NOT NULL
);

-- Knowledge records: the latest import of a key wins.
CREATE TABLE knowledge (
	kind      TEXT NOT NULL,   -- cve | kev | epss | fix | signature
	key       TEXT NOT NULL,   -- CVE id, distro|package|cve, vendor|signature id
	source_id BIGINT NOT NULL REFERENCES knowledge_sources (id),
	doc       TEXT NOT NULL,
	PRIMARY KEY (kind, key)
);
CREATE INDEX knowledge_source ON knowledge (source_id);

CREATE TABLE tenant_triage (
	tenant_id  BIGINT PRIMARY KEY REFERENCES tenants (id),
	policy     TEXT NOT NULL,     -- relevant | all
	fresh_days INTEGER NOT NULL,  -- inventory freshness limit
	updated_by TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);

ALTER TABLE alerts ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN report INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN triage TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN triaged_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX alerts_untriaged ON alerts (triaged_at);

-- Every verdict change of an alert (recomputed after inventory or
-- knowledge changed).
CREATE TABLE alert_verdicts (
	alert_id     BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	at           BIGINT NOT NULL,
	from_verdict TEXT NOT NULL,
	to_verdict   TEXT NOT NULL,
	from_report  INTEGER NOT NULL,
	to_report    INTEGER NOT NULL,
	reason       TEXT NOT NULL
);
CREATE INDEX alert_verdicts_alert ON alert_verdicts (alert_id);

-- Gaps that triage found in the data: an alert's target not in the
-- inventory, a signature nothing is known about.
CREATE TABLE triage_tasks (
	tenant_id  BIGINT NOT NULL,
	kind       TEXT NOT NULL,    -- unknown_asset | unknown_signature
	subject    TEXT NOT NULL,    -- IP address or vendor:signature
	first_seen BIGINT NOT NULL,
	last_seen  BIGINT NOT NULL,
	alerts     BIGINT NOT NULL,
	status     TEXT NOT NULL,    -- open | resolved
	PRIMARY KEY (tenant_id, kind, subject)
);
