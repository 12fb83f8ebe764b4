package parse

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// windows parses Windows event log records in the shapes that collectors
// deliver them:
//
//	XML        <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>...
//	           (Windows Event Forwarding, wevtutil, Event Viewer copies)
//	winlogbeat {"@timestamp":...,"winlog":{"event_id":4625,"channel":"Security","event_data":{...}},...}
//	nxlog      {"EventTime":"...","Hostname":"...","EventID":4625,"SourceName":"...","Channel":"Security","TargetUserName":...}
//	wazuh      {"win":{"system":{"eventID":"4625","channel":"Security",...},"eventdata":{"targetUserName":...}}}
//	evtx       {"Event":{"System":{"Provider":{"#attributes":{"Name":...}},"EventID":4625,...},"EventData":{...}}}
//	           (evtx_dump and the Sigma project's regression data)
//	ossec      2014 Dec 20 09:29:47 WinEvtLog: Security: AUDIT_FAILURE(4625): Microsoft-Windows-Security-Auditing: ...
//
// ev.FormatVersion names the shape ("xml", "winlogbeat", "nxlog", "wazuh",
// "evtx", "ossec").
//
// Whatever the shape, the event's own fields come out under the names of
// the Windows event schema, which Sigma rules use: the System values as
// Provider_Name, Provider_Guid, EventID, Version, Level, Task, Opcode,
// Keywords, TimeCreated, EventRecordID, ActivityID, ProcessID, ThreadID,
// Channel, Computer, UserID; every EventData <Data Name="X"> as X (Image,
// CommandLine, ParentImage, TargetUserName, IpAddress, ...), unnamed Data
// as param1, param2, ...; UserData's leaf elements under their own names
// (Wazuh's camelCase names get their first letter upper-cased:
// targetUserName → TargetUserName). A rendered message is Message. The
// collector's other fields (Winlogbeat's @timestamp, agent.*, event.*,
// NXLog's EventType, Severity, ...) keep their names.
//
// ECS fields follow (see windowsECS): event.code, event.provider,
// event.kind, event.category, event.action, event.outcome, log.level,
// host.name, user.*, source.*, destination.*, process.*, file.path,
// registry.path, dns.question.name, message.
//
// ev.Time comes from TimeCreated (or the collector's own time when the
// record lacks it).
type windows struct{}

var (
	_ Parser   = windows{}
	_ Detector = windows{}
)

var errNotWindows = errors.New("windows: not an event record (XML <Event>, event JSON or WinEvtLog line)")

// Detect: an <Event> element, a JSON object with one of the collectors'
// marker keys, or an OSSEC "WinEvtLog:" line.
func (windows) Detect(msg []byte, _ string) int {
	t := bytes.TrimLeft(msg, " \t-")
	switch {
	case bytes.HasPrefix(t, []byte("<Event")) || bytes.Contains(msg, []byte("<Event xmlns=")):
		return ScoreCertain
	case bytes.Contains(msg, []byte(" WinEvtLog: ")):
		return ScoreCertain
	case !looksLikeJSONObject(msg):
		return 0
	case jsonObjectKey(msg, `"winlog"`),
		jsonObjectKey(msg, `"win"`) && (bytes.Contains(msg, []byte(`"eventdata"`)) || bytes.Contains(msg, []byte(`"system"`))),
		jsonObjectKey(msg, `"Event"`) && bytes.Contains(msg, []byte(`"System"`)),
		bytes.Contains(msg, []byte(`"EventID"`)) && (bytes.Contains(msg, []byte(`"Channel"`)) || bytes.Contains(msg, []byte(`"SourceName"`))):
		return ScoreCertain
	}
	return 0
}

// jsonObjectKey reports whether msg has the quoted key followed by ':' and
// an object, with any white space between.
func jsonObjectKey(msg []byte, quotedKey string) bool {
	for off := 0; off < len(msg); {
		i := bytes.Index(msg[off:], []byte(quotedKey))
		if i < 0 {
			return false
		}
		j := off + i + len(quotedKey)
		for j < len(msg) && isXMLSpace(msg[j]) {
			j++
		}
		if j < len(msg) && msg[j] == ':' {
			j++
			for j < len(msg) && isXMLSpace(msg[j]) {
				j++
			}
			if j < len(msg) && msg[j] == '{' {
				return true
			}
		}
		off = off + i + 1
	}
	return false
}

