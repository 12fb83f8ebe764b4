package assets

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/cpe"
)

// Limits on an nmap report. A report of a /16 with -sV is tens of
// megabytes; nmap's own nesting is under ten levels (NSE tables a few more).
const (
	MaxNmapXMLSize  = 512 << 20 // bytes
	MaxNmapXMLDepth = 64        // element nesting
)

// ErrTruncated is wrapped by the error for a report that ends early, as
// when the scan was interrupted.
var ErrTruncated = errors.New("report ends early")

var (
	errTooLarge = fmt.Errorf("more than %d bytes", MaxNmapXMLSize)
	errTooDeep  = fmt.Errorf("elements nested more than %d deep", MaxNmapXMLDepth)
)

type nmapHost struct {
	StartTime string `xml:"starttime,attr"`
	EndTime   string `xml:"endtime,attr"`
	Status    struct {
		State string `xml:"state,attr"`
	} `xml:"status"`
	Addresses []struct {
		Addr string `xml:"addr,attr"`
		Type string `xml:"addrtype,attr"`
	} `xml:"address"`
	Hostnames []struct {
		Name string `xml:"name,attr"`
		Type string `xml:"type,attr"`
	} `xml:"hostnames>hostname"`
	Ports     []nmapPort `xml:"ports>port"`
	OSMatches []struct {
		Name     string `xml:"name,attr"`
		Accuracy string `xml:"accuracy,attr"`
		Classes  []struct {
			OSGen    string   `xml:"osgen,attr"`
			Accuracy string   `xml:"accuracy,attr"`
			CPEs     []string `xml:"cpe"`
		} `xml:"osclass"`
	} `xml:"os>osmatch"`
}

type nmapPort struct {
	Protocol string `xml:"protocol,attr"`
	PortID   string `xml:"portid,attr"`
	State    struct {
		State string `xml:"state,attr"`
	} `xml:"state"`
	Service struct {
		Name      string   `xml:"name,attr"`
		Product   string   `xml:"product,attr"`
		Version   string   `xml:"version,attr"`
		ExtraInfo string   `xml:"extrainfo,attr"`
		Tunnel    string   `xml:"tunnel,attr"`
		OSType    string   `xml:"ostype,attr"`
		CPEs      []string `xml:"cpe"`
	} `xml:"service"`
}

// ParseNmapXML reads an nmap XML report (nmap -oX, with -sV for service
// versions and -O for the OS) and returns a Host for every host that was
// up, in report order, with Source "nmap" and InventoryComplete false (a
// scan sees services, not the installed software).
//
// Each host gets its IPv4 and IPv6 addresses (MAC addresses are skipped),
// the first hostname (the one given on the command line before a PTR
// name), its open ports, and the OS of the most accurate OS match (OS: the
// match name; OSVersion: its best class's generation; OSCPEs: the classes'
// CPEs), else the OS type a service reported. Every open port whose service
// has a product becomes a Software: Name is the product as nmap wrote it;
// Product, Vendor and Version come from the service's first application
// CPE, the version falling back to the service version ("8.9p1" rather
// than "8.9p1 Ubuntu 3ubuntu0.6"); else from its first OS or hardware CPE,
// with only that CPE's version; else from the product name, lower case with
// "_" for spaces, and the service version. The same software on several
// ports is listed once. InventoryCollectedAt is when nmap finished the host (else
// when the scan started), in UTC.
//
// Input other than an nmaprun document is an error, as is input beyond
// MaxNmapXMLSize bytes or nested deeper than MaxNmapXMLDepth. encoding/xml
// neither fetches external entities nor expands entities a DTD declares
// (a reference to one is a syntax error), so entity bombs cannot grow. A
// report that ends early returns the hosts completed before the cut with an
// error wrapping ErrTruncated.
func ParseNmapXML(r io.Reader) ([]Host, error) {
	raw := xml.NewDecoder(&sizeLimit{r: r, left: MaxNmapXMLSize})
	d := xml.NewTokenDecoder(&depthLimit{d: raw})

	root, err := firstElement(d)
	if err != nil {
		return nil, fmt.Errorf("parse nmap xml: not an nmap XML report: %w", err)
	}
	if root.Name.Local != "nmaprun" {
		return nil, fmt.Errorf("parse nmap xml: not an nmap XML report: root element <%s>, want <nmaprun>", root.Name.Local)
	}
	scanStart := unixAttr(attr(root, "start"))

	var hosts []Host
	fail := func(err error) ([]Host, error) {
		err = nmapReadError(err)
		if errors.Is(err, ErrTruncated) {
			return hosts, err
		}
		return nil, err
	}
	n := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "host" {
				if err := d.Skip(); err != nil {
					return fail(err)
				}
				continue
			}
			n++
			var nh nmapHost
			if err := d.DecodeElement(&nh, &t); err != nil {
				return fail(fmt.Errorf("host %d: %w", n, err))
			}
			h, up, err := nmapToHost(&nh, scanStart)
			if err != nil {
				return nil, fmt.Errorf("parse nmap xml: host %d: %w", n, err)
			}
			if up {
				hosts = append(hosts, h)
			}
		case xml.EndElement: // </nmaprun>
			return hosts, nil
		}
	}
}

// firstElement returns the root element, skipping the prolog.
func firstElement(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, errors.New("no root element")
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, nil
		}
	}
}

