package devconfig

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

var encRE = regexp.MustCompile(`ENC [A-Za-z0-9+/=]+`)
var pemRE = regexp.MustCompile(`(?s)-----BEGIN ENCRYPTED PRIVATE KEY-----.*?-----END ENCRYPTED PRIVATE KEY-----`)

// reexport imitates FortiOS exporting the same config again: every ENC
// secret and private key re-encrypted (other lengths too), a new
// conf_file_ver, another admin, CRLF line ends.
func reexport(data []byte, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	word := func(n int) string {
		const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		b := make([]byte, n)
		for i := range b {
			b[i] = abc[r.IntN(len(abc))]
		}
		return string(b)
	}
	out := encRE.ReplaceAllStringFunc(string(data), func(string) string { return "ENC " + word(40+r.IntN(40)) })
	out = pemRE.ReplaceAllStringFunc(out, func(string) string {
		lines := []string{"-----BEGIN ENCRYPTED PRIVATE KEY-----"}
		for range 5 + r.IntN(3) {
			lines = append(lines, word(64))
		}
		return strings.Join(append(lines, "-----END ENCRYPTED PRIVATE KEY-----"), "\n")
	})
	out = regexp.MustCompile(`#conf_file_ver=\d+`).ReplaceAllString(out, fmt.Sprintf("#conf_file_ver=%d", r.Uint64()))
	out = strings.Replace(out, ":user=admin", ":user=sekimori-backup", 1)
	out = strings.ReplaceAll(out, "\n", "\r\n")
	return []byte(out)
}

func TestFingerprintIgnoresReencryption(t *testing.T) {
	for _, name := range []string{"fortios72.conf", "fortios_vdom.conf"} {
		data := readTestdata(t, name)
		again := reexport(data, 1)
		if bytes.Equal(data, again) {
			t.Fatal("reexport changed nothing")
		}
		if Fingerprint(KindFortiOS, data) != Fingerprint(KindFortiOS, again) {
			t.Errorf("%s: re-export changed the fingerprint:\n%s", name,
				UnifiedDiff("a", "b", canonical(KindFortiOS, data), canonical(KindFortiOS, again), 1))
		}
		if Fingerprint(KindUnknown, again) != Fingerprint(KindFortiOS, data) {
			t.Errorf("%s: detected kind gives another fingerprint", name)
		}
		if len(SemanticDiff(mustParse(t, data), mustParse(t, again))) != 0 {
			t.Errorf("%s: re-export shows semantic changes", name)
		}
		// A real change does change it.
		changed := bytes.Replace(data, []byte("set action accept"), []byte("set action deny"), 1)
		if Fingerprint(KindFortiOS, data) == Fingerprint(KindFortiOS, changed) {
			t.Errorf("%s: changed action kept the fingerprint", name)
		}
	}
	data := readTestdata(t, "fortios72.conf")
	for _, edit := range []struct{ from, to string }{
		{"FG200F-7.2.10-FW-build1706", "FG200F-7.2.11-FW-build1740"},
		{"issued by Corp CA", "issued by Corp CA2"},
		{"-----BEGIN CERTIFICATE-----\n8", "-----BEGIN CERTIFICATE-----\n9"},
		{"set password ENC", "set password ENC2"},
	} {
		changed := bytes.Replace(data, []byte(edit.from), []byte(edit.to), 1)
		if bytes.Equal(changed, data) {
			t.Fatalf("%q not found", edit.from)
		}
		if Fingerprint(KindFortiOS, data) == Fingerprint(KindFortiOS, changed) {
			t.Errorf("%q → %q kept the fingerprint", edit.from, edit.to)
		}
	}
}