func (windows) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	t := strings.TrimLeft(s, " \t-")
	first := len(ev.Fields)
	var err error
	switch {
	case strings.HasPrefix(t, "<"):
		err = parseWinXML(t, ev)
	case strings.HasPrefix(t, "{"):
		err = parseWinJSON(t, loc, ev)
	case strings.Contains(s, " WinEvtLog: "):
		err = parseWinEvtLog(s, loc, ev)
	default:
		return errNotWindows
	}
	var c winCore
	for _, f := range ev.Fields[first:] {
		c.note(f.Name, f.Value)
	}
	if c.eventID == "" && err == nil {
		err = errors.New("windows: no EventID")
	}
	if ev.Time.IsZero() {
		if tm, ok := winTime(c.timeCreated, loc); ok {
			ev.Time = tm
		}
	}
	if c.eventID == "" {
		return err // not an event record: no ECS fields
	}
	fs := newFieldSet(ev)
	fs.start = first
	fs.markAll(ev)
	c.emit(ev, &fs)
	return err
}

// markAll puts the names already in ev since fs.start into the filter, so
// that add sees them.
func (fs *fieldSet) markAll(ev *event.Event) {
	for _, f := range ev.Fields[fs.start:] {
		h := nameHash(f.Name)
		fs.bloom[(h>>6)&15] |= uint64(1) << (h & 63)
	}
}

// winTime reads TimeCreated's SystemTime ("2022-04-28T16:09:28.9443547Z")
// or a zone-less "2006-01-02 15:04:05[.000]" in loc.
func winTime(v string, loc *time.Location) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", v, locOrUTC(loc)); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// winCore holds what the ECS fields need, by canonical name.
type winCore struct {
	eventID, provider, channel, computer, level, timeCreated, message string
	subjectUser, subjectDomain, targetUser, targetDomain, sysmonUser  string
	ipAddress, ipPort, workstation, logonType, status                 string
	image, newProcessName, processName, commandLine                   string
	processID, newProcessID, parentImage, parentProcessName           string
	parentCommandLine, parentProcessID                                string
	sourceIP, sourcePort, destIP, destPort, protocol, destHost        string
	targetFilename, targetObject, queryName                           string
}

func (c *winCore) note(k, v string) {
	switch k {
	case "EventID":
		c.eventID = v
	case "Provider_Name":
		c.provider = v
	case "Channel":
		c.channel = v
	case "Computer":
		c.computer = v
	case "Level":
		c.level = v
	case "TimeCreated":
		c.timeCreated = v
	case "EventTime", "@timestamp": // NXLog, Winlogbeat
		if c.timeCreated == "" {
			c.timeCreated = v
		}
	case "Message":
		c.message = v
	case "SubjectUserName":
		c.subjectUser = v
	case "SubjectDomainName":
		c.subjectDomain = v
	case "TargetUserName":
		c.targetUser = v
	case "TargetDomainName":
		c.targetDomain = v
	case "User":
		c.sysmonUser = v
	case "IpAddress":
		c.ipAddress = v
	case "IpPort":
		c.ipPort = v
	case "WorkstationName":
		c.workstation = v
	case "LogonType":
		c.logonType = v
	case "Status":
		c.status = v
	case "Image":
		c.image = v
	case "NewProcessName":
		c.newProcessName = v
	case "ProcessName":
		c.processName = v
	case "CommandLine":
		c.commandLine = v
	case "ProcessId":
		c.processID = v
	case "NewProcessId":
		c.newProcessID = v
	case "ParentImage":
		c.parentImage = v
	case "ParentProcessName":
		c.parentProcessName = v
	case "ParentCommandLine":
		c.parentCommandLine = v
	case "ParentProcessId":
		c.parentProcessID = v
	case "SourceIp":
		c.sourceIP = v
	case "SourcePort":
		c.sourcePort = v
	case "DestinationIp":
		c.destIP = v
	case "DestinationPort":
		c.destPort = v
	case "DestinationHostname":
		c.destHost = v
	case "Protocol":
		c.protocol = v
	case "TargetFilename":
		c.targetFilename = v
	case "TargetObject":
		c.targetObject = v
	case "QueryName":
		c.queryName = v
	}
}

