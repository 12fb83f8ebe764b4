package triage

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/sekimori/sekimori/internal/state"
)

// Service keeps verdicts current: it triages new alerts as they appear,
// and rebuilds its engine and re-triages every open alert when inventory,
// knowledge or a tenant's settings change (an alert hidden yesterday may
// be reportable today; each change is recorded in the alert's history).
type Service struct {
	st      *state.Store
	log     *slog.Logger
	engine  *Engine // the current snapshot; Run's goroutine owns it
	every   time.Duration
	triaged *metrics.Counter
	changed *metrics.Counter
}

// NewService returns a service over st; ms receives its counters (nil: none).
func NewService(st *state.Store, ms *metrics.Set, log *slog.Logger) *Service {
	if ms == nil {
		ms = metrics.NewSet()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		st: st, log: log, every: time.Second,
		triaged: ms.GetOrCreateCounter("sekimori_triage_alerts_total"),
		changed: ms.GetOrCreateCounter("sekimori_triage_verdict_changes_total"),
	}
}

// Run triages until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	last := int64(-1)
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		if err := s.Step(ctx, &last); err != nil && ctx.Err() == nil {
			s.log.Error("triage", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Step does one pass (not concurrently with Run or another Step): a rebuild and full re-triage when the triage revision
// moved past *last, else the alerts not yet triaged.
func (s *Service) Step(ctx context.Context, last *int64) error {
	rev, err := s.st.TriageRevision(ctx)
	if err != nil {
		return err
	}
	full := rev != *last || s.engine == nil
	if full {
		e, err := Load(ctx, s.st)
		if err != nil {
			return err
		}
		s.engine, *last = e, rev
	}
	return s.pass(ctx, s.engine, full)
}

// pass evaluates alerts page by page and stores their verdicts. A full
// pass also resolves the data-quality tasks no open alert needs any more.
func (s *Service) pass(ctx context.Context, e *Engine, full bool) error {
	var after int64
	stillNeeded := map[uint32]map[string]bool{}
	for {
		alerts, err := s.st.AlertsToTriage(ctx, full, after, 500)
		if err != nil {
			return err
		}
		if len(alerts) == 0 {
			break
		}
		us := make([]state.VerdictUpdate, 0, len(alerts))
		for _, a := range alerts {
			if !Applies(a.Kind, a.RuleID) {
				us = append(us, state.VerdictUpdate{AlertID: a.ID, Report: true, Triage: json.RawMessage(`{}`)})
				continue
			}
			r := e.Evaluate(FromAlert(a))
			u, err := update(a.ID, r)
			if err != nil {
				return err
			}
			if r.Task != nil {
				if stillNeeded[a.TenantID] == nil {
					stillNeeded[a.TenantID] = map[string]bool{}
				}
				stillNeeded[a.TenantID][r.Task.Kind+"|"+r.Task.Subject] = true
			}
			us = append(us, u)
		}
		n, err := s.st.SetVerdicts(ctx, us)
		if err != nil {
			return err
		}
		s.triaged.Add(len(us))
		s.changed.Add(n)
		after = alerts[len(alerts)-1].ID
	}
	if !full {
		return nil
	}
	tenants, err := s.st.ListTenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		need := stillNeeded[t.ID]
		if err := s.st.ResolveTriageTasks(ctx, t.ID, func(kind, subject string) bool { return need[kind+"|"+subject] }); err != nil {
			return err
		}
	}
	return nil
}

func update(id int64, r Result) (state.VerdictUpdate, error) {
	doc, err := json.Marshal(r)
	if err != nil {
		return state.VerdictUpdate{}, fmt.Errorf("encode verdict of alert %d: %w", id, err)
	}
	u := state.VerdictUpdate{AlertID: id, Verdict: string(r.Verdict), Report: r.Report, Triage: doc, Reason: r.Reason["en"]}
	if r.Task != nil {
		u.TaskKind, u.TaskSubject = r.Task.Kind, r.Task.Subject
	}
	return u, nil
}

// FromAlert is what triage reads of a stored alert.
func FromAlert(a state.Alert) Alert {
	in := Alert{
		Tenant: a.TenantID, Kind: a.Kind, RuleID: a.RuleID, RuleName: a.RuleName,
		TargetIP: a.TargetIP, SourceIP: a.SourceIP, Time: a.FirstSeen, Action: a.Details["event.action"],
	}
	if v := a.Details["vulnerability.id"]; v != "" {
		for _, c := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			in.CVEs = append(in.CVEs, c)
		}
	}
	return in
}

// Load builds an engine from the state database: all knowledge, and every
// tenant's inventory and settings.
func Load(ctx context.Context, st *state.Store) (*Engine, error) {
	bundles, err := st.Knowledge(ctx)
	if err != nil {
		return nil, err
	}
	k := NewKnowledge()
	for _, b := range bundles {
		k.Add(b)
	}
	e := NewEngine(k)
	tenants, err := st.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	settings, err := st.TriageSettings(ctx)
	if err != nil {
		return nil, err
	}
	ids := []uint32{0}
	for _, t := range tenants {
		ids = append(ids, t.ID)
	}
	all, err := st.Assets(ctx, ids, "")
	if err != nil {
		return nil, err
	}
	hosts := map[uint32][]Host{}
	for _, a := range all {
		h := Host{Host: a.Host}
		for _, inv := range a.Inventories {
			h.Inventories = append(h.Inventories, Inventory{
				Source: Source{Kind: inv.Source, Name: inv.File, Date: inv.CollectedAt}, Complete: inv.Complete,
				CollectedAt: inv.CollectedAt, Software: inv.Software,
			})
		}
		hosts[a.TenantID] = append(hosts[a.TenantID], h)
	}
	for _, t := range tenants {
		ts := settings[t.ID]
		e.SetTenant(t.ID, hosts[t.ID], Settings{Policy: ts.Policy, FreshDays: ts.FreshDays})
	}
	return e, nil
}
