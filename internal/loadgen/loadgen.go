// Package loadgen generates realistic FortiGate syslog lines for ingest
// benchmarks: FortiOS 7.x key=value payloads behind a "<PRI>" prefix, with a
// traffic, UTM and event mix, thousands of internal hosts talking to a few
// hundred external addresses, and timestamps that rise steadily over a span.
//
// Output depends only on Options: the same seed gives the same lines.
package loadgen

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Options configure a Generator. The zero value works.
type Options struct {
	// Seed selects the sequence; equal options give equal lines.
	Seed int64
	// Hosts is the number of distinct internal hosts (default 5000).
	Hosts int
	// Start is the time of the first line (default 2026-01-05 00:00 JST).
	Start time.Time
	// Span is the time the first Total lines cover (default 7 days).
	Span time.Duration
	// Devices is the number of FortiGates, named FG-0001, FG-0002, ...
	// (default 1).
	Devices int
	// Total is the number of lines spread over [Start, Start+Span)
	// (default 1,000,000). Lines after it keep the same pace past the span.
	Total int
}

// deviceZone is the zone of the generated devices (Japan, no daylight
// saving time).
var deviceZone = time.FixedZone("JST", 9*60*60)

func (o Options) withDefaults() Options {
	if o.Hosts <= 0 {
		o.Hosts = 5000
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, deviceZone)
	}
	if o.Span <= 0 {
		o.Span = 7 * 24 * time.Hour
	}
	if o.Devices <= 0 {
		o.Devices = 1
	}
	if o.Total <= 0 {
		o.Total = 1_000_000
	}
	return o
}

type host struct {
	ip, mac, user string
	kind          *hostKind
	intf          string
	ports         int // index into a per-kind port range
}

type device struct {
	name, serial, wanIP string
	uuids               []string // policy uuids, parallel to policies
	session             uint64
}

// Generator produces FortiGate syslog lines. It is not safe for concurrent
// use.
type Generator struct {
	opts      Options
	rng       *rand.Rand
	n         int64         // lines generated so far
	step      time.Duration // Span / Total
	rem       int64         // Span % Total, in nanoseconds
	hosts     []host
	popular   *rand.Zipf // host popularity
	externals []string
	countryOf []string // country per external address
	servers   []string // internal DMZ servers
	devices   []device
	svcTotal  int
}

// New returns a generator for opts.
func New(opts Options) *Generator {
	opts = opts.withDefaults()
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5e4b_1a0f_0123_4567))
	g := &Generator{
		opts: opts,
		rng:  rng,
		step: opts.Span / time.Duration(opts.Total),
		rem:  int64(opts.Span % time.Duration(opts.Total)),
	}
	for _, s := range services {
		g.svcTotal += s.weight
	}

	g.hosts = make([]host, opts.Hosts)
	for i := range g.hosts {
		h := &g.hosts[i]
		subnet := i / 250
		h.ip = "10." + strconv.Itoa(1+subnet/256%250) + "." + strconv.Itoa(subnet%256) + "." + strconv.Itoa(i%250+2)
		h.intf = "port" + strconv.Itoa(1+subnet%8)
		h.kind = &hostKinds[rng.IntN(len(hostKinds))]
		var mac [6]byte
		for j := range mac {
			mac[j] = byte(rng.IntN(256))
		}
		mac[0] &^= 1 // unicast
		h.mac = formatMAC(mac)
		if h.kind.devtype == "Computer" && rng.IntN(3) > 0 {
			h.user = surnames[rng.IntN(len(surnames))] + strconv.Itoa(rng.IntN(90)+10)
		}
	}
	g.popular = rand.NewZipf(rng, 1.07, 8, uint64(len(g.hosts)-1))

	// A few hundred external addresses from the documentation ranges; the
	// low end of 203.0.113.0/24 is left for the devices' WAN addresses.
	for _, prefix := range []string{"192.0.2.", "198.51.100.", "203.0.113."} {
		first := 1
		if prefix == "203.0.113." {
			first = 32
		}
		for last := first; last < 255; last++ {
			if rng.IntN(5) < 2 {
				g.externals = append(g.externals, prefix+strconv.Itoa(last))
				g.countryOf = append(g.countryOf, countries[rng.IntN(len(countries))])
			}
		}
	}
	for i := 0; i < 12; i++ {
		g.servers = append(g.servers, "10.0.10."+strconv.Itoa(10+i))
	}

	g.devices = make([]device, opts.Devices)
	for i := range g.devices {
		d := &g.devices[i]
		num := strconv.Itoa(10001 + i)[1:]
		d.name = "FG-" + num
		d.serial = "FG100FTK23" + strconv.Itoa(100000+rng.IntN(900000))
		d.wanIP = "203.0.113." + strconv.Itoa(1+i%30)
		d.session = uint64(rng.IntN(1 << 30))
		for range policies {
			d.uuids = append(d.uuids, uuid(rng))
		}
	}
	return g
}

