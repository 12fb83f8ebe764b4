package vulndb

import "testing"

func TestRHELDistro(t *testing.T) {
	for in, want := range map[string]string{
		"cpe:/o:redhat:enterprise_linux:9::baseos":    "rhel:9",
		"cpe:/a:redhat:enterprise_linux:8::appstream": "rhel:8",
		"cpe:/o:redhat:enterprise_linux:6":            "rhel:6",
		"cpe:/a:redhat:rhel_eus:9.2::appstream":       "rhel:9.2:eus",
		"cpe:/o:redhat:rhel_aus:8.2::baseos":          "rhel:8.2:aus",
		"cpe:/a:redhat:rhel_e4s:8.6::appstream":       "rhel:8.6:e4s",
		"cpe:/a:redhat:openshift:4.14::el9":           "",
		"cpe:/a:redhat:jboss_core_services:1":         "",
		"cpe:/o:redhat:enterprise_linux":              "",
		"":                                            "",
	} {
		if got := rhelDistro(in); got != want {
			t.Errorf("rhelDistro(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRPMComponent(t *testing.T) {
	for _, tc := range []struct{ ref, purl, name, version, arch string }{
		{"httpd-0:2.4.53-11.el9_2.5.src", "", "httpd", "2.4.53-11.el9_2.5", "src"},
		{"mod_ssl-1:2.4.57-5.el9.x86_64", "", "mod_ssl", "1:2.4.57-5.el9", "x86_64"},
		{"httpd-2.4.37-39.el8.noarch", "", "httpd", "2.4.37-39.el8", "noarch"},
		{"httpd-0:2.4.53-11.el9_2.5", "", "httpd", "2.4.53-11.el9_2.5", ""},
		{"httpd:2.4:8040020211011091516:9f9e2e7e:httpd-0:2.4.37-39.module+el8.4.0+12865+a7065a39.1.src", "", "httpd", "2.4.37-39.module+el8.4.0+12865+a7065a39.1", "src"},
		{"httpd", "", "httpd", "", ""},
		{"python3-pip-wheel", "", "python3-pip-wheel", "", ""},
		{"x", "pkg:rpm/redhat/httpd@2.4.53-11.el9_2.5?arch=src", "httpd", "2.4.53-11.el9_2.5", "src"},
		{"x", "pkg:rpm/redhat/mod_ssl@2.4.57-5.el9?arch=x86_64&epoch=1", "mod_ssl", "1:2.4.57-5.el9", "x86_64"},
		{"x", "pkg:rpm/redhat/perl-CGI@4.46-1.module%2Bel8?arch=noarch&epoch=0", "perl-CGI", "4.46-1.module+el8", "noarch"},
	} {
		n, v, a := rpmComponent(tc.ref, tc.purl)
		if n != tc.name || v != tc.version || a != tc.arch {
			t.Errorf("rpmComponent(%q, %q) = %q %q %q, want %q %q %q", tc.ref, tc.purl, n, v, a, tc.name, tc.version, tc.arch)
		}
	}
}

func TestCSAFErrors(t *testing.T) {
	for in, want := range map[string]bool{
		`{"document":{"csaf_version":"2.0","tracking":{"current_release_date":"x"}}}`: true,
		`{"document":{"csaf_version":""},"vulnerabilities":[{"cve":"x"}]}`:            true,
		`{"document":{"csaf_version":"2.0"},"vulnerabilities":[{"cve":"bad"}]}`:       true, // every record bad
		`{"document":{"csaf_version":"2.0"},"vulnerabilities":[]}`:                    false,
	} {
		_, err := Import("vex.json", []byte(in))
		if (err != nil) != want {
			t.Errorf("Import(%s) = %v, want error %v", in, err, want)
		}
	}
}
