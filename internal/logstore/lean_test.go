package logstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/event"
	"github.com/sekimori/sekimori/internal/loadgen"
	"github.com/sekimori/sekimori/internal/parse"
	"github.com/sekimori/sekimori/internal/syslog"
)

var jst = time.FixedZone("JST", 9*3600)

// fortigateEvent builds the event the ingest pipeline builds for a
// FortiGate line from a registered device.
func fortigateEvent(t testing.TB, line string, seq uint64) *event.Event {
	t.Helper()
	p, ok := parse.Lookup("fortigate")
	if !ok {
		t.Fatal("no fortigate parser")
	}
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	ev := &event.Event{Seq: seq, Received: now, Source: "192.0.2.1", TenantID: 1, Device: "fg1", Format: "fortigate", Raw: line}
	msg := syslog.Parse([]byte(line), syslog.ParseOptions{Location: jst, Now: now})
	ev.Fields = msg.HeaderFields(ev.Fields)
	ev.Time = msg.Timestamp
	if err := p.Parse(msg.Msg, jst, ev); err != nil {
		ev.ParseError = err.Error()
	}
	if ev.Time.IsZero() || ev.Time.Before(now.Add(-30*24*time.Hour)) || ev.Time.After(now) {
		ev.Time = now.Add(-time.Duration(seq) * time.Second) // keep corpus lines inside retention
	}
	return ev
}

// edgeLines are FortiGate-shaped lines whose reading differs between
// parsers in small ways: each must end up stored lean or whole, never
// with fields that differ from the parser's.
var edgeLines = []string{
	`<189>date=2026-11-19 time=10:00:00 devname="FG-A" devid="FGT1" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=10.0.0.1 dstip=192.0.2.9 dstport=443 action="deny" service="HTTPS" policyid=7`,
	`<189>date=2026-11-19 time=10:00:01 devname="FG-A" devid="FGT1" logid="0100032002" type="event" subtype="system" level="alert" msg="管理者ログイン失敗 from 10.0.0.5" user="admin" action="login" status="failed"`,
	`<189>date=2026-11-19 time=10:00:02 devname="FG-A" devid="FGT1" logid="0100032001" type="event" subtype="system" msg="He said \"hi\"" user="a\\b"`,
	`<189>date=2026-11-19 time=10:00:03 devname="FG-A" devid="FGT1" logid="0000000013" type="traffic" srcip=10.0.0.1 srcip=10.0.0.2 action="accept"`,
	`<189>date=2026-11-19 time=10:00:04 devname="FG-A" devid="FGT1" logid="0000000013" type="traffic" url="/a?b=c&d=e" hostname="" action="accept"`,
	`<189>Nov 19 10:00:05 relay01 date=2026-11-19 time=10:00:05 devname="FG-A" devid="FGT1" logid="0000000013" type="traffic" action="accept" app="HTTPS.BROWSER"`,
	`<189>date=2026-11-19 time=10:00:06 devname="FG-A" devid="FGT1" logid="0419016384" type="utm" subtype="ips" attack="Apache.HTTP.Server.Path.Traversal" attackid=50566 severity="critical" srcip=198.51.100.7 dstip=10.0.0.80 action="dropped" ref="http://www.fortinet.com/ids/VID50566"`,
	`<189>date=2026-11-19 time=10:00:07 devname='FG-A' devid=FGT1 logid=0000000013 type=traffic action=accept note='it''s'`,
	`<189>date=2026-11-19 time=10:00:08 devname="FG-A" devid="FGT1" logid="0000000013" type="traffic" action="accept" trailing=`,
	`<189>date=2026-11-19 time=10:00:09 devname="FG-A" devid="FGT1" logid="0000000013" type="traffic" action="accept" unterminated="abc`,
}

// leanTestEvents are generated FortiGate lines, the edge lines and, when
// the shared corpus is present, its FortiGate lines.
func leanTestEvents(t *testing.T) []*event.Event {
	var evs []*event.Event
	g := loadgen.New(loadgen.Options{Seed: 7, Total: 3000, Start: time.Date(2026, 11, 12, 0, 0, 0, 0, jst)})
	for i := range 3000 {
		evs = append(evs, fortigateEvent(t, string(g.Next(nil)), uint64(i+1)))
	}
	for i, l := range edgeLines {
		evs = append(evs, fortigateEvent(t, l, uint64(10_000+i)))
	}
	for i, l := range corpusFortiGate(t) {
		evs = append(evs, fortigateEvent(t, l, uint64(20_000+i)))
	}
	return evs
}

