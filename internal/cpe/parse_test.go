package cpe_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/cpe"
)

func val(v string) cpe.Attr { return cpe.Attr{Kind: cpe.KindValue, V: v} }

var (
	anyA = cpe.Attr{Kind: cpe.KindAny}
	na   = cpe.Attr{Kind: cpe.KindNA}
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want cpe.WFN
		fs   string // String(); "" means the input itself
	}{
		{
			in:   "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
			want: cpe.WFN{Part: val("a"), Vendor: val("apache"), Product: val("http_server"), Version: val(`2\.4\.49`)},
		},
		{
			in:   `cpe:2.3:a:hp:insight_diagnostics:7\.4\.0\.1570:-:*:*:online:win2003:x64:*`,
			want: cpe.WFN{Part: val("a"), Vendor: val("hp"), Product: val("insight_diagnostics"), Version: val(`7\.4\.0\.1570`), Update: na, SwEdition: val("online"), TargetSW: val("win2003"), TargetHW: val("x64")},
			fs:   "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
		},
		{
			in:   `cpe:2.3:a:foo\\bar:big\$money_manager_2010:*:*:*:*:special:ipod_touch:80gb:*`,
			want: cpe.WFN{Part: val("a"), Vendor: val(`foo\\bar`), Product: val(`big\$money_manager_2010`), SwEdition: val("special"), TargetSW: val("ipod_touch"), TargetHW: val("80gb")},
		},
		{
			in:   "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:ja-jp:*:*:*:*",
			want: cpe.WFN{Part: val("a"), Vendor: val("microsoft"), Product: val("internet_explorer"), Version: val(`8\.0\.6001`), Update: val("beta"), Language: val(`ja\-jp`)},
		},
		{
			in:   "cpe:2.3:o:fortinet:fortios:7.0.*:*:*:*:*:*:*:*",
			want: cpe.WFN{Part: val("o"), Vendor: val("fortinet"), Product: val("fortios"), Version: val(`7\.0\.*`)},
		},
		{
			in:   "cpe:2.3:a:apache:http_server:??2.4:*:*:*:*:*:*:*",
			want: cpe.WFN{Part: val("a"), Vendor: val("apache"), Product: val("http_server"), Version: val(`??2\.4`)},
		},
		{
			in:   `cpe:2.3:a:foo:bar:\*:*:*:*:*:*:*:*`,
			want: cpe.WFN{Part: val("a"), Vendor: val("foo"), Product: val("bar"), Version: val(`\*`)},
		},
		{
			in:   `cpe:2.3:a:foo:bar:1.0\:beta:*:*:*:*:*:*:*`,
			want: cpe.WFN{Part: val("a"), Vendor: val("foo"), Product: val("bar"), Version: val(`1\.0\:beta`)},
		},
		{
			in:   `cpe:2.3:a:apache:http_server:2.4.62-1\~deb12u2:*:*:*:*:*:*:*`,
			want: cpe.WFN{Part: val("a"), Vendor: val("apache"), Product: val("http_server"), Version: val(`2\.4\.62\-1\~deb12u2`)},
		},
		{
			// Unquoted "+" and "~" are accepted; String quotes them.
			in:   "cpe:2.3:a:debian:apache2:2.4.57-2+deb12u1~x:*:*:*:*:*:*:*",
			want: cpe.WFN{Part: val("a"), Vendor: val("debian"), Product: val("apache2"), Version: val(`2\.4\.57\-2\+deb12u1\~x`)},
			fs:   `cpe:2.3:a:debian:apache2:2.4.57-2\+deb12u1\~x:*:*:*:*:*:*:*`,
		},
		{
			in:   "CPE:2.3:A:Apache:HTTP_Server:2.4.49:*:*:*:*:*:*:*",
			want: cpe.WFN{Part: val("a"), Vendor: val("apache"), Product: val("http_server"), Version: val(`2\.4\.49`)},
			fs:   "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
		},
		{
			in:   "cpe:2.3:*:-:*:*:*:*:*:*:*:*:*",
			want: cpe.WFN{Vendor: na},
		},
		// URI binding.
		{
			in:   "cpe:/a:apache:http_server:2.4.49",
			want: cpe.WFN{Part: val("a"), Vendor: val("apache"), Product: val("http_server"), Version: val(`2\.4\.49`)},
			fs:   "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
		},
		{
			in:   "cpe:/a:openbsd:openssh:8.9p1",
			want: cpe.WFN{Part: val("a"), Vendor: val("openbsd"), Product: val("openssh"), Version: val(`8\.9p1`)},
			fs:   "cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*",
		},
		{
			in:   "cpe:/o:linux:linux_kernel",
			want: cpe.WFN{Part: val("o"), Vendor: val("linux"), Product: val("linux_kernel")},
			fs:   "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*",
		},
		{
			in:   "cpe:/o:microsoft:windows_10::-",
			want: cpe.WFN{Part: val("o"), Vendor: val("microsoft"), Product: val("windows_10"), Update: na},
			fs:   "cpe:2.3:o:microsoft:windows_10:*:-:*:*:*:*:*:*",
		},
		{
			in:   "cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
			want: cpe.WFN{Part: val("a"), Vendor: val("microsoft"), Product: val("internet_explorer"), Version: val(`8\.*`), Update: val("sp?")},
			fs:   "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
		},
		{
			in:   "cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
			want: cpe.WFN{Part: val("a"), Vendor: val("hp"), Product: val("insight_diagnostics"), Version: val(`7\.4\.0\.1570`), SwEdition: val("online"), TargetSW: val("win2003"), TargetHW: val("x64")},
			fs:   "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*",
		},
		{
			in:   "cpe:/a:foo%5cbar:big%24money::::EN-us",
			want: cpe.WFN{Part: val("a"), Vendor: val(`foo\\bar`), Product: val(`big\$money`), Language: val(`en\-us`)},
			fs:   `cpe:2.3:a:foo\\bar:big\$money:*:*:*:en-us:*:*:*:*`,
		},
		{
			in:   "cpe:/a:foo%5Cbar:c%2b%2B",
			want: cpe.WFN{Part: val("a"), Vendor: val(`foo\\bar`), Product: val(`c\+\+`)},
			fs:   `cpe:2.3:a:foo\\bar:c\+\+:*:*:*:*:*:*:*:*`,
		},
		{
			in:   "cpe:/h:fortinet:fortigate_100f",
			want: cpe.WFN{Part: val("h"), Vendor: val("fortinet"), Product: val("fortigate_100f")},
			fs:   "cpe:2.3:h:fortinet:fortigate_100f:*:*:*:*:*:*:*:*",
		},
		{
			in:   "cpe:/",
			want: cpe.WFN{},
			fs:   "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*",
		},
	}
	for _, tt := range tests {
		got, err := cpe.Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
		wantFS := tt.fs
		if wantFS == "" {
			wantFS = tt.in
		}
		if fs := got.String(); fs != wantFS {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, fs, wantFS)
		}
		again, err := cpe.Parse(got.String())
		if err != nil || again != got {
			t.Errorf("Parse(%q) does not round-trip: %+v, %v", got.String(), again, err)
		}
	}
}

