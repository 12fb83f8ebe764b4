package ingest

import (
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sekimori/sekimori/internal/charset"
	"github.com/sekimori/sekimori/internal/parse"
)

// Device is a registered sender: how to recognise its lines and how to read
// them.
type Device struct {
	ID       int64
	TenantID uint32
	Name     string
	// Sources are IP addresses or hostnames (lower-case) the device sends
	// from or names itself with in syslog headers, or the TLS client
	// certificate it presents: "cert:sha256:<hex of the leaf's DER>" or
	// "cert:cn:<common name, lower-case>".
	Sources []string
	// DevID is a FortiGate serial number found in the devid field.
	DevID    string
	Format   string // a parse.Lookup name
	TimeZone string // IANA; "" means the listener's zone
	Charset  string // charset.New name; "" means UTF-8
}

// resolved is a Device with its zone, parser and charset looked up once.
type resolved struct {
	Device
	loc     *time.Location // nil: use the listener's
	parser  parse.Parser
	charset string // canonical charset name
}

// Device sources naming a TLS client certificate (RFC 5425 §5.3 lets a
// receiver authenticate senders by certificate). The state package checks
// their form.
const (
	CertSHA256Prefix = "cert:sha256:" // then 64 lower-case hex digits
	CertCNPrefix     = "cert:cn:"     // then the subject's common name, lower-case
)

// table is an immutable lookup snapshot; Registry swaps it atomically.
type table struct {
	byID   map[int64]*resolved
	byIP   map[netip.Addr]*resolved
	byHost map[string]*resolved
	byCert map[string]*resolved // "cert:sha256:..." and "cert:cn:..."

	byDevID  map[string]*resolved
	byTenant map[string]*resolved // "tenantID/name"
}

// Registry resolves received lines to devices. Lookups are lock-free and
// safe for concurrent use; Set replaces the whole table.
type Registry struct {
	t       atomic.Pointer[table]
	formats FormatSet
}

// NewRegistry returns an empty registry using the built-in formats: every
// line is unassigned.
func NewRegistry() *Registry { return NewRegistryWith(BuiltinFormats) }

// NewRegistryWith returns an empty registry whose devices may use the
// formats of fs (e.g. declarative ones).
func NewRegistryWith(fs FormatSet) *Registry {
	r := &Registry{formats: fs}
	_ = r.Set(nil)
	return r
}

// Set replaces the devices. A device whose format, zone or charset is
// unknown is an error naming it; the previous table stays.
func (r *Registry) Set(devs []Device) error {
	t := &table{
		byID: map[int64]*resolved{}, byIP: map[netip.Addr]*resolved{}, byHost: map[string]*resolved{},
		byCert: map[string]*resolved{}, byDevID: map[string]*resolved{}, byTenant: map[string]*resolved{},
	}
	for _, d := range devs {
		rd, err := resolve(r.formats, d)
		if err != nil {
			return err
		}
		t.byID[d.ID] = rd
		t.byTenant[tenantKey(d.TenantID, d.Name)] = rd
		for _, s := range d.Sources {
			s = strings.ToLower(s)
			if ip, err := netip.ParseAddr(s); err == nil {
				t.byIP[ip.Unmap()] = rd
			} else if strings.HasPrefix(s, CertSHA256Prefix) || strings.HasPrefix(s, CertCNPrefix) {
				// Never a hostname: a sender must not claim a device by
				// naming its certificate in a syslog header.
				t.byCert[s] = rd
			} else {
				t.byHost[s] = rd
			}
		}
		if d.DevID != "" {
			t.byDevID[d.DevID] = rd
		}
	}
	r.t.Store(t)
	return nil
}

func tenantKey(tenant uint32, name string) string { return fmt.Sprintf("%d/%s", tenant, name) }

func resolve(fs FormatSet, d Device) (*resolved, error) {
	rd := &resolved{Device: d}
	format := d.Format
	if format == "" {
		format = "syslog"
	}
	p, ok := lookupParser(fs, format)
	if !ok {
		return nil, fmt.Errorf("device %s: unknown format %q", d.Name, d.Format)
	}
	rd.parser = p
	if d.TimeZone != "" {
		loc, err := time.LoadLocation(d.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("device %s: unknown time zone %q", d.Name, d.TimeZone)
		}
		rd.loc = loc
	}
	dec, err := charset.New(d.Charset)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", d.Name, err)
	}
	rd.charset = dec.Name()
	return rd, nil
}

// ByID returns the device with the given ID.
func (r *Registry) ByID(id int64) (*resolved, bool) {
	d, ok := r.t.Load().byID[id]
	return d, ok
}

// ByName returns a tenant's device by name.
func (r *Registry) ByName(tenant uint32, name string) (Device, bool) {
	d, ok := r.t.Load().byTenant[tenantKey(tenant, name)]
	if !ok {
		return Device{}, false
	}
	return d.Device, true
}

// lookup finds the device for a syslog line, most specific first: a
// FortiGate devid in the payload, then the header's hostname, then the
// sender address (which a relay shares among many devices).
func (r *Registry) lookup(source string, hostname string, msg []byte) *resolved {
	t := r.t.Load()
	if len(t.byDevID) > 0 {
		if id := devID(msg); id != "" {
			if d, ok := t.byDevID[id]; ok {
				return d
			}
		}
	}
	if hostname != "" {
		if d, ok := t.byHost[strings.ToLower(hostname)]; ok {
			return d
		}
		if ip, err := netip.ParseAddr(hostname); err == nil {
			if d, ok := t.byIP[ip.Unmap()]; ok {
				return d
			}
		}
	}
	if ip, err := netip.ParseAddr(source); err == nil {
		if d, ok := t.byIP[ip.Unmap()]; ok {
			return d
		}
	}
	return nil
}

// lookupCert finds the device of a verified client certificate: by its
// fingerprint ("cert:sha256:<hex>"), else by its common name. Nothing else
// is consulted: on a connection with a certificate, the hostname and devid
// in the lines are the sender's word, the certificate is proof.
func (r *Registry) lookupCert(fingerprint, cn string) *resolved {
	t := r.t.Load()
	if d, ok := t.byCert[fingerprint]; ok {
		return d
	}
	if cn != "" {
		if d, ok := t.byCert[CertCNPrefix+strings.ToLower(cn)]; ok {
			return d
		}
	}
	return nil
}

// devID extracts the value of a FortiGate devid= (or device_id= in FortiOS
// 3.x/4.x) key without parsing the whole line.
func devID(msg []byte) string {
	for _, key := range []string{"devid=", "device_id="} {
		s := string(msg) // no allocation: used only for searching
		i := strings.Index(s, key)
		for i > 0 && s[i-1] != ' ' && s[i-1] != '>' {
			j := strings.Index(s[i+1:], key)
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 {
			continue
		}
		v := s[i+len(key):]
		if strings.HasPrefix(v, `"`) {
			v = v[1:]
			if k := strings.IndexByte(v, '"'); k >= 0 {
				return strings.Clone(v[:k])
			}
			return ""
		}
		if k := strings.IndexByte(v, ' '); k >= 0 {
			v = v[:k]
		}
		return strings.Clone(v)
	}
	return ""
}
