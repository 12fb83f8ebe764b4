package vulndb

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectFixtures(t *testing.T) {
	want := map[string]string{
		"nvd": KindNVD, "kev": KindKEV, "epss": KindEPSS, "debian": KindDebian, "redhat": KindRedHatCSAF,
		"suricata": KindSuricata, "sigma": KindSigma, "sigcsv": KindSignatureCSV,
	}
	for _, path := range fixtures(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Base(filepath.Dir(path))
		got, err := Detect(filepath.Base(path), data)
		if err != nil || got != want[dir] {
			t.Errorf("Detect(%s) = %q, %v; want %q", path, got, err, want[dir])
		}
	}
}

func TestDetect(t *testing.T) {
	gz := func(s string) string {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.String()
	}
	for _, tc := range []struct {
		name, file, in, want string
	}{
		{"kev first key title", "x", `{"title":"t","catalogVersion":"1","vulnerabilities":[]}`, KindKEV},
		{"kev by entry", "x", `{"vulnerabilities":[{"cveID":"CVE-2021-41773"}]}`, KindKEV},
		{"nvd by entry", "x", `{"vulnerabilities":[{"cve":{"id":"CVE-2021-41773"}}]}`, KindNVD},
		{"csaf by entry", "x", `{"vulnerabilities":[{"cve":"CVE-2021-41773"}]}`, KindRedHatCSAF},
		{"csaf", "x", `{"document":{"category":"csaf_vex","csaf_version":"2.0"}}`, KindRedHatCSAF},
		{"debian", "x", `{"0ad":{"TEMP-0000000-1":{"releases":{}}}}`, KindDebian},
		{"nvd array", "x", ` [ {"format":"NVD_CVE"} ]`, KindNVD},
		{"epss without comment", "x", "cve,epss,percentile\nCVE-2021-41773,0.9,0.9\n", KindEPSS},
		{"signature csv", "x", "vendor,signature_id\nfortigate,1\n", KindSignatureCSV},
		{"signature csv reordered, comment", "x", "# c\ntarget,signature_id,vendor\n", KindSignatureCSV},
		{"commented rule only", "x", "# drop tcp any any -> any any (msg:\"x\"; sid:1;)\n", KindSuricata},
		{"empty rules file by name", "local.rules", "# nothing yet\n", KindSuricata},
		{"sigma detection first", "x", "detection:\n  a: b\ntitle: t\n", KindSigma},
		{"gzip", "x", gz("cve,epss\n"), KindEPSS},
		{"unknown json", "x", `{"a":{"b":1}}`, ""},
		{"unknown array", "x", `[1,2]`, ""},
		{"broken json", "x", `{"a":`, ""},
		{"unknown text", "x", "hello world\n", ""},
		{"empty", "x.rules", " \n", ""},
		{"plain yaml", "x.yml", "a: b\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(tc.file, []byte(tc.in))
			if tc.want == "" {
				if !errors.Is(err, ErrUnknownKind) || !strings.Contains(err.Error(), "detect kind of "+tc.file) {
					t.Fatalf("Detect = %q, %v; want ErrUnknownKind naming the file", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestImportUnknown(t *testing.T) {
	_, err := Import("notes.txt", []byte("hello\n"))
	if !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("err = %v", err)
	}
	for _, kind := range []string{"NVD", "KEV", "EPSS", "Debian", "CSAF", "Suricata", "Sigma", "signature CSV"} {
		if !strings.Contains(err.Error(), kind) {
			t.Errorf("error %q does not list %s", err, kind)
		}
	}
	if _, err := Import("x.gz", []byte{0x1f, 0x8b, 0, 0}); err == nil || !strings.Contains(err.Error(), "import x.gz: gunzip") {
		t.Errorf("broken gzip: %v", err)
	}
}

func TestProvenance(t *testing.T) {
	data, err := os.ReadFile("testdata/epss/epss_sample.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Import("epss_sample.csv.gz", data)
	if err != nil {
		t.Fatal(err)
	}
	p := b.Provenance
	if p.Kind != KindEPSS || p.Source != "epss_sample.csv.gz" || p.Records != 7 ||
		p.Date.Format("2006-01-02") != "2025-06-01" || len(p.SHA256) != 64 {
		t.Errorf("provenance: %+v", p)
	}
	plain := mustImport(t, "testdata/epss/epss_sample.csv").Provenance
	if plain.SHA256 == p.SHA256 {
		t.Error("SHA256 should be of the file as given (compressed)")
	}
}
