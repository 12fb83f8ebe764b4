package loadgen

import "time"

// forward writes a traffic forward log (logid 0000000013): an internal host
// to the Internet or to a DMZ server.
func (g *Generator) forward(dst []byte, d *device, t time.Time) []byte {
	h := g.host()
	svc := g.service()
	dstip, dstcountry, dstintf, dstrole := "", "Reserved", "dmz", "dmz"
	if svc.internal {
		dstip = g.servers[g.pick(len(g.servers))]
	} else {
		dstip, dstcountry = g.external()
		dstintf, dstrole = "wan1", "wan"
		if g.pick(4) == 0 {
			dstintf = "wan2"
		}
	}

	// Policy and action: most sessions pass a policy and end normally.
	pi := g.policyFor(svc)
	action := "close"
	switch r := g.pick(100); {
	case r < 25:
		action = "accept"
	case r < 35:
		action = "timeout"
	case r < 45 && svc.proto == 6:
		action = "client-rst"
		if r >= 40 {
			action = "server-rst"
		}
	case r >= 45 && r < 55:
		action = "deny"
		pi = len(policies) - 1 // implicit deny
		if !svc.internal && g.pick(10) < 3 {
			pi = len(policies) - 3 + g.pick(2) // Block-P2P, Block-Tor
		}
	}
	pol := &policies[pi]

	dst = header(dst, d, t, "0000000013", "traffic", "forward", "notice")
	dst = plain(dst, "srcip", h.ip)
	sport := g.srcPort(h)
	if svc.proto != 1 {
		dst = number(dst, "srcport", int64(sport))
	}
	dst = quoted(dst, "srcintf", h.intf)
	dst = quoted(dst, "srcintfrole", "lan")
	dst = plain(dst, "dstip", dstip)
	if svc.proto != 1 {
		dst = number(dst, "dstport", int64(svc.port))
	}
	dst = quoted(dst, "dstintf", dstintf)
	dst = quoted(dst, "dstintfrole", dstrole)
	dst = quoted(dst, "srccountry", "Reserved")
	dst = quoted(dst, "dstcountry", dstcountry)
	dst = number(dst, "sessionid", g.session(d))
	dst = number(dst, "proto", int64(svc.proto))
	dst = quoted(dst, "action", action)
	dst = number(dst, "policyid", int64(pol.id))
	dst = quoted(dst, "policytype", "policy")
	if pol.id != 0 {
		dst = quoted(dst, "poluuid", d.uuids[pi])
		dst = quoted(dst, "policyname", pol.name)
	}
	if h.user != "" {
		dst = quoted(dst, "user", h.user)
		dst = quoted(dst, "group", "Staff")
		dst = quoted(dst, "authserver", "corp-ad")
	}
	dst = quoted(dst, "service", svc.name)

	if action == "deny" {
		dst = quoted(dst, "trandisp", "noop")
		dst = number(dst, "duration", 0)
		dst = number(dst, "sentbyte", 0)
		dst = number(dst, "rcvdbyte", 0)
		dst = number(dst, "sentpkt", 0)
		dst = quoted(dst, "appcat", "unscanned")
		dst = number(dst, "crscore", 30)
		dst = number(dst, "craction", 131072)
		dst = quoted(dst, "crlevel", "high")
		return g.deviceInfo(dst, h)
	}

	if svc.internal {
		dst = quoted(dst, "trandisp", "noop")
	} else {
		dst = quoted(dst, "trandisp", "snat")
		dst = plain(dst, "transip", d.wanIP)
		dst = number(dst, "transport", int64(sport))
	}
	if svc.app != "" {
		dst = number(dst, "appid", int64(svc.appid))
		dst = quoted(dst, "app", svc.app)
		dst = quoted(dst, "appcat", svc.appcat)
		dst = quoted(dst, "apprisk", svc.apprisk)
		dst = quoted(dst, "applist", "default")
	}
	sent := g.expInt(2500)
	rcvd := sent * (1 + g.expInt(6))
	dst = number(dst, "duration", g.expInt(90)-1)
	dst = number(dst, "sentbyte", sent)
	dst = number(dst, "rcvdbyte", rcvd)
	dst = number(dst, "sentpkt", 1+sent/900)
	dst = number(dst, "rcvdpkt", 1+rcvd/1300)
	if !svc.internal {
		dst = number(dst, "vwlid", 0)
	}
	dst = g.deviceInfo(dst, h)
	if svc.app != "" {
		dst = quoted(dst, "utmaction", "allow")
		dst = number(dst, "countapp", 1)
	}
	return dst
}

