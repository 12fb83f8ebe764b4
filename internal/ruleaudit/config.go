package ruleaudit

import (
	"errors"
	"fmt"

	"github.com/sekimori/sekimori/internal/devconfig"
)

// ErrUnsupported: the configuration's kind has no ruleset converter yet.
var ErrUnsupported = errors.New("ruleset audit is available for FortiOS and Yamaha RTX configurations")

// AuditConfig audits a stored configuration: every VDOM of a FortiOS
// configuration (one report each), or a Yamaha RTX configuration. hits,
// when not nil, gives the usage counters of a VDOM's policies ("" for a
// single-VDOM device and for RTX).
func AuditConfig(kind devconfig.Kind, data []byte, opts Options, hits func(vdom string) map[string]Hit) ([]Report, []Problem, error) {
	withHits := func(vdom string) Options {
		o := opts
		if hits != nil {
			o.Hits = hits(vdom)
		}
		return o
	}
	switch kind {
	case devconfig.KindFortiOS:
		cfg, err := devconfig.ParseFortiOS(data)
		if err != nil {
			return nil, nil, err
		}
		vdoms := []string{""}
		if cfg.IsMultiVDOM() {
			vdoms = cfg.VDOMs()
		}
		var reports []Report
		var problems []Problem
		for _, v := range vdoms {
			rs, ps, err := FromFortiOS(cfg, v)
			if err != nil {
				return nil, nil, fmt.Errorf("vdom %q: %w", v, err)
			}
			if v != "" {
				rs.Device = v
			}
			reports = append(reports, Audit(rs, withHits(v)))
			problems = append(problems, ps...)
		}
		return reports, problems, nil
	case devconfig.KindYamahaRTX:
		rs, ps, err := FromRTX(data)
		if err != nil {
			return nil, nil, err
		}
		return []Report{Audit(rs, withHits(""))}, ps, nil
	}
	return nil, nil, fmt.Errorf("%s: %w", kind, ErrUnsupported)
}
