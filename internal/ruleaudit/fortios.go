package ruleaudit

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sekimori/sekimori/internal/devconfig"
)

// ErrNoVDOM is returned when the requested VDOM is not in the backup.
var ErrNoVDOM = errors.New("vdom not in configuration")

// FromFortiOS converts the "config firewall policy" table of one VDOM into
// a Ruleset. vdom "" means the only configuration of a single-VDOM backup,
// or "root" in a multi-VDOM one.
//
// Rules keep the policy order (FortiOS evaluates top down, not by policy
// ID); ID is the policy ID, Name the policy name, the default action is
// the implicit deny. A policy's IPv4 and IPv6 addresses (srcaddr and
// srcaddr6, …) are one set: IPv4 and IPv6 flows never meet. Address "all"
// is the whole family it is used in, "none" nothing.
//
// Addresses of type fqdn, geography, wildcard, dynamic, interface-subnet
// and the like, Internet Service database objects and names the backup
// does not define cannot be resolved to addresses: the set is marked
// Unknown, so such a policy may be found shadowed but never shadows another
// one; each is reported once as a Problem. Negation (srcaddr-negate,
// dstaddr-negate, service-negate) is handled exactly when the negated set
// is known. A VIP matches its external address; with port forwarding the
// policy is Narrowed. Services come from "firewall service custom" and
// "group", then from a table of factory defaults (fortiPredefined);
// explicit-proxy services are unknown. Schedules other than "always" (or a
// recurring schedule covering the whole week) make a policy not Always.
//
// logtraffic all logs, disable does not, and utm (the default) logs only
// sessions a security profile acted on: LogPartial. Interfaces are
// classified as described on fortiZones.one. Device is the hostname. Other
// policy tables (policy6 of FortiOS 6.x, local-in, proxy) are reported as
// Problems and not analysed.
func FromFortiOS(cfg *devconfig.Config, vdom string) (Ruleset, []Problem, error) {
	if cfg == nil {
		return Ruleset{}, nil, errors.New("fortios ruleset: nil configuration")
	}
	if cfg.IsMultiVDOM() && vdom != "" && !slices.Contains(cfg.VDOMs(), vdom) {
		return Ruleset{}, nil, fmt.Errorf("fortios ruleset: vdom %q: %w", vdom, ErrNoVDOM)
	}
	c := &fortiConv{cfg: cfg, vdom: vdom, objects: map[string]map[string]*devconfig.Entry{},
		addrCache: map[string]addrVal{}, svcCache: map[string]svcVal{}, resolving: map[string]bool{},
		reported: map[string]bool{}}
	zones := newFortiZones(c)
	rs := Ruleset{Vendor: VendorFortiOS, Device: c.hostname()}
	for _, path := range []string{"firewall policy6", "firewall policy46", "firewall policy64",
		"firewall local-in-policy", "firewall proxy-policy"} {
		for _, b := range c.blocks(path) {
			if len(b.Entries) > 0 {
				c.problem(b.Line, "", fmt.Sprintf("config %s (%d entries) is not analysed", path, len(b.Entries)))
			}
		}
	}
	for n, e := range c.entries("firewall policy") {
		r := c.policy(e, zones)
		r.Position = n + 1
		rs.Rules = append(rs.Rules, r)
	}
	return rs, c.problems, nil
}

// fortiConv holds the state of one conversion.
type fortiConv struct {
	cfg       *devconfig.Config
	vdom      string
	objects   map[string]map[string]*devconfig.Entry // path → name → entry
	addrCache map[string]addrVal
	svcCache  map[string]svcVal
	resolving map[string]bool // objects being resolved, to catch cycles
	reported  map[string]bool // objects already named in a Problem
	problems  []Problem
}

func (c *fortiConv) problem(line int, rule, msg string) {
	c.problems = append(c.problems, Problem{Line: line, Rule: rule, Msg: msg})
}

// problemOnce reports an object's problem the first time only.
func (c *fortiConv) problemOnce(key string, line int, msg string) {
	if c.reported[key] {
		return
	}
	c.reported[key] = true
	c.problem(line, "", msg)
}

func (c *fortiConv) blocks(path string) []*devconfig.Block { return c.cfg.FindIn(c.vdom, path) }

// entries returns the entries of every block with that path, in order.
func (c *fortiConv) entries(path string) []*devconfig.Entry {
	var out []*devconfig.Entry
	for _, b := range c.blocks(path) {
		out = append(out, b.Entries...)
	}
	return out
}

func (c *fortiConv) globalEntries(path string) []*devconfig.Entry {
	var out []*devconfig.Entry
	for _, b := range c.cfg.FindGlobal(path) {
		out = append(out, b.Entries...)
	}
	return out
}

// object returns the entry named name in the table at path, or nil.
func (c *fortiConv) object(path, name string) *devconfig.Entry {
	m, ok := c.objects[path]
	if !ok {
		m = map[string]*devconfig.Entry{}
		for _, e := range c.entries(path) {
			m[e.Name] = e
		}
		c.objects[path] = m
	}
	return m[name]
}

