-- Alerts: detections (Sigma rules, native IPS/IDS/AV verdicts) grouped so
-- that a burst becomes one alert with a count, with a status workflow.

INSERT INTO counters (name, value) VALUES ('alert', 0);

CREATE TABLE alerts (
	id            BIGINT PRIMARY KEY,
	tenant_id     BIGINT NOT NULL,
	group_key     TEXT NOT NULL,   -- events with the same key join one open alert
	kind          TEXT NOT NULL,   -- sigma | native
	rule_id       TEXT NOT NULL,   -- Sigma rule id, or vendor:signature id
	rule_name     TEXT NOT NULL,
	severity      TEXT NOT NULL,   -- informational | low | medium | high | critical
	device        TEXT NOT NULL,
	source_ip     TEXT NOT NULL,
	target_ip     TEXT NOT NULL,
	first_seen    BIGINT NOT NULL,
	last_seen     BIGINT NOT NULL,
	event_count   BIGINT NOT NULL,
	status        TEXT NOT NULL,   -- new | acknowledged | closed
	status_reason TEXT NOT NULL,
	status_by     TEXT NOT NULL,
	status_at     BIGINT NOT NULL,
	details       TEXT NOT NULL,   -- JSON object: fields of the first event
	created_at    BIGINT NOT NULL
);
-- At most one alert per key is open; a closed alert's key may open again.
CREATE UNIQUE INDEX alerts_open_key ON alerts (tenant_id, group_key) WHERE status <> 'closed';
CREATE INDEX alerts_tenant_last_seen ON alerts (tenant_id, last_seen);

-- The matched events, by reference into the log store (tenant + ingest.seq).
-- Only the first refs_per_alert are kept; event_count keeps counting.
CREATE TABLE alert_events (
	alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	seq      BIGINT NOT NULL,
	time     BIGINT NOT NULL,
	PRIMARY KEY (alert_id, seq)
);

-- Every status change: who, when, from, to, why.
CREATE TABLE alert_history (
	alert_id    BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	at          BIGINT NOT NULL,
	actor       TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	reason      TEXT NOT NULL
);
CREATE INDEX alert_history_alert ON alert_history (alert_id);
