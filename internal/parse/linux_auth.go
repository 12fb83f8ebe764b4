package parse

import (
	"strings"

	"github.com/sekimori/sekimori/internal/event"
)

// PAM, sudo and su messages.

// pamRules match the text of a PAM module's message, after the
// "module(service:type): " prefix and before "; key=value ...".
var pamRules = []linuxRule{
	{t: mustTemplate("authentication failure"), category: linuxCatAuth, action: "authentication_failure", outcome: linuxFailure},
	{t: mustTemplate("{pam.failures:int} more authentication failures"), category: linuxCatAuth, action: "authentication_failure", outcome: linuxFailure},
	{t: mustTemplate("{pam.failures:int} more authentication failure"), category: linuxCatAuth, action: "authentication_failure", outcome: linuxFailure},
	{t: mustTemplate("more authentication failures"), category: linuxCatAuth, action: "authentication_failure", outcome: linuxFailure},
	{t: mustTemplate("check pass"), category: linuxCatAuth, action: "check_pass"},
	{t: mustTemplate("session opened for user {user.name} by {pam.by}"), category: linuxCatSession, action: "session_opened", outcome: linuxSuccess},
	{t: mustTemplate("session opened for user {user.name}"), category: linuxCatSession, action: "session_opened", outcome: linuxSuccess},
	{t: mustTemplate("session closed for user {user.name}"), category: linuxCatSession, action: "session_closed", outcome: linuxSuccess},
	{t: mustTemplate("user {user.name} ({user.id:int}) tally {pam.tally:int}, deny {pam.deny:int}"), category: linuxCatAuth, action: "account_locked", outcome: linuxFailure},
	{t: mustTemplate("Consecutive login failures for user {user.name} account temporarily locked"), category: linuxCatAuth, action: "account_locked", outcome: linuxFailure},
	{t: mustTemplate("password changed for {user.name}"), category: "iam", action: "password_changed", outcome: linuxSuccess},
	{t: mustTemplate("conversation failed"), category: linuxCatAuth, action: "conversation_failed", outcome: linuxFailure},
	{t: mustTemplate("auth could not identify password for [{user.name}]"), category: linuxCatAuth, action: "authentication_failure", outcome: linuxFailure},
}

// parsePAMLine reads "pam_unix(sshd:auth): text; key=value ...".
func parsePAMLine(body string, ev *event.Event, fs *fieldSet) {
	open := strings.IndexByte(body, '(')
	end := strings.Index(body, "): ")
	if open < 0 || end < open {
		parsePAMText(body, "", "", "", ev, fs)
		return
	}
	module := body[:open]
	service, typ, _ := strings.Cut(body[open+1:end], ":")
	parsePAMText(module, service, typ, body[end+3:], ev, fs)
}

// parsePAMText adds pam.module, pam.service and pam.type, PAM's key=value
// fields after the first "; ", and the ECS fields of the message.
func parsePAMText(module, service, typ, text string, ev *event.Event, fs *fieldSet) {
	fs.add(ev, "pam.module", module)
	fs.add(ev, "pam.service", service)
	fs.add(ev, "pam.type", typ)
	head, tail, _ := strings.Cut(text, "; ")
	var user, rhost string
	if strings.IndexByte(tail, '=') > 0 {
		sc := newKVScanner(tail, classKVKey)
		for {
			k, v, ok, _ := sc.next()
			if !ok {
				break
			}
			if fs.add(ev, k, v) {
				switch k {
				case "user":
					user = v
				case "rhost":
					rhost = v
				}
			}
		}
	} else if tail != "" {
		fs.add(ev, "pam.detail", tail) // "check pass; user unknown"
	}
	r, _ := matchRules(pamRules, strings.TrimRight(head, " "), ev, fs)
	if r != nil && r.action == "check_pass" && strings.Contains(tail, "unknown") {
		fs.add(ev, "event.outcome", linuxFailure)
	}
	if user != "" {
		fs.add(ev, "user.name", user)
	}
	if rhost != "" {
		if ip, ok := cleanIP(rhost); ok {
			fs.add(ev, "source.ip", ip)
		} else {
			fs.add(ev, "source.domain", rhost)
		}
	}
	if u, ok := fieldValue(ev, fs, "user.name"); ok {
		// "root(uid=0)" in newer session messages.
		if i := strings.Index(u, "(uid="); i > 0 {
			setFieldValue(ev, fs, "user.name", u[:i])
		}
	}
}