func formatMAC(m [6]byte) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 17)
	for i, c := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}

// uuid returns a random version-1-looking UUID, as FortiOS writes policy
// UUIDs.
func uuid(rng *rand.Rand) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i := 0; i < 32; i++ {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b = append(b, '-')
		}
		c := hex[rng.IntN(16)]
		if i == 12 {
			c = '5' // FortiOS policy UUIDs read "xxxxxxxx-xxxx-51xx-..."
		}
		b = append(b, c)
	}
	return string(b)
}

// timeAt gives the time of line n: Start + n×Span/Total, plus jitter that
// stays below one step so that times never go down.
func (g *Generator) timeAt(n int64) time.Time {
	total := int64(g.opts.Total)
	off := time.Duration(n)*g.step + time.Duration(g.rem*(n%total)/total+g.rem*(n/total))
	if g.step > 1 {
		off += time.Duration(g.rng.Int64N(int64(g.step)))
	}
	return g.opts.Start.Add(off)
}

// Next appends one line (with a "<PRI>" prefix, no trailing newline) to dst
// and returns it.
func (g *Generator) Next(dst []byte) []byte {
	t := g.timeAt(g.n)
	g.n++
	d := &g.devices[g.rng.IntN(len(g.devices))]
	r := g.rng.IntN(100)
	switch {
	case r < 64:
		return g.forward(dst, d, t)
	case r < 80:
		return g.local(dst, d, t)
	case r < 90:
		return g.utm(dst, d, t)
	default:
		return g.event(dst, d, t)
	}
}

func (g *Generator) pick(n int) int { return g.rng.IntN(n) }

func (g *Generator) host() *host { return &g.hosts[g.popular.Uint64()] }

func (g *Generator) external() (ip, country string) {
	i := g.pick(len(g.externals))
	return g.externals[i], g.countryOf[i]
}

func (g *Generator) service() *service {
	r := g.pick(g.svcTotal)
	for i := range services {
		if r < services[i].weight {
			return &services[i]
		}
		r -= services[i].weight
	}
	return &services[0]
}

func (g *Generator) srcPort(h *host) int {
	if h.kind.linux {
		return 32768 + g.pick(28232)
	}
	return 49152 + g.pick(16384)
}

// expInt returns a positive integer with an exponential distribution of
// the given mean.
func (g *Generator) expInt(mean float64) int64 {
	return int64(g.rng.ExpFloat64()*mean) + 1
}

// pri gives the syslog "<PRI>" for a FortiOS level, facility local7 (23).
func pri(level string) string {
	switch level {
	case "emergency":
		return "<184>"
	case "alert":
		return "<185>"
	case "critical":
		return "<186>"
	case "error":
		return "<187>"
	case "warning":
		return "<188>"
	case "notice":
		return "<189>"
	case "debug":
		return "<191>"
	}
	return "<190>" // information
}

// header writes the PRI and the fields every FortiOS log starts with.
func header(dst []byte, d *device, t time.Time, logid, typ, subtype, level string) []byte {
	dst = append(dst, pri(level)...)
	lt := t.In(deviceZone)
	dst = append(dst, "date="...)
	dst = lt.AppendFormat(dst, "2006-01-02")
	dst = append(dst, " time="...)
	dst = lt.AppendFormat(dst, "15:04:05")
	dst = quoted(dst, "devname", d.name)
	dst = quoted(dst, "devid", d.serial)
	dst = append(dst, " eventtime="...)
	dst = strconv.AppendInt(dst, t.UnixNano(), 10)
	dst = quoted(dst, "tz", "+0900")
	dst = quoted(dst, "logid", logid)
	dst = quoted(dst, "type", typ)
	dst = quoted(dst, "subtype", subtype)
	dst = quoted(dst, "level", level)
	dst = quoted(dst, "vd", "root")
	return dst
}

// quoted appends key="value"; generated values hold no '"' or '\'.
func quoted(dst []byte, k, v string) []byte {
	dst = append(dst, ' ')
	dst = append(dst, k...)
	dst = append(dst, '=', '"')
	dst = append(dst, v...)
	return append(dst, '"')
}

// plain appends key=value unquoted.
func plain(dst []byte, k, v string) []byte {
	dst = append(dst, ' ')
	dst = append(dst, k...)
	dst = append(dst, '=')
	return append(dst, v...)
}

// number appends key=number.
func number(dst []byte, k string, v int64) []byte {
	dst = append(dst, ' ')
	dst = append(dst, k...)
	dst = append(dst, '=')
	return strconv.AppendInt(dst, v, 10)
}

func (g *Generator) session(d *device) int64 {
	d.session += uint64(1 + g.pick(40))
	return int64(d.session & (1<<32 - 1))
}
