package triage

import (
	"strings"

	"github.com/sekimori/sekimori/internal/assets"
	"github.com/sekimori/sekimori/internal/cpe"
)

// Products are named differently by each source: NVD says
// cpe:2.3:a:apache:http_server, Debian ships apache2, Red Hat httpd, nmap
// reports "Apache httpd", an ET rule says Apache_HTTP_server. Triage
// compares them as "vendor:product" keys in NVD's CPE dictionary terms.
// aliases maps a normalised name (see norm) to that key.
var aliases = map[string]string{
	"apache":                              "apache:http_server",
	"apache http server":                  "apache:http_server",
	"apache httpd":                        "apache:http_server",
	"httpd":                               "apache:http_server",
	"apache2":                             "apache:http_server",
	"apache2 bin":                         "apache:http_server",
	"log4j":                               "apache:log4j",
	"log4j core":                          "apache:log4j",
	"apache log4j":                        "apache:log4j",
	"apache log4j2":                       "apache:log4j",
	"log4j2":                              "apache:log4j",
	"org.apache.logging.log4j/log4j core": "apache:log4j",
	"liblog4j2 java":                      "apache:log4j",
	"apache log4j core":                   "apache:log4j",
	"tomcat":                              "apache:tomcat",
	"apache tomcat":                       "apache:tomcat",
	"tomcat9":                             "apache:tomcat",
	"tomcat10":                            "apache:tomcat",
	"struts":                              "apache:struts",
	"apache struts":                       "apache:struts",
	"openssh":                             "openbsd:openssh",
	"openssh server":                      "openbsd:openssh",
	"openssh client":                      "openbsd:openssh",
	"openssl":                             "openssl:openssl",
	"libssl3":                             "openssl:openssl",
	"libssl1.1":                           "openssl:openssl",
	"openssl libs":                        "openssl:openssl",
	"nginx":                               "f5:nginx",
	"php":                                 "php:php",
	"fortios":                             "fortinet:fortios",
	"fortinet fortios":                    "fortinet:fortios",
	"fortigate":                           "fortinet:fortios",
	"fortinet fortigate":                  "fortinet:fortios",
	"fortinet ssl vpn":                    "fortinet:fortios",
	"fortios ssl vpn":                     "fortinet:fortios",
	"microsoft exchange":                  "microsoft:exchange_server",
	"microsoft exchange server":           "microsoft:exchange_server",
	"exchange server":                     "microsoft:exchange_server",
	"microsoft iis":                       "microsoft:internet_information_services",
	"iis":                                 "microsoft:internet_information_services",
	"windows":                             "microsoft:windows",
	"microsoft windows":                   "microsoft:windows",
	"bind":                                "isc:bind",
	"bind9":                               "isc:bind",
	"isc bind":                            "isc:bind",
	"samba":                               "samba:samba",
	"mysql":                               "oracle:mysql",
	"mysql server":                        "oracle:mysql",
	"postgresql":                          "postgresql:postgresql",
	"confluence":                          "atlassian:confluence_server",
	"atlassian confluence":                "atlassian:confluence_server",
	"internet explorer":                   "microsoft:internet_explorer",
	"microsoft internet explorer":         "microsoft:internet_explorer",
	"chrome":                              "google:chrome",
	"google chrome":                       "google:chrome",
	"chromium":                            "google:chrome",
	"firefox":                             "mozilla:firefox",
	"mozilla firefox":                     "mozilla:firefox",
	"java":                                "oracle:jre",
	"oracle java":                         "oracle:jre",
	"debian":                              "debian:debian_linux",
	"debian gnu/linux":                    "debian:debian_linux",
	"ubuntu":                              "canonical:ubuntu_linux",
	"linux":                               "linux:linux_kernel",
	"linux kernel":                        "linux:linux_kernel",
	"yamaha rtx":                          "yamaha:rtx",
	"cisco ios":                           "cisco:ios",
	"cisco asa":                           "cisco:adaptive_security_appliance_software",
}

// keyEquivalents are product keys NVD spells in more than one way.
var keyEquivalents = map[string][]string{
	"f5:nginx":                         {"nginx:nginx"},
	"nginx:nginx":                      {"f5:nginx"},
	"atlassian:confluence_server":      {"atlassian:confluence_data_center"},
	"atlassian:confluence_data_center": {"atlassian:confluence_server"},
	"oracle:jre":                       {"oracle:jdk"},
}