// nmapReadError marks an early end of input as ErrTruncated.
func nmapReadError(err error) error {
	var se *xml.SyntaxError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &se) && se.Msg == "unexpected EOF" {
		return fmt.Errorf("parse nmap xml: %w", ErrTruncated)
	}
	return fmt.Errorf("parse nmap xml: %w", err)
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func unixAttr(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// nmapToHost converts one <host>; up is false for hosts not up.
func nmapToHost(nh *nmapHost, scanStart time.Time) (h Host, up bool, err error) {
	if nh.Status.State != "up" {
		return Host{}, false, nil
	}
	h = Host{Source: SourceNmap}
	for _, a := range nh.Addresses {
		if a.Type != "ipv4" && a.Type != "ipv6" {
			continue
		}
		ip, err := netip.ParseAddr(a.Addr)
		if err != nil {
			return Host{}, false, fmt.Errorf("address %q: %w", a.Addr, err)
		}
		if ip = ip.Unmap(); !slices.Contains(h.IPs, ip) {
			h.IPs = append(h.IPs, ip)
		}
	}
	if len(h.IPs) == 0 {
		return Host{}, false, errors.New("no IPv4 or IPv6 address")
	}
	for _, typ := range []string{"user", "PTR", ""} {
		for _, hn := range nh.Hostnames {
			if h.Hostname == "" && hn.Name != "" && (typ == "" || hn.Type == typ) {
				h.Hostname = hn.Name
			}
		}
	}
	for _, ts := range []time.Time{unixAttr(nh.EndTime), unixAttr(nh.StartTime), scanStart} {
		if h.InventoryCollectedAt.IsZero() {
			h.InventoryCollectedAt = ts
		}
	}

	for _, np := range nh.Ports {
		if np.State.State != "open" {
			continue
		}
		num, err := strconv.ParseUint(np.PortID, 10, 16)
		if err != nil {
			return Host{}, false, fmt.Errorf("port %q: not a port number", np.PortID)
		}
		s := &np.Service
		h.Ports = append(h.Ports, Port{
			Proto: np.Protocol, Port: uint16(num), State: np.State.State,
			Service: s.Name, Tunnel: s.Tunnel, Product: s.Product, Version: s.Version,
			ExtraInfo: s.ExtraInfo, CPEs: s.CPEs,
		})
		if s.Product != "" {
			sw := serviceSoftware(s.Product, s.Version, s.CPEs)
			// The same product on several ports is one piece of software.
			if !slices.ContainsFunc(h.Software, func(o Software) bool {
				return o.Vendor == sw.Vendor && o.Product == sw.Product && o.Version == sw.Version && o.CPE == sw.CPE
			}) {
				h.Software = append(h.Software, sw)
			}
		}
		if h.OS == "" && s.OSType != "" {
			h.OS = s.OSType
		}
	}
	nmapOS(nh, &h)
	return h, true, nil
}

// serviceSoftware makes the Software entry of one service. The service's
// first application CPE names its product; without one, an OS or hardware
// CPE names the platform the service belongs to (a FortiGate's SSL VPN,
// Windows RPC), whose version is not the service's.
func serviceSoftware(product, version string, cpes []string) Software {
	sw := Software{Name: product}
	for _, part := range []string{"a", "o", "h"} {
		for _, c := range cpes {
			w, err := cpe.Parse(c)
			if err != nil || w.Part.Text() != part {
				continue
			}
			sw.CPE = c
			sw.Product = w.Product.Text()
			sw.Vendor = w.Vendor.Text()
			if v := w.Version; v.Kind == cpe.KindValue && !v.HasWildcards() {
				sw.Version = v.Text()
			} else if part == "a" {
				sw.Version = version
			}
			return sw
		}
	}
	sw.Product = strings.ReplaceAll(strings.ToLower(product), " ", "_")
	sw.Version = version
	return sw
}

// nmapOS takes the most accurate OS match (the first, on a tie).
func nmapOS(nh *nmapHost, h *Host) {
	best, bestAcc := -1, -1
	for i, m := range nh.OSMatches {
		if acc, _ := strconv.Atoi(m.Accuracy); acc > bestAcc {
			best, bestAcc = i, acc
		}
	}
	if best < 0 {
		return
	}
	m := nh.OSMatches[best]
	h.OS = m.Name
	genAcc := -1
	for _, c := range m.Classes {
		if acc, _ := strconv.Atoi(c.Accuracy); acc > genAcc && c.OSGen != "" {
			h.OSVersion, genAcc = c.OSGen, acc
		}
		for _, c := range c.CPEs {
			if !slices.Contains(h.OSCPEs, c) {
				h.OSCPEs = append(h.OSCPEs, c)
			}
		}
	}
}

// sizeLimit fails reads past a byte budget rather than truncating silently.
type sizeLimit struct {
	r    io.Reader
	left int64
}

func (l *sizeLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Only an error if there is more to read.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// depthLimit passes tokens through, failing past a nesting depth.
type depthLimit struct {
	d     *xml.Decoder
	depth int
}

func (l *depthLimit) Token() (xml.Token, error) {
	tok, err := l.d.Token()
	switch tok.(type) {
	case xml.StartElement:
		l.depth++
		if l.depth > MaxNmapXMLDepth {
			return nil, errTooDeep
		}
	case xml.EndElement:
		l.depth--
	}
	return tok, err
}
