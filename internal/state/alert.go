package state

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
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
	groups := groupMatches(ms)
	return s.write(ctx, false, func(q querier) error {
		return recordGroups(ctx, q, groups, s.now())
	})
}

// matchGroup is a batch's matches of one tenant and group key, and the
// open alert they join.
type matchGroup struct {
	ms    []Match
	id    int64 // the open alert; 0 until it is looked up or opened
	count int64 // its event_count before the batch
	added int64 // what the batch adds to event_count
}

// groupMatches groups ms by tenant and group key, in the order in which
// each group first appears (the order in which new alerts get their ids).
func groupMatches(ms []Match) []*matchGroup {
	type key struct {
		tenant uint32
		group  string
	}
	var out []*matchGroup
	byKey := map[key]*matchGroup{}
	for _, m := range ms {
		k := key{m.TenantID, m.GroupKey}
		g := byKey[k]
		if g == nil {
			g = &matchGroup{}
			byKey[k] = g
			out = append(out, g)
		}
		g.ms = append(g.ms, m)
	}
	return out
}

// batchRows bounds the rows of one statement of recordGroups (group keys,
// event references or alerts; at most five parameters each, well inside
// SQLite's and PostgreSQL's limits). Shorter statements are padded to a
// power of two rows: each length is its own cached statement, prepared on
// every connection that runs it, so at most 9 of each are kept.
const batchRows = 256

// paddedRows is the number of rows of a statement for n rows: n rounded up
// to a power of two.
func paddedRows(n int) int {
	return 1 << bits.Len(uint(n-1))
}

// recordGroups adds the matches of each group to its open alert, opening
// one with the group's first match when there is none. The statements do
// not grow in number with the alerts of a batch (an ingest batch touches
// about one alert per match; a scan or a flood brings hundreds of matches of
// one): one look-up of open alerts per tenant, one insert of event
// references and one update of the alerts, in chunks of batchRows; only a
// new alert costs statements of its own.
func recordGroups(ctx context.Context, q querier, groups []*matchGroup, now time.Time) error {
	if err := findOpenAlerts(ctx, q, groups); err != nil {
		return fmt.Errorf("record matches: find open alerts: %w", err)
	}
	for _, g := range groups {
		if g.id != 0 {
			continue
		}
		id, err := openAlert(ctx, q, g.ms[0], now)
		if err != nil {
			return fmt.Errorf("record matches of rule %s: %w", g.ms[0].RuleID, err)
		}
		g.id = id
	}
	if err := addEventRefs(ctx, q, groups); err != nil {
		return fmt.Errorf("record matches: add event references: %w", err)
	}
	if err := updateAlerts(ctx, q, groups); err != nil {
		return fmt.Errorf("record matches: update alerts: %w", err)
	}
	return nil
}

// findOpenAlerts sets the id and event count of each group's open alert,
// leaving both 0 for groups without one.
func findOpenAlerts(ctx context.Context, q querier, groups []*matchGroup) error {
	tenant := func(g *matchGroup) uint32 { return g.ms[0].TenantID }
	rest := slices.SortedStableFunc(slices.Values(groups), func(a, b *matchGroup) int { return cmp.Compare(tenant(a), tenant(b)) })
	for len(rest) > 0 {
		n := 1
		for n < min(len(rest), batchRows) && tenant(rest[n]) == tenant(rest[0]) {
			n++
		}
		chunk := rest[:n]
		rest = rest[n:]
		rows := paddedRows(len(chunk))
		byKey := make(map[string]*matchGroup, len(chunk))
		args := make([]any, 0, 1+rows)
		args = append(args, int64(tenant(chunk[0])))
		for _, g := range chunk {
			byKey[g.ms[0].GroupKey] = g
			args = append(args, g.ms[0].GroupKey)
		}
		for len(args) < cap(args) {
			args = append(args, nil) // a NULL key matches no alert
		}
		err := q.cachedQuery(ctx, `SELECT id, group_key, event_count FROM alerts
			WHERE tenant_id = ? AND status <> 'closed' AND group_key IN (`+placeholders(rows)+`)`,
			func(r *sql.Rows) error {
				var id, count int64
				var key string
				if err := r.Scan(&id, &key, &count); err != nil {
					return err
				}
				g := byKey[key]
				g.id, g.count = id, count
				return nil
			}, args...)
		if err != nil {
			return err
		}
	}
	return nil
}

