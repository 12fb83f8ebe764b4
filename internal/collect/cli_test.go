package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTermLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain line", "plain line"},
		{"with cr\r", "with cr"},
		{"\r         \r    edit 5", "    edit 5"},
		{"\r         \rend", "end"},
		{"\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\binterface Gi0/1", "interface Gi0/1"},
		{"abc\x1b[Kdef", "abcdef"},
		{"abcdef\r\x1b[Kxy", "xy"},
		{"col\x1b[1;32mored\x1b[0m", "colored"},
		{"tab\tkept", "tab\tkept"},
		{"bell\a gone", "bell gone"},
		{"FGT # ", "FGT # "},
		{"---つづく---\r            \r ip filter 1", " ip filter 1"},
	}
	for _, tt := range tests {
		if got := termLine(tt.in); got != tt.want {
			t.Errorf("termLine(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestPromptRE(t *testing.T) {
	for _, p := range []string{"FGT # ", "FG100F (root) # ", "> ", "# ", "RTX1220-kobe> ", "router#", "rtr-kobe-01>", "asa/ctx1#", "asa(config)#"} {
		if !promptRE.MatchString(p) {
			t.Errorf("prompt %q not matched", p)
		}
	}
	for _, l := range []string{"end", ": end", "!", " description x#1", "set name \"a#\"", "#config-version=FG"} {
		if promptRE.MatchString(l) {
			t.Errorf("config line %q taken for a prompt", l)
		}
	}
}

func TestCleanOutput(t *testing.T) {
	tests := []struct {
		name, raw, cmd, prompt, want string
	}{
		{"ios shell", "show running-config\r\nBuilding configuration...\r\n\r\nversion 15.7\r\nend\r\n\r\nrouter#",
			"show running-config", "router#", "Building configuration...\n\nversion 15.7\nend\n"},
		{"rtx shell with prompt echo", "RTX1220-kobe> show config\r\n# RTX1220 Rev.15.04.04\r\nip lan1 address 192.168.70.1/24\r\nRTX1220-kobe> ",
			"show config", "RTX1220-kobe> ", "# RTX1220 Rev.15.04.04\nip lan1 address 192.168.70.1/24\n"},
		{"fortios exec with prompts", "FGT # show full-configuration\n#config-version=x\nconfig system global\nend\n\nFGT # ",
			"show full-configuration", "", "#config-version=x\nconfig system global\nend\n"},
		{"exec plain", "#config-version=x\nend\n", "show full-configuration", "", "#config-version=x\nend\n"},
		{"nothing", "show config\r\n> ", "show config", "> ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(cleanOutput([]byte(tt.raw), tt.cmd, tt.prompt))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// scriptedCLI plays a paging device: it serves pages, each ending in a
// pager prompt except the last, and sends the next page only after a
// key arrives. Keys typed before the prompt is complete are kept, as a
// terminal's type-ahead is. Reads are cut to the sizes in splits, in
// turn. A read while the device waits for a key means the reader missed
// the pager.
type scriptedCLI struct {
	pages   []string
	splits  []int
	page    int
	pos     int
	waiting bool
	ahead   int // keys typed ahead
	keys    int // keys used
}

var errStalled = errors.New("reader stalled at a pager prompt")

func (s *scriptedCLI) Read(p []byte) (int, error) {
	if s.waiting {
		return 0, errStalled
	}
	if s.page == len(s.pages) {
		return 0, io.EOF
	}
	rest := s.pages[s.page][s.pos:]
	n := len(rest)
	if len(s.splits) > 0 {
		n = min(n, max(s.splits[0], 1))
		s.splits = append(s.splits[1:], s.splits[0])
	}
	n = copy(p, rest[:n])
	s.pos += n
	if s.pos == len(s.pages[s.page]) {
		s.page++
		s.pos = 0
		s.waiting = s.page < len(s.pages)
		s.takeKey()
	}
	return n, nil
}

func (s *scriptedCLI) Write(p []byte) (int, error) {
	s.ahead += strings.Count(string(p), " ")
	s.takeKey()
	return len(p), nil
}

func (s *scriptedCLI) takeKey() {
	if s.waiting && s.ahead > 0 {
		s.waiting = false
		s.ahead--
		s.keys++
	}
}

// pagedFortiOS returns the raw exec output of text paged every n lines
// the way FortiOS prints it, and the number of pager prompts.
func pagedFortiOS(text string, n int) ([]string, int) {
	lines := strings.SplitAfter(text, "\n")
	var pages []string
	var cur strings.Builder
	for i, l := range lines {
		if i > 0 && i%n == 0 {
			cur.WriteString("--More-- ")
			pages = append(pages, cur.String())
			cur.Reset()
			cur.WriteString("\r         \r")
		}
		cur.WriteString(l)
	}
	pages = append(pages, cur.String())
	return pages, len(pages) - 1
}

const pagerText = `#config-version=FG100F-7.2.10-FW-build1706-240625:opmode=0:vdom=0:user=admin
config firewall policy
    edit 1
        set name "a"
    next
    edit 2
        set name "b"
    next
end
`

func readPaged(t testing.TB, pages []string, splits []int) (string, int, error) {
	dev := &scriptedCLI{pages: pages, splits: splits}
	tr := &term{r: dev, w: dev, max: 1 << 20, addr: "test"}
	raw, err := tr.readUntil(context.Background(), nil)
	if err != nil {
		return "", dev.keys, err
	}
	if dev.ahead != 0 {
		return "", dev.keys, fmt.Errorf("%d keys too many", dev.ahead)
	}
	return string(cleanOutput(raw, "show full-configuration", "")), dev.keys, nil
}

func TestTermPagerSplits(t *testing.T) {
	pages, prompts := pagedFortiOS(pagerText, 2)
	for _, splits := range [][]int{nil, {1}, {2}, {3, 1}, {7}, {9, 2, 5}} {
		got, keys, err := readPaged(t, pages, splits)
		if err != nil {
			t.Fatalf("splits %v: %v", splits, err)
		}
		if got != pagerText || keys != prompts {
			t.Errorf("splits %v: %d keys (want %d), text:\n%q", splits, keys, prompts, got)
		}
	}
}

// FuzzTermPager feeds paged output split at arbitrary points: every
// pager prompt must be answered and the text must come back whole.
func FuzzTermPager(f *testing.F) {
	f.Add([]byte{1}, uint8(2))
	f.Add([]byte{3, 9, 1}, uint8(3))
	f.Add([]byte{}, uint8(1))
	f.Fuzz(func(t *testing.T, splitBytes []byte, pageLines uint8) {
		n := int(pageLines%8) + 1
		pages, prompts := pagedFortiOS(pagerText, n)
		splits := make([]int, len(splitBytes))
		for i, b := range splitBytes {
			splits[i] = int(b)
		}
		got, keys, err := readPaged(t, pages, splits)
		if err != nil {
			t.Fatalf("splits %v: %v", splits, err)
		}
		if got != pagerText || keys != prompts {
			t.Fatalf("splits %v, %d lines a page: %d keys (want %d), text:\n%q", splits, n, keys, prompts, got)
		}
	})
}

func TestTermTooLarge(t *testing.T) {
	pages, _ := pagedFortiOS(pagerText, 100)
	dev := &scriptedCLI{pages: pages}
	tr := &term{r: dev, w: dev, max: 50, addr: "test"}
	if _, err := tr.readUntil(context.Background(), nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v; want ErrTooLarge", err)
	}
}

func TestRedact(t *testing.T) {
	inner := &Error{Step: StepAuth, Address: "fw:443", Err: errors.Join(ErrAuth, errors.New("device said: token tok-12345 invalid"))}
	err := redact(inner, "tok-12345", "", "pw")
	if strings.Contains(err.Error(), "tok-12345") || !strings.Contains(err.Error(), "<redacted>") {
		t.Errorf("redact: %v", err)
	}
	if !errors.Is(err, ErrAuth) {
		t.Error("redacted error lost ErrAuth")
	}
	var e *Error
	if !errors.As(err, &e) || e.Step != StepAuth || strings.Contains(e.Err.Error(), "tok-12345") {
		t.Errorf("errors.As reaches the secret: %v", e)
	}
}