// winEventKind describes a well-known event.
type winEventKind struct {
	category, action, outcome string
	logon                     bool // user.name is the target user
}

const (
	winSecurity = "Microsoft-Windows-Security-Auditing"
	winSysmon   = "Microsoft-Windows-Sysmon"
)

// winEvents maps provider and event ID to ECS event fields.
var winEvents = map[[2]string]winEventKind{
	{winSecurity, "4624"}:                  {"authentication", "logged-in", "success", true},
	{winSecurity, "4625"}:                  {"authentication", "logon-failed", "failure", true},
	{winSecurity, "4634"}:                  {"authentication", "logged-out", "success", true},
	{winSecurity, "4647"}:                  {"authentication", "logged-out", "success", true},
	{winSecurity, "4648"}:                  {"authentication", "logged-in-explicit", "success", false},
	{winSecurity, "4672"}:                  {"iam", "logged-in-special", "success", false},
	{winSecurity, "4688"}:                  {"process", "created-process", "success", false},
	{winSecurity, "4689"}:                  {"process", "exited-process", "success", false},
	{winSecurity, "4697"}:                  {"configuration", "service-installed", "success", false},
	{winSecurity, "4698"}:                  {"configuration", "scheduled-task-created", "success", false},
	{winSecurity, "4719"}:                  {"configuration", "changed-audit-config", "success", false},
	{winSecurity, "4720"}:                  {"iam", "added-user-account", "success", false},
	{winSecurity, "4722"}:                  {"iam", "enabled-user-account", "success", false},
	{winSecurity, "4723"}:                  {"iam", "changed-password", "success", false},
	{winSecurity, "4724"}:                  {"iam", "reset-password", "success", false},
	{winSecurity, "4725"}:                  {"iam", "disabled-user-account", "success", false},
	{winSecurity, "4726"}:                  {"iam", "deleted-user-account", "success", false},
	{winSecurity, "4728"}:                  {"iam", "added-member-to-group", "success", false},
	{winSecurity, "4732"}:                  {"iam", "added-member-to-group", "success", false},
	{winSecurity, "4738"}:                  {"iam", "modified-user-account", "success", false},
	{winSecurity, "4740"}:                  {"iam", "locked-out-user-account", "failure", false},
	{winSecurity, "4756"}:                  {"iam", "added-member-to-group", "success", false},
	{winSecurity, "4768"}:                  {"authentication", "kerberos-authentication-ticket-requested", "", true},
	{winSecurity, "4769"}:                  {"authentication", "kerberos-service-ticket-requested", "", true},
	{winSecurity, "4771"}:                  {"authentication", "kerberos-preauth-failed", "failure", true},
	{winSecurity, "4776"}:                  {"authentication", "credential-validated", "", true},
	{"Microsoft-Windows-Eventlog", "1102"}: {"configuration", "audit-log-cleared", "success", false},
	{"Service Control Manager", "7045"}:    {"configuration", "service-installed", "success", false},
	{winSysmon, "1"}:                       {"process", "Process Create", "", false},
	{winSysmon, "3"}:                       {"network", "Network connection detected", "", false},
	{winSysmon, "5"}:                       {"process", "Process terminated", "", false},
	{winSysmon, "7"}:                       {"process", "Image loaded", "", false},
	{winSysmon, "8"}:                       {"process", "CreateRemoteThread detected", "", false},
	{winSysmon, "10"}:                      {"process", "Process accessed", "", false},
	{winSysmon, "11"}:                      {"file", "File created", "", false},
	{winSysmon, "12"}:                      {"registry", "Registry object added or deleted", "", false},
	{winSysmon, "13"}:                      {"registry", "Registry value set", "", false},
	{winSysmon, "22"}:                      {"network", "Dns query", "", false},
	{winSysmon, "23"}:                      {"file", "File Delete archived", "", false},
}

