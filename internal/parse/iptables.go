package parse

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// iptables parses the packet records that the Linux kernel's netfilter LOG
// and nftables "log" targets write (nf_log_syslog), as they reach syslog
// through the kernel ring buffer:
//
//	[50028442.088484] [UFW BLOCK] IN=eth0 OUT= MAC=00:11:..:08:00 SRC=203.0.113.9 DST=192.0.2.1 LEN=40
//	  TOS=0x00 PREC=0x00 TTL=245 ID=37308 DF PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 RES=0x00 SYN URGP=0
//
// Fields, in the order found:
//
//	kernel.uptime   the "[seconds.micros]" stamp the kernel puts in front, when present
//	prefix          the --log-prefix text before IN= ("[UFW BLOCK]", "IPTABLES-DROP:", "DROP(src wan)")
//	IN, OUT, MAC, SRC, DST, LEN, TOS, PREC, TTL, ID, PROTO, SPT, DPT, WINDOW, RES, URGP, MARK, ...
//	                every KEY=value under the kernel's own name; empty values ("OUT=") are absent
//	<PROTO>.<KEY>   a key seen again after PROTO= (the UDP length "UDP.LEN", the ICMP echo "ICMP.ID")
//	ip.flags        bare words before PROTO= (DF, MF, CE)
//	tcp.flags       bare words after PROTO= ("SYN", "ACK PSH FIN")
//	OPT             the IP options hex of "OPT (...)"
//	inner.<KEY>     the packet quoted in an ICMP error ("[SRC=... DST=... ...]")
//
// Proxmox VE's pve-firewall writes its own prefix instead
// ("VMID LEVEL CHAIN dd/Mon/yyyy:hh:mm:ss +zone [policy ]ACTION: IN=..."):
// it gives pve.vmid, pve.loglevel, pve.chain and pve.action, sets ev.Time
// from the timestamp and ev.FormatVersion to "pve-firewall".
//
// ECS fields follow: event.kind "event", event.category "network",
// event.action and event.type from the first action word in the prefix
// (ACCEPT/ALLOW → "accept"/"allow" and "allowed"; DROP, BLOCK, DENY,
// REJECT → lower-cased and "denied"), rule.name (the prefix without
// brackets and trailing ':'), observer.ingress/egress.interface.name (IN,
// OUT), source.ip/port (SRC, SPT), destination.ip/port (DST, DPT),
// source.mac and destination.mac (from a 14-byte Ethernet MAC=, in ECS
// notation 00-11-22-AA-BB-CC), network.transport (PROTO, lower-cased) and
// network.type ("ipv4" or "ipv6").
//
// A message with none of IN=, OUT= and SRC= is not an iptables record.
type iptables struct{}

var (
	_ Parser   = iptables{}
	_ Detector = iptables{}
)

var errNotIPTables = errors.New("iptables: no IN=, OUT= or SRC= record in message")

// Detect: IN= or OUT= with SRC= and DST= is the kernel's record.
func (iptables) Detect(msg []byte, _ string) int {
	if !hasRecordStart(msg) || !msgHasKey(msg, "SRC=") || !msgHasKey(msg, "DST=") {
		return 0
	}
	return ScoreCertain - 5
}

// recordStart returns the position of the IN= (else OUT=, else SRC=) key
// that starts the record: at the start of msg or after a byte that is not
// an upper-case letter, digit or '_' ("DROP(src wan)IN=" counts, "PHYSIN="
// does not). -1 when there is none.
func recordStart(msg string) int {
	for _, key := range [...]string{"IN=", "OUT=", "SRC="} {
		for off := 0; off < len(msg); {
			i := strings.Index(msg[off:], key)
			if i < 0 {
				break
			}
			at := off + i
			if at == 0 || !isUpperKeyChar(msg[at-1]) {
				return at
			}
			off = at + 1
		}
	}
	return -1
}

// hasRecordStart is recordStart(msg) >= 0 for bytes.
func hasRecordStart(msg []byte) bool {
	for _, key := range [...]string{"IN=", "OUT=", "SRC="} {
		for off := 0; off < len(msg); {
			i := bytes.Index(msg[off:], []byte(key))
			if i < 0 {
				break
			}
			at := off + i
			if at == 0 || !isUpperKeyChar(msg[at-1]) {
				return true
			}
			off = at + 1
		}
	}
	return false
}

func isUpperKeyChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func (iptables) Parse(msg []byte, _ *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	rec := recordStart(s)
	if rec < 0 {
		return errNotIPTables
	}
	fs := newFieldSet(ev)
	return parseIPTablesRecord(s, rec, ev, &fs)
}

