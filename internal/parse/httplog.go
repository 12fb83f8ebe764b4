package parse

import (
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// httpLog parses web server logs: the "apache" and "nginx" formats. Both
// read the same three kinds of line; the name only says which server to
// assume for an access line (service.type) and which one auto-detection
// prefers.
//
// Access lines in the NCSA common and combined formats, with an optional
// virtual host in front (Apache's vhost_combined "%v:%p", or "%v"):
//
//	[vhost[:port] ]remote_addr ident remote_user [time_local] "request" status bytes ["referer" "user_agent"] [extra]
//
// Apache's log formats name no fields, so both formats use nginx's
// variable names for them: host and server_port (the virtual host),
// remote_addr, ident, remote_user, time_local, request (the whole request
// line), status, body_bytes_sent, http_referer, http_user_agent, and
// access.extra for anything after the user agent (X-Forwarded-For,
// timings). Values are kept as written, "-" included. ev.FormatVersion is
// "common", "combined" or "vhost_combined".
//
// Apache error lines (2.2 and 2.4, with or without the time):
//
//	[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] [pid 10:tid 14012] (70014)End of file found: [client 203.0.113.5:50229] AH01618: user sss not found: /
//
// give module, loglevel, pid, tid, apr.code and apr.message, client and
// msgid (AH01618); nginx error lines
//
//	2021/12/01 13:53:33 [error] 31#31: *46 open() "/x" failed (2: No such file), client: 203.0.113.5, server: localhost, request: "GET /x HTTP/1.1", host: "localhost"
//
// give loglevel, pid, tid, connection and nginx's own context keys
// (client, server, request, upstream, host, referrer). ev.FormatVersion is
// "error".
//
// ECS fields for all kinds: event.kind, event.category "web", event.outcome
// (status below 400: success, else failure), service.type, source.ip (or
// source.domain when remote_addr is a name), source.port, user.name,
// http.request.method, http.version, url.original, url.path, url.query,
// url.domain, url.port, http.response.status_code,
// http.response.body.bytes, http.request.referrer, user_agent.original,
// log.level, process.pid, process.thread.id, error.code, message (the
// error text), and for a few well-known error messages user.name,
// url.original, file.path and event.outcome. ECS fields leave "-" out.
//
// ev.Time comes from the line: time_local (with its zone), an Apache
// error time or an nginx error time (in loc).
type httpLog struct {
	server string // "apache" or "nginx"
}

var (
	_ Parser   = httpLog{}
	_ Detector = httpLog{}
)

var errNotHTTPLog = errors.New("http log: not an access line (host ident user [time] \"request\" status bytes) nor an Apache or nginx error line")

// Detect: an access line is strong, certain when the syslog program names
// this server; an error line of this server's own shape is certain.
func (h httpLog) Detect(msg []byte, app string) int {
	own := false
	switch app {
	case "nginx":
		own = h.server == "nginx"
	case "apache", "apache2", "httpd":
		own = h.server == "apache"
	}
	switch {
	case isAccessLine(msg):
		if own {
			return ScoreCertain
		}
		if h.server == "apache" {
			return ScoreStrong + 1 // the common case; nginx copies its format
		}
		return ScoreStrong
	case isApacheErrorLine(msg):
		if h.server == "apache" {
			return ScoreCertain - 5
		}
		return ScoreLikely
	case isNginxErrorLine(msg):
		if h.server == "nginx" {
			return ScoreCertain - 5
		}
		return ScoreLikely
	}
	return 0
}

func (h httpLog) Parse(msg []byte, loc *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	fs := newFieldSet(ev)
	return h.parseLine(s, loc, ev, &fs)
}

// parseHTTPLine parses an access or error line for the linux format, which
// calls it for the web server programs (prog "nginx", "apache2", "httpd").
func parseHTTPLine(prog, s string, loc *time.Location, ev *event.Event, fs *fieldSet) error {
	server := "apache"
	if prog == "nginx" {
		server = "nginx"
	}
	return httpLog{server: server}.parseLine(s, loc, ev, fs)
}

func (h httpLog) parseLine(s string, loc *time.Location, ev *event.Event, fs *fieldSet) error {
	switch {
	case isAccessLine(s):
		return h.access(s, ev, fs)
	case isApacheErrorLine(s):
		return apacheError(s, loc, ev, fs)
	case isNginxErrorLine(s):
		return nginxError(s, loc, ev, fs)
	}
	return errNotHTTPLog
}

// accessHead finds the " [dd/Mon/yyyy:" that ends the host, ident and user
// words of an access line, and checks that there are two to four of them.
// It returns the index of '[' or -1. It looks no further than the first '"'
// or 512 bytes.
func accessHead[T string | []byte](s T) int {
	// The '[' comes after at most three spaces: find it by words.
	i, words := 0, 1
	for ; i < len(s) && i < 512; i++ {
		switch s[i] {
		case ' ':
			if i == 0 || s[i-1] == ' ' {
				return -1
			}
			if i+4 < len(s) && s[i+1] == '[' {
				if !isDigitByte(s[i+2]) || !isDigitByte(s[i+3]) || s[i+4] != '/' {
					return -1
				}
				if words < 2 || words > 4 {
					return -1
				}
				return i + 1
			}
			if words++; words > 4 {
				return -1
			}
		case '[', '"', '=', '{', '<':
			return -1
		}
	}
	return -1
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// isAccessLine reports whether s looks like an access line: head words,
// "[time]" and a quoted request.
func isAccessLine[T string | []byte](s T) bool {
	b := accessHead(s)
	if b < 0 {
		return false
	}
	for j := b; j+2 < len(s); j++ {
		if s[j] == ']' {
			return s[j+1] == ' ' && s[j+2] == '"'
		}
	}
	return false
}

// isApacheErrorLine: "[Www Mmm dd hh:mm:ss...yyyy] [" or a leading
// "[level] " of Apache 1.3/2.0 without the time.
func isApacheErrorLine[T string | []byte](s T) bool {
	if len(s) < 8 || s[0] != '[' {
		return false
	}
	if len(s) > 26 && s[4] == ' ' && s[8] == ' ' && s[11] == ' ' && s[14] == ':' && s[17] == ':' {
		for j := 20; j < len(s) && j < 40; j++ {
			if s[j] == ']' {
				return j+2 < len(s) && s[j+1] == ' ' && s[j+2] == '['
			}
		}
		return false
	}
	for _, lvl := range [...]string{"[emerg] ", "[alert] ", "[crit] ", "[error] ", "[warn] ", "[notice] ", "[info] ", "[debug] "} {
		if len(s) >= len(lvl) && string(s[:len(lvl)]) == lvl {
			return true
		}
	}
	return false
}

// isNginxErrorLine: "yyyy/mm/dd hh:mm:ss [level] ".
func isNginxErrorLine[T string | []byte](s T) bool {
	if len(s) < 23 || s[4] != '/' || s[7] != '/' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ' || s[20] != '[' {
		return false
	}
	for j := 21; j < len(s) && j < 40; j++ {
		if s[j] == ']' {
			return j > 21 && j+1 < len(s) && s[j+1] == ' '
		}
	}
	return false
}

func (h httpLog) access(s string, ev *event.Event, fs *fieldSet) error {
	b := accessHead(s)
	head := s[:b-1]
	var buf [4]string
	w := splitSpaces(head, buf[:0])
	var vhost, addr, ident, user string
	switch len(w) {
	case 2:
		addr, user = w[0], w[1]
	case 3:
		addr, ident, user = w[0], w[1], w[2]
	case 4:
		vhost, addr, ident, user = w[0], w[1], w[2], w[3]
	}
	version := "common"
	host, port := vhost, ""
	if i := strings.LastIndexByte(vhost, ':'); i > 0 && isDigitsOnly(vhost[i+1:]) {
		host, port = vhost[:i], vhost[i+1:]
	}
	end := strings.IndexByte(s[b:], ']')
	ts := s[b+1 : b+end]
	rest := s[b+end+2:]
	request, rest, ok := quoted(rest)
	if !ok {
		return errors.New("access log: unterminated request line")
	}
	rest = strings.TrimLeft(rest, " ")
	status, rest := nextWord(rest)
	bytesSent, rest := nextWord(rest)
	var referer, agent, extra string
	if r, after, ok := quoted(rest); ok {
		referer, rest = r, after
		if a, after, ok := quoted(strings.TrimLeft(rest, " ")); ok {
			agent, rest = a, after
			version = "combined"
		}
	}
	extra = strings.TrimSpace(rest)
	if vhost != "" {
		version = "vhost_combined"
	}

	fs.add(ev, "host", host)
	fs.add(ev, "server_port", port)
	fs.add(ev, "remote_addr", addr)
	fs.add(ev, "ident", ident)
	fs.add(ev, "remote_user", user)
	fs.add(ev, "time_local", ts)
	fs.add(ev, "request", request)
	fs.add(ev, "status", status)
	fs.add(ev, "body_bytes_sent", bytesSent)
	fs.add(ev, "http_referer", referer)
	fs.add(ev, "http_user_agent", agent)
	fs.add(ev, "access.extra", extra)
	ev.FormatVersion = version
	if t, ok := clfTime(ts); ok {
		ev.Time = t
	}

	add := func(name, v string) {
		if v != "-" {
			fs.add(ev, name, v)
		}
	}
	add("event.kind", "event")
	add("event.category", "web")
	if code, ok := smallDecimal(status); ok && code >= 100 {
		if code < 400 {
			add("event.outcome", "success")
		} else {
			add("event.outcome", "failure")
		}
	}
	add("service.type", h.server)
	addSourceAddr(ev, fs, addr)
	add("user.name", user)
	method, target, httpVersion := splitRequestLine(request)
	add("http.request.method", method)
	add("http.version", httpVersion)
	add("url.original", target)
	path, query, _ := strings.Cut(target, "?")
	if strings.HasPrefix(path, "/") {
		add("url.path", path)
		add("url.query", query)
	}
	add("url.domain", host)
	add("url.port", port)
	add("http.response.status_code", status)
	add("http.response.body.bytes", bytesSent)
	add("http.request.referrer", referer)
	add("user_agent.original", agent)
	return nil
}

// splitSpaces splits s at single spaces into dst (at most cap(dst) parts).
func splitSpaces(s string, dst []string) []string {
	for len(dst) < cap(dst) {
		i := strings.IndexByte(s, ' ')
		if i < 0 || len(dst) == cap(dst)-1 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
	return dst
}

// quoted reads a double-quoted value at the start of s (after spaces). A
// backslash escapes the next byte, as Apache and nginx write \" and \x22;
// the value is returned as written, escapes included.
func quoted(s string) (v, rest string, ok bool) {
	s = strings.TrimLeft(s, " ")
	if s == "" || s[0] != '"' {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[1:i], s[i+1:], true
		}
	}
	return "", s, false
}

func nextWord(s string) (w, rest string) {
	s = strings.TrimLeft(s, " ")
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// splitRequestLine splits "GET /path?q HTTP/1.1" into its method, target
// and version ("1.1"). A request line of another shape gives "", "", "".
func splitRequestLine(r string) (method, target, version string) {
	sp := strings.IndexByte(r, ' ')
	if sp <= 0 {
		return "", "", ""
	}
	method, rest := r[:sp], r[sp+1:]
	for i := 0; i < len(method); i++ {
		if c := method[i]; c < 'A' || c > 'Z' {
			return "", "", ""
		}
	}
	if sp2 := strings.LastIndexByte(rest, ' '); sp2 > 0 && strings.HasPrefix(rest[sp2+1:], "HTTP/") {
		return method, rest[:sp2], rest[sp2+1+len("HTTP/"):]
	}
	return method, rest, ""
}

// addSourceAddr adds source.ip for an address, source.domain for a name.
func addSourceAddr(ev *event.Event, fs *fieldSet, addr string) {
	if addr == "" || addr == "-" {
		return
	}
	if ip, ok := cleanIP(addr); ok {
		fs.add(ev, "source.ip", ip)
	} else {
		fs.add(ev, "source.domain", addr)
	}
}

var monthNumber = map[string]time.Month{
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}

// clfTime reads the common log format time "10/Oct/2000:13:55:36 -0700"
// without allocating.
func clfTime(v string) (time.Time, bool) {
	if len(v) != 26 || v[2] != '/' || v[6] != '/' || v[11] != ':' || v[14] != ':' || v[17] != ':' || v[20] != ' ' {
		return time.Time{}, false
	}
	d, ok1 := digits(v, 0, 2)
	mon, ok2 := monthNumber[v[3:6]]
	y, ok3 := digits(v, 7, 4)
	h, ok4 := digits(v, 12, 2)
	mi, ok5 := digits(v, 15, 2)
	sec, ok6 := digits(v, 18, 2)
	off, ok7 := tzOffset(v[21:])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	t := time.Date(y, mon, d, h, mi, sec, 0, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), true
}

// apacheErrorRules match well-known Apache error texts (after the AHnnnnn:
// code).
var apacheErrorRules = []linuxRule{
	{t: mustTemplate("user {user.name} not found: {url.original}"), category: linuxCatAuth, action: "http_auth", outcome: linuxFailure},
	{t: mustTemplate(`user {user.name}: authentication failure for "{url.original}": {error.message}`), category: linuxCatAuth, action: "http_auth", outcome: linuxFailure},
	{t: mustTemplate("client denied by server configuration: {file.path}"), category: "web", action: "access_denied", outcome: linuxFailure},
	{t: mustTemplate("File does not exist: {file.path}"), category: "web", action: "file_not_found", outcome: linuxFailure},
	{t: mustTemplate("Directory index forbidden by rule: {file.path}"), category: "web", action: "access_denied", outcome: linuxFailure},
	{t: mustTemplate("Symbolic link not allowed or link target not accessible: {file.path}"), category: "web", action: "access_denied", outcome: linuxFailure},
}

func apacheError(s string, loc *time.Location, ev *event.Event, fs *fieldSet) error {
	ev.FormatVersion = "error"
	rest := s
	var ts, module, level, pid, tid, client, aprCode, aprMsg, msgid string
	// [time] (optional), [module:level] or [level], [pid N:tid M] (optional)
head:
	for len(rest) > 0 && rest[0] == '[' {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			break
		}
		inner := rest[1:end]
		after := strings.TrimLeft(rest[end+1:], " ")
		switch {
		case ts == "" && level == "" && len(inner) > 20 && inner[3] == ' ' && inner[7] == ' ':
			ts = inner
		case level == "" && strings.IndexByte(inner, ' ') < 0:
			if m, l, ok := strings.Cut(inner, ":"); ok {
				module, level = m, l
			} else {
				level = inner
			}
		case strings.HasPrefix(inner, "pid "):
			p, t, _ := strings.Cut(inner[4:], ":tid ")
			pid, tid = p, t
		case strings.HasPrefix(inner, "client "):
			client = inner[len("client "):]
		default:
			break head
		}
		rest = after
	}
	// "(70014)End of file found: " before the client.
	if len(rest) > 2 && rest[0] == '(' {
		if end := strings.IndexByte(rest, ')'); end > 1 && isDigitsOnly(rest[1:end]) {
			if colon := strings.Index(rest, ": "); colon > end {
				aprCode, aprMsg = rest[1:end], rest[end+1:colon]
				rest = rest[colon+2:]
			}
		}
	}
	if strings.HasPrefix(rest, "[client ") {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			client = rest[len("[client "):end]
			rest = strings.TrimLeft(rest[end+1:], " ")
		}
	}
	if len(rest) > 8 && rest[0] == 'A' && rest[1] == 'H' && rest[7] == ':' && isDigitsOnly(rest[2:7]) {
		msgid, rest = rest[:7], strings.TrimLeft(rest[8:], " ")
	}
	text := strings.TrimRight(rest, " ")

	fs.add(ev, "module", module)
	fs.add(ev, "loglevel", level)
	fs.add(ev, "pid", pid)
	fs.add(ev, "tid", tid)
	fs.add(ev, "apr.code", aprCode)
	fs.add(ev, "apr.message", aprMsg)
	fs.add(ev, "client", client)
	fs.add(ev, "msgid", msgid)
	if ts != "" {
		if t, err := time.ParseInLocation("Mon Jan 02 15:04:05.999999 2006", ts, locOrUTC(loc)); err == nil {
			ev.Time = t
		}
	}
	fs.add(ev, "event.kind", "event")
	fs.add(ev, "event.category", "web")
	fs.add(ev, "service.type", "apache")
	fs.add(ev, "log.level", level)
	fs.add(ev, "process.pid", pid)
	fs.add(ev, "process.thread.id", tid)
	if client != "" {
		ip, port := client, ""
		if i := strings.LastIndexByte(client, ':'); i > 0 && isDigitsOnly(client[i+1:]) {
			ip, port = client[:i], client[i+1:]
		}
		addSourceAddr(ev, fs, ip)
		fs.add(ev, "source.port", port)
	}
	fs.add(ev, "error.code", msgid)
	fs.add(ev, "message", text)
	matchRules(apacheErrorRules, text, ev, fs)
	return nil
}

func nginxError(s string, loc *time.Location, ev *event.Event, fs *fieldSet) error {
	ev.FormatVersion = "error"
	end := strings.IndexByte(s[21:], ']') + 21
	level := s[21:end]
	rest := strings.TrimLeft(s[end+1:], " ")
	var pid, tid, conn string
	// "31#31: *46 "
	if hash := strings.IndexByte(rest, '#'); hash > 0 && isDigitsOnly(rest[:hash]) {
		if colon := strings.IndexByte(rest, ':'); colon > hash && isDigitsOnly(rest[hash+1:colon]) {
			pid, tid = rest[:hash], rest[hash+1:colon]
			rest = strings.TrimLeft(rest[colon+1:], " ")
			if len(rest) > 1 && rest[0] == '*' {
				sp := strings.IndexByte(rest, ' ')
				if sp < 0 {
					sp = len(rest)
				}
				if isDigitsOnly(rest[1:sp]) {
					conn, rest = rest[1:sp], strings.TrimLeft(rest[sp:], " ")
				}
			}
		}
	}
	// The context nginx appends: ", client: X, server: Y, request: "R", ..."
	text := rest
	var ctx string
	if i := strings.Index(rest, ", client: "); i >= 0 {
		text, ctx = rest[:i], rest[i+2:]
	}
	fs.add(ev, "loglevel", level)
	fs.add(ev, "pid", pid)
	fs.add(ev, "tid", tid)
	fs.add(ev, "connection", conn)
	var client, request, host string
	for ctx != "" {
		key, after, ok := strings.Cut(ctx, ": ")
		if !ok {
			break
		}
		var v string
		if q, r, ok := quoted(after); ok {
			v, after = q, r
		} else {
			i := strings.Index(after, ", ")
			if i < 0 {
				i = len(after)
			}
			v, after = after[:i], after[i:]
		}
		fs.add(ev, key, v)
		switch key {
		case "client":
			client = v
		case "request":
			request = v
		case "host":
			host = v
		}
		ctx = strings.TrimPrefix(after, ", ")
	}
	if t, ok := localDateTime(s[:10], s[11:19], "", loc); ok {
		ev.Time = t
	}
	fs.add(ev, "event.kind", "event")
	fs.add(ev, "event.category", "web")
	fs.add(ev, "service.type", "nginx")
	fs.add(ev, "log.level", level)
	fs.add(ev, "process.pid", pid)
	fs.add(ev, "process.thread.id", tid)
	addSourceAddr(ev, fs, client)
	method, target, version := splitRequestLine(request)
	fs.add(ev, "http.request.method", method)
	fs.add(ev, "http.version", version)
	fs.add(ev, "url.original", target)
	fs.add(ev, "url.domain", host)
	fs.add(ev, "message", strings.TrimRight(text, " "))
	return nil
}

func locOrUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
