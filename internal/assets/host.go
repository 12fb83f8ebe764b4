package assets

import (
	"net/netip"
	"time"
)

// Inventory sources, the values of Host.Source.
const (
	SourceHostsCSV  = "hosts-csv"
	SourceCycloneDX = "cyclonedx"
	SourceSPDX      = "spdx"
	SourceNmap      = "nmap"
)

// Criticality levels accepted in a hosts sheet ("" means not rated).
var criticalities = []string{"low", "medium", "high", "critical"}

// Host is one asset of a tenant as one source saw it. Records from several
// sources about the same asset are merged by the caller.
type Host struct {
	// AssetID is the tenant's own identifier; empty from nmap, which only
	// knows addresses.
	AssetID  string `json:"asset_id,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	// IPs are the addresses the host has on its own networks; PublicIPs
	// the addresses from which it is reached through NAT or a load
	// balancer's VIP. Both are unmapped (no IPv4-in-IPv6) and deduplicated.
	IPs       []netip.Addr `json:"ips,omitempty"`
	PublicIPs []netip.Addr `json:"public_ips,omitempty"`
	Role      string       `json:"role,omitempty"`
	// Criticality is "", "low", "medium", "high" or "critical".
	Criticality string `json:"criticality,omitempty"`
	OS          string `json:"os,omitempty"`
	OSVersion   string `json:"os_version,omitempty"`
	// OSCPEs are the CPE names nmap gave for its best OS match, as written.
	OSCPEs []string `json:"os_cpes,omitempty"`
	Notes  string   `json:"notes,omitempty"`
	// InventoryComplete says the software list is the host's whole
	// inventory, so that a product missing from it is absent from the host.
	// False (partial) means absence proves nothing.
	InventoryComplete    bool       `json:"inventory_complete"`
	InventoryCollectedAt time.Time  `json:"inventory_collected_at,omitzero"`
	Source               string     `json:"source"` // one of the Source constants
	Software             []Software `json:"software,omitempty"`
	Ports                []Port     `json:"ports,omitempty"` // open ports (nmap)
}

// Software is one product installed on (or, from nmap, served by) a host.
type Software struct {
	// Product is the lower-case product name triage matches on: the
	// product of the CPE when there is one ("http_server"), else the
	// package name ("apache2", "log4j-core"); from nmap without a CPE, the
	// service product with spaces as "_" ("apache_httpd").
	Product string `json:"product"`
	// Vendor is the CPE vendor, else the purl namespace for language
	// ecosystems (the Maven group, the npm scope); empty for distro
	// packages, whose namespace is the distro.
	Vendor string `json:"vendor,omitempty"`
	// Version is the version to compare: for distro packages the full
	// package version, with the purl epoch qualifier prefixed ("1:…") when
	// the version lacks one; from nmap the CPE version when given, else
	// the service version.
	Version string `json:"version,omitempty"`
	// Name is the name as the source wrote it (component, package or
	// service product name).
	Name string `json:"name"`
	PURL string `json:"purl,omitempty"` // as written
	CPE  string `json:"cpe,omitempty"`  // as written; the first one that parses
	// Ecosystem is the purl type: "deb", "rpm", "apk", "maven", "npm",
	// "pypi", "golang", "generic", ...; empty without a purl.
	Ecosystem string `json:"ecosystem,omitempty"`
	// Distro is the distro release of a distro package, normalised by
	// NormalizeDistro ("debian:bookworm", "ubuntu:jammy", "rhel:9"); empty
	// for anything else.
	Distro string `json:"distro,omitempty"`
	// SourcePackage is the distro source package (what security trackers
	// key on: "openssl" for libssl3) when the SBOM says so, else the
	// package name; empty from nmap.
	SourcePackage string `json:"source_package,omitempty"`
}

// Port is an open port nmap found.
type Port struct {
	Proto     string   `json:"proto"` // "tcp", "udp", "sctp"
	Port      uint16   `json:"port"`
	State     string   `json:"state"`             // "open"
	Service   string   `json:"service,omitempty"` // nmap service name: "http", "ssh"
	Tunnel    string   `json:"tunnel,omitempty"`  // "ssl" when nmap saw TLS
	Product   string   `json:"product,omitempty"`
	Version   string   `json:"version,omitempty"`
	ExtraInfo string   `json:"extra_info,omitempty"`
	CPEs      []string `json:"cpes,omitempty"` // as written (CPE 2.2 URIs)
}
