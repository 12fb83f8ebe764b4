package api

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/detect"
	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/jsonw"
	"github.com/sekimori/sekimori/internal/sigma"
	"github.com/sekimori/sekimori/internal/state"
)

type ruleJSON struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Level     string `json:"level,omitempty"`
	Kind      string `json:"kind"`
	LogSource string `json:"logsource,omitempty"`
	File      string `json:"file,omitempty"`
}

// listRules lists the loaded Sigma rules and, for admins, the refused ones
// with their reasons.
func (s *Server) listRules(w http.ResponseWriter, r *http.Request, p principal) {
	out := map[string]any{"rules": []ruleJSON{}}
	var loaded *detect.SigmaRules
	if s.d.Rules != nil {
		loaded = s.d.Rules()
	}
	if loaded == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	var list []ruleJSON
	for _, rl := range loaded.Rules() {
		list = append(list, ruleJSON{rl.ID, rl.Title, rl.Level, rl.Kind.String(), rl.LogSource.String(), fileFor(p, rl.File)})
	}
	if list != nil {
		out["rules"] = list
	}
	if p.provider() {
		refused := []string{}
		for _, e := range loaded.Refused() {
			refused = append(refused, e.Error())
		}
		out["refused"] = refused
	}
	writeJSON(w, http.StatusOK, out)
}

// fileFor hides server paths from customers.
func fileFor(p principal, f string) string {
	if p.provider() {
		return f
	}
	return ""
}

