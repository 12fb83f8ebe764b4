package assets

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePURL(t *testing.T) {
	tests := []struct {
		in   string
		want purl
	}{
		{"pkg:deb/debian/apache2@2.4.62-1~deb12u2?arch=amd64&distro=debian-12",
			purl{Type: "deb", Namespace: "debian", Name: "apache2", Version: "2.4.62-1~deb12u2", Qualifiers: map[string]string{"arch": "amd64", "distro": "debian-12"}}},
		{"pkg:deb/debian/openssh-server@1%3A9.2p1-2%2Bdeb12u3?upstream=openssh",
			purl{Type: "deb", Namespace: "debian", Name: "openssh-server", Version: "1:9.2p1-2+deb12u3", Qualifiers: map[string]string{"upstream": "openssh"}}},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
			purl{Type: "maven", Namespace: "org.apache.logging.log4j", Name: "log4j-core", Version: "2.14.1"}},
		{"pkg:npm/%40babel/traverse@7.22.5",
			purl{Type: "npm", Namespace: "@babel", Name: "traverse", Version: "7.22.5"}},
		{"PKG:PyPI/django@3.2.12#src/django/",
			purl{Type: "pypi", Name: "django", Version: "3.2.12", Subpath: "src/django"}},
		{"pkg://golang/github.com/gorilla/mux@v1.8.0",
			purl{Type: "golang", Namespace: "github.com/gorilla", Name: "mux", Version: "v1.8.0"}},
		{"pkg:generic/openssl?Download_URL=https%3A%2F%2Fexample&empty=",
			purl{Type: "generic", Name: "openssl", Qualifiers: map[string]string{"download_url": "https://example"}}},
	}
	for _, tt := range tests {
		got, err := parsePURL(tt.in)
		if err != nil {
			t.Errorf("parsePURL(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parsePURL(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{
		"", "deb/debian/foo@1", "http://example.com/x", "pkg:deb", "pkg:/foo", "pkg:deb/",
		"pkg:deb/debian/foo@1%zz", "pkg:deb/debian/fo%zzo", "pkg:deb/debian/foo?arch", "pkg:deb/debian/foo?a=%zz",
	} {
		if p, err := parsePURL(bad); err == nil {
			t.Errorf("parsePURL(%q) = %+v, no error", bad, p)
		}
	}
}

func TestSourcePackage(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"openssl":                          "openssl",
		"glibc@2.36-9+deb12u9":             "glibc",
		"php-defaults (93)":                "php-defaults",
		"openssl-3.0.7-27.el9.src.rpm":     "openssl",
		"postgresql-13.14-1.el9_3.src.rpm": "postgresql",
		"  apache2 ":                       "apache2",
	} {
		if got := sourcePackage(in); got != want {
			t.Errorf("sourcePackage(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSizeLimit checks that input past the limit is an error, not a
// silent truncation, and that input exactly at the limit is fine.
func TestSizeLimit(t *testing.T) {
	read := func(data string, limit int64) error {
		_, err := io.ReadAll(&sizeLimit{r: strings.NewReader(data), left: limit})
		return err
	}
	if err := read("12345", 5); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if err := read("123456", 5); !errors.Is(err, errTooLarge) {
		t.Errorf("past the limit: %v", err)
	}
}
