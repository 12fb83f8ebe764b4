-- Device configuration generations: every pull or upload that differs
-- (by the masked fingerprint) from the device's latest generation becomes
-- a new generation; contents are stored once per SHA-256 (deduplicated).
-- Every pull attempt is recorded, including rejected ones.

INSERT INTO counters (name, value) VALUES ('config_generation', 0), ('config_pull', 0);

CREATE TABLE config_blobs (
	sha256  TEXT PRIMARY KEY,   -- of the content as pulled
	content TEXT NOT NULL,
	size    BIGINT NOT NULL
);

CREATE TABLE config_generations (
	id          BIGINT PRIMARY KEY,
	device_id   BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	tenant_id   BIGINT NOT NULL,
	gen         BIGINT NOT NULL,   -- 1, 2, ... per device
	kind        TEXT NOT NULL,     -- fortios | yamaha_rtx | cisco_ios | cisco_asa
	fingerprint TEXT NOT NULL,     -- SHA-256 of the masked content
	sha256      TEXT NOT NULL REFERENCES config_blobs (sha256),
	firmware    TEXT NOT NULL,
	method      TEXT NOT NULL,     -- api | ssh | upload
	actor       TEXT NOT NULL,
	pulled_at   BIGINT NOT NULL,
	severity    TEXT NOT NULL,     -- of the change from the previous generation
	summary     TEXT NOT NULL,     -- JSON: counts before/after, reason
	UNIQUE (device_id, gen)
);

CREATE TABLE config_pulls (
	id            BIGINT PRIMARY KEY,
	device_id     BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	tenant_id     BIGINT NOT NULL,
	at            BIGINT NOT NULL,
	method        TEXT NOT NULL,
	actor         TEXT NOT NULL,
	outcome       TEXT NOT NULL,   -- new | unchanged | rejected | failed
	reason        TEXT NOT NULL,
	generation_id BIGINT NOT NULL  -- 0 unless outcome is new or unchanged
);
CREATE INDEX config_pulls_device ON config_pulls (device_id, at);

-- How to reach a device for pulls. Credentials are sealed with the key
-- outside the database (see internal/secret); never stored in clear.
CREATE TABLE device_collect (
	device_id      BIGINT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
	kind           TEXT NOT NULL,
	method         TEXT NOT NULL,   -- api | ssh
	address        TEXT NOT NULL,   -- host:port
	vdom           TEXT NOT NULL,
	every_hours    INTEGER NOT NULL,
	credentials    TEXT NOT NULL,   -- sealed JSON
	host_key       TEXT NOT NULL,   -- SSH host key SHA-256 (pinned on first pull)
	tls_sha256     TEXT NOT NULL,   -- pinned certificate fingerprint, if any
	insecure       INTEGER NOT NULL,
	last_pull_at   BIGINT NOT NULL,
	updated_by     TEXT NOT NULL,
	updated_at     BIGINT NOT NULL
);
