package parse

import (
	"bytes"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// linux parses what Linux hosts send through syslog: one program's message
// per line. The program comes from the syslog header the pipeline parsed
// (log.syslog.appname, log.syslog.procid), else from a tag at the start of
// the message ("sshd[123]: ", "su(pam_unix)[77]: ", "kernel: ").
//
// Every line gives process.name (the program; "sshd(pam_unix)" gives sshd),
// process.pid (when numeric) and message (the text after the tag). Then,
// by program and text:
//
//   - sshd and sshd-session: logins accepted and failed, invalid and
//     disallowed users, disconnects, negotiation and protocol failures,
//     TCP-wrapper refusals (see linux_sshd.go); an unknown message still
//     gives source.ip and source.port when it names an address.
//   - PAM ("pam_unix(sshd:auth): ...", the older "sshd(pam_unix)[pid]:"
//     form, "PAM 2 more authentication failures; ..."): pam.module,
//     pam.service, pam.type, PAM's own key=value fields (logname, uid,
//     euid, tty, ruser, rhost, user) and ECS (see linux_auth.go).
//   - sudo: the invoking user, sudo's TTY, PWD, USER, COMMAND (and TSID,
//     GROUP, ENV) fields, sudo.error for a refusal.
//   - su: user.name, user.target.name, tty, success or failure.
//   - kernel netfilter records (IN=... SRC=...): as the iptables format.
//   - nginx, apache2, httpd access and error lines: as those formats.
//   - any other program: message only.
//
// ECS fields that follow the native ones: event.category, event.action,
// event.outcome, user.name, user.target.name, user.effective.name,
// source.ip, source.port, source.address, source.domain, log.level (from
// an "error: " or "fatal: " prefix).
//
// A line without any program still gives message and no error; the format
// sets neither ev.Time nor ev.FormatVersion (the syslog header has the
// time).
type linux struct{}

var (
	_ Parser   = linux{}
	_ Detector = linux{}
)

// linuxAuthPrograms are the programs whose messages this format knows.
var linuxAuthPrograms = map[string]bool{
	"sshd": true, "sshd-session": true, "sudo": true, "su": true, "login": true,
	"systemd-logind": true, "passwd": true, "useradd": true, "userdel": true,
	"usermod": true, "groupadd": true, "chage": true, "chpasswd": true,
	"polkitd": true, "cron": true, "CRON": true, "crond": true,
}

// Detect: a known authentication program is likely; any other program
// line is a fallback.
func (linux) Detect(msg []byte, app string) int {
	if app == "" {
		off := 0
		if _, _, n, ok := leadingStampHost(msg); ok {
			off = n
		}
		end, _, _, _, ok := programTag(msg[off:])
		prog := msg[off : off+end]
		switch {
		case !ok:
			return 0
		case bytes.IndexByte(prog, '(') > 0:
			return ScoreLikely // "sshd(pam_unix)[pid]:", the older PAM form
		case linuxAuthPrograms[string(prog)]: // no allocation in a map index
			return ScoreLikely
		}
		return ScoreFallback
	}
	if linuxAuthPrograms[app] {
		return ScoreLikely
	}
	return ScoreFallback
}

func (linux) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	prog, pid := syslogProgram(ev)
	body := s
	fs := newFieldSet(ev)
	if prog == "" {
		// A line without a syslog header, or with one the syslog layer
		// could not read ("2020-03-25 08:01:34.584936-0700  host sshd[1]: ..."):
		// the time and host, then the program tag.
		t := s
		if ts, host, n, ok := leadingStampHost(s); ok {
			if _, _, _, _, tagged := programTag(s[n:]); tagged {
				t = s[n:]
				fs.add(ev, "host.hostname", host)
				if ev.Time.IsZero() {
					if tm, ok := stampTime(ts, loc); ok {
						ev.Time = tm
					}
				}
			}
		}
		if end, pidStart, pidEnd, bodyStart, ok := programTag(t); ok {
			prog, body = t[:end], t[bodyStart:]
			if pidStart < pidEnd {
				pid = t[pidStart:pidEnd]
			}
		}
	}
	base, module := prog, ""
	if i := strings.IndexByte(prog, '('); i > 0 && prog[len(prog)-1] == ')' {
		base, module = prog[:i], prog[i+1:len(prog)-1]
	}
	fs.add(ev, "process.name", base)
	if isDigitsOnly(pid) {
		fs.add(ev, "process.pid", pid)
	}
	fs.add(ev, "message", body)
	switch {
	case strings.HasPrefix(module, "pam_"):
		parsePAMText(module, base, "", body, ev, &fs)
	case strings.HasPrefix(body, "pam_"):
		parsePAMLine(body, ev, &fs)
	case base == "sshd" || base == "sshd-session" || base == "sshd-auth":
		parseSSHD(body, ev, &fs)
	case base == "sudo":
		parseSudo(body, ev, &fs)
	case base == "su":
		parseSU(body, ev, &fs)
	case base == "kernel":
		if rec := recordStart(body); rec >= 0 && strings.Contains(body[rec:], "SRC=") {
			return parseIPTablesRecord(body, rec, ev, &fs)
		}
	case base == "nginx" || base == "apache2" || base == "httpd" || base == "apache":
		if isAccessLine(body) || isApacheErrorLine(body) || isNginxErrorLine(body) {
			return parseHTTPLine(base, body, loc, ev, &fs)
		}
	}
	return nil
}