func (c *fortiConv) vdomName() string {
	if c.vdom == "" {
		return "root"
	}
	return c.vdom
}

func (c *fortiConv) hostname() string {
	for _, b := range c.cfg.FindGlobal("system global") {
		if s, ok := b.Get("hostname"); ok && len(s.Values) > 0 {
			return s.Values[0]
		}
	}
	return ""
}

func values(e *devconfig.Entry, name string) []string {
	if s, ok := e.Get(name); ok && s.Verb == "set" {
		return s.Values
	}
	return nil
}

func enabled(e *devconfig.Entry, name string) bool { return first(e, name) == "enable" }

// policy converts one "edit <policyid>" entry.
func (c *fortiConv) policy(e *devconfig.Entry, zones *fortiZones) Rule {
	r := Rule{ID: e.Name, Name: first(e, "name"), Line: e.Line, Enabled: first(e, "status") != "disable"}
	switch first(e, "action") {
	case "accept", "ipsec":
		r.Action = Accept
	default:
		r.Action = Deny
	}
	switch first(e, "logtraffic") {
	case "all":
		r.Log = true
	case "disable":
	default:
		r.LogPartial = true
	}
	r.SrcIntf, r.DstIntf = values(e, "srcintf"), values(e, "dstintf")
	r.SrcZone, r.DstZone = zones.classify(r.SrcIntf), zones.classify(r.DstIntf)

	var vip, fwd bool
	r.Src, _, _ = c.policyAddrs(e, "src", enabled(e, "internet-service-src"))
	r.Dst, vip, fwd = c.policyAddrs(e, "dst", enabled(e, "internet-service"))
	r.NAT = vip || enabled(e, "nat")

	r.ServiceNames = values(e, "service")
	r.ServiceNegate = enabled(e, "service-negate")
	exact := true
	for _, name := range r.ServiceNames {
		v := c.service(name, e.Line)
		r.Services = append(r.Services, v.svcs...)
		exact = exact && v.exact
		r.ServiceUnknown = r.ServiceUnknown || v.unknown
	}
	if enabled(e, "internet-service") && len(r.ServiceNames) == 0 {
		r.ServiceUnknown = true // the Internet Service objects bring their own ports
	}
	// A port-forwarding VIP or a narrowed service matches less than the
	// policy's sets say.
	r.Narrowed = !exact || fwd
	r.Schedule = first(e, "schedule")
	r.Always = c.always(r.Schedule)
	return r
}

// policyAddrs builds the source or destination set of a policy from its
// IPv4 and IPv6 fields. isdb says the policy uses Internet Service objects
// on that side. It also reports whether a VIP is used, and whether one
// forwards only some ports.
func (c *fortiConv) policyAddrs(e *devconfig.Entry, side string, isdb bool) (set AddrSet, anyVIP, fwd bool) {
	exact := true
	for _, fam := range []struct {
		field, negate string
		v6            bool
	}{{side + "addr", side + "addr-negate", false}, {side + "addr6", side + "addr6-negate", true}} {
		names := values(e, fam.field)
		if len(names) == 0 {
			continue
		}
		set.Names = append(set.Names, names...)
		var under []AddrRange
		famExact := true
		for _, n := range names {
			v := c.addr(n, fam.v6, e.Line)
			under = append(under, v.under...)
			famExact = famExact && v.exact
			anyVIP = anyVIP || v.vip
			fwd = fwd || v.narrowed
		}
		if enabled(e, fam.negate) {
			if famExact {
				under = subtractRanges([]AddrRange{familyRange(fam.v6)}, under)
			} else {
				under = nil
			}
		}
		set.Ranges = append(set.Ranges, under...)
		if !famExact {
			// The unknown addresses are of this family only.
			set.UnknownIn = append(set.UnknownIn, familyRange(fam.v6))
		}
		exact = exact && famExact
	}
	if isdb {
		set.Names = append(set.Names, "internet-service")
		set.UnknownIn = nil // anywhere
		exact = false
	}
	set.Unknown = !exact
	return set, anyVIP, fwd
}

// always reports whether a schedule is in force at every moment: "always",
// or a recurring schedule on all seven days from 00:00 to 00:00.
func (c *fortiConv) always(name string) bool {
	if name == "always" {
		return true
	}
	e := c.object("firewall schedule recurring", name)
	if e == nil {
		return false
	}
	days := values(e, "day")
	if len(days) < 7 {
		return false
	}
	start, end := first(e, "start"), first(e, "end")
	return (start == "" || start == "00:00") && (end == "" || end == "00:00")
}

// hasSetting reports whether the entry sets name to something other than
// the given empty values.
func hasSetting(e *devconfig.Entry, name string, empty ...string) bool {
	v := values(e, name)
	return len(v) > 0 && !slices.Contains(empty, strings.Join(v, " "))
}
