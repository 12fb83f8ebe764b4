package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// TriageSetting is a tenant's reporting policy.
type TriageSetting struct {
	TenantID  uint32    `json:"tenant_id"`
	Policy    string    `json:"policy"`     // relevant | all
	FreshDays int       `json:"fresh_days"` // inventory freshness limit
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// SetTriageSetting stores a tenant's policy.
func (s *Store) SetTriageSetting(ctx context.Context, ts TriageSetting) (TriageSetting, error) {
	if ts.Policy != "relevant" && ts.Policy != "all" {
		return ts, fmt.Errorf("set triage setting: %w", invalid("policy", "%q: want relevant or all", ts.Policy))
	}
	if ts.FreshDays < 1 || ts.FreshDays > 3650 {
		return ts, fmt.Errorf("set triage setting: %w", invalid("fresh_days", "%d: want 1-3650", ts.FreshDays))
	}
	if ts.UpdatedBy == "" {
		return ts, fmt.Errorf("set triage setting: %w", invalid("updated_by", "who made the change is required"))
	}
	ts.UpdatedAt = s.now()
	err := s.write(ctx, false, func(q querier) error {
		if err := requireTenant(ctx, q, ts.TenantID); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `INSERT INTO tenant_triage (tenant_id, policy, fresh_days, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET policy = excluded.policy, fresh_days = excluded.fresh_days,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			int64(ts.TenantID), ts.Policy, ts.FreshDays, ts.UpdatedBy, toNanos(ts.UpdatedAt)); err != nil {
			return err
		}
		return bumpTriage(ctx, q)
	})
	if err != nil {
		return ts, fmt.Errorf("set triage setting of tenant %d: %w", ts.TenantID, err)
	}
	return ts, nil
}

// TriageSettings returns the settings of every tenant that has one.
func (s *Store) TriageSettings(ctx context.Context) (map[uint32]TriageSetting, error) {
	rows, err := s.q().query(ctx, `SELECT tenant_id, policy, fresh_days, updated_by, updated_at FROM tenant_triage`)
	if err != nil {
		return nil, fmt.Errorf("list triage settings: %w", err)
	}
	defer rows.Close()
	out := map[uint32]TriageSetting{}
	for rows.Next() {
		var ts TriageSetting
		var tenant, at int64
		if err := rows.Scan(&tenant, &ts.Policy, &ts.FreshDays, &ts.UpdatedBy, &at); err != nil {
			return nil, err
		}
		ts.TenantID, ts.UpdatedAt = uint32(tenant), fromNanos(at)
		out[ts.TenantID] = ts
	}
	return out, rows.Err()
}

// VerdictUpdate is a newly computed verdict of an alert.
type VerdictUpdate struct {
	AlertID int64
	Verdict string
	Report  bool
	Triage  json.RawMessage // the full result: reason, evidence
	Reason  string          // one line for the history
	// Task, when Kind is set, is a data-quality gap to open or count.
	TaskKind, TaskSubject string
}

// SetVerdicts stores verdicts, recording each change of verdict or report
// flag in the alert's verdict history, and opens or counts the data-quality
// tasks they name. It returns how many alerts changed.
func (s *Store) SetVerdicts(ctx context.Context, us []VerdictUpdate) (int, error) {
	changed := 0
	err := s.write(ctx, false, func(q querier) error {
		now := toNanos(s.now())
		for _, u := range us {
			var tenant, report int64
			var verdict string
			err := q.queryRow(ctx, `SELECT tenant_id, verdict, report FROM alerts WHERE id = ?`, u.AlertID).Scan(&tenant, &verdict, &report)
			if errors.Is(err, sql.ErrNoRows) {
				continue // deleted meanwhile
			}
			if err != nil {
				return err
			}
			newReport := boolInt(u.Report)
			if _, err := q.exec(ctx, `UPDATE alerts SET verdict = ?, report = ?, triage = ?, triaged_at = ? WHERE id = ?`,
				u.Verdict, newReport, string(u.Triage), now, u.AlertID); err != nil {
				return err
			}
			if verdict != u.Verdict || report != newReport {
				changed++
				if _, err := q.exec(ctx, `INSERT INTO alert_verdicts (alert_id, at, from_verdict, to_verdict, from_report, to_report, reason)
					VALUES (?, ?, ?, ?, ?, ?, ?)`, u.AlertID, now, verdict, u.Verdict, report, newReport, u.Reason); err != nil {
					return err
				}
				if u.TaskKind != "" {
					if _, err := q.exec(ctx, `INSERT INTO triage_tasks (tenant_id, kind, subject, first_seen, last_seen, alerts, status)
						VALUES (?, ?, ?, ?, ?, 1, 'open')
						ON CONFLICT (tenant_id, kind, subject) DO UPDATE SET last_seen = excluded.last_seen,
						alerts = triage_tasks.alerts + 1, status = 'open'`, tenant, u.TaskKind, u.TaskSubject, now, now); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return changed, fmt.Errorf("set verdicts: %w", err)
	}
	return changed, nil
}

// AlertsToTriage returns alerts never triaged (all: every alert not
// closed, for a recomputation), oldest first, at most limit, after id.
func (s *Store) AlertsToTriage(ctx context.Context, all bool, afterID int64, limit int) ([]Alert, error) {
	where := "triaged_at = 0"
	if all {
		where = "status <> 'closed'"
	}
	rows, err := s.q().query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE `+where+` AND id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("alerts to triage: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("alerts to triage: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// VerdictChange is one entry of an alert's verdict history.
type VerdictChange struct {
	At         time.Time `json:"at"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	FromReport bool      `json:"from_report"`
	ToReport   bool      `json:"to_report"`
	Reason     string    `json:"reason"`
}

// VerdictHistory returns the verdict changes of an alert in the caller's
// tenants, oldest first.
func (s *Store) VerdictHistory(ctx context.Context, tenants []uint32, id int64) ([]VerdictChange, error) {
	if _, err := s.Alert(ctx, tenants, id); err != nil {
		return nil, err
	}
	rows, err := s.q().query(ctx, `SELECT at, from_verdict, to_verdict, from_report, to_report, reason FROM alert_verdicts WHERE alert_id = ? ORDER BY at`, id)
	if err != nil {
		return nil, fmt.Errorf("alert %d verdicts: %w", id, err)
	}
	defer rows.Close()
	var out []VerdictChange
	for rows.Next() {
		var c VerdictChange
		var at, fr, tr int64
		if err := rows.Scan(&at, &c.From, &c.To, &fr, &tr, &c.Reason); err != nil {
			return nil, err
		}
		c.At, c.FromReport, c.ToReport = fromNanos(at), fr == 1, tr == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

// TriageTask is a data-quality gap triage found.
type TriageTask struct {
	TenantID  uint32    `json:"tenant_id"`
	Kind      string    `json:"kind"`
	Subject   string    `json:"subject"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Alerts    int64     `json:"alerts"`
	Status    string    `json:"status"`
}

// TriageTasks lists the open tasks of the given tenants.
func (s *Store) TriageTasks(ctx context.Context, tenants []uint32) ([]TriageTask, error) {
	if len(tenants) == 0 {
		return nil, fmt.Errorf("list triage tasks: %w", invalid("tenants", "no tenant in scope"))
	}
	where, args := tenantIn(tenants)
	rows, err := s.q().query(ctx, `SELECT tenant_id, kind, subject, first_seen, last_seen, alerts, status FROM triage_tasks
		WHERE status = 'open' AND `+where+` ORDER BY alerts DESC, subject`, args...)
	if err != nil {
		return nil, fmt.Errorf("list triage tasks: %w", err)
	}
	defer rows.Close()
	var out []TriageTask
	for rows.Next() {
		var t TriageTask
		var tenant, first, last int64
		if err := rows.Scan(&tenant, &t.Kind, &t.Subject, &first, &last, &t.Alerts, &t.Status); err != nil {
			return nil, err
		}
		t.TenantID, t.FirstSeen, t.LastSeen = uint32(tenant), fromNanos(first), fromNanos(last)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ResolveTriageTasks closes the open tasks of a tenant whose gap is gone:
// keep says, for each open task, whether it still applies.
func (s *Store) ResolveTriageTasks(ctx context.Context, tenant uint32, keep func(kind, subject string) bool) error {
	tasks, err := s.TriageTasks(ctx, []uint32{tenant})
	if err != nil {
		return err
	}
	return s.write(ctx, false, func(q querier) error {
		for _, t := range tasks {
			if keep(t.Kind, t.Subject) {
				continue
			}
			if _, err := q.exec(ctx, `UPDATE triage_tasks SET status = 'resolved' WHERE tenant_id = ? AND kind = ? AND subject = ?`,
				int64(tenant), t.Kind, t.Subject); err != nil {
				return err
			}
		}
		return nil
	})
}
