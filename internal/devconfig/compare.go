package devconfig

import (
	"errors"
	"fmt"
)

// Comparison is the semantic difference between two configurations.
type Comparison struct {
	// Semantic lists the changes in English, one per line: by section and
	// entry for FortiOS ("firewall policy 12: srcaddr added \"X\""), by
	// command line for line-based configs.
	Semantic []string
	// Japanese is Semantic in Japanese.
	Japanese []string
}

// Compare compares two configurations of kind (KindUnknown: detect from b).
// A FortiOS config that does not parse is compared line by line.
func Compare(kind Kind, a, b []byte) Comparison {
	if kind == KindUnknown {
		kind = Detect(b)
	}
	var cs []Change
	if kind == KindFortiOS {
		ca, errA := ParseFortiOS(a)
		cb, errB := ParseFortiOS(b)
		if errA == nil && errB == nil {
			cs = SemanticDiff(ca, cb)
		}
	}
	if cs == nil {
		cs = LineDiff(kind, a, b)
	}
	var out Comparison
	for _, c := range cs {
		out.Semantic = append(out.Semantic, c.Text("en"))
		out.Japanese = append(out.Japanese, c.Text("ja"))
	}
	return out
}

// RestoreDelta is the FortiOS CLI that turns the current configuration
// into target; both must be FortiOS configurations.
func RestoreDelta(current, target []byte) (string, error) {
	cur, err := ParseFortiOS(current)
	if err != nil {
		return "", fmt.Errorf("current configuration: %w", err)
	}
	tgt, err := ParseFortiOS(target)
	if err != nil {
		if Detect(target) != KindFortiOS {
			return "", errors.New("a delta script is available for FortiOS only: download the full generation instead")
		}
		return "", fmt.Errorf("target configuration: %w", err)
	}
	return RestoreScript(cur, tgt), nil
}