// corpusFortiGate returns the shared corpus's FortiGate lines (none when
// the corpus is absent).
func corpusFortiGate(t *testing.T) []string {
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Logf("shared corpus not found at %s: testing generated and hand-written lines only", dir)
		return nil
	}
	var lines []string
	read := func(path string, keep func(string) (string, bool)) {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if l, ok := keep(sc.Text()); ok {
				lines = append(lines, l)
			}
		}
	}
	all := func(l string) (string, bool) { return l, strings.TrimSpace(l) != "" }
	paths, _ := filepath.Glob(filepath.Join(dir, "elastic-integrations", "fortinet_fortigate", "*.log"))
	for _, p := range paths {
		read(p, all)
	}
	read(filepath.Join(dir, "crowdsec-hub", "fortinet-vpn-bf", "fortinet-vpn-bf.log"), all)
	logLine := regexp.MustCompile(`^log \d+ pass = (.*)$`)
	read(filepath.Join(dir, "wazuh", "ruleset-testing-v4.14.7", "fortigate.ini"), func(l string) (string, bool) {
		if m := logLine.FindStringSubmatch(l); m != nil {
			return m[1], true
		}
		return "", false
	})
	return lines
}

// leanAndFull stores evs in two stores, lean (the default) and with every
// field a column, closed when the test ends.
func leanAndFull(t *testing.T, evs []*event.Event) (lean, full *Embedded) {
	t.Helper()
	for _, opts := range []EmbeddedOptions{{}, {AllColumns: true}} {
		s, err := OpenEmbedded(t.TempDir(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Add(evs); err != nil {
			t.Fatal(err)
		}
		s.Flush()
		if opts.AllColumns {
			full = s
		} else {
			lean = s
		}
	}
	return lean, full
}

// TestLeanRows stores the same events lean and with every column, and
// checks that every query answers the same from both: search rows (with
// the derived fields), filters on stored and derived fields, negations,
// or, Japanese, IPs, ranges, stats and facets.
func TestLeanRows(t *testing.T) {
	ctx := context.Background()
	evs := leanTestEvents(t)
	leanCount, copyCount := 0, 0
	for _, ev := range evs {
		if _, ok := leanFirst(ev); ok {
			leanCount++
			if copiesHold(ev.Fields, rolesOf(nil, ev.Fields)) {
				copyCount++
			}
		}
	}
	lean, full := leanAndFull(t, evs)
	t.Logf("%d of %d events stored lean, %d of them without ECS copies", leanCount, len(evs), copyCount)
	if copyCount < leanCount*3/4 || copyCount == leanCount {
		t.Errorf("%d of %d lean rows leave out ECS copies: the test needs both kinds", copyCount, leanCount)
	}
	if got := lean.Stats().LeanRows; got != uint64(leanCount) {
		t.Errorf("Stats().LeanRows = %d, want %d", got, leanCount)
	}
	if got := full.Stats().LeanRows; got != 0 {
		t.Errorf("all columns: Stats().LeanRows = %d, want 0", got)
	}
	if leanCount < len(evs)*9/10 {
		t.Errorf("only %d of %d FortiGate events are stored lean", leanCount, len(evs))
	}

	rows := func(s Store, q string) []string {
		t.Helper()
		var out []string
		err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: q}, func(row []event.Field) error {
			r := slices.Clone(row)
			slices.SortFunc(r, func(a, b event.Field) int { return strings.Compare(a.Name, b.Name) })
			out = append(out, fmt.Sprint(r))
			return nil
		})
		if err != nil {
			t.Fatalf("search %q: %v (as run: %s)", q, err, Rewrite(q))
		}
		slices.Sort(out)
		return out
	}
	queries := []string{
		"*",
		"service:HTTPS",
		"service:=HTTPS",
		"service:HTTP*",
		"-service:HTTPS",
		"not service:HTTPS type:traffic",
		"! service:HTTPS type:traffic",
		"- service:DNS srcintf:port1",
		`app:"HTTPS.BROWSER"`,
		"action:deny dstport:443",
		"type:utm subtype:webfilter",
		"msg:ログイン",
		"ログイン",
		"srcintf:port1 or dstintf:port1",
		"(srcintf:port1 or dstintf:port1) action:close",
		"user:in(admin, yamaguchi10)",
		"duration:>60",
		"sentbyte:>1000 srcintf:port3",
		"10.0.0.1",
		"devname:=FG-A",
		"eventtime:>1700000000",
		"tz:*",
		`catdesc:"Information Technology"`,
		`url:"/static/app.js"`,
		`msg:"He said"`,
		"note:it",
		"attack:Apache* severity:critical",
		`unterminated:*`,
		"* | stats by (service) count() n",
		"* | top 5 by (app)",
		"service:HTTPS | stats count() n",
		"type:traffic | stats by (srcintf, dstintf) count() n | sort by (n desc)",
		"* | fields _msg, service, srcintfrole",
		"type:traffic | fields src*",
		`type:utm | format "<service>/<app> <q:hostname>" as sa | fields sa`,
		"policyid:1 | uniq by (policytype)",
		// ECS copies, left out of most lean rows.
		"source.ip:10.1.0.13",
		"destination.port:=443 event.action:close",
		"source.port:>1024 type:traffic",
		"user.name:yamaguchi10 or user.name:admin",
		`message:"User"`,
		"-log.level:notice",
		"source.ip:ipv4_range(10.1.0.0/16) | stats by (destination.port) count() n",
		"* | stats by (observer.ingress.interface.name, observer.egress.interface.name) count() n",
		"type:traffic | fields source.*, destination.*",
		`* | format "<source.ip>:<source.port>" as sp | fields sp`,
	}
	for _, q := range queries {
		got, want := rows(lean, q), rows(full, q)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: %d rows from all columns, %d lean", q, len(want), len(got))
			if len(diff) > 3000 {
				diff = diff[:3000]
			}
			t.Errorf("%q answers differently from lean rows (-all columns +lean):\n%s\nas run: %s", q, diff, Rewrite(q))
		} else if len(want) == 0 {
			t.Errorf("%q: no rows; the test needs lines it matches", q)
		}
	}
	for _, field := range []string{"service", "srcip", "app", "type", "source.ip", "destination.port", "user.name"} {
		got, err := lean.Facets(ctx, Request{Tenants: []uint32{1}}, field, 5)
		if err != nil {
			t.Fatal(err)
		}
		want, err := full.Facets(ctx, Request{Tenants: []uint32{1}}, field, 5)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" || len(want) == 0 {
			t.Errorf("facets of %s differ (-all columns +lean):\n%s", field, diff)
		}
	}
}

