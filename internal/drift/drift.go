// Package drift notices when a device's log format changes: a field that
// was never seen appears, a usual field disappears, the format version
// (for CSV formats: the column count) changes, or parse failures rise.
// Vendors change formats with major releases; this is how an operator
// learns of it within a minute of the first changed line.
package drift

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// Options tune the detector; the zero value works.
type Options struct {
	// Learn is how many events of a device and format make its baseline
	// (default 500).
	Learn int
	// Window is how long recent events are gathered before they are
	// compared with the baseline (default 1 minute).
	Window time.Duration
	// Usual is the share of baseline events a field must appear in to be
	// expected in every window (default 0.95).
	Usual float64
	// FailRate is the parse-failure share of a window that counts as a
	// rise when the baseline had less than half of it (default 0.05).
	FailRate float64
	// MaxFields bounds the field names remembered per device and format.
	MaxFields int
}

func (o *Options) defaults() {
	if o.Learn <= 0 {
		o.Learn = 500
	}
	if o.Window <= 0 {
		o.Window = time.Minute
	}
	if o.Usual <= 0 {
		o.Usual = 0.95
	}
	if o.FailRate <= 0 {
		o.FailRate = 0.05
	}
	if o.MaxFields <= 0 {
		o.MaxFields = 2000
	}
}

// Change is one noticed drift.
type Change struct {
	TenantID      uint32
	Device        string
	Format        string
	FormatVersion string
	Kind          string // new_field, field_missing, version_changed, parse_failures
	Field         string // the field concerned, or the new version
	Detail        string // one line for people
	Example       string // an example line
	Time          time.Time
}

type key struct {
	tenant         uint32
	device, format string
}

type profile struct {
	events, failures int
	fields           map[string]int // baseline counts
	versions         map[string]bool
	learned          bool

	// the current window
	start     time.Time
	wEvents   int
	wFailures int
	wFields   map[string]int
	failEx    string
	reported  map[string]bool // new fields already reported
	// shapes are the field-name lists seen since learning, each counted in
	// the current window: a device repeats a few shapes, so an event costs
	// one hash and one lookup, and wFields is summed when the window
	// closes.
	shapes map[uint64][]*shape
}

// shape is one list of field names (ignored ones left out) and how many
// events of the current window had it.
type shape struct {
	names   []string
	count   int
	checked bool // its names were checked for new fields
}

// maxShapes bounds the shapes kept per profile; past it, shapes are
// folded into wFields and forgotten.
const maxShapes = 4096

// Detector keeps one profile per tenant, device and format. Safe for
// concurrent use.
type Detector struct {
	opts  Options
	seed  maphash.Seed
	mu    sync.Mutex
	p     map[key]*profile
	swept time.Time // when windows were last looked at
}

// New returns a detector.
func New(opts Options) *Detector {
	opts.defaults()
	return &Detector{opts: opts, seed: maphash.MakeSeed(), p: map[key]*profile{}}
}

// ignored fields vary by nature and say nothing about the format (a
// field without a name says nothing at all).
func ignored(name string) bool {
	return name == "" || strings.HasPrefix(name, "log.syslog.") || name == "parse.error" || name == "format.detected"
}

// Observe feeds stored events and returns the changes noticed, at most
// one window (Options.Window) after the first changed line.
func (d *Detector) Observe(evs []*event.Event, now time.Time) []Change {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Change
	for _, ev := range evs {
		if ev.TenantID == 0 || ev.Device == "" {
			continue
		}
		k := key{ev.TenantID, ev.Device, ev.Format}
		p := d.p[k]
		if p == nil {
			p = &profile{fields: map[string]int{}, versions: map[string]bool{}, start: now}
			d.p[k] = p
		}
		out = d.observe(k, p, ev, now, out)
	}
	// Windows are looked at once a second at most, or when no events
	// come (the caller's timer for quiet devices): the pipeline calls
	// with a few dozen events at a time, and there may be a profile for
	// each of thousands of devices.
	if len(evs) == 0 || now.Sub(d.swept) >= time.Second || now.Before(d.swept) {
		d.swept = now
		for k, p := range d.p {
			if p.learned && now.Sub(p.start) >= d.opts.Window {
				out = d.closeWindow(k, p, now, out)
			}
		}
	}
	return out
}

func (d *Detector) observe(k key, p *profile, ev *event.Event, now time.Time, out []Change) []Change {
	failed := ev.ParseError != ""
	if !p.learned {
		p.events++
		if failed {
			p.failures++
		}
		for _, f := range ev.Fields {
			if !ignored(f.Name) && (len(p.fields) < d.opts.MaxFields || p.fields[f.Name] > 0) {
				p.fields[f.Name]++
			}
		}
		p.versions[ev.FormatVersion] = true
		if p.events >= d.opts.Learn {
			p.learned, p.start = true, now
			p.wFields, p.reported, p.shapes = map[string]int{}, map[string]bool{}, map[uint64][]*shape{}
		}
		return out
	}
	p.wEvents++
	if failed {
		p.wFailures++
		if p.failEx == "" {
			p.failEx = ev.Raw
		}
	}
	if !p.versions[ev.FormatVersion] {
		p.versions[ev.FormatVersion] = true
		out = append(out, Change{TenantID: k.tenant, Device: k.device, Format: k.format, FormatVersion: ev.FormatVersion,
			Kind: "version_changed", Field: ev.FormatVersion, Detail: fmt.Sprintf("format version %q seen for the first time", ev.FormatVersion), Example: ev.Raw, Time: now})
	}
	sh := d.shapeOf(p, ev)
	if !sh.checked {
		// A shape never seen since learning: any field the baseline lacks
		// is reported at once.
		sh.checked = true
		for _, name := range sh.names {
			if p.fields[name] == 0 && !p.reported[name] && len(p.reported) < d.opts.MaxFields {
				p.reported[name] = true
				out = append(out, Change{TenantID: k.tenant, Device: k.device, Format: k.format, FormatVersion: ev.FormatVersion,
					Kind: "new_field", Field: name, Detail: fmt.Sprintf("new field %q (kept, like every field)", name), Example: ev.Raw, Time: now})
			}
		}
	}
	sh.count++
	return out
}

