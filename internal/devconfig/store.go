package devconfig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sekimori/sekimori/internal/state"
)

// Recorder keeps alert matches; *state.Store implements it.
type Recorder interface {
	RecordMatches(ctx context.Context, ms []state.Match) error
}

// Store is where generations live; *state.Store implements it.
type Store interface {
	Recorder
	AddConfig(ctx context.Context, g state.ConfigGeneration, content []byte) (state.ConfigGeneration, bool, error)
	RecordConfigPull(ctx context.Context, p state.ConfigPull) error
	ConfigContent(ctx context.Context, tenants []uint32, deviceID int64, gen int) (state.ConfigGeneration, []byte, error)
}

var _ Store = (*state.Store)(nil)

// ErrRejected marks a configuration refused as truncated or malformed: it
// was not stored as a generation.
var ErrRejected = errors.New("configuration rejected")

// Result is what keeping one pulled or uploaded configuration did.
type Result struct {
	Generation state.ConfigGeneration `json:"generation"`
	New        bool                   `json:"new"`      // a new generation (else the content equals the latest, secrets masked)
	Severity   string                 `json:"severity"` // of the change from the previous generation
	Reason     map[string]string      `json:"reason,omitempty"`
	Changes    []string               `json:"changes,omitempty"` // semantic changes, first few, English
}

// summaryDoc is the stored summary of a generation.
type summaryDoc struct {
	Reason   map[string]string `json:"reason,omitempty"`
	Policies [2]int            `json:"policies"` // before, after
	Objects  [2]int            `json:"objects"`
	Removed  [2]int            `json:"removed"` // policies, objects
	Firmware [2]string         `json:"firmware"`
	Changes  []string          `json:"changes,omitempty"`
	// ChangesJA is Changes in Japanese.
	ChangesJA []string `json:"changes_ja,omitempty"`
}

// maxChangesKept bounds the semantic changes kept with a generation.
const maxChangesKept = 50

// Keep validates data and stores it as dev's next generation when it
// differs (secrets masked) from the latest. A change becomes an alert of
// the severity Summarize gives (critical for a wipe, escalated wording
// when the firmware changed too); a truncated or malformed configuration
// is refused with a high alert and recorded as a rejected pull, never
// stored as the latest generation.
func Keep(ctx context.Context, st Store, dev state.Device, data []byte, method, actor string) (Result, error) {
	kind := Detect(data)
	info, err := Validate(kind, data)
	if err != nil {
		reason := err.Error()
		_ = st.RecordConfigPull(ctx, state.ConfigPull{DeviceID: dev.ID, TenantID: dev.TenantID, Method: method, Actor: actor, Outcome: state.PullRejected, Reason: reason})
		alertErr := st.RecordMatches(ctx, []state.Match{configMatch(dev, "config:rejected", "configuration rejected: "+reason, "high", 0,
			map[string]string{"reason": reason, "method": method})})
		return Result{}, errors.Join(fmt.Errorf("%w: %s", ErrRejected, reason), alertErr)
	}
	g := state.ConfigGeneration{DeviceID: dev.ID, TenantID: dev.TenantID, Kind: string(kind), Fingerprint: Fingerprint(kind, data),
		Firmware: info.Firmware.String(), Method: method, Actor: actor, Severity: SeverityLow}
	prev, prevData, err := st.ConfigContent(ctx, []uint32{dev.TenantID}, dev.ID, 0)
	havePrev := err == nil
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return Result{}, err
	}
	var doc summaryDoc
	if havePrev && prev.Fingerprint != g.Fingerprint {
		sum, err := Summarize(kind, prevData, data)
		if err != nil {
			return Result{}, fmt.Errorf("compare with generation %d: %w", prev.Gen, err)
		}
		g.Severity = sum.Severity()
		doc = summaryDoc{
			Reason:   map[string]string{"en": sum.Reason("en"), "ja": sum.Reason("ja")},
			Policies: [2]int{sum.PoliciesBefore, sum.PoliciesAfter}, Objects: [2]int{sum.ObjectsBefore, sum.ObjectsAfter},
			Removed: [2]int{sum.PoliciesRemoved, sum.ObjectsRemoved}, Firmware: [2]string{sum.FirmwareBefore.String(), sum.FirmwareAfter.String()},
		}
		c := Compare(kind, prevData, data)
		doc.Changes, doc.ChangesJA = c.Semantic, c.Japanese
		if n := len(doc.Changes); n > maxChangesKept {
			doc.Changes = append(doc.Changes[:maxChangesKept], fmt.Sprintf("... and %d more", n-maxChangesKept))
			doc.ChangesJA = append(doc.ChangesJA[:maxChangesKept], fmt.Sprintf("…ほか %d 件", n-maxChangesKept))
		}
	}
	g.Summary, _ = json.Marshal(doc)
	g, created, err := st.AddConfig(ctx, g, data)
	if err != nil {
		return Result{}, err
	}
	res := Result{Generation: g, New: created, Severity: g.Severity, Reason: doc.Reason, Changes: doc.Changes}
	if created && havePrev {
		rule := "config:change"
		if g.Severity == SeverityCritical {
			rule = "config:wipe"
		}
		details := map[string]string{"generation": fmt.Sprint(g.Gen), "previous": fmt.Sprint(prev.Gen),
			"firmware.before": doc.Firmware[0], "firmware.after": doc.Firmware[1], "reason.ja": doc.Reason["ja"]}
		if err := st.RecordMatches(ctx, []state.Match{configMatch(dev, rule, doc.Reason["en"], alertSeverity(g.Severity), g.Gen, details)}); err != nil {
			return res, fmt.Errorf("record change alert: %w", err)
		}
	}
	return res, nil
}

func alertSeverity(s string) string {
	if s == SeverityLow {
		return "informational"
	}
	return s
}

// configMatch is an alert about a device's configuration; each generation
// is its own alert.
func configMatch(dev state.Device, rule, name, severity string, gen int, details map[string]string) state.Match {
	key := fmt.Sprintf("config|%s|%d|%d", rule, dev.ID, gen)
	if gen == 0 {
		key = fmt.Sprintf("config|%s|%d", rule, dev.ID) // rejections of a device join one open alert
	}
	return state.Match{TenantID: dev.TenantID, GroupKey: key, Kind: "config", RuleID: rule, RuleName: name, Severity: severity,
		Device: dev.Name, Time: time.Now(), Details: details}
}
