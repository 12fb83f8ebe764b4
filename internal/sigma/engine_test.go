package sigma

import (
	"sync"
	"testing"

	"github.com/sekimori/sekimori/internal/event"
)

const firewallRule = `
title: Blocked SMB
id: smb
logsource: {category: firewall}
detection:
    selection:
        dst_port: 445
        action: deny
    filter:
        src_ip|cidr: 10.0.0.0/8
    condition: selection and not filter
`

func TestFieldMapping(t *testing.T) {
	e := engineFor(t, firewallRule, Options{})
	fw := LogSource{Category: "firewall", Product: "fortigate"}
	ecs := &event.Event{Raw: "raw line"}
	ecs.Add("destination.port", "445")
	ecs.Add("event.action", "deny")
	ecs.Add("source.ip", "203.0.113.9")
	if got := e.Match(fw, Fields{E: ecs}, nil); len(got) != 1 {
		t.Errorf("ECS fields through DefaultFieldMap: %v", got)
	}
	// Sigma's own names still work (fallback).
	if got := e.Match(fw, MapEvent{"dst_port": "445", "action": "deny", "src_ip": "198.51.100.1"}, nil); len(got) != 1 {
		t.Errorf("Sigma names: %v", got)
	}
	if got := e.Match(fw, MapEvent{"dst_port": "445", "action": "deny", "src_ip": "10.1.1.1"}, nil); len(got) != 0 {
		t.Errorf("filtered source matched: %v", got)
	}
	// Another log source: the rule does not apply.
	if got := e.Match(LogSource{Product: "windows"}, MapEvent{"dst_port": "445", "action": "deny"}, nil); len(got) != 0 {
		t.Errorf("rule of another log source matched: %v", got)
	}
	// A custom mapper.
	m := FieldMapFunc(func(ls LogSource, f string) []string {
		return map[string][]string{"dst_port": {"dstport"}, "action": {"act"}, "src_ip": {"srcip"}}[f]
	})
	e2 := engineFor(t, firewallRule, Options{Fields: m})
	if got := e2.Match(fw, MapEvent{"dstport": "445", "act": "DENY", "srcip": "1.2.3.4"}, nil); len(got) != 1 {
		t.Errorf("custom mapper: %v", got)
	}
}

func TestFieldsAdapter(t *testing.T) {
	e := engineFor(t, `
title: keyword in the raw line
id: kw
logsource: {product: x}
detection:
    keywords: ['secret-token']
    multi:
        tag: b
    condition: keywords and multi
`, Options{})
	ev := &event.Event{Raw: "user sent secret-token=1"}
	ev.Add("tag", "a")
	ev.Add("tag", "b")
	if got := e.Match(AnyLogSource, Fields{E: ev}, nil); len(got) != 1 {
		t.Errorf("got %v", got)
	}
}

// TestConcurrentMatch runs one engine from several goroutines (run with
// -race): views compile once, matching shares nothing mutable.
func TestConcurrentMatch(t *testing.T) {
	e := engineFor(t, firewallRule+`
---
title: Any deny
id: deny
logsource: {product: fortigate}
detection:
    selection: {action|re: '^de.y$'}
    condition: selection
`, Options{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ls := LogSource{Category: "firewall", Product: "fortigate"}
			if g%2 == 0 {
				ls = AnyLogSource
			}
			var dst []*Rule
			for i := 0; i < 200; i++ {
				dst = e.Match(ls, MapEvent{"dst_port": "445", "action": "deny", "src_ip": "8.8.8.8"}, dst[:0])
				if len(dst) != 2 {
					t.Errorf("got %d matches", len(dst))
					return
				}
			}
		}()
	}
	wg.Wait()
}