// shapeOf returns the shape of ev's field names, adding it when new.
func (d *Detector) shapeOf(p *profile, ev *event.Event) *shape {
	// The key mixes each name's length and first and last bytes, in
	// order: hashing whole names cost twice as much, and sameNames tells
	// apart the shapes that share a key. Names chosen to share keys (a
	// hostile sender) would make a long list to compare; past
	// maxSameKey shapes, a key's further shapes are keyed by a seeded
	// hash of the whole names instead.
	h, n := uint64(len(ev.Fields)), 0
	for _, f := range ev.Fields {
		if ignored(f.Name) {
			continue
		}
		h = (h ^ uint64(len(f.Name))<<16 ^ uint64(f.Name[0])<<8 ^ uint64(f.Name[len(f.Name)-1])) * prime
		n++
	}
	list := p.shapes[h]
	if len(list) >= maxSameKey {
		var mh maphash.Hash
		mh.SetSeed(d.seed)
		for _, f := range ev.Fields {
			if !ignored(f.Name) {
				mh.WriteString(f.Name)
				mh.WriteByte(0)
			}
		}
		h = mh.Sum64()
		list = p.shapes[h]
	}
	for _, sh := range list {
		if sameNames(sh.names, ev.Fields, n) {
			return sh
		}
	}
	if len(p.shapes) >= maxShapes {
		d.foldShapes(p)
		clear(p.shapes)
	}
	names := make([]string, 0, n)
	for _, f := range ev.Fields {
		if !ignored(f.Name) {
			names = append(names, f.Name)
		}
	}
	sh := &shape{names: names}
	p.shapes[h] = append(p.shapes[h], sh)
	return sh
}

// prime mixes the names' keys in order (FNV's 64-bit prime).
const prime uint64 = 1099511628211

// maxSameKey bounds the shapes compared under one cheap key.
const maxSameKey = 8

// sameNames compares a shape with an event's non-ignored field names.
func sameNames(names []string, fields []event.Field, n int) bool {
	if len(names) != n {
		return false
	}
	i := 0
	for _, f := range fields {
		if ignored(f.Name) {
			continue
		}
		if names[i] != f.Name {
			return false
		}
		i++
	}
	return true
}

// foldShapes adds the window's shape counts to wFields, within MaxFields.
func (d *Detector) foldShapes(p *profile) {
	for _, list := range p.shapes {
		for _, sh := range list {
			if sh.count == 0 {
				continue
			}
			for _, name := range sh.names {
				if len(p.wFields) < d.opts.MaxFields || p.wFields[name] > 0 {
					p.wFields[name] += sh.count
				}
			}
			sh.count = 0
		}
	}
}

// closeWindow compares a finished window with the baseline.
func (d *Detector) closeWindow(k key, p *profile, now time.Time, out []Change) []Change {
	d.foldShapes(p)
	defer func() {
		p.start, p.wEvents, p.wFailures, p.failEx = now, 0, 0, ""
		clear(p.wFields)
	}()
	if p.wEvents < 20 {
		return out // too few lines to judge absences and rates
	}
	var missing []string
	for name, n := range p.fields {
		if float64(n)/float64(p.events) >= d.opts.Usual && float64(p.wFields[name])/float64(p.wEvents) < 0.5 {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	for _, name := range missing {
		out = append(out, Change{TenantID: k.tenant, Device: k.device, Format: k.format, Kind: "field_missing", Field: name,
			Detail: fmt.Sprintf("usual field %q is in %d of the last %d lines (baseline: %d of %d)", name, p.wFields[name], p.wEvents, p.fields[name], p.events), Time: now})
	}
	rate := float64(p.wFailures) / float64(p.wEvents)
	base := float64(p.failures) / float64(p.events)
	if rate >= d.opts.FailRate && base < rate/2 {
		out = append(out, Change{TenantID: k.tenant, Device: k.device, Format: k.format, Kind: "parse_failures", Field: "parse.error",
			Detail: fmt.Sprintf("%.1f%% of the last %d lines failed to parse (baseline %.1f%%)", 100*rate, p.wEvents, 100*base), Example: p.failEx, Time: now})
	}
	return out
}

// Event renders a change as a log event for its tenant (format
// "sekimori.drift"), so that drift is searchable next to the device's logs.
func (c Change) Event() *event.Event {
	ev := &event.Event{Time: c.Time, Received: c.Time, TenantID: c.TenantID, Device: c.Device, Source: "sekimori", Format: "sekimori.drift",
		Raw: fmt.Sprintf("format drift on %s (%s %s): %s", c.Device, c.Format, c.FormatVersion, c.Detail)}
	ev.Add("drift.kind", c.Kind)
	ev.Add("drift.field", c.Field)
	ev.Add("drift.format", c.Format)
	ev.Add("drift.format_version", c.FormatVersion)
	ev.Add("drift.example", c.Example)
	ev.Add("event.kind", "alert")
	return ev
}