// parseIPTablesRecord parses s, whose record starts at rec (recordStart),
// adding fields through fs.
func parseIPTablesRecord(s string, rec int, ev *event.Event, fs *fieldSet) error {
	head := s[:rec]
	if up, rest, ok := kernelUptime(head); ok {
		fs.add(ev, "kernel.uptime", up)
		head = rest
	}
	head = strings.TrimSpace(head)
	var c ipCore
	if pve, ok := parsePVEPrefix(head); ok {
		fs.add(ev, "prefix", pve.rest)
		fs.add(ev, "pve.vmid", pve.vmid)
		fs.add(ev, "pve.loglevel", pve.level)
		fs.add(ev, "pve.chain", pve.chain)
		fs.add(ev, "pve.action", pve.action)
		ev.Time = pve.time
		ev.FormatVersion = "pve-firewall"
		c.prefix = pve.rest
	} else {
		fs.add(ev, "prefix", head)
		c.prefix = head
	}
	c.scan(s[rec:], ev, fs)
	c.emit(ev, fs)
	return nil
}

// kernelUptime reads a "[  203.842973]" stamp at the start of s.
func kernelUptime(s string) (up, rest string, ok bool) {
	if len(s) < 3 || s[0] != '[' {
		return "", s, false
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", s, false
	}
	v := strings.TrimLeft(s[1:end], " ")
	dot := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '.' && !dot:
			dot = true
		case c >= '0' && c <= '9':
		default:
			return "", s, false
		}
	}
	if v == "" || !dot {
		return "", s, false
	}
	return v, s[end+1:], true
}

// pvePrefix is the part of a pve-firewall line before the kernel record.
type pvePrefix struct {
	vmid, level, chain, action, rest string
	time                             time.Time
}

// parsePVEPrefix reads "VMID LEVEL CHAIN dd/Mon/yyyy:hh:mm:ss +hhmm REST".
func parsePVEPrefix(s string) (pvePrefix, bool) {
	var p pvePrefix
	var ok bool
	if p.vmid, s, ok = cutPVEDigits(s); !ok {
		return p, false
	}
	if p.level, s, ok = cutPVEDigits(s); !ok {
		return p, false
	}
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 {
		return p, false
	}
	p.chain, s = s[:sp], s[sp+1:]
	if len(s) < len("20/Jun/2022:13:09:14 +0200") {
		return p, false
	}
	t, err := time.Parse("02/Jan/2006:15:04:05 -0700", s[:26])
	if err != nil {
		return p, false
	}
	p.time = t
	p.rest = strings.TrimSpace(s[26:])
	a := strings.TrimSuffix(p.rest, ":")
	a = strings.TrimPrefix(a, "policy ")
	p.action = a
	return p, true
}

// cutPVEDigits reads a run of digits followed by a space.
func cutPVEDigits(s string) (num, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != ' ' {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}

// ipCore collects what the ECS fields need.
type ipCore struct {
	prefix                      string
	in, out, mac, src, dst, spt string
	dpt, proto                  string
	ipFlags, tcpFlags           flagRun
	sawProto                    bool
}

// flagRun is a run of bare words: a substring of the record while the
// words are adjacent, else joined with spaces.
type flagRun struct {
	v          string
	start, end int
	joined     bool
}

func (r *flagRun) add(s string, start, end int) {
	switch {
	case r.v == "":
		r.v, r.start, r.end = s[start:end], start, end
	case !r.joined && start == r.end+1:
		r.v, r.end = s[r.start:end], end
	default:
		r.v, r.end, r.joined = r.v+" "+s[start:end], end, true
	}
}

// scan walks the space-separated tokens of the record.
func (c *ipCore) scan(s string, ev *event.Event, fs *fieldSet) {
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] == '[' {
			// The packet quoted in an ICMP error: [SRC=... DST=... ...]
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				end = len(s) - i
			}
			c.scanInner(s[i+1:i+end], ev, fs)
			i += end + 1
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		tok := s[i:j]
		eq := strings.IndexByte(tok, '=')
		switch {
		case eq > 0:
			c.pair(tok[:eq], tok[eq+1:], ev, fs)
		case tok == "OPT" && j+1 < len(s) && s[j+1] == '(':
			end := strings.IndexByte(s[j+1:], ')')
			if end < 0 {
				end = len(s) - j - 1
			}
			fs.add(ev, "OPT", s[j+2:j+1+end])
			j = j + 1 + end + 1
		case isNetfilterFlag(tok):
			if c.sawProto {
				c.tcpFlags.add(s, i, j)
			} else {
				c.ipFlags.add(s, i, j)
			}
		}
		i = j
	}
	fs.add(ev, "ip.flags", c.ipFlags.v)
	fs.add(ev, "tcp.flags", c.tcpFlags.v)
}

