package loadgen

import (
	"strconv"
	"time"
)

// event writes an event log: system (administrators), vpn (SSL VPN and
// IPsec) or user (authentication).
func (g *Generator) event(dst []byte, d *device, t time.Time) []byte {
	switch r := g.pick(100); {
	case r < 35:
		return g.system(dst, d, t)
	case r < 70:
		return g.vpn(dst, d, t)
	default:
		return g.user(dst, d, t)
	}
}

func (g *Generator) system(dst []byte, d *device, t time.Time) []byte {
	admin := "admin"
	if g.pick(3) == 0 {
		admin = "netops-" + surnames[g.pick(len(surnames))]
	}
	from := "10.0.1." + strconv.Itoa(10+g.pick(20))
	switch r := g.pick(10); {
	case r < 4: // login failed, mostly from outside
		if g.pick(2) == 0 {
			from, _ = g.external()
		}
		dst = header(dst, d, t, "0100032002", "event", "system", "alert")
		dst = quoted(dst, "logdesc", "Admin login failed")
		dst = quoted(dst, "sn", "0")
		dst = quoted(dst, "user", admin)
		dst = quoted(dst, "ui", "https("+from+")")
		dst = quoted(dst, "method", "https")
		dst = plain(dst, "srcip", from)
		dst = plain(dst, "dstip", d.wanIP)
		dst = quoted(dst, "action", "login")
		dst = quoted(dst, "status", "failed")
		dst = quoted(dst, "reason", "passwd_invalid")
		return quoted(dst, "msg", "Administrator "+admin+" login failed from https("+from+") because of invalid password")
	case r < 7:
		dst = header(dst, d, t, "0100032001", "event", "system", "information")
		dst = quoted(dst, "logdesc", "Admin login successful")
		dst = quoted(dst, "sn", strconv.FormatInt(t.Unix(), 10))
		dst = quoted(dst, "user", admin)
		dst = quoted(dst, "ui", "ssh("+from+")")
		dst = quoted(dst, "method", "ssh")
		dst = plain(dst, "srcip", from)
		dst = plain(dst, "dstip", "10.0.0.1")
		dst = quoted(dst, "action", "login")
		dst = quoted(dst, "status", "success")
		dst = quoted(dst, "reason", "none")
		dst = quoted(dst, "profile", "super_admin")
		return quoted(dst, "msg", "Administrator "+admin+" logged in successfully from ssh("+from+")")
	default:
		pi := g.pick(13)
		obj := strconv.Itoa(policies[pi].id)
		dst = header(dst, d, t, "0100044547", "event", "system", "information")
		dst = quoted(dst, "logdesc", "Object attribute configured")
		dst = quoted(dst, "user", admin)
		dst = quoted(dst, "ui", "GUI("+from+")")
		dst = quoted(dst, "action", "Edit")
		dst = number(dst, "cfgtid", int64(g.pick(1<<30)))
		dst = quoted(dst, "cfgpath", "firewall.policy")
		dst = quoted(dst, "cfgobj", obj)
		dst = quoted(dst, "cfgattr", "status[enable->disable]")
		return quoted(dst, "msg", "Edit firewall.policy "+obj)
	}
}