// winLevels maps the System Level number to log.level.
var winLevels = map[string]string{
	"0": "information", "1": "critical", "2": "error", "3": "warning", "4": "information", "5": "verbose",
}

// emit adds the ECS fields (through fs, which has seen every name so far).
func (c *winCore) emit(ev *event.Event, fs *fieldSet) {
	add := func(name, v string) {
		switch v {
		case "", "-", "N/A":
			return
		}
		fs.add(ev, name, v)
	}
	add("event.code", c.eventID)
	add("event.provider", c.provider)
	add("event.kind", "event")
	k, known := winEvents[[2]string{c.provider, c.eventID}]
	if known {
		add("event.category", k.category)
		add("event.action", k.action)
		outcome := k.outcome
		if outcome == "" && (c.eventID == "4768" || c.eventID == "4769" || c.eventID == "4776") && c.status != "" {
			outcome = "failure"
			if c.status == "0x0" || c.status == "0" {
				outcome = "success"
			}
		}
		add("event.outcome", outcome)
	}
	add("log.level", winLevels[c.level])
	add("host.name", c.computer)

	// Users: the target of a logon is the user; elsewhere the subject.
	switch {
	case k.logon && c.targetUser != "":
		add("user.name", c.targetUser)
		add("user.domain", c.targetDomain)
	case c.subjectUser != "" && c.subjectUser != "-":
		add("user.name", c.subjectUser)
		add("user.domain", c.subjectDomain)
		add("user.target.name", c.targetUser)
		add("user.target.domain", c.targetDomain)
	case c.sysmonUser != "":
		domain, name, ok := strings.Cut(c.sysmonUser, `\`)
		if !ok {
			domain, name = "", c.sysmonUser
		}
		add("user.name", name)
		add("user.domain", domain)
	default:
		add("user.target.name", c.targetUser)
		add("user.target.domain", c.targetDomain)
	}

	if ip, ok := cleanIP(c.ipAddress); ok && ip != "::1" && ip != "127.0.0.1" {
		add("source.ip", ip)
		if c.ipPort != "0" {
			add("source.port", c.ipPort)
		}
	}
	add("source.domain", c.workstation)
	if ip, ok := cleanIP(c.sourceIP); ok {
		add("source.ip", ip)
		add("source.port", c.sourcePort)
	}
	if ip, ok := cleanIP(c.destIP); ok {
		add("destination.ip", ip)
		add("destination.port", c.destPort)
	}
	add("destination.domain", c.destHost)
	add("network.transport", lowerIfUpper(c.protocol))

	exe := firstNonEmpty(c.image, c.newProcessName, c.processName)
	add("process.executable", exe)
	add("process.name", exeBase(exe))
	add("process.command_line", c.commandLine)
	add("process.pid", winPID(firstNonEmpty(c.newProcessID, c.processID)))
	parent := firstNonEmpty(c.parentImage, c.parentProcessName)
	add("process.parent.executable", parent)
	add("process.parent.name", exeBase(parent))
	add("process.parent.command_line", c.parentCommandLine)
	add("process.parent.pid", winPID(c.parentProcessID))
	add("file.path", c.targetFilename)
	add("registry.path", c.targetObject)
	add("dns.question.name", c.queryName)
	add("message", c.message)
}

// winPID turns a Windows process ID into decimal: Security events write
// hex ("0x14a0"), Sysmon decimal.
func winPID(v string) string {
	if len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
		n, err := strconv.ParseUint(v[2:], 16, 32)
		if err != nil || n == 0 {
			return ""
		}
		return strconv.FormatUint(n, 10)
	}
	if isDigitsOnly(v) && v != "0" {
		return v
	}
	return ""
}

// exeBase returns the file name of a Windows path.
func exeBase(p string) string {
	if p == "" || p == "-" {
		return ""
	}
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" && v != "-" {
			return v
		}
	}
	return ""
}