// policyFor picks the index of the policy that passes svc.
func (g *Generator) policyFor(svc *service) int {
	switch {
	case svc.name == "SMB":
		return 9 // Backup-to-NAS
	case svc.internal:
		return 1 // LAN-to-DMZ
	case svc.name == "NTP":
		return 6 // NTP-out
	case svc.name == "SSH":
		return 8 // Admin-SSH
	case svc.name == "IMAPS":
		return 7 // Mail-relay
	}
	switch r := g.pick(100); {
	case r < 70:
		return 0 // LAN-to-Internet
	case r < 80:
		return 2 // Guest-WiFi-Internet
	case r < 88:
		return 3 // Servers-Updates
	case r < 94:
		return 11 // Branch-OSK-to-HQ
	default:
		return 12 // Branch-NGY-to-HQ
	}
}

// deviceInfo writes the device detection fields of the source host.
func (g *Generator) deviceInfo(dst []byte, h *host) []byte {
	dst = quoted(dst, "mastersrcmac", h.mac)
	dst = quoted(dst, "srcmac", h.mac)
	dst = number(dst, "srcserver", 0)
	if h.kind.osname != "" {
		dst = quoted(dst, "osname", h.kind.osname)
	}
	dst = quoted(dst, "srchwvendor", h.kind.hwvendor)
	return quoted(dst, "devtype", h.kind.devtype)
}

// localService is a service addressed to the FortiGate itself.
type localService struct {
	name  string
	proto int
	port  int
	allow bool // from inside, allowed
}

var localServices = []localService{
	{"HTTPS", 6, 443, false},
	{"SSH", 6, 22, false},
	{"PING", 1, 0, false},
	{"udp/500", 17, 500, false},
	{"SNMP", 17, 161, false},
	{"tcp/10443", 6, 10443, false},
	{"DNS", 17, 53, true},
	{"NTP", 17, 123, true},
	{"PING", 1, 0, true},
}

// local writes a traffic local log (logid 0001000014): the Internet probing
// the unit's WAN address (denied by local-in policy), or internal hosts
// using its DNS and NTP.
func (g *Generator) local(dst []byte, d *device, t time.Time) []byte {
	ls := &localServices[g.pick(len(localServices))]
	var srcip, srccountry, srcintf, srcrole, dstip string
	sport := 0
	if ls.allow {
		h := g.host()
		srcip, srccountry, srcintf, srcrole = h.ip, "Reserved", h.intf, "lan"
		dstip = "10.0.0.1"
		sport = g.srcPort(h)
	} else {
		srcip, srccountry = g.external()
		srcintf, srcrole = "wan1", "wan"
		dstip = d.wanIP
		sport = 1024 + g.pick(64511)
	}
	action := "deny"
	if ls.allow {
		action = "accept"
	}
	dst = header(dst, d, t, "0001000014", "traffic", "local", "notice")
	dst = plain(dst, "srcip", srcip)
	if ls.proto != 1 {
		dst = number(dst, "srcport", int64(sport))
	}
	dst = quoted(dst, "srcintf", srcintf)
	dst = quoted(dst, "srcintfrole", srcrole)
	dst = plain(dst, "dstip", dstip)
	if ls.proto != 1 {
		dst = number(dst, "dstport", int64(ls.port))
	}
	dst = quoted(dst, "dstintf", "root")
	dst = quoted(dst, "dstintfrole", "undefined")
	dst = quoted(dst, "srccountry", srccountry)
	dst = quoted(dst, "dstcountry", "Reserved")
	dst = number(dst, "sessionid", g.session(d))
	dst = number(dst, "proto", int64(ls.proto))
	dst = quoted(dst, "action", action)
	dst = number(dst, "policyid", 0)
	dst = quoted(dst, "policytype", "local-in-policy")
	dst = quoted(dst, "service", ls.name)
	dst = quoted(dst, "trandisp", "noop")
	dst = quoted(dst, "app", ls.name)
	var sent, rcvd int64
	if ls.allow {
		sent = 40 + g.expInt(80)
		rcvd = sent + g.expInt(200)
	}
	dst = number(dst, "duration", 0)
	dst = number(dst, "sentbyte", sent)
	dst = number(dst, "rcvdbyte", rcvd)
	dst = number(dst, "sentpkt", min(sent, 1))
	dst = number(dst, "rcvdpkt", min(rcvd, 1))
	dst = quoted(dst, "appcat", "unscanned")
	if !ls.allow {
		dst = number(dst, "crscore", 5)
		dst = number(dst, "craction", 262144)
		dst = quoted(dst, "crlevel", "low")
	}
	return dst
}