func (g *Generator) vpn(dst []byte, d *device, t time.Time) []byte {
	remip, country := g.external()
	user := surnames[g.pick(len(surnames))] + strconv.Itoa(g.pick(90)+10)
	switch r := g.pick(10); {
	case r < 4: // SSL VPN login failed: the brute force everyone sees
		dst = header(dst, d, t, "0101039426", "event", "vpn", "alert")
		dst = quoted(dst, "logdesc", "SSL VPN login fail")
		dst = quoted(dst, "action", "ssl-login-fail")
		dst = quoted(dst, "tunneltype", "ssl-web")
		dst = number(dst, "tunnelid", 0)
		dst = plain(dst, "remip", remip)
		dst = quoted(dst, "srccountry", country)
		dst = quoted(dst, "user", user)
		dst = quoted(dst, "group", "N/A")
		dst = quoted(dst, "dst_host", "N/A")
		dst = quoted(dst, "reason", "sslvpn_login_unknown_user")
		return quoted(dst, "msg", "SSL user failed to logged in")
	case r < 7:
		logid, desc, action, msg := "0101039947", "SSL VPN tunnel up", "tunnel-up", "SSL tunnel established"
		if r == 6 {
			logid, desc, action, msg = "0101039948", "SSL VPN tunnel down", "tunnel-down", "SSL tunnel shutdown"
		}
		dst = header(dst, d, t, logid, "event", "vpn", "information")
		dst = quoted(dst, "logdesc", desc)
		dst = quoted(dst, "action", action)
		dst = quoted(dst, "tunneltype", "ssl-tunnel")
		dst = number(dst, "tunnelid", int64(g.pick(1<<31)))
		dst = plain(dst, "remip", remip)
		dst = plain(dst, "tunnelip", "10.212.134."+strconv.Itoa(200+g.pick(50)))
		dst = quoted(dst, "srccountry", country)
		dst = quoted(dst, "user", user)
		dst = quoted(dst, "group", "VPN-Users")
		dst = quoted(dst, "dst_host", "N/A")
		dst = quoted(dst, "reason", "N/A")
		if action == "tunnel-down" {
			dst = number(dst, "duration", g.expInt(3600))
			dst = number(dst, "sentbyte", g.expInt(5e6))
			dst = number(dst, "rcvdbyte", g.expInt(5e7))
		}
		return quoted(dst, "msg", msg)
	default: // IPsec tunnel statistics of a branch tunnel
		dst = header(dst, d, t, "0101037141", "event", "vpn", "notice")
		dst = quoted(dst, "logdesc", "IPsec tunnel statistics")
		dst = quoted(dst, "msg", "IPsec tunnel statistics")
		dst = quoted(dst, "action", "tunnel-stats")
		dst = plain(dst, "remip", remip)
		dst = plain(dst, "locip", d.wanIP)
		dst = number(dst, "remport", 500)
		dst = number(dst, "locport", 500)
		dst = quoted(dst, "outintf", "wan1")
		dst = quoted(dst, "srccountry", country)
		dst = quoted(dst, "cookies", "b6ee0f8883f1be95/18c2d92b40df34ac")
		dst = quoted(dst, "user", remip)
		dst = quoted(dst, "group", "N/A")
		dst = quoted(dst, "useralt", "N/A")
		dst = quoted(dst, "xauthuser", "N/A")
		dst = quoted(dst, "xauthgroup", "N/A")
		dst = plain(dst, "assignip", "N/A")
		dst = quoted(dst, "vpntunnel", "to-branch-"+strconv.Itoa(1+g.pick(8)))
		dst = plain(dst, "tunnelip", "N/A")
		dst = number(dst, "tunnelid", int64(g.pick(1<<31)))
		dst = quoted(dst, "tunneltype", "ipsec")
		dst = number(dst, "duration", g.expInt(86400))
		dst = number(dst, "sentbyte", g.expInt(1e8))
		dst = number(dst, "rcvdbyte", g.expInt(3e8))
		return number(dst, "nextstat", 600)
	}
}

func (g *Generator) user(dst []byte, d *device, t time.Time) []byte {
	h := g.host()
	name := h.user
	if name == "" {
		name = surnames[g.pick(len(surnames))] + strconv.Itoa(g.pick(90)+10)
	}
	switch r := g.pick(10); {
	case r < 5:
		dst = header(dst, d, t, "0102043014", "event", "user", "notice")
		dst = quoted(dst, "logdesc", "FSSO logon authentication status")
		dst = plain(dst, "srcip", h.ip)
		dst = quoted(dst, "user", name)
		dst = quoted(dst, "server", "corp-fsso")
		dst = quoted(dst, "action", "FSSO-logon")
		return quoted(dst, "msg", "FSSO-logon event from corp-fsso: user "+name+" logged on "+h.ip)
	default:
		logid, desc, status, msg := "0102043008", "Authentication success", "success", "User "+name+" succeeded in authentication"
		if r >= 8 {
			logid, desc, status, msg = "0102043009", "Authentication failed", "failure", "User "+name+" failed in authentication"
		}
		dst = header(dst, d, t, logid, "event", "user", "notice")
		dst = quoted(dst, "logdesc", desc)
		dst = plain(dst, "srcip", h.ip)
		dst = plain(dst, "dstip", "10.0.0.1")
		dst = number(dst, "policyid", 1)
		dst = quoted(dst, "interface", h.intf)
		dst = quoted(dst, "user", name)
		dst = quoted(dst, "group", "Staff")
		dst = quoted(dst, "authproto", "HTTPS("+h.ip+")")
		dst = quoted(dst, "action", "authentication")
		dst = quoted(dst, "status", status)
		dst = quoted(dst, "reason", "N/A")
		return quoted(dst, "msg", msg)
	}
}
