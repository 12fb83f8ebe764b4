package collect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"golang.org/x/crypto/ssh"
)

// errExecRefused means the device does not run commands in exec
// channels; a shell is tried instead.
var errExecRefused = errors.New("exec request refused")

// promptRE matches a CLI prompt as the last, unfinished line of output:
// "FGT # ", "FGT (root) # ", "RTX1220-kobe> ", "> ", "router#", "asa>".
var promptRE = regexp.MustCompile(`^([A-Za-z0-9_.\-()/:@~]+( \([A-Za-z0-9_.\-]+\))? ?)?[#>$] ?$`)

// passwordRE matches the password question of "enable".
var passwordRE = regexp.MustCompile(`(?i)password: ?$`)

// pagerPrompts are what pagers print while they wait for a key: FortiOS
// and IOS "--More--", Yamaha RTX "---つづく---" (Japanese) or
// "--- More ---", ASA "<--- More --->".
var pagerPrompts = []string{"<--- More --->", "--- More ---", "---More---", "---つづく---", "--More--", "-- More --"}

// runExec runs one command in an exec channel and returns its cleaned
// output. errExecRefused means the device wants a shell.
func runExec(ctx context.Context, client *ssh.Client, t Target, cmd string) ([]byte, error) {
	sess, err := client.NewSession()
	if err != nil {
		return nil, stepError(StepDownload, t.Address, fmt.Errorf("open ssh session: %w", err))
	}
	defer sess.Close()
	stdin, err := sess.StdinPipe()
	if err != nil {
		return nil, stepError(StepDownload, t.Address, err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, stepError(StepDownload, t.Address, err)
	}
	if err := sess.Start(cmd); err != nil {
		return nil, fmt.Errorf("%w: %w", errExecRefused, err)
	}
	tr := &term{r: stdout, w: stdin, max: t.MaxBytes, addr: t.Address}
	raw, err := tr.readUntil(ctx, nil)
	if err != nil {
		return nil, err
	}
	var exit *ssh.ExitError
	if err := sess.Wait(); errors.As(err, &exit) && len(bytes.TrimSpace(raw)) == 0 {
		return nil, stepError(StepDownload, t.Address, fmt.Errorf("%q exited with status %d and no output", cmd, exit.ExitStatus()))
	}
	return cleanOutput(raw, cmd, ""), nil
}

// runShell drives an interactive shell: wait for the prompt, raise
// privileges if the profile needs it, run the setup commands and show,
// each time reading until the prompt comes back.
func runShell(ctx context.Context, client *ssh.Client, t Target, prof cliProfile) ([]byte, error) {
	sess, err := client.NewSession()
	if err != nil {
		return nil, stepError(StepDownload, t.Address, fmt.Errorf("open ssh session: %w", err))
	}
	defer sess.Close()
	// A wide terminal keeps devices from wrapping long lines; echo stays
	// on because the echoed command marks where its output starts.
	if err := sess.RequestPty("vt100", 1000, 511, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
		return nil, stepError(StepDownload, t.Address, fmt.Errorf("request pty: %w", err))
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return nil, stepError(StepDownload, t.Address, err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return nil, stepError(StepDownload, t.Address, err)
	}
	if err := sess.Shell(); err != nil {
		return nil, stepError(StepDownload, t.Address, fmt.Errorf("start shell: %w", err))
	}
	tr := &term{r: stdout, w: stdin, max: t.MaxBytes, addr: t.Address}

	first, err := tr.readUntil(ctx, func(b []byte) bool { return promptRE.MatchString(lastLine(b)) })
	if err != nil {
		return nil, err
	}
	prompt := lastLine(first)
	if prof.enable && strings.HasSuffix(strings.TrimSpace(prompt), ">") {
		if prompt, err = tr.enable(ctx, t.EnablePassword); err != nil {
			return nil, err
		}
	}
	for _, cmd := range prof.setup {
		if _, err := tr.run(ctx, cmd, prompt); err != nil {
			return nil, err
		}
	}
	raw, err := tr.run(ctx, prof.show, prompt)
	if err != nil {
		return nil, err
	}
	_, _ = io.WriteString(stdin, "exit\n")
	return cleanOutput(raw, prof.show, prompt), nil
}

// term reads a CLI's output, answering pager prompts.
type term struct {
	r     io.Reader
	w     io.Writer
	max   int64 // bytes over the whole session
	total int64
	addr  string
}

// readUntil reads until done(output so far) holds, or until EOF when
// done is nil. Pager prompts at the end of the output are removed and
// answered with a space.
func (tr *term) readUntil(ctx context.Context, done func([]byte) bool) ([]byte, error) {
	var out []byte
	chunk := make([]byte, 32<<10)
	for {
		n, err := tr.r.Read(chunk)
		if n > 0 {
			tr.total += int64(n)
			if tr.total > tr.max {
				return nil, stepError(StepDownload, tr.addr, fmt.Errorf("%w: more than %d bytes of CLI output", ErrTooLarge, tr.max))
			}
			out = append(out, chunk[:n]...)
			if cut, ok := pagerAtEnd(out); ok {
				out = out[:cut]
				if _, werr := io.WriteString(tr.w, " "); werr != nil {
					return nil, stepError(StepDownload, tr.addr, fmt.Errorf("answer pager: %w", werr))
				}
			}
			if done != nil && done(out) {
				return out, nil
			}
		}
		if err == io.EOF && done == nil {
			return out, nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, stepError(StepDownload, tr.addr, context.Cause(ctx))
			}
			if err == io.EOF {
				err = errors.New("connection closed before the prompt came back")
			}
			return nil, stepError(StepDownload, tr.addr, fmt.Errorf("read CLI output after %d bytes: %w", tr.total, err))
		}
	}
}

// run sends a command and returns its raw output up to and including
// the next prompt. The echo of the command must come first, so that a
// stray prompt left from before does not end the read early.
func (tr *term) run(ctx context.Context, cmd, prompt string) ([]byte, error) {
	if _, err := io.WriteString(tr.w, cmd+"\n"); err != nil {
		return nil, stepError(StepDownload, tr.addr, fmt.Errorf("send %q: %w", cmd, err))
	}
	return tr.readUntil(ctx, func(b []byte) bool {
		return bytes.Contains(b, []byte(cmd)) && bytes.LastIndexByte(b, '\n') >= 0 && lastLine(b) == prompt
	})
}

// enable raises a Cisco session from ">" to "#" and returns the new prompt.
func (tr *term) enable(ctx context.Context, password string) (string, error) {
	if password == "" {
		return "", stepError(StepAuth, tr.addr, fmt.Errorf("%w: the login lands in user mode (\">\" prompt) and no enable password is set", ErrAuth))
	}
	atPrompt := func(b []byte) bool {
		l := lastLine(b)
		return promptRE.MatchString(l) || passwordRE.MatchString(l)
	}
	if _, err := io.WriteString(tr.w, "enable\n"); err != nil {
		return "", stepError(StepAuth, tr.addr, err)
	}
	b, err := tr.readUntil(ctx, atPrompt)
	if err != nil {
		return "", err
	}
	if passwordRE.MatchString(lastLine(b)) {
		if _, err := io.WriteString(tr.w, password+"\n"); err != nil {
			return "", stepError(StepAuth, tr.addr, errors.New("send enable password failed"))
		}
		if b, err = tr.readUntil(ctx, atPrompt); err != nil {
			return "", err
		}
	}
	prompt := lastLine(b)
	if !promptRE.MatchString(prompt) || !strings.HasSuffix(strings.TrimSpace(prompt), "#") {
		if passwordRE.MatchString(prompt) {
			_, _ = io.WriteString(tr.w, "\x03") // leave the question
		}
		return "", stepError(StepAuth, tr.addr, fmt.Errorf("%w: enable password refused", ErrAuth))
	}
	return prompt, nil
}

// pagerAtEnd reports whether out ends with a pager prompt on a line of
// its own, and where that line starts.
func pagerAtEnd(out []byte) (int, bool) {
	tail := bytes.TrimRight(out, " \t")
	start := bytes.LastIndexByte(tail, '\n') + 1
	line := string(bytes.TrimLeft(tail[start:], " \t\r"))
	for _, p := range pagerPrompts {
		if line == p {
			return start, true
		}
	}
	return 0, false
}

// lastLine returns the unfinished last line of b as a terminal would
// show it.
func lastLine(b []byte) string {
	return termLine(string(b[bytes.LastIndexByte(b, '\n')+1:]))
}

// cleanOutput turns raw CLI output into configuration text: lines as a
// terminal shows them (carriage returns, backspaces and escape codes
// applied), without the echoed command before and the prompt after, with
// LF line ends and one final line break.
func cleanOutput(raw []byte, cmd, prompt string) []byte {
	lines := strings.Split(string(raw), "\n")
	for i, l := range lines {
		lines[i] = termLine(l)
	}
	// The echo: the first line, within the first few, ending with the
	// command; in exec output there is usually none.
	for i := 0; i < len(lines) && i < 5; i++ {
		if strings.HasSuffix(strings.TrimSpace(lines[i]), cmd) {
			lines = lines[i+1:]
			break
		}
	}
	for len(lines) > 0 {
		last := lines[len(lines)-1]
		if strings.TrimSpace(last) == "" || last == prompt || prompt == "" && promptRE.MatchString(last) && strings.TrimSpace(last) != "end" {
			lines = lines[:len(lines)-1]
			continue
		}
		break
	}
	for len(lines) > 0 && (strings.TrimSpace(lines[0]) == "" || prompt == "" && promptRE.MatchString(lines[0])) {
		lines = lines[1:]
	}
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// termLine applies what a terminal does with one line: "\r" returns to
// column 0 and later text overwrites, "\b" moves left, "ESC [ … K"
// erases to the end; other escape sequences and control characters are
// dropped. A line that was edited this way loses trailing blanks, which
// are what is left of an erased pager prompt.
func termLine(s string) string {
	s = strings.TrimSuffix(s, "\r")
	if !strings.ContainsAny(s, "\r\b\x1b") && !hasControl(s) {
		return s
	}
	rs := []rune(s)
	var buf []rune
	cur := 0
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			cur = 0
		case r == '\b':
			cur = max(cur-1, 0)
		case r == 0x1b:
			if i+1 < len(rs) && rs[i+1] == '[' {
				j := i + 2
				for j < len(rs) && (rs[j] < 0x40 || rs[j] > 0x7e) {
					j++
				}
				if j < len(rs) && rs[j] == 'K' && cur < len(buf) {
					buf = buf[:cur]
				}
				i = j
			} else {
				i++ // two-byte escape
			}
		case r < 0x20 && r != '\t', r == 0x7f:
		default:
			if cur < len(buf) {
				buf[cur] = r
			} else {
				buf = append(buf, r)
			}
			cur++
		}
	}
	return strings.TrimRight(string(buf), " ")
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}
