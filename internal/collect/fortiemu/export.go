package fortiemu

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/sekimori/sekimori/internal/devconfig"
)

// reencrypt returns a copy of a backup in which the word after every
// "ENC" is replaced by fresh random bytes of about the same length, as
// FortiOS does: it encrypts each secret with a new random salt on every
// export, so two backups of an unchanged device differ byte for byte.
func reencrypt(config []byte) []byte {
	lines := bytes.SplitAfter(config, []byte("\n"))
	var out bytes.Buffer
	out.Grow(len(config))
	for _, l := range lines {
		i := bytes.Index(l, []byte(" ENC "))
		if i < 0 || !bytes.HasPrefix(bytes.TrimSpace(l), []byte("set ")) {
			out.Write(l)
			continue
		}
		start := i + len(" ENC ")
		end := start
		for end < len(l) && l[end] != ' ' && l[end] != '\r' && l[end] != '\n' {
			end++
		}
		n := max(base64.StdEncoding.DecodedLen(end-start), 12)
		buf := make([]byte, n)
		_, _ = rand.Read(buf) // crypto/rand.Read never fails
		out.Write(l[:start])
		out.WriteString(base64.StdEncoding.EncodeToString(buf))
		out.Write(l[end:])
	}
	return out.Bytes()
}

// rewriteHeader sets version and build in the "#config-version=" line,
// "FG100F-7.2.10-FW-build1706-240625:opmode=0:…", and in "#buildno=".
func rewriteHeader(config []byte, version string, build int) []byte {
	lines := strings.SplitAfter(string(config), "\n")
	for i, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		eol := l[len(t):]
		switch {
		case strings.HasPrefix(t, "#config-version="):
			head, rest, _ := strings.Cut(strings.TrimPrefix(t, "#config-version="), ":")
			f := strings.Split(head, "-")
			if len(f) >= 4 {
				f[1] = version
				f[3] = "build" + strconv.Itoa(build)
			}
			if rest != "" {
				rest = ":" + rest
			}
			lines[i] = "#config-version=" + strings.Join(f, "-") + rest + eol
		case strings.HasPrefix(t, "#buildno="):
			lines[i] = "#buildno=" + strconv.Itoa(build) + eol
		case !strings.HasPrefix(t, "#"):
			return []byte(strings.Join(lines, ""))
		}
	}
	return []byte(strings.Join(lines, ""))
}

// wipePolicies empties every "config firewall policy" table, at top level
// or inside a VDOM, keeping the "config"/"end" pair.
func wipePolicies(config []byte) []byte {
	lines := strings.SplitAfter(string(config), "\n")
	var out strings.Builder
	depth := 0 // nesting inside a policy table; 0 = outside
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if depth > 0 {
			switch {
			case strings.HasPrefix(t, "config "):
				depth++
			case t == "end":
				depth--
				if depth == 0 {
					out.WriteString(l)
				}
			}
			continue
		}
		out.WriteString(l)
		if t == "config firewall policy" {
			depth = 1
		}
	}
	return []byte(out.String())
}

// policyIDs lists the policy IDs of a VDOM ("root" for a single-VDOM
// config), or nil when the config does not parse.
func policyIDs(config []byte, vdom string) []int {
	c, err := devconfig.ParseFortiOS(config)
	if err != nil {
		return nil
	}
	if !c.IsMultiVDOM() {
		if vdom != "root" {
			return nil
		}
		vdom = ""
	}
	var ids []int
	for _, b := range c.FindIn(vdom, "firewall policy") {
		for _, e := range b.Entries {
			if id, err := strconv.Atoi(e.Name); err == nil {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// hostname returns "set hostname" of "config system global", or "FortiGate".
func hostname(config []byte) string {
	c, err := devconfig.ParseFortiOS(config)
	if err == nil {
		for _, b := range c.FindGlobal("system global") {
			if s, ok := b.Get("hostname"); ok && len(s.Values) > 0 {
				return s.Values[0]
			}
		}
	}
	return "FortiGate"
}

// String describes the device for test failure messages.
func (d *Device) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fmt.Sprintf("fortiemu %s %s build%d", d.model, d.version, d.build)
}