// norm lower-cases a product name and turns runs of '_', '-', spaces and
// ':' into one space.
func norm(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r == '_' || r == '-' || r == ' ' || r == ':' || r == '\t' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// nameKey turns a product name from a signature or an inventory into a key:
// from the alias table, else "*:product" (any vendor).
func nameKey(name string) string {
	n := norm(name)
	if n == "" {
		return ""
	}
	if k, ok := aliases[n]; ok {
		return k
	}
	// Versioned package names: php8.2, tomcat10, libapache2-mod-php8.2.
	trimmed := strings.TrimRight(n, "0123456789.")
	if k, ok := aliases[trimmed]; ok && trimmed != n {
		return k
	}
	return "*:" + strings.ReplaceAll(n, " ", "_")
}

// cpeKey returns part and "vendor:product" of a CPE name, and its version
// when the name fixes one ("" for ANY or NA).
func cpeKey(name string) (part, key, ver string, ok bool) {
	w, err := cpe.Parse(name)
	if err != nil {
		return "", "", "", false
	}
	vendor, product := attrText(w.Vendor), attrText(w.Product)
	if vendor == "" {
		vendor = "*"
	}
	if product == "" {
		return "", "", "", false
	}
	return attrText(w.Part), vendor + ":" + product, attrText(w.Version), true
}

// attrText is a WFN attribute's value without its quoting; "" for ANY and
// NA.
func attrText(a cpe.Attr) string {
	if a.Kind != cpe.KindValue {
		return ""
	}
	return strings.ToLower(strings.ReplaceAll(a.V, `\`, ""))
}

// softwareKeys are the product keys an inventory entry answers to.
func softwareKeys(sw assets.Software) []string {
	var keys []string
	var add func(k string)
	add = func(k string) {
		if k == "" {
			return
		}
		for _, have := range keys {
			if have == k {
				return
			}
		}
		keys = append(keys, k)
		for _, eq := range keyEquivalents[k] {
			add(eq)
		}
	}
	if sw.CPE != "" {
		if _, k, _, ok := cpeKey(sw.CPE); ok {
			add(k)
		}
	}
	if sw.Vendor != "" && sw.Product != "" {
		add(norm(sw.Vendor) + ":" + strings.ReplaceAll(norm(sw.Product), " ", "_"))
	}
	for _, n := range []string{purlName(sw.PURL), sw.SourcePackage, sw.Name, sw.Product} {
		if n != "" {
			add(nameKey(n))
		}
	}
	return keys
}

// purlName is "namespace/name" of a maven package URL (its identity), else
// the name.
func purlName(purl string) string {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return ""
	}
	typ, rest, _ := strings.Cut(rest, "/")
	rest, _, _ = strings.Cut(rest, "?")
	rest, _, _ = strings.Cut(rest, "@")
	if typ == "maven" {
		return rest
	}
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		rest = rest[i+1:]
	}
	return rest
}

// keyMatches says whether an inventory key satisfies a wanted key; a
// vendor-less key ("*:openssl") matches the product of any vendor.
func keyMatches(have, want string) bool {
	if have == want {
		return true
	}
	hv, hp, _ := strings.Cut(have, ":")
	wv, wp, _ := strings.Cut(want, ":")
	return hp == wp && (hv == "*" || wv == "*")
}

// osSoftware turns a host's operating system into an inventory entry, so
// that CVEs of FortiOS, Windows or the Linux distribution itself match.
func osSoftware(h assets.Host) (assets.Software, bool) {
	if h.OS == "" {
		return assets.Software{}, false
	}
	sw := assets.Software{Name: h.OS, Product: h.OS, Version: h.OSVersion}
	os := strings.ToLower(h.OS)
	for _, o := range osFamilies {
		if strings.Contains(os, o.word) {
			sw.CPE = "cpe:2.3:o:" + o.key + ":*:*:*:*:*:*:*:*"
			break
		}
	}
	return sw, true
}

// osFamilies name operating systems as NVD does, by a word of the
// inventory's OS name ("Windows Server 2019" is microsoft:windows, whose
// CVE platforms use that key; specific editions are matched by version).
var osFamilies = []struct{ word, key string }{
	{"fortios", "fortinet:fortios"},
	{"fortigate", "fortinet:fortios"},
	{"windows", "microsoft:windows"},
	{"debian", "debian:debian_linux"},
	{"ubuntu", "canonical:ubuntu_linux"},
	{"red hat", "redhat:enterprise_linux"},
	{"rhel", "redhat:enterprise_linux"},
	{"pan-os", "paloaltonetworks:pan-os"},
	{"junos", "juniper:junos"},
	{"asa", "cisco:adaptive_security_appliance_software"},
	{"ios", "cisco:ios"},
	{"rtx", "yamaha:rtx"},
	{"macos", "apple:macos"},
	{"linux", "linux:linux_kernel"},
}
