package detect

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/sigma"
	"github.com/sekimori/sekimori/internal/state"
)

// SigmaRules evaluates Sigma rules (detections and correlations) on the
// events of every tenant. One correlator per tenant keeps correlation
// state apart between customers. Safe for concurrent use.
type SigmaRules struct {
	eng     *sigma.Engine
	set     *sigma.RuleSet
	refused []*sigma.Error
	// tenantEng holds an engine for each tenant with filters of its own:
	// the shared rules plus that tenant's exclusions.
	tenantEng map[uint32]*sigma.Engine
	empty     bool // no rules at all

	mu   sync.Mutex
	corr map[uint32]*sigma.Correlator
}

// RuleFile is a rule file held elsewhere than in a directory (uploaded).
// A file with a Tenant holds that tenant's own Sigma filters.
type RuleFile struct {
	Name   string
	Tenant uint32
	Src    []byte
}

// LoadSigma loads rules from dirs (files or directories, recursively) and
// from uploaded files. Refused rules are returned with file:line:column
// reasons; they never stop the others from loading. Missing directories
// are skipped.
func LoadSigma(dirs []string, placeholders map[string][]string, uploaded ...RuleFile) (*SigmaRules, error) {
	set := sigma.NewRuleSet()
	for _, d := range dirs {
		if _, err := os.Stat(d); os.IsNotExist(err) {
			continue
		}
		if err := set.AddPath(d); err != nil {
			return nil, fmt.Errorf("load rules from %s: %w", d, err)
		}
	}
	perTenant := map[uint32][]RuleFile{}
	for _, f := range uploaded {
		if f.Tenant != 0 {
			perTenant[f.Tenant] = append(perTenant[f.Tenant], f)
			continue
		}
		set.AddFile("uploaded/"+f.Name, f.Src)
	}
	opts := sigma.Options{Placeholders: placeholders}
	eng, refused := sigma.NewEngine(set, opts)
	s := &SigmaRules{eng: eng, set: set, refused: append(set.Refused(), refused...), corr: map[uint32]*sigma.Correlator{}, tenantEng: map[uint32]*sigma.Engine{}}
	for tenant, files := range perTenant {
		ts := sigma.NewRuleSet()
		for _, r := range set.Rules() {
			ts.AddRule(r)
		}
		before := len(ts.Refused())
		for _, f := range files {
			ts.AddFile(fmt.Sprintf("tenant-%d/%s", tenant, f.Name), f.Src)
		}
		te, terr := sigma.NewEngine(ts, opts)
		s.refused = append(s.refused, ts.Refused()[before:]...)
		_ = terr // the shared rules' refusals are already listed
		s.tenantEng[tenant] = te
	}
	s.empty = len(set.Rules()) == 0 && len(perTenant) == 0
	return s, nil
}

// engine returns the engine for a tenant's events.
func (s *SigmaRules) engine(tenant uint32) *sigma.Engine {
	if e := s.tenantEng[tenant]; e != nil {
		return e
	}
	return s.eng
}

// Rules returns the loaded rules.
func (s *SigmaRules) Rules() []*sigma.Rule { return s.set.Rules() }

// Refused returns the rules that were refused, with reasons.
func (s *SigmaRules) Refused() []*sigma.Error { return s.refused }

// Engine returns the compiled rules, e.g. for hunting.
func (s *SigmaRules) Engine() *sigma.Engine { return s.eng }

// LogSource says which Sigma log source an event belongs to, from its
// format and, for Windows, its channel and event id.
func LogSource(ev *event.Event) sigma.LogSource {
	switch ev.Format {
	case "fortigate", "sophos", "sonicwall", "checkpoint":
		return sigma.LogSource{Product: ev.Format, Category: "firewall"}
	case "panos":
		return sigma.LogSource{Product: "paloalto", Category: "firewall"}
	case "cisco_asa":
		return sigma.LogSource{Product: "cisco", Service: "asa", Category: "firewall"}
	case "juniper_srx":
		return sigma.LogSource{Product: "juniper", Category: "firewall"}
	case "iptables":
		return sigma.LogSource{Product: "linux", Category: "firewall"}
	case "apache", "nginx":
		return sigma.LogSource{Category: "webserver", Service: ev.Format}
	case "linux":
		app, _ := ev.Get("log.syslog.appname")
		switch app {
		case "sshd":
			return sigma.LogSource{Product: "linux", Service: "sshd"}
		case "sudo":
			return sigma.LogSource{Product: "linux", Service: "sudo"}
		}
		return sigma.LogSource{Product: "linux", Service: "auth"}
	case "windows":
		ls := sigma.LogSource{Product: "windows"}
		ch, _ := ev.Get("winlog.channel")
		id, _ := ev.Get("event.code")
		switch {
		case strings.Contains(strings.ToLower(ch), "sysmon") && id == "1", strings.EqualFold(ch, "security") && id == "4688":
			ls.Category = "process_creation"
		case ch != "":
			ls.Service = strings.ToLower(ch)
		}
		return ls
	}
	return sigma.LogSource{Product: ev.Format}
}

