-- The first schema: tenants, devices and their sources, API tokens, and the
-- summary of sources that belong to no device.
--
-- Portable between SQLite and PostgreSQL: BIGINT ids handed out from the
-- counters table, times as UTC Unix nanoseconds in BIGINT, 0 for "no time".

-- counters holds the id sequences and the revision of tenants and devices.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES
	('revision', 0),
	('tenant', 0),
	('device', 0),
	('token', 0);

-- Tenant 0 is the holding area for unassigned sources and has no row.
CREATE TABLE tenants (
	id             BIGINT PRIMARY KEY,
	name           TEXT NOT NULL UNIQUE,
	retention_days INTEGER NOT NULL,
	created_at     BIGINT NOT NULL
);

CREATE TABLE devices (
	id         BIGINT PRIMARY KEY,
	tenant_id  BIGINT NOT NULL REFERENCES tenants (id),
	name       TEXT NOT NULL,
	devid      TEXT UNIQUE, -- NULL when unknown; unique across tenants
	format     TEXT NOT NULL,
	time_zone  TEXT NOT NULL,
	charset    TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (tenant_id, name)
);

-- A source (IP address or host name, lower case) belongs to at most one
-- device across all tenants.
CREATE TABLE device_sources (
	source    TEXT PRIMARY KEY,
	device_id BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE
);
CREATE INDEX device_sources_device_id ON device_sources (device_id);

-- Only the SHA-256 of a token's secret is kept, as lower-case hex.
CREATE TABLE tokens (
	id           BIGINT PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	tenant_id    BIGINT NOT NULL, -- 0 for role admin
	secret_hash  TEXT NOT NULL UNIQUE,
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL, -- 0: never
	revoked_at   BIGINT NOT NULL, -- 0: not revoked
	last_used_at BIGINT NOT NULL  -- 0: never used
);

CREATE TABLE unassigned_sources (
	source     TEXT PRIMARY KEY,
	hostname   TEXT NOT NULL, -- a sample from the lines, may be empty
	devid      TEXT NOT NULL, -- a sample from the lines, may be empty
	first_seen BIGINT NOT NULL,
	last_seen  BIGINT NOT NULL,
	lines      BIGINT NOT NULL
);
