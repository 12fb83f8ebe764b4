package logstore

import (
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"github.com/sekimori/sekimori/internal/event"
)

// Limits of the storage engine. VictoriaLogs skips, with only a warning in
// its own log, a row with a field name over 128 bytes, more than 2000
// fields or over 2 MiB (estimated as JSON); and, when it builds a block
// (rows of one stream), every row of the block after the one that takes
// the block's distinct field names plus that row's fields past 2000.
// Embedded.Add keeps every row inside these limits, so that no line is
// lost without a trace:
//
//   - names longer than MaxFieldNameBytes are dropped;
//   - a row keeps at most MaxRowFields event fields, and at most 2 MiB:
//     fields are dropped from the end, then the raw line is cut;
//   - a stream holds at most MaxRowFields distinct event field names: a
//     row bringing more starts a new part of the stream (stream.part 1,
//     2, ...), whose names are counted afresh. Blocks never mix parts.
//
// Dropped fields are counted in the event's FieldsDropped (stored as
// parse.truncated); the raw line keeps them.
//
// The names of each part are kept in memory only: after a restart, rows
// of a part may meet rows of the same part from before in one block. That
// is 2×MaxRowFields names at most, plus one row's and Sekimori's own, under
// the engine's 2000 (and still within it across a second restart for parts
// whose names do not change).
const (
	// MaxFieldNameBytes is the longest field name stored.
	MaxFieldNameBytes = 128
	// MaxRowFields is the most event fields one row stores, and the most
	// distinct event field names one stream part holds.
	MaxRowFields = 600
	// FieldStreamPart is the stream field numbering a stream's parts; the
	// first part has none.
	FieldStreamPart = "stream.part"
	// maxRowBytes is the engine's row limit less room for parse.truncated
	// and parse.error, added after the row is measured.
	maxRowBytes = 2<<20 - 1<<10
	// maxStreams bounds the memory of streamNames (a flood of spoofed UDP
	// sources makes a stream each). Past it, streams with few names are
	// forgotten: starting them again cannot take a block near the limit.
	maxStreams  = 100_000
	forgetBelow = 64
)

// streamKey names a stream as Add builds it: the device and kind of line,
// or for unassigned lines the sender.
type streamKey struct {
	tenant               uint32
	device, source, kind string
}

// FieldStreamKind is the stream field holding the kind of line (see
// event.Event.Kind) for a device's lines: each kind is a stream of its own.
const FieldStreamKind = "stream.kind"

// maxKinds bounds the kinds of one device's lines that get streams of
// their own (a FortiGate writes a few dozen); lines of further kinds share
// the stream kindOther, so that lines no device would write (from a
// spoofed UDP sender) cannot make streams without end. The kinds seen are
// kept in memory only: after a restart, a device may start up to maxKinds
// more.
const (
	maxKinds  = 64
	kindOther = "other"
)

// FieldStreamShard is the stream field that, with
// EmbeddedOptions.SplitBySource, splits a busy kind of a device's lines by
// source address (ECS source.ip, hashed); it is empty otherwise. The
// engine keeps a stream's rows together in its blocks and decompresses a
// block's columns whole to read one row, so a search for one address
// reads the blocks holding that host's lines: split n ways, about 1/n of
// the kind's blocks instead of most of them. Not shown in rows.
//
// Splitting costs CPU: the engine re-encodes a stream's blocks at each
// merge until they are full (2 MiB), so a stream with a small share of
// all lines is rewritten more times. A kind is therefore split only as far
// as each piece keeps about 1/shareParts of the lines stored (by this
// process, all devices), at most maxShards ways. Measured with `sekimori
// bench ingest` at 5M lines: splitting every kind 8 ways took 24–31% more
// CPU per line; split by share as here, 12–14%, and 14% (184 → 211
// CPU-seconds, one pair) once rows reached the engine in full blocks (see
// blockBytes).
const FieldStreamShard = "stream.shard"

