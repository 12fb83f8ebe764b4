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

// trendGenerations bounds how many generations the trend audits.
const trendGenerations = 12

// AuditDevice audits generation gen (0: the latest) of dev's configuration.
// Unused-rule findings use the policy hit counters last pulled from the
// device, when there are any.
func AuditDevice(ctx context.Context, st *state.Store, dev state.Device, gen int, now time.Time) (DeviceAudit, error) {
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
		rs, _, err := AuditConfig(devconfig.Kind(gens[i].Kind), d, opts, nil)
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
func AuditTenant(ctx context.Context, st *state.Store, tenant uint32, now time.Time) (TenantAudit, error) {
	devs, err := st.ListDevices(ctx, tenant)
	if err != nil {
		return TenantAudit{}, err
	}
	ta := TenantAudit{Devices: []DeviceAudit{}, Score: 100}
	var all []Report
	for _, d := range devs {
		da, err := AuditDevice(ctx, st, d, 0, now)
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
