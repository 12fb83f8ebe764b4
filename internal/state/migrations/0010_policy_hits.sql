-- Per-policy hit counters as the device last reported them (FortiOS
-- monitor API), for the ruleset audit's unused-rule findings.
CREATE TABLE policy_hits (
	device_id  BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	vdom       TEXT NOT NULL,
	policy_id  TEXT NOT NULL,
	hits       BIGINT NOT NULL,
	first_used BIGINT NOT NULL,
	last_used  BIGINT NOT NULL,
	bytes      BIGINT NOT NULL,
	pulled_at  BIGINT NOT NULL,
	PRIMARY KEY (device_id, vdom, policy_id)
);
