package loadgen

import (
	"strconv"
	"time"
)

// utm writes a UTM log: IPS, web filter, application control or antivirus.
func (g *Generator) utm(dst []byte, d *device, t time.Time) []byte {
	switch r := g.pick(100); {
	case r < 20:
		return g.ips(dst, d, t)
	case r < 60:
		return g.webfilter(dst, d, t)
	case r < 90:
		return g.appctrl(dst, d, t)
	default:
		return g.virus(dst, d, t)
	}
}

// session5 writes the session fields shared by UTM logs.
func (g *Generator) session5(dst []byte, d *device, srcip string, sport int, srcintf, srcrole, dstip string, dport int, dstintf, dstrole, srccountry, dstcountry string) []byte {
	dst = plain(dst, "srcip", srcip)
	dst = number(dst, "srcport", int64(sport))
	dst = quoted(dst, "srccountry", srccountry)
	dst = quoted(dst, "srcintf", srcintf)
	dst = quoted(dst, "srcintfrole", srcrole)
	dst = plain(dst, "dstip", dstip)
	dst = number(dst, "dstport", int64(dport))
	dst = quoted(dst, "dstcountry", dstcountry)
	dst = quoted(dst, "dstintf", dstintf)
	dst = quoted(dst, "dstintfrole", dstrole)
	dst = number(dst, "sessionid", g.session(d))
	return number(dst, "proto", 6)
}

// ips writes an IPS signature log (0419016384): attacks from the Internet
// on the DMZ, or from infected hosts outbound.
func (g *Generator) ips(dst []byte, d *device, t time.Time) []byte {
	a := &attacks[g.pick(len(attacks))]
	ext, country := g.external()
	server := g.servers[g.pick(len(g.servers))]
	action := "dropped"
	if g.pick(4) == 0 {
		action = "detected"
	}
	level := "alert"
	if a.severity == "low" {
		level = "warning"
	}
	dst = header(dst, d, t, "0419016384", "utm", "ips", level)
	dst = quoted(dst, "eventtype", "signature")
	dst = quoted(dst, "severity", a.severity)
	dst = g.session5(dst, d, ext, 1024+g.pick(64511), "wan1", "wan", server, 443, "dmz", "dmz", country, "Reserved")
	dst = quoted(dst, "action", action)
	dst = quoted(dst, "service", "HTTPS")
	dst = number(dst, "policyid", 2)
	dst = quoted(dst, "poluuid", d.uuids[1])
	dst = quoted(dst, "policytype", "policy")
	dst = quoted(dst, "attack", a.name)
	dst = quoted(dst, "hostname", "portal.example.jp")
	dst = quoted(dst, "url", urlPaths[g.pick(len(urlPaths))])
	dst = quoted(dst, "agent", "Mozilla/5.0 (compatible; Nmap Scripting Engine)")
	dst = quoted(dst, "httpmethod", "GET")
	dst = quoted(dst, "direction", "outgoing")
	dst = number(dst, "attackid", int64(a.id))
	dst = quoted(dst, "profile", "default")
	dst = quoted(dst, "ref", "http://www.fortinet.com/ids/VID"+strconv.Itoa(a.id))
	dst = number(dst, "incidentserialno", int64(g.pick(1<<30)))
	dst = quoted(dst, "msg", "web_server: "+a.name+",")
	dst = number(dst, "crscore", 50)
	dst = number(dst, "craction", 4096)
	return quoted(dst, "crlevel", "critical")
}

// webfilter writes a FortiGuard web filter log: blocked (0316013056) or
// allowed (0317013312).
func (g *Generator) webfilter(dst []byte, d *device, t time.Time) []byte {
	h := g.host()
	c := &webCategories[g.pick(len(webCategories))]
	ext, country := g.external()
	logid, eventtype, level, action, msg := "0317013312", "ftgd_allow", "notice", "passthrough", "URL belongs to an allowed category in policy"
	if c.blocked {
		logid, eventtype, level, action, msg = "0316013056", "ftgd_blk", "warning", "blocked", "URL belongs to a denied category in policy"
	}
	dst = header(dst, d, t, logid, "utm", "webfilter", level)
	dst = quoted(dst, "eventtype", eventtype)
	dst = number(dst, "policyid", 1)
	dst = quoted(dst, "poluuid", d.uuids[0])
	dst = quoted(dst, "policytype", "policy")
	dst = g.session5(dst, d, h.ip, g.srcPort(h), h.intf, "lan", ext, 443, "wan1", "wan", "Reserved", country)
	if h.user != "" {
		dst = quoted(dst, "user", h.user)
		dst = quoted(dst, "group", "Staff")
	}
	dst = quoted(dst, "httpmethod", "GET")
	dst = quoted(dst, "service", "HTTPS")
	dst = quoted(dst, "hostname", hostnames[g.pick(len(hostnames))])
	dst = quoted(dst, "agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36")
	dst = quoted(dst, "profile", "default")
	dst = quoted(dst, "action", action)
	dst = quoted(dst, "reqtype", "direct")
	dst = quoted(dst, "url", urlPaths[g.pick(len(urlPaths))])
	dst = number(dst, "sentbyte", g.expInt(700))
	dst = number(dst, "rcvdbyte", 0)
	dst = quoted(dst, "direction", "outgoing")
	dst = quoted(dst, "msg", msg)
	dst = quoted(dst, "ratemethod", "domain")
	dst = number(dst, "cat", int64(c.cat))
	dst = quoted(dst, "catdesc", c.desc)
	if c.blocked {
		dst = number(dst, "crscore", 30)
		dst = number(dst, "craction", 4194304)
		dst = quoted(dst, "crlevel", "high")
	}
	return dst
}