func TestFingerprintVolatileLines(t *testing.T) {
	tests := []struct {
		name     string
		kind     Kind
		from, to string
		same     bool
	}{
		{"ios.conf", KindCiscoIOS, "09:12:44 JST Wed Jan 15", "10:00:00 JST Thu Jan 16", true},
		{"ios.conf", KindCiscoIOS, "last updated at 09:12:50", "last updated at 11:00:00", true},
		{"ios.conf", KindCiscoIOS, "ntp clock-period 17179867", "ntp clock-period 17179871", true},
		{"ios.conf", KindCiscoIOS, "Current configuration : 3127 bytes", "Current configuration : 3130 bytes", true},
		{"ios.conf", KindCiscoIOS, "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0", "$1$aaaa$bbbbbbbbbbbbbbbbbbbbbb", true},
		{"ios.conf", KindCiscoIOS, "password 7 0822455D0A16544541", "password 7 1511021F07257A767B", true},
		{"ios.conf", KindCiscoIOS, "snmp-server community n0tpublic", "snmp-server community public", false},
		{"ios.conf", KindCiscoIOS, "permit tcp any any established", "permit ip any any", false},
		{"asa.conf", KindCiscoASA, "09:30:11.512 JST Wed Jan 15 2025", "10:30:11.512 JST Thu Jan 16 2025", true},
		{"asa.conf", KindCiscoASA, "Cryptochecksum:3c5f", "Cryptochecksum:ffff", true},
		{"asa.conf", KindCiscoASA, "$Qw3rTy12UiOp34AsDf56Gh==", "$Zz3rTy12UiOp34AsDf56Gh==", true},
		{"asa.conf", KindCiscoASA, "$sha512$5000$abcd", "$sha512$5000$zzzz", true},
		{"asa.conf", KindCiscoASA, "eq https", "eq www", false},
		{"rtx1220.conf", KindYamahaRTX, "Jan 15 09:00:12 2025", "Jan 16 09:00:13 2025", true},
		{"rtx1220.conf", KindYamahaRTX, "login password encrypted D9A2C4F0E1B37A56", "login password encrypted 11112222333344445", true},
		{"rtx1220.conf", KindYamahaRTX, "administrator password encrypted 8C1F", "administrator password encrypted 0000", true},
		{"rtx1220.conf", KindYamahaRTX, "login user admin encrypted 6B2E", "login user admin encrypted 7777", true},
		{"rtx1220.conf", KindYamahaRTX, "Rev.15.04.04", "Rev.15.04.05", false},
		{"rtx1220.conf", KindYamahaRTX, "ip filter 102 reject", "ip filter 102 pass", false},
		{"rtx1220.conf", KindYamahaRTX, "pre-shared-key 1 text osaka-tokyo-psk", "pre-shared-key 1 text other", false},
	}
	for _, tt := range tests {
		data := readTestdata(t, tt.name)
		changed := bytes.Replace(data, []byte(tt.from), []byte(tt.to), 1)
		if bytes.Equal(data, changed) {
			t.Fatalf("%s: %q not found", tt.name, tt.from)
		}
		changed = append([]byte("\r\n"), bytes.ReplaceAll(changed, []byte("\n"), []byte("\r\n"))...)
		changed = append(changed, "\r\n\r\n"...)
		if same := Fingerprint(tt.kind, data) == Fingerprint(tt.kind, changed); same != tt.same {
			t.Errorf("%s: %q → %q: same fingerprint = %v, want %v", tt.name, tt.from, tt.to, same, tt.same)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		kind    Kind
		in, out string
	}{
		{KindFortiOS, "    set password ENC abc==\n", "    set password ENC <masked>\n"},
		{KindFortiOS, "set psksecret ENC \"a b\"\r\nset x ENC\n", "set psksecret ENC <masked>\r\nset x ENC\n"},
		{KindFortiOS, "set private-key \"-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----\" \nnext\n",
			"set private-key \"<masked private key>\" \nnext\n"},
		{KindFortiOS, "set certificate \"-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\"\n",
			"set certificate \"-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\"\n"},
		{KindFortiOS, "#comment ENC abc\nset comments \"ENC abc\"\n", "#comment ENC abc\nset comments \"ENC abc\"\n"},
		{KindFortiOS, "set x \"unterminated ENC abc", "set x \"unterminated ENC abc"},
		{KindCiscoIOS, "enable secret 9 $9$abc\n username u secret 5 $1$x\n", "enable secret 9 <masked>\n username u secret 5 <masked>\n"},
		{KindCiscoIOS, "username u password 0 plain\n key 7 0822\n", "username u password 0 plain\n key 7 <masked>\n"},
		{KindCiscoASA, "enable password xyz encrypted\nusername a password q pbkdf2 privilege 15\n",
			"enable password <masked> encrypted\nusername a password <masked> pbkdf2 privilege 15\n"},
		{KindYamahaRTX, "login password encrypted ABC\npp auth myname u p\n", "login password encrypted <masked>\npp auth myname u p\n"},
		{KindUnknown, "set password ENC x\n", "set password ENC x\n"},
	}
	for _, tt := range tests {
		got := string(Mask(tt.kind, []byte(tt.in)))
		if got != tt.out {
			t.Errorf("Mask(%s, %q) = %q, want %q", tt.kind, tt.in, got, tt.out)
		}
		if again := string(Mask(tt.kind, []byte(got))); again != got {
			t.Errorf("Mask not idempotent on %q: %q", got, again)
		}
	}
	for _, g := range goldenFiles {
		data := readTestdata(t, g.name)
		m := Mask(g.kind, data)
		if !bytes.Equal(Mask(g.kind, m), m) {
			t.Errorf("%s: Mask not idempotent", g.name)
		}
		if g.kind == KindFortiOS {
			if bytes.Contains(m, []byte("ENC SH2")) || bytes.Contains(m, []byte("ENCRYPTED PRIVATE KEY")) {
				t.Errorf("%s: secrets left after Mask", g.name)
			}
			mustParse(t, m)
		}
	}
}
