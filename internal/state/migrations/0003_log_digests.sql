-- Tamper evidence for stored logs. log_days records where each arrival day
-- (Asia/Tokyo) starts in the spool's sequence; log_digests holds, per tenant
-- and day, a hash chain over that day's original lines in arrival order,
-- chained day to day.

CREATE TABLE log_days (
	day       TEXT PRIMARY KEY, -- YYYY-MM-DD
	first_seq BIGINT NOT NULL   -- first ingest.seq of the day
);

CREATE TABLE log_digests (
	tenant_id BIGINT NOT NULL,
	day       TEXT NOT NULL,
	first_seq BIGINT NOT NULL,  -- the day's sequence range [first_seq, end_seq)
	end_seq   BIGINT NOT NULL,
	lines     BIGINT NOT NULL,
	root      TEXT NOT NULL,    -- hex SHA-256 chain over (seq, line) in seq order
	prev      TEXT NOT NULL,    -- digest of the tenant's previous sealed day, "" for the first
	digest    TEXT NOT NULL,    -- hex SHA-256 of prev, day, range, lines and root
	sealed_at BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, day)
);