const (
	maxShards  = 8
	shareParts = 12
	// shardWindow is how many lines the shares are counted over; each
	// kind's split is set anew at the end of each window (unsplit in the
	// first).
	shardWindow = 1 << 16
)

var shardNames = func() (n [maxShards]string) {
	for i := range n {
		n[i] = strconv.Itoa(i)
	}
	return n
}()

// kindStat is what streamKinds keeps of a kind of a device's lines.
type kindStat struct {
	lines  uint64 // in the current window
	shards uint32 // ways the kind is split (1: not split)
}

// streamKinds keeps the kinds of each device's lines and, when window is
// set (splitting by source), how many ways each is split. Safe for
// concurrent use.
type streamKinds struct {
	mu     sync.Mutex
	m      map[streamKey]map[string]*kindStat
	lines  uint64 // in the current window, all devices
	window uint64 // lines per window; 0: kinds are never split
}

// bound returns the stream kind for a line of this kind from the device
// named by key, kind itself while the device has fewer than maxKinds, else
// kindOther for kinds not seen before; and how many ways that kind is
// split by source address.
func (s *streamKinds) bound(key streamKey, kind string) (string, uint32) {
	if kind == "" {
		return "", 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.window > 0 {
		if s.lines++; s.lines >= s.window {
			s.reshard()
		}
	}
	kinds, ok := s.m[key]
	if k := kinds[kind]; k != nil {
		k.lines++
		return kind, k.shards
	}
	if len(kinds) >= maxKinds {
		k := kinds[kindOther]
		if k == nil {
			k = &kindStat{shards: 1}
			kinds[kindOther] = k
		}
		k.lines++
		return kindOther, k.shards
	}
	if !ok {
		if s.m == nil || len(s.m) >= maxStreams {
			s.m = map[streamKey]map[string]*kindStat{}
		}
		kinds = map[string]*kindStat{}
		s.m[key] = kinds
	}
	kinds[kind] = &kindStat{lines: 1, shards: 1}
	return kind, 1
}

// reshard sets each kind's split from its share of the window's lines and
// starts a new window.
func (s *streamKinds) reshard() {
	for _, kinds := range s.m {
		for _, k := range kinds {
			// Rounded: a kind with 1/shareParts of the lines or more is split.
			k.shards = uint32(min(max((k.lines*shareParts*2+s.lines)/(s.lines*2), 1), maxShards))
			k.lines = 0
		}
	}
	s.lines = 0
}

// sourceShard returns the stream shard of an event with these fields for
// a kind split n ways: "" when n is 1 or the event has no source.ip.
func sourceShard(fields []event.Field, n uint32) string {
	if n <= 1 {
		return ""
	}
	for _, f := range fields {
		if f.Name == "source.ip" {
			h := uint32(2166136261) // FNV-1a
			for i := 0; i < len(f.Value); i++ {
				h = (h ^ uint32(f.Value[i])) * 16777619
			}
			return shardNames[h%n]
		}
	}
	return ""
}

// streamPart is the current part of a stream and its field names.
type streamPart struct {
	part  int
	names map[string]struct{}
}

// streamNames keeps the current part of each stream. Safe for concurrent
// use.
type streamNames struct {
	mu sync.Mutex
	m  map[streamKey]*streamPart
}

// part returns the stream part a row with these event fields (at most
// MaxRowFields) goes to, starting a new one when the current one has no
// room for the row's new names.
func (s *streamNames) part(key streamKey, fields []logstorage.Field) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.m[key]
	if p == nil {
		if s.m == nil {
			s.m = map[streamKey]*streamPart{}
		} else if len(s.m) >= maxStreams {
			s.forget()
		}
		p = &streamPart{names: make(map[string]struct{}, len(fields))}
		s.m[key] = p
	}
	fresh := 0
	for _, f := range fields {
		if _, ok := p.names[f.Name]; !ok {
			fresh++
		}
	}
	if fresh == 0 {
		return p.part // the usual case: a device's lines repeat their names
	}
	if len(p.names)+fresh > MaxRowFields {
		p.part++
		clear(p.names)
	}
	for _, f := range fields {
		p.names[f.Name] = struct{}{}
	}
	return p.part
}

