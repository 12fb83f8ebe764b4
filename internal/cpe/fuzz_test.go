package cpe_test

import (
	"testing"

	"github.com/sekimori/sekimori/internal/cpe"
)

var fuzzSeeds = []string{
	"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
	`cpe:2.3:a:foo\\bar:big\$money_manager_2010:*:*:*:*:special:ipod_touch:80gb:*`,
	"cpe:2.3:o:fortinet:fortios:7.0.*:*:*:*:*:*:*:*",
	"cpe:2.3:a:apache:http_server:??2.4:-:*:*:ja-jp:*:*:*",
	`cpe:2.3:a:apache:http_server:2.4.62-1\~deb12u2:*:*:*:*:*:*:*`,
	"cpe:/a:apache:http_server:2.4.49",
	"cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
	"cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
	"cpe:/o:microsoft:windows_10::-",
	"cpe:/",
}

// FuzzParse checks that Parse never panics, that what it accepts binds to
// a string it reads back to the same name, and that a name without
// wildcards matches itself and is matched by the all-ANY pattern.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := cpe.Parse(s)
		if err != nil {
			return
		}
		fs := w.String()
		again, err := cpe.Parse(fs)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, whose String %q does not parse: %v", s, w, fs, err)
		}
		if again != w {
			t.Fatalf("Parse(%q) = %+v, but Parse(%q) = %+v", s, w, fs, again)
		}
		if !cpe.Match(cpe.WFN{}, w) {
			t.Fatalf("all-ANY pattern does not match %q", s)
		}
		wild := false
		for _, a := range []cpe.Attr{w.Part, w.Vendor, w.Product, w.Version, w.Update, w.Edition, w.Language, w.SwEdition, w.TargetSW, w.TargetHW, w.Other} {
			wild = wild || a.HasWildcards()
		}
		if !wild && !cpe.Match(w, w) {
			t.Fatalf("%q does not match itself", s)
		}
	})
}

// FuzzMatch checks that matching two parsed names never panics.
func FuzzMatch(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, fuzzSeeds[(i+1)%len(fuzzSeeds)])
	}
	f.Fuzz(func(t *testing.T, p, n string) {
		pw, err1 := cpe.Parse(p)
		nw, err2 := cpe.Parse(n)
		if err1 != nil || err2 != nil {
			return
		}
		cpe.Match(pw, nw)
	})
}
