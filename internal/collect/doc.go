// Package collect pulls configurations and policy hit counters from
// network devices, for the generations that internal/devconfig checks and
// compares. A scheduler (daily by default, per device) and on-demand
// requests both call PullConfig; what to do with the bytes is theirs.
//
// Two ways in:
//
//   - "api": the FortiOS REST API over HTTPS with a REST API admin's
//     token, sent as "Authorization: Bearer …" (never as the older
//     access_token= query parameter, which ends up in access logs and
//     which recent FortiOS releases can be set to refuse). The firmware version is
//     read first from /api/v2/monitor/system/status; the backup is then a
//     GET of /api/v2/monitor/system/config/backup?scope=global before 7.6
//     and a POST with {"scope":"global"} from 7.6, where GET was removed.
//     A 404 or 405 on one form is retried once with the other.
//   - "ssh": the device's CLI over SSH (golang.org/x/crypto/ssh) with a
//     password or a private key and a pinned host key. FortiOS runs
//     "show full-configuration" in an exec channel (falling back to an
//     interactive shell when exec is refused); Yamaha RTX ("show config"),
//     Cisco IOS ("terminal length 0", "show running-config") and ASA
//     ("terminal pager 0", "show running-config") run in an interactive
//     shell, read until the prompt returns. Pager prompts ("--More--",
//     "---つづく---", "<--- More --->") are answered with a space and
//     removed; carriage returns, backspaces and terminal escape codes are
//     applied and removed, so the text is what a file backup would hold.
//
// FortiOS "show full-configuration" lists default values too, unlike a
// REST backup, so an SSH pull and an API pull of the same FortiGate do
// not have the same devconfig fingerprint: keep one method per device.
//
// PullConfig does not judge the text: a cut transfer comes back as the
// bytes that arrived, and the caller runs devconfig.Validate before
// storing a generation.
//
// Secrets (token, passwords, private key) never appear in errors or
// logs; this package does not log. Every call makes its own connection;
// functions are safe for concurrent use and keep no state between calls.
package collect
