package assets

import (
	"strings"
)

// debianReleases maps Debian major versions to codenames.
var debianReleases = map[string]string{
	"7": "wheezy", "8": "jessie", "9": "stretch", "10": "buster",
	"11": "bullseye", "12": "bookworm", "13": "trixie", "14": "forky",
	"15": "duke",
}

// ubuntuReleases maps Ubuntu versions to codenames.
var ubuntuReleases = map[string]string{
	"14.04": "trusty", "16.04": "xenial", "18.04": "bionic", "18.10": "cosmic",
	"19.04": "disco", "19.10": "eoan", "20.04": "focal", "20.10": "groovy",
	"21.04": "hirsute", "21.10": "impish", "22.04": "jammy", "22.10": "kinetic",
	"23.04": "lunar", "23.10": "mantic", "24.04": "noble", "24.10": "oracular",
	"25.04": "plucky", "25.10": "questing",
}

// codenames maps every known codename to its distro.
var codenames = func() map[string]string {
	m := map[string]string{"sid": "debian", "unstable": "debian"}
	for _, c := range debianReleases {
		m[c] = "debian"
	}
	for _, c := range ubuntuReleases {
		m[c] = "ubuntu"
	}
	return m
}()

// distroFamilies maps the names distros go by (os-release IDs, purl
// qualifiers, product names) to one ID.
var distroFamilies = map[string]string{
	"debian": "debian", "ubuntu": "ubuntu",
	"rhel": "rhel", "redhat": "rhel", "red": "rhel",
	"centos": "centos", "rocky": "rocky", "almalinux": "almalinux", "alma": "almalinux",
	"ol": "ol", "oracle": "ol", "oraclelinux": "ol",
	"amzn": "amzn", "amazon": "amzn", "amazonlinux": "amzn",
	"fedora": "fedora", "alpine": "alpine",
	"sles": "sles", "suse": "sles", "opensuse": "opensuse",
}

// fillerWords appear in os-release PRETTY_NAMEs but name no distro.
var fillerWords = map[string]bool{
	"linux": true, "gnu": true, "enterprise": true, "server": true, "lts": true,
	"release": true, "edition": true, "stream": true,
}

// majorOnly are families whose security data is per major release.
var majorOnly = map[string]bool{
	"rhel": true, "centos": true, "rocky": true, "almalinux": true, "ol": true, "fedora": true, "amzn": true,
}

// NormalizeDistro turns the ways a distro release is written into one key:
// "debian:<codename>" and "ubuntu:<codename>" (the security trackers' keys),
// "rhel:9" and likewise the major release for CentOS, Rocky, AlmaLinux,
// Oracle Linux ("ol"), Fedora and Amazon Linux ("amzn:2023"), major.minor
// for Alpine ("alpine:3.19"), "<id>:<version>" as given for other distros.
// It returns "" when s names no release (no distro, or no version).
//
// It reads purl distro qualifiers ("debian-12", "ubuntu-22.04",
// "rhel-9.3", "alpine-3.19.1"), bare codenames ("bookworm"), RPM release
// tags ("el9", "el8_9"), "id:version" keys (so it is idempotent) and
// os-release PRETTY_NAMEs ("Debian GNU/Linux 12 (bookworm)", "Red Hat
// Enterprise Linux 9.3 (Plow)"), case-insensitively.
func NormalizeDistro(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '.')
	})
	family, version := "", ""
	for _, w := range words {
		if d, ok := codenames[w]; ok {
			return d + ":" + w
		}
		switch {
		case len(w) > 2 && w[:2] == "el" && isDigits(w[2:]):
			return "rhel:" + w[2:]
		case family == "opensuse" && (w == "leap" || w == "tumbleweed"):
			family += "-" + w
		case fillerWords[w]:
		case family == "" && distroFamilies[w] != "":
			family = distroFamilies[w]
		case version == "" && (isDigit(w[0]) || len(w) > 1 && w[0] == 'v' && isDigit(w[1])):
			version = strings.TrimPrefix(w, "v")
		case family == "" && version == "" && isLetter(w[0]) && !strings.Contains(w, "."):
			family = w // an unknown distro keeps its own ID
		}
	}
	if family == "" || version == "" {
		return ""
	}
	parts := strings.Split(version, ".")
	switch {
	case family == "debian":
		if c, ok := debianReleases[parts[0]]; ok {
			return "debian:" + c
		}
		return "debian:" + parts[0]
	case family == "ubuntu" && len(parts) >= 2:
		v := parts[0] + "." + parts[1]
		if c, ok := ubuntuReleases[v]; ok {
			return "ubuntu:" + c
		}
		return "ubuntu:" + v
	case majorOnly[family]:
		return family + ":" + parts[0]
	case family == "alpine" && len(parts) >= 2:
		return "alpine:" + parts[0] + "." + parts[1]
	}
	return family + ":" + version
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' }
