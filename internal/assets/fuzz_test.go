package assets_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/sekimori/sekimori/internal/assets"
)

// addSeeds adds every file of testdata/<dir> but the golden files.
func addSeeds(f *testing.F, dir string) {
	for _, in := range inputs(f, dir) {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzParseHostsCSV(f *testing.F) {
	addSeeds(f, "hosts")
	f.Fuzz(func(t *testing.T, data []byte) {
		hosts, err := assets.ParseHostsCSV(bytes.NewReader(data), goldenTenant)
		if err != nil {
			if hosts != nil {
				t.Fatalf("hosts and error %v", err)
			}
			var list *assets.ErrorList
			if errors.As(err, &list) && len(list.Errs) > assets.MaxErrors {
				t.Fatalf("%d errors listed", len(list.Errs))
			}
			return
		}
		ids := map[string]bool{}
		for _, h := range hosts {
			if h.AssetID == "" || ids[h.AssetID] || h.Source != assets.SourceHostsCSV || !utf8.ValidString(h.Notes) {
				t.Fatalf("bad host %+v", h)
			}
			ids[h.AssetID] = true
			for _, ip := range append(h.IPs, h.PublicIPs...) {
				if !ip.IsValid() || ip.Is4In6() || ip.Zone() != "" {
					t.Fatalf("bad address %v", ip)
				}
			}
		}
	})
}

func FuzzParseSBOM(f *testing.F) {
	addSeeds(f, "sbom")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := assets.ParseSBOM(data)
		if err != nil {
			return
		}
		if s.Format != assets.FormatCycloneDX && s.Format != assets.FormatSPDX {
			t.Fatalf("format %q", s.Format)
		}
		for _, sw := range s.Software {
			if sw.Product == "" && sw.Name != "" {
				t.Fatalf("software without product: %+v", sw)
			}
			if sw.Distro != "" && assets.NormalizeDistro(sw.Distro) != sw.Distro {
				t.Fatalf("distro %q not normalised", sw.Distro)
			}
		}
	})
}

func FuzzParseNmapXML(f *testing.F) {
	addSeeds(f, "nmap")
	f.Fuzz(func(t *testing.T, data []byte) {
		hosts, err := assets.ParseNmapXML(bytes.NewReader(data))
		if err != nil && len(hosts) > 0 && !errors.Is(err, assets.ErrTruncated) {
			t.Fatalf("hosts with error %v", err)
		}
		for _, h := range hosts {
			if len(h.IPs) == 0 || h.Source != assets.SourceNmap || h.InventoryComplete {
				t.Fatalf("bad host %+v", h)
			}
			for _, p := range h.Ports {
				if p.State != "open" {
					t.Fatalf("port %+v", p)
				}
			}
		}
	})
}

func FuzzNormalizeDistro(f *testing.F) {
	for _, s := range []string{"debian-12", "ubuntu-22.04.4", "rhel-9.3", "el8_9", "Debian GNU/Linux 12 (bookworm)", "opensuse-leap-15.5", "alpine-3.19.1", "v3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := assets.NormalizeDistro(s)
		if d != "" && assets.NormalizeDistro(d) != d {
			t.Fatalf("NormalizeDistro(%q) = %q, but NormalizeDistro(%q) = %q", s, d, d, assets.NormalizeDistro(d))
		}
	})
}