// fieldValue returns the value of a field added through fs.
func fieldValue(ev *event.Event, fs *fieldSet, name string) (string, bool) {
	if !fs.has(ev, name) {
		return "", false
	}
	for _, f := range ev.Fields[fs.start:] {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// setFieldValue replaces the value of a field added through fs.
func setFieldValue(ev *event.Event, fs *fieldSet, name, v string) {
	for i := fs.start; i < len(ev.Fields); i++ {
		if ev.Fields[i].Name == name {
			ev.Fields[i].Value = v
			return
		}
	}
}

// parseSudo reads sudo's "user : [error ; ]TTY=pts/0 ; PWD=/root ;
// USER=root ; COMMAND=/bin/ls" log line. sudo's own keys keep their names;
// a segment that is not KEY=value is sudo.error.
func parseSudo(body string, ev *event.Event, fs *fieldSet) {
	text := strings.TrimLeft(body, " ")
	user, rest, ok := strings.Cut(text, " : ")
	if !ok || strings.IndexByte(user, ' ') >= 0 || strings.IndexByte(rest, '=') < 0 {
		return // "unable to resolve host ..." and the like: message only
	}
	var target, errText string
	for rest != "" {
		seg, after, _ := strings.Cut(rest, " ; ")
		if k, v, ok := strings.Cut(seg, "="); ok && isSudoKey(k) {
			if k == "COMMAND" {
				v = rest[len("COMMAND="):] // the command may hold " ; "
				after = ""
			}
			fs.add(ev, k, v)
			if k == "USER" {
				target = v
			}
		} else if errText == "" {
			errText = seg
			fs.add(ev, "sudo.error", seg)
		}
		rest = after
	}
	fs.add(ev, "event.category", "process")
	fs.add(ev, "event.action", "sudo")
	if errText != "" {
		fs.add(ev, "event.outcome", linuxFailure)
	} else {
		fs.add(ev, "event.outcome", linuxSuccess)
	}
	fs.add(ev, "user.name", user)
	fs.add(ev, "user.effective.name", target)
}

func isSudoKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

// suRules match su's messages (util-linux, shadow-utils, BSD and older
// Unix forms).
var suRules = []linuxRule{
	{t: mustTemplate("FAILED SU (to {user.target.name}) {user.name} on {tty}"), category: linuxCatAuth, action: "su", outcome: linuxFailure},
	{t: mustTemplate("(to {user.target.name}) {user.name} on {tty}"), category: linuxCatAuth, action: "su", outcome: linuxSuccess},
	{t: mustTemplate("FAILED su for {user.target.name} by {user.name}"), category: linuxCatAuth, action: "su", outcome: linuxFailure},
	{t: mustTemplate("Successful su for {user.target.name} by {user.name}"), category: linuxCatAuth, action: "su", outcome: linuxSuccess},
	{t: mustTemplate("BAD SU {user.name} to {user.target.name} on {tty}"), category: linuxCatAuth, action: "su", outcome: linuxFailure},
	{t: mustTemplate("failed: {tty} changing from {user.name} to {user.target.name}"), category: linuxCatAuth, action: "su", outcome: linuxFailure},
	{t: mustTemplate("+ {tty} {user.name}:{user.target.name}"), category: linuxCatAuth, action: "su", outcome: linuxSuccess},
	{t: mustTemplate("- {tty} {user.name}:{user.target.name}"), category: linuxCatAuth, action: "su", outcome: linuxFailure},
	{t: mustTemplate("pam_authenticate: {su.error}"), category: linuxCatAuth, action: "su", outcome: linuxFailure},
	{t: mustTemplate("{user.name} to {user.target.name} on {tty}"), category: linuxCatAuth, action: "su", outcome: linuxSuccess},
}

func parseSU(body string, ev *event.Event, fs *fieldSet) {
	matchRules(suRules, strings.TrimRight(body, " "), ev, fs)
}
