package sigma

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sekimori/sekimori/internal/event"
)

// Event is what the engine reads from a log event. Implementations are
// read-only during a Match call; the engine does not keep references to
// the strings it is given after Match returns.
type Event interface {
	// Lookup appends the values of the named field to dst and returns the
	// result. found is false when the event has no such field; a field
	// present with a null value is found with no values; a multi-valued
	// field (a JSON array) has several.
	Lookup(name string, dst []string) (values []string, found bool)
	// Range calls fn for every (name, value) pair that Lookup can return,
	// in the event's order, until fn returns false; null values are left
	// out. The engine reads events through Range first, then uses Lookup
	// only for names Range cannot settle.
	Range(fn func(name, value string) bool)
}

// Fields adapts the fields of an event.Event; its raw line is the field
// "_msg", so keyword detections also search the original text.
type Fields struct {
	E *event.Event
}

// Lookup implements Event.
func (f Fields) Lookup(name string, dst []string) ([]string, bool) {
	found := false
	for i := range f.E.Fields {
		if f.E.Fields[i].Name == name {
			dst = append(dst, f.E.Fields[i].Value)
			found = true
		}
	}
	if !found && name == "_msg" && f.E.Raw != "" {
		return append(dst, f.E.Raw), true
	}
	return dst, found
}

// Range implements Event.
func (f Fields) Range(fn func(name, value string) bool) {
	for i := range f.E.Fields {
		if !fn(f.E.Fields[i].Name, f.E.Fields[i].Value) {
			return
		}
	}
	if f.E.Raw != "" {
		fn("_msg", f.E.Raw)
	}
}

var _ Event = Fields{}

// JSONEvent is an event read from a JSON object. Nested objects are
// flattened with dots, so a rule field "a.b" matches both {"a.b": x} and
// {"a": {"b": x}}; arrays give multi-valued fields; numbers keep their
// text. Two conventions of Windows event logs converted to JSON (the
// shape {"Event": {"System": ..., "EventData": ...}} that evtx tools
// write) are understood, following the rules specification's "Field
// Usage": XML attributes under "#attributes" become Tag_Attribute
// ("Provider_Name"), "#text" is the element's own value, and the fields of
// Event.System, Event.EventData and Event.UserData.* are also reachable by
// their bare names ("EventID", "Image"; "Source Name" also as
// "SourceName") unless a field of that name exists.
type JSONEvent struct {
	names []string
	vals  []string
	null  []bool
	first map[string]int32
	next  []int32 // next index with the same name, -1 at the end
	nreal int     // fields [0, nreal) are real, the rest aliases
}

// ParseJSONEvent reads one JSON object.
func ParseJSONEvent(b []byte) (*JSONEvent, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %T", v)
	}
	return NewJSONEvent(m), nil
}

// NewJSONEvent builds an event from a decoded JSON object (numbers as
// json.Number keep their exact text).
func NewJSONEvent(m map[string]any) *JSONEvent {
	e := &JSONEvent{first: make(map[string]int32, len(m))}
	e.flatten("", m)
	e.nreal = len(e.names)
	if ev, ok := m["Event"].(map[string]any); ok {
		for _, sect := range []string{"System", "EventData"} {
			e.alias("Event." + sect + ".")
		}
		if ud, ok := ev["UserData"].(map[string]any); ok {
			for k := range ud {
				e.alias("Event.UserData." + k + ".")
			}
		}
	}
	return e
}

func (e *JSONEvent) add(name, value string, null bool) {
	i := int32(len(e.names))
	e.names = append(e.names, name)
	e.vals = append(e.vals, value)
	e.null = append(e.null, null)
	e.next = append(e.next, -1)
	if j, ok := e.first[name]; ok {
		for e.next[j] >= 0 {
			j = e.next[j]
		}
		e.next[j] = i
	} else {
		e.first[name] = i
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (e *JSONEvent) flatten(prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch {
			case k == "#attributes" && prefix != "":
				if attrs, ok := val.(map[string]any); ok {
					for an, av := range attrs {
						e.flatten(prefix+"_"+an, av)
					}
					continue
				}
				e.flatten(join(prefix, k), val)
			case k == "#text" && prefix != "":
				e.flatten(prefix, val)
			default:
				e.flatten(join(prefix, k), val)
			}
		}
	case []any:
		if len(x) == 0 {
			e.add(prefix, "", true)
		}
		for _, it := range x {
			e.flatten(prefix, it)
		}
	case nil:
		e.add(prefix, "", true)
	case string:
		e.add(prefix, x, false)
	case json.Number:
		e.add(prefix, x.String(), false)
	case bool:
		if x {
			e.add(prefix, "true", false)
		} else {
			e.add(prefix, "false", false)
		}
	case float64:
		e.add(prefix, fmt.Sprint(x), false)
	default:
		e.add(prefix, fmt.Sprint(x), false)
	}
}

// alias makes the fields under prefix reachable by their names without it.
func (e *JSONEvent) alias(prefix string) {
	n := len(e.names)
	for i := 0; i < n; i++ {
		name := e.names[i]
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		short := name[len(prefix):]
		e.addAliasUnlessReal(short, i)
		// "Source Name" is SourceName in rules (rules specification,
		// Field Usage: strip all spaces).
		if stripped := strings.ReplaceAll(short, " ", ""); stripped != short {
			e.addAliasUnlessReal(stripped, i)
		}
	}
}

func (e *JSONEvent) addAliasUnlessReal(short string, i int) {
	if j, exists := e.first[short]; exists && int(j) < e.nreal {
		return // a real field of that name wins
	}
	e.addAlias(short, i)
}

func (e *JSONEvent) addAlias(short string, i int) {
	j := int32(len(e.names))
	e.names = append(e.names, short)
	e.vals = append(e.vals, e.vals[i])
	e.null = append(e.null, e.null[i])
	e.next = append(e.next, -1)
	if k, ok := e.first[short]; ok {
		for e.next[k] >= 0 {
			k = e.next[k]
		}
		e.next[k] = j
	} else {
		e.first[short] = j
	}
}

// Lookup implements Event.
func (e *JSONEvent) Lookup(name string, dst []string) ([]string, bool) {
	i, ok := e.first[name]
	if !ok {
		return dst, false
	}
	for ; i >= 0; i = e.next[i] {
		if !e.null[i] {
			dst = append(dst, e.vals[i])
		}
	}
	return dst, true
}

// Range implements Event; fields reachable under an alias are visited
// under both names.
func (e *JSONEvent) Range(fn func(name, value string) bool) {
	for i := range e.names {
		if e.null[i] {
			continue
		}
		if !fn(e.names[i], e.vals[i]) {
			return
		}
	}
}

// Get returns the first non-null value of a field.
func (e *JSONEvent) Get(name string) (string, bool) {
	var buf [1]string
	v, ok := e.Lookup(name, buf[:0])
	if len(v) == 0 {
		return "", ok
	}
	return v[0], true
}

var _ Event = (*JSONEvent)(nil)

// MapEvent is an Event over a map of single-valued fields; handy in tests
// and for callers that already hold flat fields.
type MapEvent map[string]string

// Lookup implements Event.
func (m MapEvent) Lookup(name string, dst []string) ([]string, bool) {
	v, ok := m[name]
	if !ok {
		return dst, false
	}
	return append(dst, v), true
}

// Range implements Event.
func (m MapEvent) Range(fn func(name, value string) bool) {
	for k, v := range m {
		if !fn(k, v) {
			return
		}
	}
}

var _ Event = MapEvent(nil)
