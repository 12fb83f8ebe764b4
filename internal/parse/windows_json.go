package parse

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// Windows events as JSON: the object is flattened as the json format does,
// then the names that carry the event schema are renamed to the schema's
// names (see windows).

func parseWinJSON(s string, _ *time.Location, ev *event.Event) error {
	first := len(ev.Fields)
	p := jsonFlattener{s: s, i: 0, ev: ev, fs: newFieldSet(ev)}
	err := p.object("", 1)
	if err == nil {
		p.ws()
		if p.i < len(s) {
			err = p.errorf("unexpected data after object")
		}
	}
	if err != nil {
		err = fmt.Errorf("windows: %w", err)
	}
	fields := ev.Fields[first:]
	shape := winJSONShape(fields)
	if shape == "" {
		if err == nil {
			err = errors.New("windows: JSON without winlog, win, Event or EventID keys")
		}
		return err
	}
	ev.FormatVersion = shape
	var rename func(string) string
	switch shape {
	case "winlogbeat":
		rename = winlogbeatName
	case "wazuh":
		rename = wazuhName
	case "evtx":
		rename = evtxName
	case "nxlog":
		rename = nxlogName
	}
	for i := range fields {
		if n := rename(fields[i].Name); n != "" {
			fields[i].Name = n
		}
	}
	dropDuplicateNames(ev, first)
	return err
}

// winJSONShape tells the collector from the flattened names.
func winJSONShape(fields []event.Field) string {
	nx := false
	for _, f := range fields {
		switch {
		case strings.HasPrefix(f.Name, "winlog."):
			return "winlogbeat"
		case strings.HasPrefix(f.Name, "win.system.") || strings.HasPrefix(f.Name, "win.eventdata."):
			return "wazuh"
		case strings.HasPrefix(f.Name, "Event.System.") || strings.HasPrefix(f.Name, "Event.EventData."):
			return "evtx"
		case f.Name == "EventID":
			nx = true
		}
	}
	if nx {
		return "nxlog"
	}
	return ""
}

// dropDuplicateNames removes fields, from first on, whose name repeats an
// earlier one (renaming can map two collector names to one schema name).
func dropDuplicateNames(ev *event.Event, first int) {
	out := first
	for i := first; i < len(ev.Fields); i++ {
		dup := false
		for j := first; j < out; j++ {
			if ev.Fields[j].Name == ev.Fields[i].Name {
				dup = true
				break
			}
		}
		if !dup {
			ev.Fields[out] = ev.Fields[i]
			out++
		}
	}
	ev.Fields = ev.Fields[:out]
}

func winlogbeatName(n string) string {
	rest, ok := strings.CutPrefix(n, "winlog.")
	if !ok {
		return n
	}
	if d, ok := strings.CutPrefix(rest, "event_data."); ok {
		return d
	}
	if d, ok := strings.CutPrefix(rest, "user_data."); ok {
		return lastSegment(d)
	}
	switch rest {
	case "event_id":
		return "EventID"
	case "channel":
		return "Channel"
	case "computer_name":
		return "Computer"
	case "provider_name":
		return "Provider_Name"
	case "provider_guid":
		return "Provider_Guid"
	case "record_id":
		return "EventRecordID"
	case "process.pid":
		return "ProcessID"
	case "process.thread.id":
		return "ThreadID"
	case "user.identifier":
		return "UserID"
	case "version":
		return "Version"
	case "task":
		return "Task"
	case "opcode":
		return "Opcode"
	case "keywords":
		return "Keywords"
	case "activity_id":
		return "ActivityID"
	case "related_activity_id":
		return "RelatedActivityID"
	case "time_created":
		return "TimeCreated"
	}
	return n
}

// wazuhSystem maps Wazuh's win.system names to the schema's.
var wazuhSystem = map[string]string{
	"providerName": "Provider_Name", "providerGuid": "Provider_Guid", "eventSourceName": "Provider_EventSourceName",
	"eventID": "EventID", "version": "Version", "level": "Level", "task": "Task", "opcode": "Opcode",
	"keywords": "Keywords", "systemTime": "TimeCreated", "eventRecordID": "EventRecordID",
	"processID": "ProcessID", "threadID": "ThreadID", "channel": "Channel", "computer": "Computer",
	"severityValue": "SeverityValue", "message": "Message", "securityUserID": "UserID",
}

func wazuhName(n string) string {
	if d, ok := strings.CutPrefix(n, "win.eventdata."); ok {
		return upperFirst(d)
	}
	if d, ok := strings.CutPrefix(n, "win.system."); ok {
		if s, ok := wazuhSystem[d]; ok {
			return s
		}
		return upperFirst(d)
	}
	return n
}

// upperFirst upper-cases an ASCII first letter: Wazuh lower-cases the first
// letter of EventData names.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func evtxName(n string) string {
	if d, ok := strings.CutPrefix(n, "Event.EventData."); ok {
		if strings.HasPrefix(d, "#attributes.") {
			return n
		}
		return strings.TrimSuffix(d, ".#text")
	}
	if d, ok := strings.CutPrefix(n, "Event.UserData."); ok {
		return lastSegment(strings.TrimSuffix(d, ".#text"))
	}
	d, ok := strings.CutPrefix(n, "Event.System.")
	if !ok {
		return n
	}
	switch d {
	case "Provider.#attributes.Name":
		return "Provider_Name"
	case "Provider.#attributes.Guid":
		return "Provider_Guid"
	case "Provider.#attributes.EventSourceName":
		return "Provider_EventSourceName"
	case "EventID.#text":
		return "EventID"
	case "EventID.#attributes.Qualifiers":
		return "Qualifiers"
	case "TimeCreated.#attributes.SystemTime":
		return "TimeCreated"
	case "Correlation.#attributes.ActivityID":
		return "ActivityID"
	case "Correlation.#attributes.RelatedActivityID":
		return "RelatedActivityID"
	case "Execution.#attributes.ProcessID":
		return "ProcessID"
	case "Execution.#attributes.ThreadID":
		return "ThreadID"
	case "Security.#attributes.UserID":
		return "UserID"
	}
	if strings.IndexByte(d, '.') < 0 {
		return d
	}
	return n
}

func nxlogName(n string) string {
	switch n {
	case "Hostname":
		return "Computer"
	case "SourceName":
		return "Provider_Name"
	case "ProviderGuid":
		return "Provider_Guid"
	case "RecordNumber":
		return "EventRecordID"
	}
	return n
}

func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}