// TestLeanFirst checks which lines are stored lean.
func TestLeanFirst(t *testing.T) {
	tests := []struct {
		line      string
		lean      bool
		firstName string
	}{
		{edgeLines[0], true, "date"},
		{edgeLines[1], true, "date"},
		{edgeLines[2], true, "date"}, // Go escapes read alike by both
		{edgeLines[3], false, ""},    // a duplicate key the parser drops
		{edgeLines[5], true, ""},     // a relay's header before the pairs
	}
	for _, tc := range tests {
		ev := fortigateEvent(t, tc.line, 1)
		first, ok := leanFirst(ev)
		if ok != tc.lean || first != tc.firstName {
			t.Errorf("leanFirst(%q) = %q, %v; want %q, %v", tc.line, first, ok, tc.firstName, tc.lean)
		}
	}
	// Fields that are not pairs of the line: stored whole.
	ev := fortigateEvent(t, edgeLines[0], 1)
	ev.Add("extra", "1")
	if _, ok := leanFirst(ev); ok {
		t.Error("an event with a vendor field that is not in its line is stored lean")
	}
}

// kvPairs calls fn for each pair kvReader reads from s.
func kvPairs(s string, fn func(name, value string)) {
	r := kvReader{s: s}
	for {
		name, value, ok := r.next()
		if !ok {
			return
		}
		fn(name, value)
	}
}