var levels = map[string]string{"informational": "informational", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}

func severityOf(r *sigma.Rule) string {
	if s, ok := levels[strings.ToLower(r.Level)]; ok {
		return s
	}
	return "medium"
}

// Match implements Rules: it feeds the tenant's correlator, which reports
// detection rules on their own and completed correlations.
func (s *SigmaRules) Match(tenant uint32, ev *event.Event, dst []state.Match) []state.Match {
	if s.empty {
		return dst // nothing loaded: skip the per-event bookkeeping
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.corr[tenant]
	if c == nil {
		c = s.engine(tenant).NewCorrelator()
		s.corr[tenant] = c
	}
	dets := c.Process(LogSource(ev), sigma.Fields{E: ev}, ev.Time, ev.Seq, nil)
	for _, d := range dets {
		dst = append(dst, s.toMatch(tenant, ev, d))
	}
	return dst
}

func (s *SigmaRules) toMatch(tenant uint32, ev *event.Event, d sigma.Detection) state.Match {
	m := state.Match{TenantID: tenant, Kind: "sigma", RuleID: d.Rule.ID, RuleName: d.Rule.Title, Severity: severityOf(d.Rule), Time: d.Time}
	if m.RuleID == "" {
		m.RuleID = d.Rule.Name
	}
	if len(d.Events) > 0 {
		m.Seq = d.Events[len(d.Events)-1]
	}
	m.Details = map[string]string{}
	if ev != nil && d.Rule.Kind != sigma.KindCorrelation {
		m.Device = ev.Device
		m.SourceIP, _ = ev.Get("source.ip")
		m.TargetIP, _ = ev.Get("destination.ip")
		if h, ok := ev.Get("host.name"); ok && m.TargetIP == "" {
			m.TargetIP = h
		}
	}
	var group []string
	for _, g := range d.Group {
		m.Details["group."+g.Field] = g.Value
		group = append(group, g.Field+"="+g.Value)
	}
	if len(d.Events) > 1 {
		refs := make([]string, len(d.Events))
		for i, r := range d.Events {
			refs[i] = strconv.FormatUint(r, 10)
		}
		m.Details["events"] = strings.Join(refs, ",")
	}
	target := m.TargetIP
	if len(group) > 0 {
		target = strings.Join(group, ",")
	}
	m.GroupKey = GroupKey(m.Kind, m.RuleID, m.Device, target)
	if m.Time.IsZero() {
		m.Time = time.Now()
	}
	return m
}

// Flush closes correlation windows that ended before now and returns the
// matches they complete (call it on a timer: windows of quiet tenants must
// close too).
func (s *SigmaRules) Flush(now time.Time) []state.Match {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []state.Match
	for tenant, c := range s.corr {
		for _, d := range c.Flush(now, nil) {
			out = append(out, s.toMatch(tenant, nil, d))
		}
	}
	return out
}

// SaveState writes each tenant's correlation state to dir, so that a
// restart does not forget open windows.
func (s *SigmaRules) SaveState(dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("save correlation state: %w", err)
	}
	for tenant, c := range s.corr {
		b, err := c.MarshalState()
		if err != nil {
			return fmt.Errorf("save correlation state of tenant %d: %w", tenant, err)
		}
		p := filepath.Join(dir, fmt.Sprintf("tenant-%d.state", tenant))
		if err := os.WriteFile(p+".tmp", b, 0o640); err != nil {
			return fmt.Errorf("save correlation state: %w", err)
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			return fmt.Errorf("save correlation state: %w", err)
		}
	}
	return nil
}

// LoadState reads the state SaveState wrote; a state that no longer fits
// the rules (they changed) is dropped for that tenant.
func (s *SigmaRules) LoadState(dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "tenant-*.state"))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		var tenant uint32
		if _, err := fmt.Sscanf(filepath.Base(f), "tenant-%d.state", &tenant); err != nil {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("load correlation state: %w", err)
		}
		c := s.engine(tenant).NewCorrelator()
		if _, err := c.UnmarshalState(b); err != nil {
			continue // rules changed since; start afresh for this tenant
		}
		s.corr[tenant] = c
	}
	return nil
}

var _ Rules = (*SigmaRules)(nil)
