package parse

import (
	"bytes"

	"github.com/sekimori/sekimori/internal/event"
)

// Detector is implemented by parsers that can recognise their own lines
// cheaply. The "auto" format asks every parser that implements it and
// parses the line with the highest score (see Auto).
//
// Detect must not allocate or keep msg, and is called from any number of
// goroutines at once.
type Detector interface {
	// Detect returns how sure the parser is that msg (the syslog MSG, as
	// given to Parse) is in its format: 0 when it is not, up to
	// ScoreCertain when msg carries a marker unique to the format. appName
	// is the syslog APP-NAME or TAG program ("sshd", "kernel"), "" when the
	// line had no header.
	Detect(msg []byte, appName string) int
}

// Detection scores. A parser picks the step that describes the evidence it
// found; auto breaks ties by name order.
const (
	// ScoreFallback: a syslog line of some program, nothing more is known
	// (the linux format takes any program's message).
	ScoreFallback = 1
	// ScoreGeneric: the syntax fits, nothing more (some key=value pairs, a
	// JSON object, a syslog program line).
	ScoreGeneric = 10
	// ScoreLikely: typical keys or a known program name, but other formats
	// share them.
	ScoreLikely = 50
	// ScoreStrong: the shape of the format (an access-log line, an
	// iptables IN=/OUT=/SRC=/DST= record).
	ScoreStrong = 80
	// ScoreCertain: a marker unique to the format ("CEF:0|", a Suricata
	// "event_type", a Windows <Event xmlns=...>).
	ScoreCertain = 100
)

// Detect implementations for the first built-in parsers, which predate
// Detector.

var (
	_ Detector = fortiGate{}
	_ Detector = kv{}
	_ Detector = jsonLines{}
	_ Detector = cef{}
)

// Detect: logid= or log_id= with devid=, device_id= or type= is certain;
// logid= alone is strong. A CEF line from Fortinet is certain.
func (fortiGate) Detect(msg []byte, _ string) int {
	if i := bytes.Index(msg, []byte("CEF:")); i >= 0 {
		if bytes.Contains(msg[i:], []byte("|Fortinet|Forti")) {
			return ScoreCertain
		}
		return 0
	}
	logid := msgHasKey(msg, "logid=") || msgHasKey(msg, "log_id=")
	if !logid {
		return 0
	}
	// Sophos Firewall also writes log_id= and device_id=; its
	// log_component= or device="SFW" give it away.
	if msgHasKey(msg, "log_component=") || bytes.Contains(msg, []byte(`device="SFW"`)) {
		return 0
	}
	if msgHasKey(msg, "devid=") || msgHasKey(msg, "device_id=") || msgHasKey(msg, "type=") {
		return ScoreCertain
	}
	return ScoreStrong
}

// Detect: three or more key=value pairs are generic evidence.
func (kv) Detect(msg []byte, _ string) int {
	n := 0
	for i := 1; i < len(msg) && n < 3; i++ {
		if msg[i] == '=' && charClass[msg[i-1]]&classKVKey != 0 {
			n++
		}
	}
	if n >= 3 {
		return ScoreGeneric
	}
	return 0
}

// Detect: a message that starts with '{' (after spaces or a "@cee:" cookie)
// and ends with '}' is generic JSON.
func (jsonLines) Detect(msg []byte, _ string) int {
	if looksLikeJSONObject(msg) {
		return ScoreGeneric
	}
	return 0
}

// Detect: "CEF:<digit>|" is certain, less so than a vendor's own CEF
// parser (FortiGate) that claims the same line.
func (cef) Detect(msg []byte, _ string) int {
	i := bytes.Index(msg, []byte("CEF:"))
	if i < 0 || i+6 > len(msg) {
		return 0
	}
	if c := msg[i+4]; c >= '0' && c <= '9' && bytes.IndexByte(msg[i:], '|') > 0 {
		return ScoreCertain - 10
	}
	return 0
}

// msgHasKey reports whether msg has key (ending in '=') at its start or
// after a byte that cannot be part of a key.
func msgHasKey(msg []byte, key string) bool {
	for off := 0; off < len(msg); {
		i := bytes.Index(msg[off:], []byte(key))
		if i < 0 {
			return false
		}
		at := off + i
		if at == 0 || charClass[msg[at-1]]&classKVKey == 0 {
			return true
		}
		off = at + 1
	}
	return false
}

// looksLikeJSONObject reports whether msg, trimmed of spaces and a "@cee:" cookie,
// starts with '{' and ends with '}'.
func looksLikeJSONObject(msg []byte) bool {
	b := bytes.TrimSpace(msg)
	b = bytes.TrimPrefix(b, []byte("@cee:"))
	b = bytes.TrimLeft(b, " ")
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}'
}

// syslogAppName returns the syslog APP-NAME the pipeline put in ev before Parse,
// "" when the line had none.
func syslogAppName(ev *event.Event) string {
	for _, f := range ev.Fields {
		if f.Name == "log.syslog.appname" {
			return f.Value
		}
	}
	return ""
}
