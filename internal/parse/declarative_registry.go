package parse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// Registry looks format names up in the built-in table first, then among
// the declarative formats of a directory of YAML files (*.yaml, *.yml; one
// format per file). Built-in names cannot be redefined.
//
// Load scans the directory: a new or changed file (by modification time
// and size) is compiled; a file that fails is refused with its errors and
// the formats it defined before stay in force; a removed file's formats go.
// Run calls Load every Interval until its context ends.
//
// Lookup returns a parser that follows reloads: its Parse uses the current
// definition, so a device keeps its parser across reloads. Lookup, Names,
// Problems and the parsers are safe for concurrent use with Load and Run.
type Registry struct {
	dir  string
	opts RegistryOptions

	mu    sync.Mutex           // serialises Load
	files map[string]fileState // by file name; guarded by mu
	state atomic.Pointer[registryState]
}

// RegistryOptions configure a Registry; the zero value works.
type RegistryOptions struct {
	// Interval between scans in Run (default 3s).
	Interval time.Duration
	// Logger receives a line per format loaded, changed or removed and per
	// file refused (default: discard).
	Logger *slog.Logger
	// OnChange, when set, is called after a scan put a new definition of a
	// format in force (f) or removed one (f nil), for example so that
	// drift detection restarts that format's baseline. It is called from
	// Load, which holds the registry's lock: it must not call Load.
	OnChange func(name string, f *DeclarativeFormat)
}

// fileState is what a scan remembers of a file.
type fileState struct {
	mod     time.Time
	size    int64
	formats []*DeclarativeFormat // in force (from the last good version)
	err     error                // the last refusal, nil when the file is good
}

// registryState is an immutable snapshot, replaced as a whole on change.
type registryState struct {
	byName     map[string]*DeclarativeFormat
	names      []string // declarative names, sorted
	problems   map[string]error
	candidates []candidate // built-ins, then declarative formats
}

// NewRegistry returns a registry for the formats in dir ("" for built-ins
// only). Call Load before use.
func NewRegistry(dir string, opts RegistryOptions) *Registry {
	if opts.Interval <= 0 {
		opts.Interval = 3 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Registry{dir: dir, opts: opts, files: map[string]fileState{}}
	r.state.Store(&registryState{candidates: builtinCandidates()})
	return r
}

// Load scans the directory once. It returns the problems of the files it
// refused in this scan (a *FormatError each, joined), or the error reading
// the directory; formats from good files are in force either way.
func (r *Registry) Load() error {
	if r.dir == "" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return fmt.Errorf("read formats directory: %w", err)
	}
	seen := map[string]bool{}
	changed := false
	var refused []error
	type change struct {
		name string
		f    *DeclarativeFormat
	}
	var changes []change
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		seen[name] = true
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				delete(seen, name)
			}
			continue
		}
		old, known := r.files[name]
		if known && old.mod.Equal(info.ModTime()) && old.size == info.Size() {
			continue
		}
		path := filepath.Join(r.dir, name)
		f, err := LoadFormatFile(path)
		if err == nil {
			err = r.conflict(name, f)
		}
		st := fileState{mod: info.ModTime(), size: info.Size(), formats: old.formats, err: err}
		if err != nil {
			refused = append(refused, err)
			r.opts.Logger.Warn("format file refused; previous definition kept", "file", path, "err", err.Error())
		} else {
			for _, g := range old.formats {
				if g.name != f.name {
					changes = append(changes, change{name: g.name}) // renamed in place
				}
			}
			st.formats = []*DeclarativeFormat{f}
			changes = append(changes, change{name: f.name, f: f})
			r.opts.Logger.Info("format loaded", "file", path, "format", f.name)
		}
		r.files[name] = st
		changed = true
	}
	for name, st := range r.files {
		if !seen[name] {
			delete(r.files, name)
			changed = true
			for _, f := range st.formats {
				changes = append(changes, change{name: f.name})
				r.opts.Logger.Info("format removed", "file", filepath.Join(r.dir, name), "format", f.name)
			}
		}
	}
	if changed {
		r.publish()
	}
	if r.opts.OnChange != nil {
		for _, c := range changes {
			r.opts.OnChange(c.name, c.f)
		}
	}
	return errors.Join(refused...)
}

