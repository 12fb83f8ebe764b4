package parse

import (
	"errors"
	"sync"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// FieldDetected is the field in which the "auto" format records the format
// it chose for a line. The pipeline sets ev.Format to the device's format
// ("auto"); it should show this field next to it so that an operator can
// pin the device to the detected format.
const FieldDetected = "format.detected"

// ErrNoFormat is returned by the "auto" format for a line that no parser
// recognises.
var ErrNoFormat = errors.New("auto: no known format recognises this line")

// candidate is one format auto may choose.
type candidate struct {
	name string
	d    Detector
	p    Parser
}

// autoParser is the "auto" format: for each line it asks every candidate's
// Detect (with the syslog APP-NAME the pipeline put in ev) and parses the
// line with the one that scores highest; ties go to the candidate listed
// first (built-ins in name order, then declarative formats in name order).
// It adds format.detected=<name> before the chosen parser's fields. A line
// no candidate scores above zero is ErrNoFormat.
//
// Per-line choice costs one Detect call per candidate: a few byte searches
// each, no allocation.
type autoParser struct {
	candidates func() []candidate
}

var (
	_ Parser   = autoParser{}
	_ Detector = autoParser{}
)

// builtinCandidates lists the built-in parsers that implement Detector,
// in name order. Computed once; read-only afterwards.
var builtinCandidates = sync.OnceValue(func() []candidate {
	var cs []candidate
	for _, name := range builtins.names {
		p := builtins.byName[name]
		if _, isAuto := p.(autoParser); isAuto {
			continue
		}
		if d, ok := p.(Detector); ok {
			cs = append(cs, candidate{name: name, d: d, p: p})
		}
	}
	return cs
})

func (a autoParser) list() []candidate {
	if a.candidates == nil {
		return builtinCandidates()
	}
	return a.candidates()
}

// choose returns the best candidate for msg, or false.
func (a autoParser) choose(msg []byte, app string) (candidate, int) {
	var best candidate
	bestScore := 0
	for _, c := range a.list() {
		if s := c.d.Detect(msg, app); s > bestScore {
			best, bestScore = c, s
			if s >= ScoreCertain {
				break // nothing later can win: ties go to the earlier candidate
			}
		}
	}
	return best, bestScore
}

// Detect returns the best score of any candidate, so that an auto parser
// can itself be a candidate elsewhere.
func (a autoParser) Detect(msg []byte, app string) int {
	_, s := a.choose(msg, app)
	return s
}

func (a autoParser) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	c, score := a.choose(msg, syslogAppName(ev))
	if score == 0 {
		return ErrNoFormat
	}
	ev.Fields = append(ev.Fields, event.Field{Name: FieldDetected, Value: c.name})
	return c.p.Parse(msg, loc, ev)
}

// Detect runs the "auto" choice over the built-in formats without parsing:
// it returns the name of the format that would parse msg, and its score
// (0 and "" when none). appName is the syslog APP-NAME ("" when none).
func Detect(msg []byte, appName string) (name string, score int) {
	c, s := autoParser{}.choose(msg, appName)
	return c.name, s
}
