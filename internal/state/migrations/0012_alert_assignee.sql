-- Alerts are assigned to an analyst; changes are kept in alert_history.
ALTER TABLE alerts ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_assignee ON alerts (tenant_id, assignee);
