package sshemu

import (
	"bufio"
	"io"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/sekimori/sekimori/internal/devconfig"
)

// pager is how one CLI asks for a key and then erases its question.
type pager struct {
	prompt string
	erase  string
}

var pagers = map[devconfig.Kind]pager{
	devconfig.KindFortiOS:   {prompt: "--More-- ", erase: "\r         \r"},
	devconfig.KindYamahaRTX: {prompt: "---つづく---", erase: "\r            \r"},
	devconfig.KindCiscoIOS:  {prompt: " --More-- ", erase: "\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b"},
	devconfig.KindCiscoASA:  {prompt: "<--- More --->", erase: "\r              \r"},
}

// device is the CLI state of one session.
type device struct {
	s          *Server
	kind       devconfig.Kind
	in         *bufio.Reader
	out        io.Writer
	crlf       bool // a terminal: "\n" is sent as "\r\n" and input is echoed
	paging     bool
	privileged bool
	afterCR    bool // the last byte read ended a line with CR
}

func (s *Server) newDevice(ch ssh.Channel, terminal bool) *device {
	return &device{
		s: s, kind: s.opts.Kind, in: bufio.NewReader(ch), out: ch, crlf: terminal,
		paging:     s.opts.PageLines > 0,
		privileged: s.opts.EnableSecret == "" || (s.opts.Kind != devconfig.KindCiscoIOS && s.opts.Kind != devconfig.KindCiscoASA),
	}
}

// runExec runs one command and closes the channel, as FortiOS does for
// "ssh admin@fgt 'show full-configuration'".
func (s *Server) runExec(ch ssh.Channel, cmd string) {
	d := s.newDevice(ch, false)
	d.command(strings.TrimSpace(cmd))
	exitStatus(ch, 0)
	ch.Close()
}

// runShell is the interactive CLI: prompt, read a line, echo it, answer.
func (s *Server) runShell(ch ssh.Channel) {
	defer ch.Close()
	d := s.newDevice(ch, true)
	for {
		d.write(d.prompt())
		line, err := d.readLine(true)
		if err != nil {
			return
		}
		if !d.command(strings.TrimSpace(line)) {
			exitStatus(ch, 0)
			return
		}
	}
}

func (d *device) prompt() string {
	name := d.s.opts.Hostname
	switch d.kind {
	case devconfig.KindFortiOS:
		return name + " # "
	case devconfig.KindYamahaRTX:
		return name + "> "
	}
	if d.privileged {
		return name + "#"
	}
	return name + ">"
}

// command runs one line and reports whether the session goes on.
func (d *device) command(line string) bool {
	f := strings.Fields(line)
	if len(f) == 0 {
		return true
	}
	switch {
	case line == "exit" || line == "quit" || line == "logout":
		return false
	case d.kind == devconfig.KindFortiOS && line == "get system status":
		d.write(d.s.fortiStatus())
	case d.isShow(line):
		if !d.privileged {
			d.invalid(line)
			return true
		}
		d.page(d.s.currentConfig())
	case d.kind == devconfig.KindYamahaRTX && line == "console lines infinity",
		d.kind == devconfig.KindCiscoIOS && line == "terminal length 0",
		d.kind == devconfig.KindCiscoASA && (line == "terminal pager 0" || line == "terminal pager lines 0"):
		d.paging = false
	case (d.kind == devconfig.KindCiscoIOS || d.kind == devconfig.KindCiscoASA) && line == "enable":
		d.enable()
	default:
		d.invalid(line)
	}
	return true
}

func (d *device) isShow(line string) bool {
	switch d.kind {
	case devconfig.KindFortiOS:
		return line == "show full-configuration" || line == "show"
	case devconfig.KindYamahaRTX:
		return line == "show config"
	}
	return line == "show running-config" || line == "show run" || line == "more system:running-config"
}

func (d *device) invalid(line string) {
	switch d.kind {
	case devconfig.KindFortiOS:
		d.write("Unknown action 0\nCommand fail. Return code -1\n")
	case devconfig.KindYamahaRTX:
		d.write("Error: Invalid command name\n")
	case devconfig.KindCiscoIOS:
		d.write(strings.Repeat(" ", len(d.prompt())) + "^\n% Invalid input detected at '^' marker.\n\n")
	case devconfig.KindCiscoASA:
		d.write(strings.Repeat(" ", len(d.prompt())+len(line)/2) + "^\nERROR: % Invalid input detected at '^' marker.\n")
	}
}

// enable asks for the secret without echo; a wrong one leaves the
// session unprivileged, as IOS ("% Bad secrets") and ASA ("Invalid
// password") do after their retries.
func (d *device) enable() {
	if d.privileged {
		return
	}
	d.write("Password: ")
	pw, err := d.readLine(false)
	if err != nil {
		return
	}
	d.write("\n")
	if pw == d.s.opts.EnableSecret {
		d.privileged = true
		return
	}
	if d.kind == devconfig.KindCiscoASA {
		d.write("Invalid password\n")
	} else {
		d.write("% Bad secrets\n\n")
	}
}

// page prints text, stopping for a key every PageLines lines while
// paging is on. A "q" ends the output early.
func (d *device) page(text []byte) {
	lines := strings.SplitAfter(string(text), "\n")
	pg := pagers[d.kind]
	for i, l := range lines {
		if d.paging && i > 0 && i%d.s.opts.PageLines == 0 {
			d.writeRaw(pg.prompt)
			b, err := d.in.ReadByte()
			if err != nil || b == 'q' || b == 'Q' {
				d.write("\n")
				return
			}
			d.writeRaw(pg.erase)
		}
		d.write(l)
	}
}

// readLine reads up to CR or LF, echoing it on a terminal if echo is set.
// A LF right after a CR is skipped.
func (d *device) readLine(echo bool) (string, error) {
	var b strings.Builder
	for {
		c, err := d.in.ReadByte()
		if err != nil {
			return "", err
		}
		if c == '\n' && d.afterCR {
			d.afterCR = false
			continue
		}
		d.afterCR = c == '\r'
		if c == '\r' || c == '\n' {
			if echo && d.crlf {
				d.write(b.String() + "\n")
			}
			return b.String(), nil
		}
		b.WriteByte(c)
	}
}

// write sends text, turning "\n" into "\r\n" on a terminal.
func (d *device) write(s string) {
	if d.crlf {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	d.writeRaw(s)
}

func (d *device) writeRaw(s string) { _, _ = io.WriteString(d.out, s) }