func TestKVPairs(t *testing.T) {
	type pair struct{ Name, Value string }
	tests := []struct {
		in   string
		want []pair
	}{
		{`a=1 b="x y" c= d`, []pair{{"a", "1"}, {"b", "x y"}, {"c", ""}, {"d", ""}}},
		{`<189>date=2026 x='it\'s'`, []pair{{"<189>date", "2026"}, {"x", "it's"}}},
		{`a="q\"q" b=2`, []pair{{"a", `q"q`}, {"b", "2"}}},
		{`a="x"y b=2`, []pair{{"a", "x"}}},
		{`a="open b=2`, []pair{{"a", `"open`}, {"b", "2"}}},
		{"a=`raw` b", []pair{{"a", "raw"}, {"b", ""}}},
		{"word", []pair{{"word", ""}}},
	}
	for _, tc := range tests {
		var got []pair
		kvPairs(tc.in, func(n, v string) { got = append(got, pair{n, v}) })
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("kvPairs(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// FuzzLeanRows checks, for any line the FortiGate parser reads, that a
// lean row gives back exactly the parser's fields, and the stored row
// holds every field Sekimori adds or normalizes.
func FuzzLeanRows(f *testing.F) {
	for _, l := range edgeLines {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		ev := fortigateEvent(t, line, 1)
		fn, ok := leanFirst(ev)
		if !ok {
			return
		}
		roles := rolesOf(nil, ev.Fields)
		copies := copiesHold(ev.Fields, roles)
		marker := derivedKV
		if copies {
			marker = derivedKVA
		}
		row := []event.Field{{Name: "_msg", Value: line}, {Name: FieldDerived, Value: marker}}
		for i, f := range ev.Fields {
			if storesField(f, roles[i], true, copies, fn) {
				row = append(row, f)
			}
		}
		got := deriveRow(row, map[string]int{})[1:]
		var want []event.Field
		for _, f := range ev.Fields {
			if f.Value != "" && f.Name[0] != '_' {
				want = append(want, f)
			}
		}
		sortFields := func(fs []event.Field) {
			slices.SortStableFunc(fs, func(a, b event.Field) int { return strings.Compare(a.Name, b.Name) })
		}
		sortFields(got)
		sortFields(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("lean row of %q (-event +derived):\n%s", line, diff)
		}
	})
}

// BenchmarkLeanFirst is the per-line cost of deciding a row can be lean.
func BenchmarkLeanFirst(b *testing.B) {
	g := loadgen.New(loadgen.Options{Seed: 1, Total: 1000, Start: time.Date(2026, 11, 12, 0, 0, 0, 0, jst)})
	evs := make([]*event.Event, 1000)
	for i := range evs {
		evs[i] = fortigateEvent(b, string(g.Next(nil)), uint64(i+1))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := leanFirst(evs[i%len(evs)]); !ok {
			b.Fatal("not lean")
		}
	}
}

// TestSearchNewest checks that a search for the newest N rows, which first
// finds the oldest of them from the time column alone, returns the same
// times as sorting every match, ties at the boundary included.
func TestSearchNewest(t *testing.T) {
	ctx := context.Background()
	s, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := leanTestEvents(t)
	tie := evs[len(evs)/2].Time
	for i := range 40 { // rows sharing one time, somewhere in the middle
		evs[len(evs)/2+i].Time = tie
	}
	if err := s.Add(evs); err != nil {
		t.Fatal(err)
	}
	s.Flush()
	times := func(q string, limit int) []string {
		var out []string
		err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: q, Limit: limit}, func(row []event.Field) error {
			out = append(out, row[0].Value)
			return nil
		})
		if err != nil {
			t.Fatalf("search %q limit %d: %v", q, limit, err)
		}
		return out
	}
	for _, q := range []string{"*", "type:traffic", "service:HTTPS"} {
		all := times(q, 0)
		parsed := make([]time.Time, len(all))
		for i, v := range all {
			parsed[i], _ = time.Parse(time.RFC3339Nano, v)
		}
		slices.SortFunc(parsed, func(a, b time.Time) int { return b.Compare(a) })
		inTie := slices.IndexFunc(parsed, func(x time.Time) bool { return x.Equal(tie) }) + 20 // cuts the tied rows
		for _, limit := range []int{1, 7, 100, inTie, len(all) - 1, len(all) + 5} {
			got := times(q, limit)
			n := min(limit, len(all))
			if len(got) != n {
				t.Errorf("%q limit %d: %d rows, want %d", q, limit, len(got), n)
				continue
			}
			for i, v := range got {
				if g, _ := time.Parse(time.RFC3339Nano, v); !g.Equal(parsed[i]) {
					t.Errorf("%q limit %d: row %d at %s, want %s", q, limit, i, v, parsed[i].Format(time.RFC3339Nano))
					break
				}
			}
		}
	}
}

