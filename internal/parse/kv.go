package parse

import (
	"errors"
	"time"

	"github.com/sekimori/sekimori/internal/event"
)

// kv parses generic key=value messages with the FortiGate syntax (see
// kvScanner), where keys may also hold '.'. Every pair becomes a field
// under its own name (first occurrence wins; empty values are absent),
// followed by ECS fields for the obvious keys, the first present key of
// each row winning:
//
//	source.ip          src, srcip, src_ip, source_ip, source
//	source.port        spt, srcport, src_port, sport, source_port
//	destination.ip     dst, dstip, dst_ip, destination_ip, destination
//	destination.port   dpt, dstport, dst_port, dport, destination_port
//	network.transport  proto, protocol (numbers and names as for CEF)
//	event.action       action, act
//	user.name          user, username
//	url.original       url
//	message            msg
//
// An ECS field is not added when the message has a key of that name.
// kv sets neither ev.Time nor ev.FormatVersion.
type kv struct{}

var _ Parser = kv{}

// kv ECS targets, in output order.
const (
	kvSourceIP = iota
	kvSourcePort
	kvDestinationIP
	kvDestinationPort
	kvTransport
	kvAction
	kvUser
	kvURL
	kvMessage
	kvTargets
)

var kvTargetNames = [kvTargets]string{
	"source.ip", "source.port", "destination.ip", "destination.port",
	"network.transport", "event.action", "user.name", "url.original", "message",
}

func kvTarget(k string) int {
	switch k {
	case "src", "srcip", "src_ip", "source_ip", "source":
		return kvSourceIP
	case "spt", "srcport", "src_port", "sport", "source_port":
		return kvSourcePort
	case "dst", "dstip", "dst_ip", "destination_ip", "destination":
		return kvDestinationIP
	case "dpt", "dstport", "dst_port", "dport", "destination_port":
		return kvDestinationPort
	case "proto", "protocol":
		return kvTransport
	case "action", "act":
		return kvAction
	case "user", "username":
		return kvUser
	case "url":
		return kvURL
	case "msg":
		return kvMessage
	}
	return -1
}

func (kv) Parse(msg []byte, _ *time.Location, ev *event.Event) error {
	s := messageString(msg, ev)
	fs := newFieldSet(ev)
	var ecsValues [kvTargets]string
	var firstErr error
	pairs := 0
	sc := newKVScanner(s, classKVKey)
	for {
		k, v, ok, err := sc.next()
		if !ok {
			break
		}
		pairs++
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if fs.add(ev, k, v) {
			if t := kvTarget(k); t >= 0 && ecsValues[t] == "" {
				ecsValues[t] = v
			}
		}
	}
	if pairs == 0 {
		return errors.New("key=value: no pairs in message")
	}
	ecsValues[kvTransport] = transportName(ecsValues[kvTransport])
	for t, v := range ecsValues {
		fs.add(ev, kvTargetNames[t], v)
	}
	return firstErr
}