// forget drops streams with few names, or all when that frees too little.
func (s *streamNames) forget() {
	for k, p := range s.m {
		if p.part == 0 && len(p.names) < forgetBelow {
			delete(s.m, k)
		}
	}
	if len(s.m) > maxStreams*9/10 {
		s.m = map[streamKey]*streamPart{}
	}
}

// ownField reports whether name is one of the fields the store sets: an
// event field of that name (a JSON line's "device" key) is dropped, so that
// a line cannot pass for another device's or tenant's in what is stored.
func ownField(name string) bool {
	switch name {
	case FieldTenant, FieldDevice, FieldSource, FieldSeq, FieldFormat, FieldFormatVersion, FieldParseError,
		FieldParseTruncated, FieldStreamPart, FieldStreamKind, FieldStreamShard, FieldDerived:
		return true
	}
	return false
}

// rowLen is the row's size as the engine counts it, for comparison with
// maxRowBytes. JSON escaping grows a byte to at most 6 ("\u0000"), so for
// rows that certainly fit (nearly all) it returns a figure below the limit
// without the exact, slower estimate.
func rowLen(fields []logstorage.Field) int {
	bound := 0
	for _, f := range fields {
		bound += 6*(len(f.Name)+len(f.Value)) + 6
	}
	if bound <= maxRowBytes {
		return bound / 6
	}
	return logstorage.EstimatedJSONRowLen(fields)
}

// fit keeps the row inside the engine's limits. fields[:own] are
// Sekimori's own, with _msg at msg and the stream part at part; the rest
// are the event's, which fit drops (counting them in ev.FieldsDropped)
// when their name is too long or taken by the store, past MaxRowFields, or
// when the row is too large; the last resort for a row still too large is
// cutting _msg. It sets the stream part and returns the row, with
// parse.truncated (and parse.error) set when something was left out.
func fit(names *streamNames, ev *event.Event, key streamKey, fields []logstorage.Field, own, msg, part int) []logstorage.Field {
	dropped := 0
	kept := fields[:own]
	for _, f := range fields[own:] {
		if len(f.Name) > MaxFieldNameBytes || ownField(f.Name) || len(kept)-own >= MaxRowFields {
			dropped++
			continue
		}
		kept = append(kept, f)
	}
	if size := rowLen(kept); size > maxRowBytes {
		for len(kept) > own && size > maxRowBytes {
			last := kept[len(kept)-1]
			size -= len(`,"":""`) + len(last.Name) + len(last.Value)
			kept = kept[:len(kept)-1]
			dropped++
		}
		if size > maxRowBytes {
			v := kept[msg].Value
			cut := max(len(v)-(size-maxRowBytes), 0)
			for cut > 0 && !utf8.RuneStart(v[cut]) {
				cut--
			}
			kept[msg].Value = v[:cut]
			if ev.ParseError == "" {
				ev.ParseError = "line cut to " + strconv.Itoa(cut) + " of " + strconv.Itoa(len(v)) + " bytes: a stored row holds at most 2 MiB"
			}
			for i := range kept[:own] {
				if kept[i].Name == FieldParseError {
					kept[i].Value = ev.ParseError
				}
			}
		}
	}
	if n := names.part(key, kept[own:]); n > 0 {
		kept[part].Value = strconv.Itoa(n)
	}
	ev.FieldsDropped += dropped
	if ev.FieldsDropped > 0 {
		kept = append(kept, logstorage.Field{Name: FieldParseTruncated, Value: strconv.Itoa(ev.FieldsDropped)})
	}
	return kept
}