// appctrl writes an application control log: pass (1059028704) or block
// (1059028705).
func (g *Generator) appctrl(dst []byte, d *device, t time.Time) []byte {
	h := g.host()
	a := &applications[g.pick(len(applications))]
	ext, country := g.external()
	logid, level, action := "1059028704", "information", "pass"
	if a.block {
		logid, level, action = "1059028705", "warning", "block"
	}
	dst = header(dst, d, t, logid, "utm", "app-ctrl", level)
	dst = quoted(dst, "eventtype", "signature")
	dst = number(dst, "appid", int64(a.id))
	dst = g.session5(dst, d, h.ip, g.srcPort(h), h.intf, "lan", ext, 443, "wan1", "wan", "Reserved", country)
	dst = quoted(dst, "service", "HTTPS")
	dst = quoted(dst, "direction", "outgoing")
	dst = number(dst, "policyid", 1)
	dst = quoted(dst, "poluuid", d.uuids[0])
	dst = quoted(dst, "policytype", "policy")
	dst = quoted(dst, "applist", "default")
	dst = quoted(dst, "action", action)
	dst = quoted(dst, "appcat", a.cat)
	dst = quoted(dst, "app", a.name)
	dst = quoted(dst, "hostname", hostnames[g.pick(len(hostnames))])
	dst = number(dst, "incidentserialno", int64(g.pick(1<<30)))
	dst = quoted(dst, "url", "/")
	dst = quoted(dst, "msg", a.cat+": "+a.name+",")
	dst = quoted(dst, "apprisk", a.risk)
	if h.user != "" {
		dst = quoted(dst, "user", h.user)
	}
	return dst
}

// virus writes an antivirus log (0211008192): a download blocked.
func (g *Generator) virus(dst []byte, d *device, t time.Time) []byte {
	h := g.host()
	v := &viruses[g.pick(len(viruses))]
	ext, country := g.external()
	host := hostnames[g.pick(len(hostnames))]
	dst = header(dst, d, t, "0211008192", "utm", "virus", "warning")
	dst = quoted(dst, "eventtype", "infected")
	dst = quoted(dst, "msg", "File is infected.")
	dst = number(dst, "policyid", 1)
	dst = quoted(dst, "poluuid", d.uuids[0])
	dst = quoted(dst, "policytype", "policy")
	dst = g.session5(dst, d, h.ip, g.srcPort(h), h.intf, "lan", ext, 80, "wan1", "wan", "Reserved", country)
	dst = quoted(dst, "action", "blocked")
	dst = quoted(dst, "service", "HTTP")
	dst = quoted(dst, "direction", "incoming")
	dst = quoted(dst, "filename", v.file)
	dst = quoted(dst, "quarskip", "File-was-not-quarantined")
	dst = quoted(dst, "virus", v.name)
	dst = quoted(dst, "viruscat", v.cat)
	dst = quoted(dst, "dtype", "av-engine")
	dst = quoted(dst, "ref", "http://www.fortinet.com/ve?vn="+v.name)
	dst = number(dst, "virusid", int64(v.id))
	dst = quoted(dst, "url", "http://"+host+"/download/"+v.file)
	dst = quoted(dst, "profile", "default")
	if h.user != "" {
		dst = quoted(dst, "user", h.user)
	}
	dst = quoted(dst, "agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
	dst = quoted(dst, "httpmethod", "GET")
	dst = quoted(dst, "analyticssubmit", "false")
	dst = number(dst, "crscore", 50)
	dst = number(dst, "craction", 2)
	return quoted(dst, "crlevel", "critical")
}
