-- The audit trail: every change made by a person or a token, append-only
-- and hash-chained (each entry's hash covers the previous entry's hash), so
-- that an edit or a deletion breaks the chain.

INSERT INTO counters (name, value) VALUES ('audit', 0);

CREATE TABLE audit_log (
	seq       BIGINT PRIMARY KEY,
	at        BIGINT NOT NULL,
	actor     TEXT NOT NULL,   -- token:ID:name, cli:user@host, user:name
	remote    TEXT NOT NULL,   -- client address, or "" offline
	action    TEXT NOT NULL,   -- e.g. tenant.create, alert.status, logs.export
	target    TEXT NOT NULL,   -- what was changed: tenant/acme, alert/12
	before    TEXT NOT NULL,   -- JSON or ""
	after     TEXT NOT NULL,   -- JSON or ""
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);

-- The newest entry, updated in the same transaction as each append, so
-- that cutting entries off the end is detected too.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY,
	seq  BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
