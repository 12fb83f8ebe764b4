-- Alerts are assigned to an analyst; changes are kept in alert_history,
-- whose entries now say whether they changed the status or the assignee.
ALTER TABLE alerts ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_assignee ON alerts (tenant_id, assignee);
ALTER TABLE alert_history ADD COLUMN from_assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_history ADD COLUMN to_assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_history ADD COLUMN kind TEXT NOT NULL DEFAULT 'status'; -- status | assign
