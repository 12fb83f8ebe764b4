package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Alert statuses.
const (
	AlertNew          = "new"
	AlertAcknowledged = "acknowledged"
	AlertClosed       = "closed"
)

// Severities, lowest first.
var Severities = []string{"informational", "low", "medium", "high", "critical"}

// refsPerAlert bounds the event references kept per alert; event_count
// keeps counting past it.
const refsPerAlert = 1000

// Match is one event that a rule or a device verdict flagged.
type Match struct {
	TenantID uint32
	// GroupKey: matches with the same key join the open alert of that key.
	GroupKey string
	Kind     string // "sigma" or "native"
	RuleID   string
	RuleName string
	Severity string
	Device   string
	SourceIP string
	TargetIP string
	Time     time.Time
	Seq      uint64 // the event's ingest.seq in the log store
	// Details are a few fields of the event, kept with a new alert.
	Details map[string]string
}

// Alert is a group of matches with a status.
type Alert struct {
	ID           int64             `json:"id"`
	TenantID     uint32            `json:"tenant_id"`
	GroupKey     string            `json:"group_key"`
	Kind         string            `json:"kind"`
	RuleID       string            `json:"rule_id"`
	RuleName     string            `json:"rule_name"`
	Severity     string            `json:"severity"`
	Device       string            `json:"device"`
	SourceIP     string            `json:"source_ip,omitempty"`
	TargetIP     string            `json:"target_ip,omitempty"`
	FirstSeen    time.Time         `json:"first_seen"`
	LastSeen     time.Time         `json:"last_seen"`
	EventCount   int64             `json:"event_count"`
	Status       string            `json:"status"`
	StatusReason string            `json:"status_reason,omitempty"`
	StatusBy     string            `json:"status_by,omitempty"`
	StatusAt     time.Time         `json:"status_at,omitzero"`
	Details      map[string]string `json:"details,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	// Verdict is the relevance verdict ("" until triaged); Report says
	// whether the customer sees the alert; Triage is the full result
	// (reason, evidence), as JSON.
	Assignee string          `json:"assignee,omitempty"` // who works on it; "" for nobody
	Verdict  string          `json:"verdict"`
	Report   bool            `json:"report"`
	Triage   json.RawMessage `json:"triage,omitempty"`
}

// RecordMatches adds matches to their open alerts, opening new ones as
// needed, in one transaction. A match whose (alert, seq) is already
// recorded is not counted again, so replaying events after a crash does not
// inflate counts (within the first refsPerAlert events of an alert).
func (s *Store) RecordMatches(ctx context.Context, ms []Match) error {
	if len(ms) == 0 {
		return nil
	}
	for _, m := range ms {
		if m.GroupKey == "" || m.RuleID == "" {
			return fmt.Errorf("record matches: %w", invalid("group_key", "group key and rule id are required"))
		}
		if !slices.Contains(Severities, m.Severity) {
			return fmt.Errorf("record matches: %w", invalid("severity", "%q: want one of %s", m.Severity, strings.Join(Severities, ", ")))
		}
	}
	// One look-up, one insert of event references and one update per
	// alert, however many of its matches the batch holds (a scan or a
	// flood brings hundreds at once).
	type key struct {
		tenant uint32
		group  string
	}
	var order []key
	groups := map[key][]Match{}
	for _, m := range ms {
		k := key{m.TenantID, m.GroupKey}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], m)
	}
	return s.write(ctx, false, func(q querier) error {
		for _, k := range order {
			if err := recordGroup(ctx, q, groups[k], s.now()); err != nil {
				return fmt.Errorf("record matches of rule %s: %w", groups[k][0].RuleID, err)
			}
		}
		return nil
	})
}

// refsPerInsert bounds the rows of one INSERT of event references (three
// parameters each, well inside SQLite's and PostgreSQL's limits). Each
// length is its own cached statement, so at most this many are prepared.
const refsPerInsert = 300

// recordGroup adds matches with one group key to the tenant's open alert of
// that key, opening it with the first match when there is none.
func recordGroup(ctx context.Context, q querier, ms []Match, now time.Time) error {
	m0 := ms[0]
	var id, count int64
	err := q.cachedQueryRow(ctx, `SELECT id, event_count FROM alerts WHERE tenant_id = ? AND group_key = ? AND status <> 'closed'`,
		func(r *sql.Row) error { return r.Scan(&id, &count) }, int64(m0.TenantID), m0.GroupKey)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if id, err = nextID(ctx, q, "alert"); err != nil {
			return err
		}
		details, _ := json.Marshal(m0.Details)
		if m0.Details == nil {
			details = []byte("{}")
		}
		at := toNanos(m0.Time)
		if _, err := q.exec(ctx, `INSERT INTO alerts (id, tenant_id, group_key, kind, rule_id, rule_name, severity, device, source_ip, target_ip,
			first_seen, last_seen, event_count, status, status_reason, status_by, status_at, details, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'new', '', '', 0, ?, ?)`,
			id, int64(m0.TenantID), m0.GroupKey, m0.Kind, m0.RuleID, m0.RuleName, m0.Severity, m0.Device, m0.SourceIP, m0.TargetIP,
			at, at, string(details), toNanos(now)); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	// Matches whose event is already referenced are replays and not
	// counted; past refsPerAlert references every match counts.
	refs := ms[:min(len(ms), int(max(refsPerAlert-count, 0)))]
	added := int64(len(ms) - len(refs))
	for len(refs) > 0 {
		chunk := refs[:min(len(refs), refsPerInsert)]
		refs = refs[len(chunk):]
		var b strings.Builder
		args := make([]any, 0, 3*len(chunk))
		b.WriteString(`INSERT INTO alert_events (alert_id, seq, time) VALUES `)
		for i, m := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, id, int64(m.Seq), toNanos(m.Time))
		}
		b.WriteString(" ON CONFLICT DO NOTHING")
		res, err := q.cachedExec(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		added += n
	}
	if added == 0 {
		return nil // all replays
	}
	// Times and severity over every match of the group: a replayed match
	// was applied when it was first recorded, so applying it again changes
	// nothing. The highest severity seen wins.
	first, last, sev := ms[0].Time, ms[0].Time, ms[0].Severity
	for _, m := range ms[1:] {
		if m.Time.Before(first) {
			first = m.Time
		}
		if m.Time.After(last) {
			last = m.Time
		}
		if slices.Index(Severities, m.Severity) > slices.Index(Severities, sev) {
			sev = m.Severity
		}
	}
	_, err = q.cachedExec(ctx, `UPDATE alerts SET event_count = event_count + ?,
		first_seen = CASE WHEN ? < first_seen THEN ? ELSE first_seen END,
		last_seen = CASE WHEN ? > last_seen THEN ? ELSE last_seen END,
		severity = CASE WHEN `+severityRank("?")+` > `+severityRank("severity")+` THEN ? ELSE severity END
		WHERE id = ?`, added, toNanos(first), toNanos(first), toNanos(last), toNanos(last), sev, sev, id)
	return err
}

// severityRank is a SQL expression ranking a severity value.
func severityRank(expr string) string {
	var b strings.Builder
	b.WriteString("(CASE " + expr)
	for i, s := range Severities {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", s, i)
	}
	b.WriteString(" ELSE -1 END)")
	return b.String()
}

// AlertFilter selects alerts. Tenants is required: the caller's scope.
type AlertFilter struct {
	Tenants     []uint32
	Status      string // "" for any; "open" for new or acknowledged
	MinSeverity string
	RuleID      string
	Device      string
	Since       time.Time // last_seen at or after
	TargetIPs   []string  // alerts aimed at any of these addresses
	Assignee    string    // "" for any; "-" for unassigned
	Verdict     string    // "" for any
	Report      *bool     // nil for any; true: reported only; false: hidden only
	Limit       int       // default 100, at most 1000
	BeforeID    int64     // paging: alerts with a smaller id (newest first)
}

// ListAlerts returns alerts newest first.
func (s *Store) ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	if len(f.Tenants) == 0 {
		return nil, fmt.Errorf("list alerts: %w", invalid("tenants", "no tenant in scope"))
	}
	where, args := tenantIn(f.Tenants)
	switch f.Status {
	case "":
	case "open":
		where += " AND status <> 'closed'"
	case AlertNew, AlertAcknowledged, AlertClosed:
		where += " AND status = ?"
		args = append(args, f.Status)
	default:
		return nil, fmt.Errorf("list alerts: %w", invalid("status", "%q: want new, acknowledged, closed or open", f.Status))
	}
	if f.MinSeverity != "" {
		r := slices.Index(Severities, f.MinSeverity)
		if r < 0 {
			return nil, fmt.Errorf("list alerts: %w", invalid("severity", "%q: want one of %s", f.MinSeverity, strings.Join(Severities, ", ")))
		}
		where += " AND " + severityRank("severity") + " >= ?"
		args = append(args, r)
	}
	if f.RuleID != "" {
		where += " AND rule_id = ?"
		args = append(args, f.RuleID)
	}
	if f.Device != "" {
		where += " AND device = ?"
		args = append(args, f.Device)
	}
	if len(f.TargetIPs) > 0 {
		where += " AND target_ip IN (" + strings.TrimSuffix(strings.Repeat("?,", len(f.TargetIPs)), ",") + ")"
		for _, ip := range f.TargetIPs {
			args = append(args, ip)
		}
	}
	switch f.Assignee {
	case "":
	case "-":
		where += " AND assignee = ''"
	default:
		where += " AND assignee = ?"
		args = append(args, f.Assignee)
	}
	if f.Verdict != "" {
		where += " AND verdict = ?"
		args = append(args, f.Verdict)
	}
	if f.Report != nil {
		where += " AND report = ?"
		args = append(args, boolInt(*f.Report))
	}
	if !f.Since.IsZero() {
		where += " AND last_seen >= ?"
		args = append(args, toNanos(f.Since))
	}
	if f.BeforeID > 0 {
		where += " AND id < ?"
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := s.q().query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE `+where+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("list alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func tenantIn(tenants []uint32) (string, []any) {
	ph := strings.TrimSuffix(strings.Repeat("?,", len(tenants)), ",")
	args := make([]any, len(tenants))
	for i, t := range tenants {
		args[i] = int64(t)
	}
	return "tenant_id IN (" + ph + ")", args
}

const alertColumns = `id, tenant_id, group_key, kind, rule_id, rule_name, severity, device, source_ip, target_ip,
	first_seen, last_seen, event_count, status, status_reason, status_by, status_at, details, created_at, verdict, report, triage, assignee`

func scanAlert(r scanner) (Alert, error) {
	var a Alert
	var tenant int64
	var first, last, statusAt, created int64
	var details, triage string
	var report int64
	err := r.Scan(&a.ID, &tenant, &a.GroupKey, &a.Kind, &a.RuleID, &a.RuleName, &a.Severity, &a.Device, &a.SourceIP, &a.TargetIP,
		&first, &last, &a.EventCount, &a.Status, &a.StatusReason, &a.StatusBy, &statusAt, &details, &created, &a.Verdict, &report, &triage, &a.Assignee)
	if err != nil {
		return a, err
	}
	a.Report = report == 1
	if triage != "" {
		a.Triage = json.RawMessage(triage)
	}
	a.TenantID = uint32(tenant)
	a.FirstSeen, a.LastSeen, a.StatusAt, a.CreatedAt = fromNanos(first), fromNanos(last), fromNanos(statusAt), fromNanos(created)
	if details != "" && details != "{}" {
		_ = json.Unmarshal([]byte(details), &a.Details)
	}
	return a, nil
}

// Alert returns one alert if it is in the caller's tenants; ErrNotFound
// otherwise, whether it does not exist or belongs to another tenant.
func (s *Store) Alert(ctx context.Context, tenants []uint32, id int64) (Alert, error) {
	if len(tenants) == 0 {
		return Alert{}, fmt.Errorf("alert %d: %w", id, ErrNotFound)
	}
	where, args := tenantIn(tenants)
	a, err := scanAlert(s.q().queryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Alert{}, fmt.Errorf("alert %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Alert{}, fmt.Errorf("alert %d: %w", id, err)
	}
	return a, nil
}

// EventRef points at a stored event.
type EventRef struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
}

// AlertEvents returns the event references of an alert in the caller's
// tenants, oldest first.
func (s *Store) AlertEvents(ctx context.Context, tenants []uint32, id int64) ([]EventRef, error) {
	if _, err := s.Alert(ctx, tenants, id); err != nil {
		return nil, err
	}
	rows, err := s.q().query(ctx, `SELECT seq, time FROM alert_events WHERE alert_id = ? ORDER BY time, seq`, id)
	if err != nil {
		return nil, fmt.Errorf("alert %d events: %w", id, err)
	}
	defer rows.Close()
	var out []EventRef
	for rows.Next() {
		var seq, at int64
		if err := rows.Scan(&seq, &at); err != nil {
			return nil, err
		}
		out = append(out, EventRef{Seq: uint64(seq), Time: fromNanos(at)})
	}
	return out, rows.Err()
}

// SetAlertStatus moves an alert in the caller's tenants to status, recording
// who did it, when and why. Closing needs a reason. Re-opening a closed
// alert is refused when another open alert has its key.
func (s *Store) SetAlertStatus(ctx context.Context, tenants []uint32, id int64, status, reason, actor string) (Alert, error) {
	if !slices.Contains([]string{AlertNew, AlertAcknowledged, AlertClosed}, status) {
		return Alert{}, fmt.Errorf("set alert status: %w", invalid("status", "%q: want new, acknowledged or closed", status))
	}
	if status == AlertClosed && strings.TrimSpace(reason) == "" {
		return Alert{}, fmt.Errorf("set alert status: %w", invalid("reason", "closing an alert needs a reason"))
	}
	if actor == "" {
		return Alert{}, fmt.Errorf("set alert status: %w", invalid("actor", "who made the change is required"))
	}
	var out Alert
	err := s.write(ctx, false, func(q querier) error {
		where, args := tenantIn(tenants)
		a, err := scanAlert(q.queryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ? AND `+where, append([]any{id}, args...)...))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alert %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := q.exec(ctx, `UPDATE alerts SET status = ?, status_reason = ?, status_by = ?, status_at = ? WHERE id = ?`,
			status, reason, actor, toNanos(now), id); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("re-open alert %d: %w", id, &FieldError{Field: "status", Reason: "another open alert has the same key"})
			}
			return err
		}
		if _, err := q.exec(ctx, `INSERT INTO alert_history (alert_id, at, actor, from_status, to_status, reason) VALUES (?, ?, ?, ?, ?, ?)`,
			id, toNanos(now), actor, a.Status, status, reason); err != nil {
			return err
		}
		a.Status, a.StatusReason, a.StatusBy, a.StatusAt = status, reason, actor, now
		out = a
		return nil
	})
	return out, err
}

// AlertChange is one entry of an alert's history.
type AlertChange struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Kind   string    `json:"kind"` // status or assign
	From   string    `json:"from"` // statuses
	To     string    `json:"to"`
	Reason string    `json:"reason,omitempty"`
	// FromAssignee and ToAssignee are set by assignments ("" for nobody).
	FromAssignee string `json:"from_assignee,omitempty"`
	ToAssignee   string `json:"to_assignee,omitempty"`
}

// AlertHistory returns the status changes of an alert in the caller's
// tenants, oldest first.
func (s *Store) AlertHistory(ctx context.Context, tenants []uint32, id int64) ([]AlertChange, error) {
	if _, err := s.Alert(ctx, tenants, id); err != nil {
		return nil, err
	}
	rows, err := s.q().query(ctx, `SELECT at, actor, kind, from_status, to_status, reason, from_assignee, to_assignee FROM alert_history WHERE alert_id = ? ORDER BY at`, id)
	if err != nil {
		return nil, fmt.Errorf("alert %d history: %w", id, err)
	}
	defer rows.Close()
	var out []AlertChange
	for rows.Next() {
		var c AlertChange
		var at int64
		if err := rows.Scan(&at, &c.Actor, &c.Kind, &c.From, &c.To, &c.Reason, &c.FromAssignee, &c.ToAssignee); err != nil {
			return nil, err
		}
		c.At = fromNanos(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// AssignAlert sets who works on an alert in the caller's tenants ("" to
// unassign), recording the change in the alert's history.
func (s *Store) AssignAlert(ctx context.Context, tenants []uint32, id int64, assignee, actor string) (Alert, error) {
	assignee = strings.TrimSpace(assignee)
	if len(assignee) > 128 {
		return Alert{}, fmt.Errorf("assign alert: %w", invalid("assignee", "at most 128 characters"))
	}
	if actor == "" {
		return Alert{}, fmt.Errorf("assign alert: %w", invalid("actor", "who made the change is required"))
	}
	var out Alert
	err := s.write(ctx, false, func(q querier) error {
		where, args := tenantIn(tenants)
		a, err := scanAlert(q.queryRow(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ? AND `+where, append([]any{id}, args...)...))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alert %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if a.Assignee == assignee {
			out = a
			return nil
		}
		now := s.now()
		if _, err := q.exec(ctx, `UPDATE alerts SET assignee = ? WHERE id = ?`, assignee, id); err != nil {
			return err
		}
		reason := "assigned to " + assignee
		if assignee == "" {
			reason = "unassigned"
		}
		if a.Assignee != "" {
			reason += " (was " + a.Assignee + ")"
		}
		if _, err := q.exec(ctx, `INSERT INTO alert_history (alert_id, at, actor, kind, from_status, to_status, reason, from_assignee, to_assignee)
			VALUES (?, ?, ?, 'assign', ?, ?, ?, ?, ?)`, id, toNanos(now), actor, a.Status, a.Status, reason, a.Assignee, assignee); err != nil {
			return err
		}
		a.Assignee = assignee
		out = a
		return nil
	})
	return out, err
}
