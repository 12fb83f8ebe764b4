package ruleaudit

// Scoring. A device starts at 100; each finding deducts its severity's
// weight, and each severity deducts at most its cap:
//
//	severity  each  cap
//	critical   40    80
//	high       15    45
//	medium      5    25
//	low         1    10
//	info        0     0
//
// The score is 100 minus the deductions, never below 0. One unlocked rule
// alone gives 60, and 55 with its missing log; a ruleset with only
// hygiene findings (low) never drops below 90. The caps keep a
// 2,000-rule ruleset with hundreds of old rules comparable with a small
// one: what matters is whether something serious is there.
var scoreWeights = map[Severity]struct{ each, limit int }{
	Critical: {40, 80},
	High:     {15, 45},
	Medium:   {5, 25},
	Low:      {1, 10},
}

// Score computes a device score (0–100, higher is better) from finding
// counts by severity.
func Score(counts map[Severity]int) int {
	score := 100
	for sev, n := range counts {
		w := scoreWeights[sev]
		score -= min(w.each*n, w.limit)
	}
	return max(score, 0)
}

// TenantScore combines the latest report of each of a tenant's devices:
// the mean of the device scores and the worst one, half each, rounded.
// One neglected firewall thus pulls the tenant down however many tidy
// ones it has. It returns 0 for no reports; callers should show no score
// then.
func TenantScore(reports []Report) int {
	if len(reports) == 0 {
		return 0
	}
	sum, worst := 0, 100
	for _, r := range reports {
		sum += r.Score
		worst = min(worst, r.Score)
	}
	// (mean + worst) / 2, rounded half up, in integers.
	n := len(reports)
	return (sum + worst*n + n) / (2 * n)
}

// TrendPoint is one generation in a device's trend.
type TrendPoint struct {
	Index  int              `json:"index"` // position in the reports given to Trend
	Score  int              `json:"score"`
	Delta  int              `json:"delta"` // score change from the previous point; 0 for the first
	Counts map[Severity]int `json:"counts"`
	// New are findings absent from the previous generation, Resolved
	// those present there and gone now; both are empty for the first.
	// A finding is the same across generations when its kind and its
	// subject rule ID are.
	New      []Finding `json:"new,omitempty"`
	Resolved []Finding `json:"resolved,omitempty"`
}

// Trend follows one device across configuration generations; reports must
// be ordered oldest first. For a tenant's trend, call TenantScore on each
// generation's reports.
func Trend(reports []Report) []TrendPoint {
	out := make([]TrendPoint, 0, len(reports))
	var prev map[string]Finding
	for i, r := range reports {
		cur := make(map[string]Finding, len(r.Findings))
		for _, f := range r.Findings {
			cur[findingKey(f)] = f
		}
		p := TrendPoint{Index: i, Score: r.Score, Counts: r.Counts}
		if i > 0 {
			p.Delta = r.Score - reports[i-1].Score
			for _, f := range r.Findings {
				if _, ok := prev[findingKey(f)]; !ok {
					p.New = append(p.New, f)
				}
			}
			for _, f := range reports[i-1].Findings {
				if _, ok := cur[findingKey(f)]; !ok {
					p.Resolved = append(p.Resolved, f)
				}
			}
		}
		out = append(out, p)
		prev = cur
	}
	return out
}

func findingKey(f Finding) string {
	subject := ""
	if len(f.Rules) > 0 {
		subject = f.Rules[0]
	}
	return string(f.Kind) + "\x00" + subject
}