// hunt runs one Sigma detection rule (the request body, YAML) over stored
// events of the caller's tenants in [start, end) and streams the hits as
// JSON lines. The store is first narrowed by time and, when the rule's
// log source names a product we parse, by format; each candidate is then
// evaluated exactly.
func (s *Server) hunt(w http.ResponseWriter, r *http.Request, p principal) {
	if !r.URL.Query().Has("start") && !r.URL.Query().Has("since") {
		q := r.URL.Query()
		q.Set("start", "24h")
		r.URL.RawQuery = q.Encode()
	}
	req, aerr := s.readRequest(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "body: a Sigma rule of at most 1 MiB")
		return
	}
	rules, errs := sigma.ParseFile("hunt.yml", body)
	if len(errs) > 0 {
		writeError(w, http.StatusBadRequest, "invalid_rule", errs[0].Error())
		return
	}
	set := sigma.NewRuleSet()
	for _, rl := range rules {
		if rl.Kind == sigma.KindCorrelation {
			writeError(w, http.StatusBadRequest, "invalid_rule", "hunting takes detection rules; correlation rules run on live events only")
			return
		}
		set.AddRule(rl)
	}
	if refused := set.Refused(); len(refused) > 0 {
		writeError(w, http.StatusBadRequest, "invalid_rule", refused[0].Error())
		return
	}
	eng, refused := sigma.NewEngine(set, sigma.Options{})
	if len(refused) > 0 {
		writeError(w, http.StatusBadRequest, "invalid_rule", refused[0].Error())
		return
	}
	req.Query = huntPrefilter(rules)
	req.Limit = 0
	s.audit(r, p, "logs.hunt", "tenants/"+fmt.Sprint(req.Tenants), nil, map[string]any{"rule": rules[0].Title, "start": req.Start, "end": req.End})
	w.Header().Set("Content-Type", "application/x-ndjson")
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	var ev event.Event
	var hits []*sigma.Rule
	var line []byte
	err = s.d.Logs.Search(r.Context(), req, func(row []event.Field) error {
		rowToEvent(row, &ev)
		// The analyst chose this rule for these events: when the event's
		// own log source would not select it, evaluate it anyway.
		ls := detect.LogSource(&ev)
		if !selectsAny(ls, rules) {
			ls = sigma.AnyLogSource
		}
		hits = eng.Match(ls, sigma.Fields{E: &ev}, hits[:0])
		for _, h := range hits {
			line = append(line[:0], `{"rule":`...)
			line = jsonw.AppendString(line, h.ID)
			line = append(line, `,"event":`...)
			line = appendRowJSON(line, row)
			line = append(line[:len(line)-1], "}\n"...)
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && r.Context().Err() == nil {
		s.d.Logger.Error("hunt", "err", err)
	}
}

// huntPrefilter narrows the store query by the rules' log source.
func huntPrefilter(rules []*sigma.Rule) string {
	formats := map[string]string{"fortigate": "fortigate", "paloalto": "panos", "cisco": "cisco_asa", "juniper": "juniper_srx", "windows": "windows", "linux": "", "suricata": "suricata"}
	q := ""
	for _, rl := range rules {
		f, ok := formats[rl.LogSource.Product]
		if !ok || f == "" {
			return "*"
		}
		if q != "" {
			q += " or "
		}
		q += "format:=" + strconv.Quote(f)
	}
	if q == "" {
		return "*"
	}
	return q
}

// rowToEvent rebuilds an event from a stored row for rule evaluation.
func rowToEvent(row []event.Field, ev *event.Event) {
	ev.Reset()
	for _, f := range row {
		switch f.Name {
		case "_msg":
			ev.Raw = f.Value
		case "_time":
			ev.Time, _ = time.Parse(time.RFC3339Nano, f.Value)
		case "format":
			ev.Format = f.Value
		case "device":
			ev.Device = f.Value
		case "ingest.seq":
			ev.Seq, _ = strconv.ParseUint(f.Value, 10, 64)
		}
		ev.Fields = append(ev.Fields, f)
	}
}

func selectsAny(ls sigma.LogSource, rules []*sigma.Rule) bool {
	for _, r := range rules {
		if ls.Selects(r.LogSource) {
			return true
		}
	}
	return false
}

// ruleSettings lists the rule settings of the caller's tenants.
func (s *Server) ruleSettings(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	list, err := s.d.State.RuleSettings(r.Context(), tenants)
	writeList(w, "settings", list, err)
}

// setRuleSetting enables or disables a rule (Sigma id or native signature
// id such as fortigate:ips:50825) for one tenant, with an optional severity
// override: {"enabled": false} or {"enabled": true, "severity": "high"}.
func (s *Server) setRuleSetting(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, aerr := s.alertScope(r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	if len(tenants) != 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "tenant is required: ?tenant=NAME")
		return
	}
	var in struct {
		Enabled  *bool  `json:"enabled"`
		Severity string `json:"severity"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Enabled == nil {
		writeError(w, http.StatusBadRequest, "invalid", "enabled is required (true or false)")
		return
	}
	rs, err := s.d.State.SetRuleSetting(r.Context(), state.RuleSetting{TenantID: tenants[0], RuleID: r.PathValue("id"), Enabled: *in.Enabled, Severity: in.Severity, UpdatedBy: p.actor()})
	if err != nil {
		stateError(w, err)
		return
	}
	if err := s.d.ReloadDevices(r.Context()); err != nil {
		s.d.Logger.Error("reload rule settings", "err", err)
	}
	s.audit(r, p, "rule.setting", "rule/"+rs.RuleID, nil, rs)
	writeJSON(w, http.StatusOK, rs)
}

// uploadRule stores a Sigma rule file (admin): POST /api/v1/rules?name=F.yml
// with the YAML as the body. It is validated first; an invalid file is
// refused with its file:line:column reasons and nothing is stored. Running
// servers load it within a second.
func (s *Server) uploadRule(w http.ResponseWriter, r *http.Request, p principal) {
	name := r.URL.Query().Get("name")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "a rule file is at most 1 MiB")
		return
	}
	// Validate the file together with the rules it may refer to: those
	// loaded from directories and the other uploaded files.
	set := sigma.NewRuleSet()
	if s.d.Rules != nil {
		if loaded := s.d.Rules(); loaded != nil {
			for _, rl := range loaded.Rules() {
				if !strings.HasPrefix(rl.File, "uploaded/") {
					set.AddRule(rl)
				}
			}
		}
	}
	others, err := s.d.State.Rules(r.Context())
	if err != nil {
		stateError(w, err)
		return
	}
	for _, o := range others {
		if o.Name != name && o.TenantID == 0 {
			set.AddFile("uploaded/"+o.Name, []byte(o.YAML))
		}
	}
	before := len(set.Refused())
	own, errs := sigma.ParseFile(name, body)
	for _, rl := range own {
		set.AddRule(rl)
	}
	var problems []string
	for _, e := range errs {
		problems = append(problems, e.Error())
	}
	for _, e := range set.Refused()[before:] {
		problems = append(problems, e.Error())
	}
	if len(own) == 0 && len(problems) == 0 {
		problems = append(problems, name+": no rule in the file")
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "invalid_rule", "message": problems[0], "problems": problems}})
		return
	}
	var tenantID uint32
	if tn := r.URL.Query().Get("tenant"); tn != "" {
		t, err := s.d.State.TenantByName(r.Context(), tn)
		if err != nil {
			writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("tenant %q not found", tn))
			return
		}
		for _, rl := range own {
			if rl.Kind != sigma.KindFilter {
				writeError(w, http.StatusBadRequest, "invalid_rule", fmt.Sprintf("%s: a tenant's file holds Sigma filters only; %q is a %s rule", name, rl.Title, rl.Kind))
				return
			}
		}
		tenantID = t.ID
	}
	stored, err := s.d.State.PutRule(r.Context(), state.StoredRule{Name: name, TenantID: tenantID, YAML: string(body), UploadedBy: p.actor()})
	if err != nil {
		stateError(w, err)
		return
	}
	if err := s.d.ReloadDevices(r.Context()); err != nil {
		s.d.Logger.Error("reload rules", "err", err)
	}
	s.audit(r, p, "rule.upload", "rule-file/"+name, nil, map[string]any{"rules": len(own), "tenant_id": tenantID, "bytes": len(body)})
	stored.YAML = ""
	writeJSON(w, http.StatusCreated, map[string]any{"file": stored, "rules": len(own)})
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request, p principal) {
	name := r.PathValue("name")
	if err := s.d.State.DeleteRule(r.Context(), name); err != nil {
		stateError(w, err)
		return
	}
	if err := s.d.ReloadDevices(r.Context()); err != nil {
		s.d.Logger.Error("reload rules", "err", err)
	}
	s.audit(r, p, "rule.delete", "rule-file/"+name, nil, nil)
	w.WriteHeader(http.StatusNoContent)
}
