package ruleaudit

import (
	"context"
	"errors"
	"time"

	"github.com/sekimori/sekimori/internal/devconfig"
	"github.com/sekimori/sekimori/internal/state"
)

// DeviceAudit is the audit of one generation of a device's configuration,
// with the score's trend over its recent generations.
type DeviceAudit struct {
	Device     string            `json:"device"`
	Generation int               `json:"generation"`
	Firmware   string            `json:"firmware"`
	Score      int               `json:"score"` // the worst of the reports (one per VDOM)
	Reports    []Report          `json:"reports"`
	Problems   []Problem         `json:"problems,omitempty"`
	Trend      []GenerationPoint `json:"trend,omitempty"` // oldest generation first
	HitsFrom   string            `json:"hits_from,omitempty"`
}

// GenerationPoint is a point of the trend: a generation's score and what
// changed from the one before.
type GenerationPoint struct {
	Generation int `json:"generation"`
	TrendPoint
}

// PolicyCounter counts a device's traffic-log lines per policy ID over
// the last days (the log store's policyid facets), and says since when the
// store holds the device's lines. The API implements it; nil: no log
// counting.
type PolicyCounter func(ctx context.Context, dev state.Device, vdom string, days int) (counts map[string]int64, since time.Time, err error)

// trendGenerations bounds how many generations the trend audits.
const trendGenerations = 12

// AuditDevice audits generation gen (0: the latest) of dev's configuration.
// Unused-rule findings use the policy hit counters last pulled from the
// device, when there are any.
//
// Without device counters, logs (when not nil) counts the device's traffic
// logs by policy ID instead; a rule is then unused only if the logs go back
// far enough (Options.HitsSince).
func AuditDevice(ctx context.Context, st *state.Store, dev state.Device, gen int, now time.Time, logs PolicyCounter) (DeviceAudit, error) {
	g, data, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, gen)
	if err != nil {
		return DeviceAudit{}, err
	}
	counters, err := st.PolicyHitsOf(ctx, dev.ID)
	if err != nil {
		return DeviceAudit{}, err
	}
	var hits func(string) map[string]Hit
	da := DeviceAudit{Device: dev.Name, Generation: g.Gen, Firmware: g.Firmware}
	if len(counters) > 0 {
		da.HitsFrom = "device counters of " + counters[0].PulledAt.Format(time.DateOnly)
		hits = func(vdom string) map[string]Hit {
			m := map[string]Hit{}
			for _, c := range counters {
				if c.VDOM == vdom || vdom == "" && (c.VDOM == "root" || c.VDOM == "") {
					m[c.PolicyID] = Hit{Count: c.Hits, LastUsed: c.LastUsed}
				}
			}
			return m
		}
	}
	opts := Options{Now: now}
	if hits == nil && logs != nil {
		opts.UnusedDays = 90
		var since time.Time
		byVDOM := map[string]map[string]Hit{}
		hits = func(vdom string) map[string]Hit {
			if m, ok := byVDOM[vdom]; ok {
				return m
			}
			counts, from, err := logs(ctx, dev, vdom, opts.UnusedDays)
			if err != nil {
				byVDOM[vdom] = nil
				return nil
			}
			m := map[string]Hit{}
			for id, n := range counts {
				m[id] = Hit{Count: n}
			}
			byVDOM[vdom] = m
			if since.IsZero() || from.After(since) {
				since = from
			}
			return m
		}
		// The first call fixes HitsSince before the audit reads it.
		hits(vdomOf(devconfig.Kind(g.Kind), data))
		opts.HitsSince = since
		if since.IsZero() {
			opts.HitsSince = now // no log lines: too young to call anything unused
		}
		da.HitsFrom = "traffic logs of the last 90 days"
	}
	da.Reports, da.Problems, err = AuditConfig(devconfig.Kind(g.Kind), data, opts, hits)
	if err != nil {
		return da, err
	}
	da.Score = worst(da.Reports)
	// The trend: the same audit (without usage, which only the latest
	// counters describe) over the recent generations.
	gens, err := st.ConfigGenerations(ctx, []uint32{dev.TenantID}, dev.ID)
	if err != nil {
		return da, err
	}
	var series []Report
	var numbers []int
	for i := min(len(gens), trendGenerations) - 1; i >= 0; i-- {
		_, d, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, gens[i].Gen)
		if err != nil {
			return da, err
		}
		rs, _, err := AuditConfig(devconfig.Kind(gens[i].Kind), d, Options{Now: now}, nil)
		if err != nil || len(rs) == 0 {
			continue
		}
		r := rs[0]
		r.Score = worst(rs)
		r.Device = dev.Name
		series = append(series, r)
		numbers = append(numbers, gens[i].Gen)
	}
	for _, p := range Trend(series) {
		da.Trend = append(da.Trend, GenerationPoint{Generation: numbers[p.Index], TrendPoint: p})
	}
	return da, nil
}

func worst(rs []Report) int {
	s := 100
	for _, r := range rs {
		s = min(s, r.Score)
	}
	return s
}

// TenantAudit is the ruleset audit of every device of a tenant that has a
// configuration.
type TenantAudit struct {
	Score   int           `json:"score"` // TenantScore over the devices' reports
	Devices []DeviceAudit `json:"devices"`
	// Skipped names devices whose configuration cannot be audited (kind
	// without a converter) with the reason.
	Skipped map[string]string `json:"skipped,omitempty"`
}

// AuditTenant audits the latest generation of each of the tenant's
// devices.
func AuditTenant(ctx context.Context, st *state.Store, tenant uint32, now time.Time, logs PolicyCounter) (TenantAudit, error) {
	devs, err := st.ListDevices(ctx, tenant)
	if err != nil {
		return TenantAudit{}, err
	}
	ta := TenantAudit{Devices: []DeviceAudit{}, Score: 100}
	var all []Report
	for _, d := range devs {
		da, err := AuditDevice(ctx, st, d, 0, now, logs)
		switch {
		case errors.Is(err, state.ErrNotFound):
			continue // no configuration yet
		case err != nil:
			if ta.Skipped == nil {
				ta.Skipped = map[string]string{}
			}
			ta.Skipped[d.Name] = err.Error()
			continue
		}
		da.Trend = nil
		ta.Devices = append(ta.Devices, da)
		all = append(all, da.Reports...)
	}
	if len(all) > 0 {
		ta.Score = TenantScore(all)
	}
	return ta, nil
}

// vdomOf is the first VDOM a configuration's audit reads ("" when single).
func vdomOf(kind devconfig.Kind, data []byte) string {
	if kind != devconfig.KindFortiOS {
		return ""
	}
	cfg, err := devconfig.ParseFortiOS(data)
	if err != nil || !cfg.IsMultiVDOM() || len(cfg.VDOMs()) == 0 {
		return ""
	}
	return cfg.VDOMs()[0]
}