func TestAttrText(t *testing.T) {
	w, err := cpe.Parse(`cpe:2.3:a:foo\\bar:c\+\+:2.4.62-1\~deb12u2:*:*:*:*:*:*:*`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		a    cpe.Attr
		want string
	}{
		{w.Vendor, `foo\bar`},
		{w.Product, "c++"},
		{w.Version, "2.4.62-1~deb12u2"},
		{w.Update, ""},
		{na, ""},
	} {
		if got := tt.a.Text(); got != tt.want {
			t.Errorf("%+v.Text() = %q, want %q", tt.a, got, tt.want)
		}
	}
	if w.Version.HasWildcards() || !val(`2\.4\.*`).HasWildcards() || val(`2\.4\.\*`).HasWildcards() {
		t.Error("HasWildcards wrong")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, component string
	}{
		{"", "prefix"},
		{"cpe:2.2:a:apache", "prefix"},
		{"apache http_server 2.4.49", "prefix"},
		{"cpe:2.3:a:apache", "binding"},
		{"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*:*", "binding"},
		{`cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:foo\`, "binding"},
		{"cpe:2.3:x:apache:http_server:*:*:*:*:*:*:*:*", "part"},
		{"cpe:2.3:app:apache:http_server:*:*:*:*:*:*:*:*", "part"},
		{"cpe:2.3:a::http_server:*:*:*:*:*:*:*:*", "vendor"},
		{"cpe:2.3:a:apache:http server:*:*:*:*:*:*:*:*", "product"},
		{"cpe:2.3:a:apache:http_sérver:*:*:*:*:*:*:*:*", "product"},
		{"cpe:2.3:a:apache:http_server:2.*4:*:*:*:*:*:*:*", "version"},
		{"cpe:2.3:a:apache:http_server:**:*:*:*:*:*:*:*", "version"},
		{"cpe:2.3:a:apache:http_server:?*1:*:*:*:*:*:*:*", "version"},
		{"cpe:2.3:a:apache:http_server:2.4?5:*:*:*:*:*:*:*", "version"},
		{"cpe:2.3:a:apache:http_server:*:*:*:english:*:*:*:*", "language"},
		{"cpe:2.3:a:apache:http_server:*:*:*:en-*:*:*:*:*", "language"},
		{"cpe:2.3:a:apache:http_server:*:*:*:en-1:*:*:*:*", "language"},
		{"cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:\x01", "other"},
		{"cpe:/a:b:c:d:e:f:g:h", "binding"},
		{"cpe:/x:apache", "part"},
		{"cpe:/a:apache:http%2", "product"},
		{"cpe:/a:apache:http%zz", "product"},
		{"cpe:/a:apache:http_server:%00", "version"},
		{"cpe:/a:apache:http_server:2.%024", "version"},
		{"cpe:/a:apache:http_server:2.4::~a~b", "edition"},
		{"cpe:/a:apache:http_server:2.4::~a~b~c~d~%zz", "edition"},
		{"cpe:/a:apache:http_server::::english", "language"},
		{"cpe:/a:apach\xc3\xa9", "vendor"},
	}
	long := "cpe:2.3:a:" + strings.Repeat("x", 300)
	tests = append(tests, struct{ in, component string }{long, "binding"})
	for _, tt := range tests {
		_, err := cpe.Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q): no error", tt.in)
			continue
		}
		if !errors.Is(err, cpe.ErrInvalid) {
			t.Errorf("Parse(%q): %v does not wrap ErrInvalid", tt.in, err)
		}
		if !strings.Contains(err.Error(), ": "+tt.component+": ") {
			t.Errorf("Parse(%q): error %q does not name %s", tt.in, err, tt.component)
		}
	}
}

// TestErrorShortensInput checks that an error quotes at most 200 bytes of
// the input, so that a huge bad value cannot flood a log.
func TestErrorShortensInput(t *testing.T) {
	_, err := cpe.Parse("cpe:2.3:a:" + strings.Repeat("x", 1000))
	if err == nil || len(err.Error()) > 300 || !strings.Contains(err.Error(), `..."`) {
		t.Errorf("err = %v", err)
	}
}
