package vulndb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets: one per parser, seeded from its fixtures, plus the rule
// option parser (with a round-trip property) and Import as a whole. Every
// target checks that the parser does not panic and that what it returns
// keeps the package's promises (checkBundle).

// seed adds the fixtures under testdata/dir to the corpus.
func seed(f *testing.F, dir string) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func fuzzParser(f *testing.F, dir string, parse parseFunc) {
	seed(f, dir)
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &Bundle{}
		if err := parse(data, b); err != nil {
			return
		}
		checkBundle(t, b)
	})
}

func FuzzNVD(f *testing.F)          { fuzzParser(f, "nvd", parseNVD) }
func FuzzKEV(f *testing.F)          { fuzzParser(f, "kev", parseKEV) }
func FuzzEPSS(f *testing.F)         { fuzzParser(f, "epss", parseEPSS) }
func FuzzDebian(f *testing.F)       { fuzzParser(f, "debian", parseDebian) }
func FuzzCSAF(f *testing.F)         { fuzzParser(f, "redhat", parseCSAF) }
func FuzzSigma(f *testing.F)        { fuzzParser(f, "sigma", parseSigma) }
func FuzzSignatureCSV(f *testing.F) { fuzzParser(f, "sigcsv", parseSignatureCSV) }

// FuzzSuricata is also seeded with each line of the sample on its own:
// small inputs mutate into more shapes than a whole file.
func FuzzSuricata(f *testing.F) {
	data, err := os.ReadFile("testdata/suricata/et_sample.rules")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f.Add([]byte(line))
	}
	fuzzParser(f, "suricata", parseSuricata)
}

// FuzzImport runs detection and every parser behind it.
func FuzzImport(f *testing.F) {
	for _, dir := range []string{"nvd", "kev", "epss", "debian", "redhat", "suricata", "sigma", "sigcsv"} {
		seed(f, dir)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Import("fuzz", data)
		if err != nil {
			return
		}
		if _, ok := parsers[b.Provenance.Kind]; !ok {
			t.Fatalf("unknown kind %q", b.Provenance.Kind)
		}
		n := len(b.CVEs) + len(b.KEV) + len(b.EPSS) + len(b.Fixes) + len(b.Signatures)
		if b.Provenance.Records != n {
			t.Fatalf("Records = %d, have %d", b.Provenance.Records, n)
		}
		checkBundle(t, b)
	})
}

// FuzzRuleOptions fuzzes the option parser. Whatever it accepts must come
// back the same when written out canonically and parsed again.
func FuzzRuleOptions(f *testing.F) {
	data, err := os.ReadFile("testdata/suricata/et_sample.rules")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if i, j := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')'); i >= 0 && j > i {
			f.Add(line[i+1 : j])
		}
	}
	for _, s := range []string{`msg:"a\;b"; sid:1`, `content:"a; sid:1;`, `x:\`, `a:"\"";b;`, `;`, `a: ;`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		opts, err := parseOptions(s)
		if err != nil {
			return
		}
		var sb strings.Builder
		for _, o := range opts {
			if checkOptionName(o.Name) != nil {
				t.Fatalf("bad name %q accepted", o.Name)
			}
			sb.WriteString(o.Name)
			if o.HasValue {
				sb.WriteString(":" + o.Value)
			}
			sb.WriteString("; ")
		}
		again, err := parseOptions(sb.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q: %v", sb.String(), s, err)
		}
		if len(again) != len(opts) {
			t.Fatalf("canonical form %q of %q: %d options, want %d", sb.String(), s, len(again), len(opts))
		}
		for i := range opts {
			if again[i] != opts[i] {
				t.Fatalf("canonical form %q of %q: option %d = %+v, want %+v", sb.String(), s, i, again[i], opts[i])
			}
		}
		_ = unquote(s)
	})
}

// checkBundle checks what every bundle promises.
func checkBundle(t *testing.T, b *Bundle) {
	t.Helper()
	if len(b.Skipped) > MaxSkipped || b.SkippedTotal < len(b.Skipped) {
		t.Fatalf("skipped: %d kept, %d total", len(b.Skipped), b.SkippedTotal)
	}
	canonical := func(id string) {
		if c, err := NormalizeCVE(id); err != nil || c != id {
			t.Fatalf("CVE id %q not canonical", id)
		}
	}
	for _, c := range b.CVEs {
		canonical(c.ID)
		for _, cfg := range c.Configs {
			if len(cfg.Vulnerable) == 0 {
				t.Fatalf("%s: config without vulnerable matches", c.ID)
			}
			for _, m := range append(cfg.Vulnerable, cfg.Platform...) {
				if checkCriteria(m.Criteria) != nil {
					t.Fatalf("%s: bad criteria %q kept", c.ID, m.Criteria)
				}
			}
		}
	}
	for _, k := range b.KEV {
		canonical(k.CVE)
	}
	for _, e := range b.EPSS {
		canonical(e.CVE)
		if !(e.Score >= 0 && e.Score <= 1 && e.Percentile >= 0 && e.Percentile <= 1) {
			t.Fatalf("%s: out of range", e.CVE)
		}
	}
	for _, f := range b.Fixes {
		canonical(f.CVE)
		switch f.Status {
		case FixStatusFixed, FixStatusNotAffected, FixStatusOpen, FixStatusUndetermined:
		default:
			t.Fatalf("%s: status %q", f.CVE, f.Status)
		}
	}
	for _, s := range b.Signatures {
		if s.ID == "" || s.Vendor == "" || s.Vendor != strings.ToLower(s.Vendor) {
			t.Fatalf("signature %+v: no id or vendor", s)
		}
		if s.Target != "" && s.Target != TargetServer && s.Target != TargetClient {
			t.Fatalf("signature %s: target %q", s.ID, s.Target)
		}
		for _, c := range s.CVEs {
			canonical(c)
		}
	}
}