// conflict reports a format name already defined by another file.
func (r *Registry) conflict(file string, f *DeclarativeFormat) error {
	for other, st := range r.files {
		if other == file {
			continue
		}
		for _, g := range st.formats {
			if g.name == f.name {
				return &FormatError{File: f.file, Problems: []FormatProblem{{
					Path: "$.format", Msg: fmt.Sprintf("format: %q is already defined in %s", f.name, filepath.Join(r.dir, other)),
				}}}
			}
		}
	}
	return nil
}

// publish builds a new snapshot from r.files; r.mu is held.
func (r *Registry) publish() {
	st := &registryState{byName: map[string]*DeclarativeFormat{}, problems: map[string]error{}}
	for name, fst := range r.files {
		for _, f := range fst.formats {
			st.byName[f.name] = f
		}
		if fst.err != nil {
			st.problems[filepath.Join(r.dir, name)] = fst.err
		}
	}
	for name := range st.byName {
		st.names = append(st.names, name)
	}
	slices.Sort(st.names)
	st.candidates = slices.Clone(builtinCandidates())
	for _, name := range st.names {
		f := st.byName[name]
		st.candidates = append(st.candidates, candidate{name: name, d: f, p: f})
	}
	r.state.Store(st)
}

// Run scans the directory every Interval until ctx ends. Refusals are
// logged (and kept for Problems); Run returns nil when ctx ends.
func (r *Registry) Run(ctx context.Context) error {
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			_ = r.Load() // refusals are logged and kept in Problems
		}
	}
}

// Close releases nothing; it is here for the lifecycle convention.
func (r *Registry) Close() error { return nil }

// Lookup returns the parser for name: a built-in one, "auto" over the
// built-in and declarative formats, or a declarative one that follows
// reloads (its Parse fails with ErrFormatRemoved once the file is gone).
func (r *Registry) Lookup(name string) (Parser, bool) {
	if name == "auto" {
		return autoParser{candidates: r.candidates}, true
	}
	if p, ok := builtins.byName[name]; ok {
		return p, true
	}
	if _, ok := r.state.Load().byName[name]; ok {
		return declHandle{r: r, name: name}, true
	}
	return nil, false
}

// Format returns the current definition of a declarative format.
func (r *Registry) Format(name string) (*DeclarativeFormat, bool) {
	f, ok := r.state.Load().byName[name]
	return f, ok
}

// Names returns the built-in and declarative format names, sorted. The
// caller owns the slice.
func (r *Registry) Names() []string {
	names := append(Names(), r.state.Load().names...)
	slices.Sort(names)
	return names
}

// Problems returns, by file path, the errors of the files whose last
// version was refused. The caller owns the map.
func (r *Registry) Problems() map[string]error {
	out := map[string]error{}
	for k, v := range r.state.Load().problems {
		out[k] = v
	}
	return out
}

func (r *Registry) candidates() []candidate { return r.state.Load().candidates }

// ErrFormatRemoved is returned by a declarative parser whose file has been
// removed since Lookup.
var ErrFormatRemoved = errors.New("declarative format no longer defined")

// declHandle parses with the current definition of a declarative format.
type declHandle struct {
	r    *Registry
	name string
}

var (
	_ Parser   = declHandle{}
	_ Detector = declHandle{}
)

func (h declHandle) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	f, ok := h.r.state.Load().byName[h.name]
	if !ok {
		return fmt.Errorf("%s: %w", h.name, ErrFormatRemoved)
	}
	return f.Parse(msg, loc, ev)
}

func (h declHandle) Detect(msg []byte, app string) int {
	if f, ok := h.r.state.Load().byName[h.name]; ok {
		return f.Detect(msg, app)
	}
	return 0
}
