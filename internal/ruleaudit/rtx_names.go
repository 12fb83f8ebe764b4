package ruleaudit

// Names a Yamaha RTX accepts in "ip filter" commands in place of numbers.

// rtxPorts maps port mnemonics to TCP/UDP port numbers.
var rtxPorts = map[string]uint16{
	"ftpdata":     20,
	"ftp":         21,
	"ssh":         22,
	"telnet":      23,
	"smtp":        25,
	"domain":      53,
	"bootps":      67,
	"bootpc":      68,
	"tftp":        69,
	"gopher":      70,
	"finger":      79,
	"www":         80,
	"http":        80,
	"pop3":        110,
	"sunrpc":      111,
	"ident":       113,
	"nntp":        119,
	"ntp":         123,
	"netbios_ns":  137,
	"netbios_dgm": 138,
	"netbios_ssn": 139,
	"imap":        143,
	"snmp":        161,
	"snmptrap":    162,
	"bgp":         179,
	"imap3":       220,
	"ldap":        389,
	"https":       443,
	"syslog":      514,
	"printer":     515,
	"talk":        517,
	"route":       520,
	"uucp":        540,
	"submission":  587,
	"pptp":        1723,
}

// rtxProtos maps protocol names to IP protocol numbers. Names that match
// only some packets of a protocol (TCP flags, ICMP classes) are in
// rtxNarrowProtos.
var rtxProtos = map[string]uint8{
	"icmp": ProtoICMP,
	"igmp": 2,
	"tcp":  ProtoTCP,
	"udp":  ProtoUDP,
	"ipv6": 41,
	"gre":  ProtoGRE,
	"esp":  ProtoESP,
	"ah":   ProtoAH,
	"ospf": 89,
	"pim":  103,
	"vrrp": 112,
}

// rtxNarrowProtos are protocol names matching part of a protocol.
var rtxNarrowProtos = map[string]uint8{
	"established": ProtoTCP, // TCP with ACK: replies to connections made from this side
	"tcpfin":      ProtoTCP,
	"tcprst":      ProtoTCP,
	"tcpsyn":      ProtoTCP,
	"icmp-error":  ProtoICMP,
	"icmp-info":   ProtoICMP,
}
