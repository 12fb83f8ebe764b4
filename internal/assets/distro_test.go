package assets_test

import (
	"testing"

	"github.com/sekimori/sekimori/internal/assets"
)

func TestNormalizeDistro(t *testing.T) {
	tests := []struct{ in, want string }{
		// purl distro qualifiers.
		{"debian-12", "debian:bookworm"},
		{"debian-12.7", "debian:bookworm"},
		{"debian-9", "debian:stretch"},
		{"debian-10", "debian:buster"},
		{"debian-11", "debian:bullseye"},
		{"debian-13", "debian:trixie"},
		{"debian-14", "debian:forky"},
		{"debian-99", "debian:99"},
		{"ubuntu-18.04", "ubuntu:bionic"},
		{"ubuntu-20.04", "ubuntu:focal"},
		{"ubuntu-22.04", "ubuntu:jammy"},
		{"ubuntu-24.04", "ubuntu:noble"},
		{"ubuntu-24.10", "ubuntu:oracular"},
		{"ubuntu-25.04", "ubuntu:plucky"},
		{"ubuntu-22.04.4", "ubuntu:jammy"},
		{"ubuntu-99.04", "ubuntu:99.04"},
		{"rhel-9.3", "rhel:9"},
		{"rhel-8.10", "rhel:8"},
		{"redhat-9.4", "rhel:9"},
		{"rocky-9.3", "rocky:9"},
		{"almalinux-8.9", "almalinux:8"},
		{"centos-7", "centos:7"},
		{"ol-8.9", "ol:8"},
		{"amzn-2", "amzn:2"},
		{"amzn-2023", "amzn:2023"},
		{"amzn-2023.4.20240401", "amzn:2023"},
		{"fedora-40", "fedora:40"},
		{"alpine-3.19.1", "alpine:3.19"},
		{"sles-15.5", "sles:15.5"},
		{"opensuse-leap-15.5", "opensuse-leap:15.5"},
		{"photon-5.0", "photon:5.0"},
		// Codenames and release tags.
		{"bookworm", "debian:bookworm"},
		{"Jammy", "ubuntu:jammy"},
		{"sid", "debian:sid"},
		{"el9", "rhel:9"},
		{"el8_9", "rhel:8"},
		// Normalised keys stay as they are.
		{"debian:bookworm", "debian:bookworm"},
		{"debian:12", "debian:bookworm"},
		{"ubuntu:jammy", "ubuntu:jammy"},
		{"rhel:9", "rhel:9"},
		{"alpine:3.19", "alpine:3.19"},
		{"opensuse-leap:15.5", "opensuse-leap:15.5"},
		// os-release PRETTY_NAMEs and hosts sheet spellings.
		{"Debian GNU/Linux 12 (bookworm)", "debian:bookworm"},
		{"Ubuntu 22.04.4 LTS", "ubuntu:jammy"},
		{"Red Hat Enterprise Linux 9.4 (Plow)", "rhel:9"},
		{"Rocky Linux 9.3 (Blue Onyx)", "rocky:9"},
		{"AlmaLinux 9.3 (Shamrock Pampas Cat)", "almalinux:9"},
		{"CentOS Stream 9", "centos:9"},
		{"Amazon Linux 2023", "amzn:2023"},
		{"Alpine Linux v3.19", "alpine:3.19"},
		{"debian 12", "debian:bookworm"},
		// No release.
		{"", ""},
		{"debian", ""},
		{"12", ""},
		{"3.19.1", ""},
		{"-", ""},
		{"Windows", ""},
	}
	for _, tt := range tests {
		if got := assets.NormalizeDistro(tt.in); got != tt.want {
			t.Errorf("NormalizeDistro(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
