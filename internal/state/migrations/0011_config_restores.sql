-- Pushing a generation back to a device needs a second person's approval;
-- the push takes a backup first and reads the result back to verify it.
INSERT INTO counters (name, value) VALUES ('config_restore', 0);

CREATE TABLE config_restores (
	id                BIGINT PRIMARY KEY,
	device_id         BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	tenant_id         BIGINT NOT NULL,
	generation        BIGINT NOT NULL,
	reason            TEXT NOT NULL,
	requested_by      TEXT NOT NULL,
	requested_at      BIGINT NOT NULL,
	status            TEXT NOT NULL,   -- pending | refused | done | failed
	decided_by        TEXT NOT NULL,
	decided_at        BIGINT NOT NULL,
	backup_generation BIGINT NOT NULL, -- the generation pulled just before the push
	verified          INTEGER NOT NULL, -- 1: the read-back matches the generation
	result            TEXT NOT NULL
);
CREATE INDEX config_restores_device ON config_restores (device_id, requested_at);
