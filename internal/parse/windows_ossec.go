package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// The OSSEC / Wazuh agent's "WinEvtLog" line for the Windows event log:
//
//	2014 Dec 20 09:29:47 WinEvtLog: Channel: TYPE(EventID): Provider: Account: Domain: Computer: Message
//
// gives Channel, EventType ("AUDIT_FAILURE", "INFORMATION"), EventID,
// Provider_Name, AccountName and Domain (NXLog's names for the account;
// "(no user)" and "no domain" count as absent), Computer and Message. In
// the message, "Key: value" segments separated by two spaces with a
// one-word key (Sysmon's "Image: C:\...  CommandLine: ...") become fields
// under the key. ev.Time comes from the line's time, in loc.

func parseWinEvtLog(s string, loc *time.Location, ev *event.Event) error {
	ev.FormatVersion = "ossec"
	at := strings.Index(s, " WinEvtLog: ")
	fs := newFieldSet(ev)
	if t, err := time.ParseInLocation("2006 Jan 02 15:04:05", strings.TrimSpace(s[:at]), locOrUTC(loc)); err == nil {
		ev.Time = t
	}
	rest := s[at+len(" WinEvtLog: "):]
	var parts [6]string
	for i := range parts {
		p, after, ok := strings.Cut(rest, ": ")
		if !ok {
			return errors.New("windows: WinEvtLog line with fewer than 7 fields")
		}
		parts[i], rest = p, after
	}
	channel, typeID, provider, account, domain, computer := parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]
	typ, id := typeID, ""
	if open := strings.IndexByte(typeID, '('); open > 0 && strings.HasSuffix(typeID, ")") {
		typ, id = typeID[:open], typeID[open+1:len(typeID)-1]
	}
	fs.add(ev, "Channel", channel)
	fs.add(ev, "EventType", typ)
	fs.add(ev, "EventID", id)
	fs.add(ev, "Provider_Name", provider)
	if account != "(no user)" {
		fs.add(ev, "AccountName", account)
	}
	if domain != "no domain" {
		fs.add(ev, "Domain", domain)
	}
	fs.add(ev, "Computer", computer)
	msg := strings.TrimSpace(rest)
	fs.add(ev, "Message", msg)
	for seg := range strings.SplitSeq(msg, "  ") {
		k, v, ok := strings.Cut(strings.TrimSpace(seg), ": ")
		if !ok || !isWord(k) {
			continue
		}
		fs.add(ev, k, strings.TrimSpace(v))
	}
	return nil
}

// isWord reports whether k is a run of ASCII letters and digits starting
// with a letter.
func isWord(k string) bool {
	if k == "" || !(k[0] >= 'A' && k[0] <= 'Z' || k[0] >= 'a' && k[0] <= 'z') {
		return false
	}
	for i := 1; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
