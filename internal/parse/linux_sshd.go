package parse

import (
	"strings"

	"github.com/sekimori/sekimori/internal/event"
)

// OpenSSH sshd messages. Before matching, parseSSHD removes what wraps a
// message: rsyslog's "message repeated N times: [ ... ]" (giving
// log.syslog.repeated), a Solaris "[ID 800047 auth.notice] " tag, an
// "error: " or "fatal: " level (giving log.level) and a " [preauth]"
// suffix. Templates are tried in order; the first match wins.

const (
	linuxCatAuth    = "authentication"
	linuxCatNetwork = "network"
	linuxCatSession = "session"
	linuxSuccess    = "success"
	linuxFailure    = "failure"
)

var sshdRules = []linuxRule{
	// Logins.
	{t: mustTemplate("Accepted {sshd.method} for {user.name} from {source.ip:ip} port {source.port:port} ssh2: {sshd.signature}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxSuccess},
	{t: mustTemplate("Accepted {sshd.method} for {user.name} from {source.ip:ip} port {source.port:port} {sshd.protocol:word}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxSuccess},
	{t: mustTemplate("Accepted {sshd.method} for {user.name} from {source.ip:ip} port {source.port:port}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxSuccess},
	{t: mustTemplate("Failed {sshd.method} for invalid user {user.name} from {source.ip:ip} port {source.port:port} {sshd.protocol:word}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("Failed {sshd.method} for invalid user {user.name} from {source.ip:ip} port {source.port:port}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("Failed {sshd.method} for invalid user {user.name} from {source.ip:ip}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("Failed {sshd.method} for {user.name} from {source.ip:ip} port {source.port:port} {sshd.protocol:word}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure},
	{t: mustTemplate("Failed {sshd.method} for {user.name} from {source.ip:ip} port {source.port:port}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure},
	{t: mustTemplate("Failed {sshd.method} for {user.name} from {source.ip:ip}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure},
	{t: mustTemplate("Postponed {sshd.method} for invalid user {user.name} from {source.ip:ip} port {source.port:port} {sshd.protocol:word}"), category: linuxCatAuth, action: "ssh_login_postponed", invalidUser: true},
	{t: mustTemplate("Postponed {sshd.method} for {user.name} from {source.ip:ip} port {source.port:port} {sshd.protocol:word}"), category: linuxCatAuth, action: "ssh_login_postponed"},
	{t: mustTemplate("Partial publickey for {user.name} from {source.ip:ip} port {source.port:port} {*}"), category: linuxCatAuth, action: "ssh_login_partial"},
	{t: mustTemplate("Invalid user {user.name} from {source.ip:ip} port {source.port:port}"), category: linuxCatAuth, action: "ssh_invalid_user", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("Invalid user {user.name} from {source.ip:ip}"), category: linuxCatAuth, action: "ssh_invalid_user", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("input_userauth_request: invalid user {user.name}"), category: linuxCatAuth, action: "ssh_invalid_user", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("User {user.name} from {source.ip:ip} not allowed because {sshd.reason}"), category: linuxCatAuth, action: "ssh_user_not_allowed", outcome: linuxFailure},
	{t: mustTemplate("User {user.name} not allowed because {sshd.reason}"), category: linuxCatAuth, action: "ssh_user_not_allowed", outcome: linuxFailure},
	{t: mustTemplate("maximum authentication attempts exceeded for invalid user {user.name} from {source.ip:ip} port {source.port:port} {sshd.protocol:word}"), category: linuxCatAuth, action: "ssh_max_auth_attempts", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("maximum authentication attempts exceeded for {user.name} from {source.ip:ip} port {source.port:port} {sshd.protocol:word}"), category: linuxCatAuth, action: "ssh_max_auth_attempts", outcome: linuxFailure},
	{t: mustTemplate("Disconnecting: Too many authentication failures for {user.name}"), category: linuxCatAuth, action: "ssh_max_auth_attempts", outcome: linuxFailure},
	{t: mustTemplate("Disconnecting: Too many authentication failures"), category: linuxCatAuth, action: "ssh_max_auth_attempts", outcome: linuxFailure},
	{t: mustTemplate("PAM: User not known to the underlying authentication module for illegal user {user.name} from {source.ip:ip}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("PAM: authentication error for illegal user {user.name} from {source.ip:ip}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("PAM: unknown user for illegal user {user.name} from {source.ip:ip}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("PAM: authentication error for {user.name} from {source.ip:ip}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure},
	{t: mustTemplate("Authentication refused: {sshd.reason}"), category: linuxCatAuth, action: "ssh_login", outcome: linuxFailure},

	// Connections and disconnects.
	{t: mustTemplate("Connection closed by authenticating user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_connection_closed"},
	{t: mustTemplate("Connection closed by invalid user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_connection_closed", invalidUser: true},
	{t: mustTemplate("Connection closed by user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_connection_closed"},
	{t: mustTemplate("Connection closed by {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_connection_closed"},
	{t: mustTemplate("Connection closed by {source.ip:ip}"), category: linuxCatNetwork, action: "ssh_connection_closed"},
	{t: mustTemplate("Connection reset by authenticating user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_connection_reset"},
	{t: mustTemplate("Connection reset by invalid user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_connection_reset", invalidUser: true},
	{t: mustTemplate("Connection reset by {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_connection_reset"},
	{t: mustTemplate("Connection reset by {source.ip:ip}"), category: linuxCatNetwork, action: "ssh_connection_reset"},
	{t: mustTemplate("Connection from {source.ip:ip} port {source.port:port} on {server.ip:ip} port {server.port:port}{*}"), category: linuxCatNetwork, action: "ssh_connection"},
	{t: mustTemplate("Disconnected from authenticating user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Disconnected from invalid user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_disconnect", invalidUser: true},
	{t: mustTemplate("Disconnected from user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Disconnected from {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Disconnected from {source.ip:ip}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Disconnecting authenticating user {user.name} {source.ip:ip} port {source.port:port}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Disconnecting invalid user {user.name} {source.ip:ip} port {source.port:port}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_disconnect", invalidUser: true},
	{t: mustTemplate("Disconnecting invalid user {user.name} {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_disconnect", invalidUser: true},
	{t: mustTemplate("Disconnecting user {user.name} {source.ip:ip} port {source.port:port}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Disconnecting: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Received disconnect from {source.ip:ip} port {source.port:port}:{sshd.disconnect_code:int}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Received disconnect from {source.ip:ip}: {sshd.disconnect_code:int}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_disconnect"},
	{t: mustTemplate("Read error from remote host {source.ip:ip} port {source.port:port}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_read_error"},
	{t: mustTemplate("Read error from remote host {source.ip:ip}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_read_error"},

	// Failures before authentication.
	{t: mustTemplate("Unable to negotiate with {source.ip:ip} port {source.port:port}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_negotiation_failed", outcome: linuxFailure},
	{t: mustTemplate("Unable to negotiate with {source.ip:ip}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_negotiation_failed", outcome: linuxFailure},
	{t: mustTemplate("Timeout before authentication for {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_timeout", outcome: linuxFailure},
	{t: mustTemplate("Timeout before authentication for {source.ip:ip}"), category: linuxCatNetwork, action: "ssh_timeout", outcome: linuxFailure},
	{t: mustTemplate("ssh_dispatch_run_fatal: Connection from authenticating user {user.name} {source.ip:ip} port {source.port:port}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_protocol_error", outcome: linuxFailure},
	{t: mustTemplate("ssh_dispatch_run_fatal: Connection from invalid user {user.name} {source.ip:ip} port {source.port:port}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_protocol_error", outcome: linuxFailure, invalidUser: true},
	{t: mustTemplate("ssh_dispatch_run_fatal: Connection from {source.ip:ip} port {source.port:port}: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_protocol_error", outcome: linuxFailure},
	{t: mustTemplate("Magic value check failed ({sshd.magic}) on obfuscated handshake from {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_bad_handshake", outcome: linuxFailure},
	{t: mustTemplate("Did not receive identification string from {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_no_identification", outcome: linuxFailure},
	{t: mustTemplate("Did not receive identification string from {source.ip:ip}"), category: linuxCatNetwork, action: "ssh_no_identification", outcome: linuxFailure},
	{t: mustTemplate("Bad protocol version identification {sshd.reason} from {source.ip:ip} port {source.port:port}"), category: linuxCatNetwork, action: "ssh_bad_protocol", outcome: linuxFailure},
	{t: mustTemplate("Bad protocol version identification {sshd.reason} from {source.ip:ip}"), category: linuxCatNetwork, action: "ssh_bad_protocol", outcome: linuxFailure},
	{t: mustTemplate("kex_exchange_identification: {sshd.reason}"), category: linuxCatNetwork, action: "ssh_bad_protocol", outcome: linuxFailure},
	{t: mustTemplate("refused connect from {source.address} ({source.ip:ip})"), category: linuxCatNetwork, action: "ssh_connection_refused", outcome: linuxFailure},
	{t: mustTemplate("reverse mapping checking getaddrinfo for {source.domain} [{source.ip:ip}] failed{*}"), category: linuxCatNetwork, action: "ssh_reverse_mapping_failed"},
	{t: mustTemplate("Address {source.ip:ip} maps to {source.domain}, but this does not map back to the address{*}"), category: linuxCatNetwork, action: "ssh_reverse_mapping_failed"},

	// Sessions and the server itself.
	{t: mustTemplate("Starting session: {sshd.session} for {user.name} from {source.ip:ip} port {source.port:port} id {sshd.session_id:int}"), category: linuxCatSession, action: "ssh_session_start"},
	{t: mustTemplate("Close session: user {user.name} from {source.ip:ip} port {source.port:port} id {sshd.session_id:int}"), category: linuxCatSession, action: "ssh_session_close"},
	{t: mustTemplate("subsystem request for {sshd.subsystem} by user {user.name}{*}"), category: linuxCatSession, action: "ssh_subsystem_request"},
	{t: mustTemplate("Server listening on {server.ip:ip} port {server.port:port}."), category: "process", action: "ssh_server_listening"},
}

// parseSSHD matches body against sshdRules after removing its wrappers.
func parseSSHD(body string, ev *event.Event, fs *fieldSet) {
	text := body
	if rest, ok := strings.CutPrefix(text, "message repeated "); ok {
		// rsyslog: "message repeated 3 times: [ Failed password for ...]"
		if n, after, ok := strings.Cut(rest, " times: [ "); ok && isDigitsOnly(n) {
			fs.add(ev, "log.syslog.repeated", n)
			text = strings.TrimSuffix(strings.TrimRight(after, " "), "]")
		}
	}
	if strings.HasPrefix(text, "[ID ") {
		// Solaris: "[ID 800047 auth.notice] Failed none for ..."
		if end := strings.Index(text, "] "); end > 0 {
			text = text[end+2:]
		}
	}
	for _, lvl := range [...]string{"error: ", "fatal: "} {
		if rest, ok := strings.CutPrefix(text, lvl); ok {
			fs.add(ev, "log.level", lvl[:len(lvl)-2])
			text = rest
			break
		}
	}
	text = strings.TrimRight(text, " ")
	text = strings.TrimSuffix(text, " [preauth]")
	if rest, ok := strings.CutPrefix(text, "PAM "); ok && len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
		// "PAM 2 more authentication failures; logname= ... rhost=... user=root"
		parsePAMText("", "sshd", "", rest, ev, fs)
		return
	}
	if _, ok := matchRules(sshdRules, text, ev, fs); ok {
		return
	}
	// Unknown message: the first address it names, and the port after it.
	ip, port := firstAddress(text)
	fs.add(ev, "source.ip", ip)
	fs.add(ev, "source.port", port)
}

// firstAddress finds the first word of s that is an IP address (ignoring
// surrounding brackets, parentheses and trailing ':' or ','), and the port
// when "port N" follows it.
func firstAddress(s string) (ip, port string) {
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		w := strings.Trim(s[i:j], "[](),;")
		w = strings.TrimSuffix(w, ":")
		if len(w) >= 3 && (w[0] >= '0' && w[0] <= '9' || strings.IndexByte(w, ':') >= 0) {
			if v, ok := cleanIP(w); ok {
				rest := s[j:]
				if p, ok := strings.CutPrefix(rest, " port "); ok {
					k := 0
					for k < len(p) && p[k] >= '0' && p[k] <= '9' {
						k++
					}
					if isPort(p[:k]) {
						port = p[:k]
					}
				}
				return v, port
			}
		}
		i = j
	}
	return "", ""
}
