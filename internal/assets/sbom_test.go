package assets_test

import (
	"os"
	"testing"

	"github.com/sekimori/sekimori/internal/assets"
)

func TestSBOMHost(t *testing.T) {
	data, err := os.ReadFile("testdata/sbom/web01-debian12.cdx15.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := assets.ParseSBOM(data)
	if err != nil {
		t.Fatal(err)
	}
	h := s.Host("A-0001")
	if h.AssetID != "A-0001" || h.Source != assets.SourceCycloneDX || h.OS != "debian" || h.OSVersion != "12" ||
		h.InventoryComplete || !h.InventoryCollectedAt.Equal(s.Created) || len(h.Software) != len(s.Software) {
		t.Errorf("Host = %+v", h)
	}
}

// TestParseSBOMFacts checks the facts triage depends on, independent of
// the golden files.
func TestParseSBOMFacts(t *testing.T) {
	find := func(t *testing.T, file, name string) assets.Software {
		t.Helper()
		data, err := os.ReadFile("testdata/sbom/" + file)
		if err != nil {
			t.Fatal(err)
		}
		s, err := assets.ParseSBOM(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, sw := range s.Software {
			if sw.Name == name {
				return sw
			}
		}
		t.Fatalf("%s: no %s", file, name)
		return assets.Software{}
	}
	tests := []struct {
		file, name                                  string
		product, version, ecosystem, distro, source string
	}{
		{"web01-debian12.cdx15.json", "apache2-bin", "http_server", "2.4.62-1~deb12u2", "deb", "debian:bookworm", "apache2"},
		{"web01-debian12.cdx15.json", "libssl3", "libssl3", "3.0.15-1~deb12u1", "deb", "debian:bookworm", "openssl"},
		{"web01-debian12.cdx15.json", "log4j-core", "log4j", "2.14.1", "maven", "", "log4j-core"},
		{"web01-debian12.cdx15.json", "openssh-server", "openssh", "1:9.2p1-2+deb12u3", "deb", "debian:bookworm", "openssh"},
		{"db01-rhel9.cdx16.json", "openssl", "openssl", "1:3.0.7-27.el9", "rpm", "rhel:9", "openssl"},
		{"db01-rhel9.cdx16.json", "openssl-libs", "openssl-libs", "1:3.0.7-27.el9", "rpm", "rhel:9", "openssl"},
		{"shop-api-alpine.cdx14.json", "libcrypto3", "libcrypto3", "3.1.4-r5", "apk", "alpine:3.19", "openssl"},
		{"app01-ubuntu2204.spdx.json", "nginx-core", "nginx", "1.18.0-6ubuntu14.4", "deb", "ubuntu:jammy", "nginx"},
		{"app01-ubuntu2204.spdx.json", "Django", "django", "3.2.12", "pypi", "", "django"},
	}
	for _, tt := range tests {
		sw := find(t, tt.file, tt.name)
		if sw.Product != tt.product || sw.Version != tt.version || sw.Ecosystem != tt.ecosystem || sw.Distro != tt.distro || sw.SourcePackage != tt.source {
			t.Errorf("%s %s = %+v", tt.file, tt.name, sw)
		}
	}
}

func TestParseSBOMDedupe(t *testing.T) {
	data, err := os.ReadFile("testdata/sbom/web01-debian12.cdx15.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := assets.ParseSBOM(data)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sw := range s.Software {
		if sw.Name == "libc6" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("libc6 (amd64 and i386) listed %d times, want 1", n)
	}
}