// TestLeanRowsRandomQueries compares lean and all-column stores on random
// filters built from the data's own field values: words, phrases, exact
// and prefix values, negations in every spelling, or, and parentheses.
func TestLeanRowsRandomQueries(t *testing.T) {
	ctx := context.Background()
	evs := leanTestEvents(t)
	lean, full := leanAndFull(t, evs)
	// Atoms: name and value pairs taken from events, derived and stored.
	rnd := rand.New(rand.NewPCG(1, 2))
	var atoms []string
	for len(atoms) < 400 {
		ev := evs[rnd.IntN(len(evs))]
		f := ev.Fields[rnd.IntN(len(ev.Fields))]
		if f.Value == "" || strings.ContainsAny(f.Name, `"\ `) {
			continue
		}
		v := f.Value
		switch rnd.IntN(5) {
		case 0:
			atoms = append(atoms, fmt.Sprintf("%s:%q", f.Name, v))
		case 1:
			atoms = append(atoms, fmt.Sprintf("%s:=%q", f.Name, v))
		case 2:
			if len(v) > 2 {
				atoms = append(atoms, fmt.Sprintf("%s:%q*", f.Name, v[:len(v)/2]))
			}
		case 3:
			if w := strings.Fields(v); len(w) > 0 && !strings.ContainsAny(w[0], `"'`+"`()*:|!-=<>~{}[],\\") {
				atoms = append(atoms, f.Name+":"+w[0])
			}
		case 4:
			atoms = append(atoms, fmt.Sprintf("%q", v)) // a phrase of the line
		}
	}
	negations := []string{"-", "!", "not ", "! ", "- "}
	atom := func() string {
		a := atoms[rnd.IntN(len(atoms))]
		if rnd.IntN(4) == 0 {
			a = negations[rnd.IntN(len(negations))] + a
		}
		return a
	}
	count := func(s Store, q string) int {
		n := 0
		if err := s.Search(ctx, Request{Tenants: []uint32{1}, Query: q}, func([]event.Field) error { n++; return nil }); err != nil {
			t.Fatalf("%q: %v (as run: %s)", q, err, Rewrite(q))
		}
		return n
	}
	for n := 0; n < 300; {
		var parts []string
		for k := 0; k < 1+rnd.IntN(3); k++ {
			switch rnd.IntN(4) {
			case 0:
				parts = append(parts, "("+atom()+" or "+atom()+")")
			case 1:
				parts = append(parts, atom()+" or")
			default:
				parts = append(parts, atom())
			}
		}
		q := strings.TrimSuffix(strings.Join(parts, " "), " or")
		if _, err := logstorage.ParseQuery(q); err != nil {
			continue // a value LogsQL does not take unquoted (such as "/")
		}
		n++
		if got, want := count(lean, q), count(full, q); got != want {
			t.Errorf("%q: %d rows lean, %d with all columns\nas run: %s", q, got, want, Rewrite(q))
		}
	}
}

// TestDeleteDerivedField: the engine deletes by stored columns, so a delete
// filter on a field lean rows derive is refused rather than left to miss
// them.
func TestDeleteDerivedField(t *testing.T) {
	s, err := OpenEmbedded(t.TempDir(), EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Delete(context.Background(), []uint32{1}, "app:DNS", time.Time{})
	if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "app:DNS") {
		t.Errorf("delete by a derived field: %v", err)
	}
	if err := s.Delete(context.Background(), []uint32{1}, `"log.source.address":="192.0.2.1" action:deny`, time.Time{}); err != nil {
		t.Errorf("delete by stored fields: %v", err)
	}
}

// FuzzUnquotePrefix checks the fast path for double-quoted values against
// strconv, which the engine's logfmt reader uses.
func FuzzUnquotePrefix(f *testing.F) {
	for _, s := range []string{`"plain" b=1`, `"a\"b"`, `"日本語" x`, "\"bad \xff\" x", `"open`, "\"new\nline\"", `"` + "\x7f" + `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = `"` + strings.TrimPrefix(s, `"`)
		got, gotN := unquotePrefix(s)
		want, wantN := "", -1
		if qp, err := strconv.QuotedPrefix(s); err == nil {
			if us, err := strconv.Unquote(qp); err == nil {
				want, wantN = us, len(qp)
			}
		}
		if got != want || gotN != wantN {
			t.Fatalf("unquotePrefix(%q) = %q, %d; strconv gives %q, %d", s, got, gotN, want, wantN)
		}
	})
}