// syslogProgram returns the syslog APP-NAME and PROCID the pipeline put in
// ev before Parse.
func syslogProgram(ev *event.Event) (app, pid string) {
	for _, f := range ev.Fields {
		switch f.Name {
		case "log.syslog.appname":
			app = f.Value
		case "log.syslog.procid":
			pid = f.Value
		}
	}
	return app, pid
}

// programTag reads a syslog TAG at the start of s: "prog: ", "prog[pid]: "
// or "prog(module)[pid]: " (the colon may end the line). prog is 1 to 64
// bytes of letters, digits and "-_./()". It returns the end of prog, the
// pid's bounds (equal when none) and where the text after the tag starts.
func programTag[T string | []byte](s T) (end, pidStart, pidEnd, body int, ok bool) {
	i := 0
	for i < len(s) && i <= 64 {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '/' || c == '(' || c == ')' {
			i++
			continue
		}
		break
	}
	if i == 0 || i > 64 || i >= len(s) {
		return 0, 0, 0, 0, false
	}
	end = i
	if s[i] == ' ' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
		// "syslogd 1.4.1: restart.": a program and its version.
		j := i + 1
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		if j >= len(s) || s[j] != ':' {
			return 0, 0, 0, 0, false
		}
		i = j
	}
	if s[i] == '[' {
		j := i + 1
		for j < len(s) && s[j] != ']' && s[j] != ' ' {
			j++
		}
		if j >= len(s) || s[j] != ']' || j == i+1 {
			return 0, 0, 0, 0, false
		}
		pidStart, pidEnd = i+1, j
		i = j + 1
	}
	if i >= len(s) || s[i] != ':' {
		return 0, 0, 0, 0, false
	}
	i++
	if i < len(s) && s[i] != ' ' {
		return 0, 0, 0, 0, false
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return end, pidStart, pidEnd, i, true
}

func isDigitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// linuxRule is one known message of a program: a template and the ECS
// event fields a match adds.
type linuxRule struct {
	t                         *msgTemplate
	category, action, outcome string
	invalidUser               bool // sshd: the user does not exist
}

// matchRules tries rules in order and adds the first match's fields.
func matchRules(rules []linuxRule, text string, ev *event.Event, fs *fieldSet) (*linuxRule, bool) {
	var c captures
	for i := range rules {
		r := &rules[i]
		if p := r.t.prefix(); p != "" && !strings.HasPrefix(text, p) {
			continue
		}
		if !r.t.match(text, &c) {
			continue
		}
		c.add(ev, fs)
		if r.invalidUser {
			fs.add(ev, "sshd.invalid_user", "true")
		}
		fs.add(ev, "event.category", r.category)
		fs.add(ev, "event.action", r.action)
		fs.add(ev, "event.outcome", r.outcome)
		return r, true
	}
	return nil, false
}

// leadingStampHost reads "yyyy-mm-dd[ T]hh:mm:ss[.frac][Z|±hh[:]mm]" and a
// host name at the start of s, each followed by spaces. It returns the
// stamp, the host and where the rest starts.
func leadingStampHost[T string | []byte](s T) (stamp, host T, rest int, ok bool) {
	if len(s) < 21 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return stamp, host, 0, false
	}
	for _, k := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if s[k] < '0' || s[k] > '9' {
			return stamp, host, 0, false
		}
	}
	i := 19
	for i < len(s) && s[i] != ' ' {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == ':' || c == '+' || c == '-' || c == 'Z') {
			return stamp, host, 0, false
		}
		i++
	}
	stamp = s[:i]
	for i < len(s) && s[i] == ' ' {
		i++
	}
	h := i
	for i < len(s) && s[i] != ' ' {
		i++
	}
	if i == h || i >= len(s) {
		return stamp, host, 0, false
	}
	host = s[h:i]
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return stamp, host, i, true
}

// stampTime reads a leadingStampHost stamp; without a zone it is in loc.
func stampTime(v string, loc *time.Location) (time.Time, bool) {
	v = strings.Replace(v, " ", "T", 1)
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", v, locOrUTC(loc)); err == nil {
		return t, true
	}
	return time.Time{}, false
}