// openAlert opens an alert for m with no events yet, returning its id.
func openAlert(ctx context.Context, q querier, m Match, now time.Time) (int64, error) {
	id, err := nextID(ctx, q, "alert")
	if err != nil {
		return 0, err
	}
	details, _ := json.Marshal(m.Details)
	if m.Details == nil {
		details = []byte("{}")
	}
	at := toNanos(m.Time)
	_, err = q.exec(ctx, `INSERT INTO alerts (id, tenant_id, group_key, kind, rule_id, rule_name, severity, device, source_ip, target_ip,
		first_seen, last_seen, event_count, status, status_reason, status_by, status_at, details, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'new', '', '', 0, ?, ?)`,
		id, int64(m.TenantID), m.GroupKey, m.Kind, m.RuleID, m.RuleName, m.Severity, m.Device, m.SourceIP, m.TargetIP,
		at, at, string(details), toNanos(now))
	return id, err
}

// addEventRefs references the groups' events from their alerts and sets
// what each group adds to its alert's event count. Matches whose event is
// already referenced are replays and not counted; past refsPerAlert
// references (by the alert's event count before the batch) every match
// counts, without a reference.
func addEventRefs(ctx context.Context, q querier, groups []*matchGroup) error {
	type ref struct {
		alert int64
		m     *Match
	}
	var refs []ref
	byID := make(map[int64]*matchGroup, len(groups))
	for _, g := range groups {
		byID[g.id] = g
		kept := min(len(g.ms), int(max(refsPerAlert-g.count, 0)))
		g.added = int64(len(g.ms) - kept)
		for i := range g.ms[:kept] {
			refs = append(refs, ref{g.id, &g.ms[i]})
		}
	}
	for chunk := range slices.Chunk(refs, batchRows) {
		rows := paddedRows(len(chunk))
		args := make([]any, 0, 3*rows)
		for i := range rows {
			// Padding repeats the last row, which then conflicts with
			// itself: neither inserted nor returned.
			r := chunk[min(i, len(chunk)-1)]
			args = append(args, r.alert, int64(r.m.Seq), toNanos(r.m.Time))
		}
		err := q.cachedQuery(ctx, `INSERT INTO alert_events (alert_id, seq, time) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", rows), ", ")+` ON CONFLICT DO NOTHING RETURNING alert_id`,
			func(r *sql.Rows) error {
				var id int64
				if err := r.Scan(&id); err != nil {
					return err
				}
				byID[id].added++
				return nil
			}, args...)
		if err != nil {
			return err
		}
	}
	return nil
}

// updateAlerts adds to each alert its group's count and widens its times
// and severity to the group's. An alert whose group adds nothing (all
// replays) is left as it is.
func updateAlerts(ctx context.Context, q querier, groups []*matchGroup) error {
	var gained []*matchGroup
	for _, g := range groups {
		if g.added > 0 {
			gained = append(gained, g)
		}
	}
	for chunk := range slices.Chunk(gained, batchRows) {
		rows := paddedRows(len(chunk))
		args := make([]any, 0, 5*rows)
		for _, g := range chunk {
			first, last, sev := g.span()
			args = append(args, g.id, g.added, toNanos(first), toNanos(last), sev)
		}
		for len(args) < cap(args) {
			args = append(args, nil) // a NULL id joins no alert
		}
		// PostgreSQL types the VALUES columns by the casts of the first row.
		_, err := q.cachedExec(ctx, `WITH v (id, added, first_seen, last_seen, severity) AS (VALUES
			(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT))`+
			strings.Repeat(", (?, ?, ?, ?, ?)", rows-1)+`)
			UPDATE alerts SET event_count = alerts.event_count + v.added,
			first_seen = CASE WHEN v.first_seen < alerts.first_seen THEN v.first_seen ELSE alerts.first_seen END,
			last_seen = CASE WHEN v.last_seen > alerts.last_seen THEN v.last_seen ELSE alerts.last_seen END,
			severity = CASE WHEN `+severityRank("v.severity")+` > `+severityRank("alerts.severity")+` THEN v.severity ELSE alerts.severity END
			FROM v WHERE alerts.id = v.id`, args...)
		if err != nil {
			return err
		}
	}
	return nil
}

// span returns the earliest and latest time and the highest severity of
// the group's matches. Replayed matches are included: they were applied
// when first recorded, so applying them again changes nothing.
func (g *matchGroup) span() (first, last time.Time, sev string) {
	first, last, sev = g.ms[0].Time, g.ms[0].Time, g.ms[0].Severity
	for _, m := range g.ms[1:] {
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
	return first, last, sev
}

// placeholders returns n comma-separated placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
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