func isNetfilterFlag(tok string) bool {
	if tok == "" || len(tok) > 10 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// pair records KEY=value; a key seen before PROTO= and again after it is
// named <PROTO>.<KEY>.
func (c *ipCore) pair(k, v string, ev *event.Event, fs *fieldSet) {
	if c.sawProto && fs.has(ev, k) && c.proto != "" {
		k = c.proto + "." + k
	}
	if !fs.add(ev, k, v) {
		return
	}
	switch k {
	case "IN":
		c.in = v
	case "OUT":
		c.out = v
	case "MAC":
		c.mac = v
	case "SRC":
		c.src = v
	case "DST":
		c.dst = v
	case "SPT":
		c.spt = v
	case "DPT":
		c.dpt = v
	case "PROTO":
		c.proto, c.sawProto = v, true
	}
}

// scanInner records the packet an ICMP error quotes as inner.<KEY>; a key
// seen again after inner.PROTO is inner.<PROTO>.<KEY>.
func (c *ipCore) scanInner(s string, ev *event.Event, fs *fieldSet) {
	proto := ""
	for _, tok := range strings.Fields(s) {
		k, v, ok := strings.Cut(tok, "=")
		if !ok || k == "" {
			continue
		}
		name := "inner." + k
		if proto != "" && fs.has(ev, name) {
			name = "inner." + proto + "." + k
		}
		if fs.add(ev, name, v) && k == "PROTO" {
			proto = v
		}
	}
}

func (c *ipCore) emit(ev *event.Event, fs *fieldSet) {
	add := func(name, v string) { fs.add(ev, name, v) }
	add("event.kind", "event")
	add("event.category", "network")
	action, typ := prefixAction(c.prefix)
	add("event.action", action)
	add("event.type", typ)
	add("rule.name", prefixRuleName(c.prefix))
	add("observer.ingress.interface.name", c.in)
	add("observer.egress.interface.name", c.out)
	add("source.ip", c.src)
	add("source.port", c.spt)
	dmac, smac := splitEtherMAC(c.mac)
	add("source.mac", smac)
	add("destination.ip", c.dst)
	add("destination.port", c.dpt)
	add("destination.mac", dmac)
	add("network.transport", transportName(c.proto))
	switch {
	case strings.IndexByte(c.src, ':') >= 0:
		add("network.type", "ipv6")
	case c.src != "":
		add("network.type", "ipv4")
	}
}

// prefixAction finds the first action word in a log prefix.
func prefixAction(prefix string) (action, typ string) {
	best := -1
	for _, w := range [...]struct{ word, action, typ string }{
		{"ACCEPT", "accept", "allowed"}, {"ALLOW", "allow", "allowed"},
		{"DROP", "drop", "denied"}, {"BLOCK", "block", "denied"},
		{"DENY", "deny", "denied"}, {"REJECT", "reject", "denied"},
	} {
		i := indexUpperFold(prefix, w.word)
		if i >= 0 && (best < 0 || i < best) {
			best, action, typ = i, w.action, w.typ
		}
	}
	return action, typ
}

// indexUpperFold is strings.Index ignoring ASCII case, for an upper-case word.
func indexUpperFold(s, upper string) int {
	n := len(upper)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n {
			c := s[i+j]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c != upper[j] {
				break
			}
			j++
		}
		if j == n {
			return i
		}
	}
	return -1
}

// prefixRuleName is the prefix without surrounding brackets, a trailing ':' and
// spaces.
func prefixRuleName(prefix string) string {
	p := strings.TrimSpace(prefix)
	p = strings.TrimSuffix(p, ":")
	if len(p) >= 2 && p[0] == '[' && p[len(p)-1] == ']' && strings.IndexByte(p[1:], '[') < 0 {
		p = p[1 : len(p)-1]
	}
	return strings.TrimSpace(p)
}

// splitEtherMAC splits netfilter's MAC= (destination, source, ethertype:
// "00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00") into ECS MAC notation.
func splitEtherMAC(mac string) (dst, src string) {
	if len(mac) != 14*3-1 {
		return "", ""
	}
	return toECSMAC(mac[:17]), toECSMAC(mac[18:35])
}

// toECSMAC turns "00:08:a2:0c:1f:12" into "00-08-A2-0C-1F-12"; anything else
// gives "".
func toECSMAC(m string) string {
	var b [17]byte
	for i := 0; i < 17; i++ {
		c := m[i]
		if i%3 == 2 {
			if c != ':' && c != '-' {
				return ""
			}
			b[i] = '-'
			continue
		}
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
		case c >= 'a' && c <= 'f':
			c -= 'a' - 'A'
		default:
			return ""
		}
		b[i] = c
	}
	return string(b[:])
}
