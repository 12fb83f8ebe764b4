package ruleaudit

import (
	"fmt"
	"strconv"
	"strings"
)

// rtxServices fills r.Services from the protocol and port fields of a
// static filter and returns a message for what it could not read.
func rtxServices(r *Rule, proto, sport, dport string) string {
	sp, zero1, err1 := rtxPortList(sport)
	dp, zero2, err2 := rtxPortList(dport)
	if err := cmpErr(err1, err2); err != "" {
		r.ServiceUnknown = true
		r.Services = nil
		return err + "; treated as any service"
	}
	if zero1 || zero2 {
		// Port 0 cannot be told from "any" in a Service; the rule then
		// matches less than it says.
		r.Narrowed = true
	}
	if proto == "*" {
		if sp == nil && dp == nil {
			r.Services = []Service{{}}
			return ""
		}
		// Ports bind TCP and UDP only; every other protocol matches.
		r.Services = portServices(ProtoTCP, sp, dp)
		r.Services = append(r.Services, portServices(ProtoUDP, sp, dp)...)
		for p := 1; p <= protoTop; p++ {
			if p != ProtoTCP && p != ProtoUDP {
				r.Services = append(r.Services, Service{Proto: uint8(p)})
			}
		}
		return ""
	}
	items := strings.Split(proto, ",")
	var bad []string
	for _, it := range items {
		if n, ok := rtxNarrowProtos[it]; ok {
			r.Narrowed = true
			if n == ProtoICMP {
				r.Services = append(r.Services, Service{Proto: n})
			} else {
				r.Services = append(r.Services, portServices(n, sp, dp)...)
			}
			continue
		}
		if strings.HasPrefix(it, "tcpflag") {
			r.Narrowed = true
			r.Services = append(r.Services, portServices(ProtoTCP, sp, dp)...)
			continue
		}
		n, ok := rtxProtos[it]
		if !ok {
			v, err := strconv.Atoi(it)
			if err != nil || v < 1 || v > protoTop {
				bad = append(bad, it)
				continue
			}
			n = uint8(v)
		}
		switch {
		case n == ProtoTCP || n == ProtoUDP:
			r.Services = append(r.Services, portServices(n, sp, dp)...)
		case n == ProtoICMP && len(items) == 1:
			// Alone, "icmp" reads its ports as ICMP type and code.
			if dp != nil {
				r.Narrowed = true
			}
			r.Services = append(r.Services, portServices(ProtoICMP, nil, sp)...)
		default:
			r.Services = append(r.Services, Service{Proto: n})
		}
	}
	if len(bad) > 0 {
		r.ServiceUnknown = true
		return fmt.Sprintf("unknown protocol %s; treated as any service", strings.Join(bad, ","))
	}
	return ""
}

func cmpErr(a, b error) string {
	switch {
	case a != nil:
		return a.Error()
	case b != nil:
		return b.Error()
	}
	return ""
}

// portServices is the product of source and destination port lists for a
// protocol; nil lists mean any port.
func portServices(proto uint8, sp, dp []span) []Service {
	if sp == nil {
		sp = []span{{0, 0}}
	}
	if dp == nil {
		dp = []span{{0, 0}}
	}
	out := make([]Service, 0, len(sp)*len(dp))
	for _, s := range sp {
		for _, d := range dp {
			out = append(out, Service{Proto: proto, SrcLo: uint16(s.lo), SrcHi: uint16(s.hi), DstLo: uint16(d.lo), DstHi: uint16(d.hi)})
		}
	}
	return out
}

// rtxPortList reads "*" (nil), a number, a name, a range "a-b", "a-" or
// "-b", or a comma list of them. zero reports an explicit port 0.
func rtxPortList(s string) (out []span, zero bool, err error) {
	if s == "*" {
		return nil, false, nil
	}
	for _, it := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(it, "-")
		a, err := rtxPort(lo, 0)
		if err != nil {
			return nil, false, err
		}
		b := a
		if isRange {
			if b, err = rtxPort(hi, portTop); err != nil {
				return nil, false, err
			}
		}
		switch {
		case b < a:
			return nil, false, fmt.Errorf("port range %q is inverted", it)
		case a == 0 && b == portTop:
			return nil, false, nil // every port
		case b == 0:
			zero = true
		}
		out = append(out, span{a, b})
	}
	return out, zero, nil
}

func rtxPort(s string, empty uint32) (uint32, error) {
	if s == "" {
		return empty, nil
	}
	if p, ok := rtxPorts[s]; ok {
		return uint32(p), nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || v > portTop {
		return 0, fmt.Errorf("unknown port %q", s)
	}
	return uint32(v), nil
}
