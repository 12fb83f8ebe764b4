package ruleaudit

import (
	"net/netip"
)

// Vendors named in Ruleset.Vendor; they choose the words of messages
// ("policy 3", "filter 200020").
const (
	VendorFortiOS = "fortios"
	VendorRTX     = "rtx"
)

// Action is what a rule does with the traffic it matches.
type Action string

// Actions.
const (
	Accept Action = "accept"
	Deny   Action = "deny"
)

// ZoneClass says which side of the network an interface faces. Converters
// classify interfaces; the audit uses the class to judge direction.
type ZoneClass string

// Zone classes.
const (
	ZoneInternal ZoneClass = "internal"
	ZoneInternet ZoneClass = "internet"
	ZoneDMZ      ZoneClass = "dmz"
	ZoneAny      ZoneClass = "any"
	ZoneUnknown  ZoneClass = "unknown"
)

// Ruleset is one device's rules, evaluated first match in slice order.
// Rules with different Table values never meet: each table is its own
// first-match list (a Yamaha RTX interface binding is a table).
type Ruleset struct {
	Vendor string // VendorFortiOS, VendorRTX or another short name
	Device string
	Rules  []Rule
	// DefaultAction applies to traffic no rule of a table matches; ""
	// means Deny (FortiOS implicit deny, RTX secure filter).
	DefaultAction Action
}

// Rule is one firewall rule in vendor-neutral form.
type Rule struct {
	ID       string // unique in the ruleset: FortiOS policyid, RTX "200020@lan2/in"
	Name     string // FortiOS policy name, RTX filter number
	Table    string // see Ruleset; RTX: "lan2 in"
	Position int    // 1-based place in its table
	Enabled  bool
	Action   Action
	// Log is true when every session the rule allows is logged.
	Log bool
	// LogPartial is true when only some sessions are logged (FortiOS
	// "logtraffic utm": only sessions a security profile acted on).
	LogPartial bool

	// SrcIntf and DstIntf are interface or zone names; nil or a name
	// "any" means every interface.
	SrcIntf, DstIntf []string
	SrcZone, DstZone ZoneClass

	Src, Dst AddrSet

	// Services is the union of the rule's services; an empty list matches
	// nothing. ServiceNames keeps the configured names for messages.
	Services     []Service
	ServiceNames []string
	// ServiceNegate makes the rule match every service except Services.
	ServiceNegate bool
	// ServiceUnknown says the rule may match services beyond Services
	// (a name the converter could not resolve).
	ServiceUnknown bool

	Schedule string
	// Always is true when the rule applies at every moment. A rule that
	// is not always in force never shadows another one.
	Always bool
	// Narrowed says the rule matches only part of what its addresses and
	// services describe (TCP flags, ICMP codes, VIP port forwarding). Like
	// a scheduled rule it can be shadowed but never shadows.
	Narrowed bool
	NAT      bool
	Line     int // 1-based line of the rule in the configuration, 0 if unknown
}

// AddrSet is a set of IPv4 and IPv6 addresses.
type AddrSet struct {
	// Any matches every address of both families.
	Any bool
	// Ranges are addresses known to be in the set. IPv4-mapped IPv6
	// addresses are taken as IPv4.
	Ranges []AddrRange
	// Unknown says the set may hold more addresses than Ranges (an FQDN,
	// geography or dynamic object), all inside UnknownIn when that is not
	// empty (an IPv4 FQDN resolves to IPv4 addresses), anywhere otherwise.
	Unknown   bool
	UnknownIn []AddrRange
	// Negate makes the set every address except the above.
	Negate bool
	// Names are the configured object names, for messages.
	Names []string
}

// AddrRange is an inclusive range of addresses of one family.
type AddrRange struct {
	From, To netip.Addr
}

// Prefix returns the range covering p.
func Prefix(p netip.Prefix) AddrRange {
	p = p.Masked()
	from := p.Addr()
	to := from
	bits := from.BitLen()
	b := to.AsSlice()
	for i := p.Bits(); i < bits; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	to, _ = netip.AddrFromSlice(b)
	return AddrRange{From: from, To: to}
}

// Service is an IP protocol with destination and source port ranges.
type Service struct {
	// Proto is the IP protocol number; 0 means every protocol.
	Proto uint8
	// DstLo..DstHi is the destination port range (for ICMP: the ICMP
	// type range); DstHi 0 means every port.
	DstLo, DstHi uint16
	// SrcLo..SrcHi is the source port range; SrcHi 0 means every port.
	SrcLo, SrcHi uint16
}

// Protocol numbers used by converters and tests.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoGRE    = 47
	ProtoESP    = 50
	ProtoAH     = 51
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// Problem is something a converter could not model exactly. The rules
// concerned are still audited, conservatively.
type Problem struct {
	Line int    `json:"line,omitempty"`
	Rule string `json:"rule,omitempty"`
	Msg  string `json:"msg"`
}

// anyIntf reports whether an interface list means every interface.
func anyIntf(names []string) bool {
	if len(names) == 0 {
		return true
	}
	for _, n := range names {
		if n == "any" {
			return true
		}
	}
	return false
}

// broad reports whether the set is (nearly) every address: any, all of
// IPv4 or all of IPv6, or a negated set.
func (a AddrSet) broad() bool {
	if a.Any {
		return !a.Negate
	}
	if a.Negate {
		return true
	}
	for _, r := range a.Ranges {
		if r.From == netip.IPv4Unspecified() && r.To == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return true
		}
		if r.From == netip.IPv6Unspecified() && r.To == maxIPv6 {
			return true
		}
	}
	return false
}

var maxIPv6 = netip.AddrFrom16([16]byte{
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
})

// broadServices reports whether the rule matches every service, or every
// service but the listed ones.
func (r *Rule) broadServices() bool { return r.allServices() || r.ServiceNegate }

// allServices reports whether the rule matches every protocol and port.
func (r *Rule) allServices() bool {
	if r.ServiceNegate {
		return len(r.Services) == 0 && !r.ServiceUnknown
	}
	for _, s := range r.Services {
		if s.Proto == 0 && s.DstHi == 0 && s.SrcHi == 0 {
			return true
		}
	}
	return false
}
