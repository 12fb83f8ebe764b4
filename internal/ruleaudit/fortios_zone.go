package ruleaudit

import (
	"net/netip"
	"strings"

	"github.com/sekimori/sekimori/internal/devconfig"
)

// fortiZones classifies FortiOS interface, zone and SD-WAN names.
type fortiZones struct {
	intf  map[string]*devconfig.Entry // "config system interface" of the VDOM
	zones map[string][]string         // "config system zone": name → member interfaces
	sdwan map[string]bool             // SD-WAN zones and the legacy virtual-wan-link
}

func newFortiZones(c *fortiConv) *fortiZones {
	z := &fortiZones{intf: map[string]*devconfig.Entry{}, zones: map[string][]string{},
		sdwan: map[string]bool{"virtual-wan-link": true, "sd-wan": true}}
	for _, e := range c.globalEntries("system interface") {
		if s, ok := e.Get("vdom"); ok && len(s.Values) > 0 && s.Values[0] != c.vdomName() {
			continue
		}
		z.intf[e.Name] = e
	}
	for _, e := range c.entries("system zone") {
		if s, ok := e.Get("interface"); ok {
			z.zones[e.Name] = s.Values
		}
	}
	for _, b := range c.blocks("system sdwan") {
		for _, nb := range b.Blocks {
			if nb.Path == "zone" {
				for _, e := range nb.Entries {
					z.sdwan[e.Name] = true
				}
			}
		}
	}
	return z
}

// classOrder ranks classes for a list of interfaces: the list takes the
// first class any member has, so a rule reaching the Internet through one
// of its interfaces is judged as facing the Internet.
var classOrder = []ZoneClass{ZoneAny, ZoneInternet, ZoneDMZ, ZoneInternal, ZoneUnknown}

// classify returns the class of an interface list.
func (z *fortiZones) classify(names []string) ZoneClass {
	found := map[ZoneClass]bool{}
	for _, n := range names {
		found[z.one(n, 0)] = true
	}
	for _, c := range classOrder {
		if found[c] {
			return c
		}
	}
	return ZoneUnknown
}

// one classifies a single name:
//
//   - "any" is any; SD-WAN zones and virtual-wan-link are the Internet;
//   - a zone takes the class of its members;
//   - an interface with role wan is the Internet, role dmz DMZ, role lan
//     internal; without a role, a name starting with "wan" is the Internet
//     and one containing "dmz" DMZ; an address from DHCP or PPPoE means the
//     Internet, a private address internal; tunnels (IPsec) and SSL-VPN
//     are unknown.
func (z *fortiZones) one(name string, depth int) ZoneClass {
	lname := strings.ToLower(name)
	switch {
	case name == "any":
		return ZoneAny
	case z.sdwan[name]:
		return ZoneInternet
	}
	if members, ok := z.zones[name]; ok && depth < 4 {
		found := map[ZoneClass]bool{}
		for _, m := range members {
			found[z.one(m, depth+1)] = true
		}
		for _, c := range classOrder {
			if found[c] {
				return c
			}
		}
		return ZoneUnknown
	}
	e := z.intf[name]
	if e != nil {
		switch first(e, "role") {
		case "wan":
			return ZoneInternet
		case "dmz":
			return ZoneDMZ
		case "lan":
			return ZoneInternal
		}
	}
	switch {
	case strings.HasPrefix(lname, "wan"):
		return ZoneInternet
	case strings.Contains(lname, "dmz"):
		return ZoneDMZ
	case lname == "ssl.root" || strings.HasPrefix(lname, "ssl."):
		return ZoneUnknown
	}
	if e == nil {
		if strings.HasPrefix(lname, "internal") || strings.HasPrefix(lname, "lan") {
			return ZoneInternal
		}
		return ZoneUnknown
	}
	switch first(e, "mode") {
	case "dhcp", "pppoe":
		return ZoneInternet
	}
	if first(e, "type") == "tunnel" {
		return ZoneUnknown
	}
	if s, ok := e.Get("ip"); ok && len(s.Values) > 0 {
		ip := s.Values[0]
		if a, _, ok := strings.Cut(ip, "/"); ok {
			ip = a
		}
		if a, err := netip.ParseAddr(ip); err == nil && a.IsPrivate() {
			return ZoneInternal
		} else if err == nil && a.IsGlobalUnicast() {
			return ZoneInternet // a public address on an interface without a role
		}
	}
	if strings.HasPrefix(lname, "internal") || strings.HasPrefix(lname, "lan") {
		return ZoneInternal
	}
	return ZoneUnknown
}

// first returns the first value of a setting, or "".
func first(e *devconfig.Entry, name string) string {
	if s, ok := e.Get(name); ok && len(s.Values) > 0 {
		return s.Values[0]
	}
	return ""
}
