package devconfig

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Placeholders that replace secrets in masked text. They are fixed so
// that two exports differing only in re-encrypted secrets mask alike, and
// they mask to themselves, so Mask is idempotent.
const (
	MaskedSecret     = "<masked>"
	MaskedPrivateKey = `"<masked private key>"`
)

// Mask returns a copy of data in which secrets that the device
// re-encrypts on every export are replaced by fixed placeholders:
//
//   - FortiOS: the word after "ENC" (set password ENC …, psksecret, passwd,
//     key …) and quoted values holding a PEM private key.
//   - Cisco IOS: the word after "secret|password|key|key-string 5|6|7|8|9";
//     ASA: the word before "encrypted" or "pbkdf2" after "password|passwd".
//   - Yamaha RTX: the word after "encrypted" (login password encrypted …,
//     administrator password encrypted …, login user NAME encrypted …).
//
// Everything else, including plain-text passwords, is kept: a change to
// them is a real change. A masked PEM block becomes one line, so masked
// text may have fewer lines than data. KindUnknown detects the kind.
// Mask accepts any input, well-formed or not, and never fails.
func Mask(kind Kind, data []byte) []byte {
	if kind == KindUnknown {
		kind = Detect(data)
	}
	switch kind {
	case KindFortiOS:
		return maskFortiOS(data)
	case KindCiscoIOS, KindCiscoASA, KindYamahaRTX:
		return maskLines(kind, data)
	}
	return bytes.Clone(data)
}

// maskFortiOS follows the tokenizing of ParseFortiOS so that a quoted
// value spanning lines is one word; on an unterminated quote the rest is
// copied unchanged.
func maskFortiOS(data []byte) []byte {
	out := make([]byte, 0, len(data))
	lineStart, afterENC := true, false
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == '\n':
			out = append(out, c)
			i++
			lineStart, afterENC = true, false
		case c == ' ' || c == '\t' || c == '\r':
			out = append(out, c)
			i++
		case c == '#' && lineStart:
			j := bytes.IndexByte(data[i:], '\n')
			if j < 0 {
				j = len(data) - i
			}
			out = append(out, data[i:i+j]...)
			i += j
		default:
			lineStart = false
			end, word, closed := scanWord(data, i)
			raw := data[i:end]
			switch {
			case !closed:
				out = append(out, raw...)
			case afterENC:
				out = append(out, MaskedSecret...)
			case strings.Contains(word, "PRIVATE KEY-----"):
				out = append(out, MaskedPrivateKey...)
			default:
				out = append(out, raw...)
			}
			afterENC = string(raw) == "ENC"
			i = end
		}
	}
	return out
}

// scanWord reads one CLI word starting at data[i]: up to unquoted
// whitespace, with "…" spans and backslash escapes. It returns the end
// offset, the unescaped text and whether every quote was closed.
func scanWord(data []byte, i int) (int, string, bool) {
	var w []byte
	quoted := false
	for ; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\\' && i+1 < len(data) && (quoted || data[i+1] != '\n'):
			i++
			w = append(w, data[i])
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			return i, string(w), true
		default:
			w = append(w, c)
		}
	}
	return i, string(w), !quoted
}

var ciscoSecretTypes = map[string]bool{"5": true, "6": true, "7": true, "8": true, "9": true}

func maskLines(kind Kind, data []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(data))
	for len(data) > 0 {
		line := data
		rest := []byte(nil)
		if j := bytes.IndexByte(data, '\n'); j >= 0 {
			line, rest = data[:j+1], data[j+1:]
		}
		maskLine(kind, line, &out)
		data = rest
	}
	return out.Bytes()
}

// maskLine copies one line, replacing secret words and keeping spacing.
func maskLine(kind Kind, line []byte, out *bytes.Buffer) {
	type span struct{ start, end int }
	var words []span
	for i := 0; i < len(line); {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		j := i
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		if j > i {
			words = append(words, span{i, j})
		}
		i = j
	}
	word := func(k int) string {
		if k < 0 || k >= len(words) {
			return ""
		}
		return string(line[words[k].start:words[k].end])
	}
	secret := make([]bool, len(words))
	for k := range words {
		w := word(k)
		switch kind {
		case KindYamahaRTX:
			if w == "encrypted" && k+1 < len(words) {
				secret[k+1] = true
			}
		case KindCiscoIOS, KindCiscoASA:
			switch w {
			case "secret", "password", "key", "key-string":
				if ciscoSecretTypes[word(k+1)] && k+2 < len(words) {
					secret[k+2] = true
				}
			}
			if (w == "password" || w == "passwd") && k+2 < len(words) {
				switch word(k + 2) {
				case "encrypted", "pbkdf2", "nt-encrypted":
					secret[k+1] = true
				}
			}
		}
	}
	prev := 0
	for k, s := range words {
		if secret[k] {
			out.Write(line[prev:s.start])
			out.WriteString(MaskedSecret)
			prev = s.end
		}
	}
	out.Write(line[prev:])
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// maskValues returns setting values with FortiOS secrets replaced, as
// Mask would replace them in text.
func maskValues(vals []string) []string {
	var out []string
	for i, v := range vals {
		switch {
		case i > 0 && vals[i-1] == "ENC":
			v = MaskedSecret
		case strings.Contains(v, "PRIVATE KEY-----"):
			v = strings.Trim(MaskedPrivateKey, `"`)
		}
		out = append(out, v)
	}
	return out
}

func maskEntry(e *Entry) *Entry {
	m := &Entry{Name: e.Name, Line: e.Line}
	for _, s := range e.Sets {
		s.Values = maskValues(s.Values)
		m.Sets = append(m.Sets, s)
	}
	for _, b := range e.Blocks {
		m.Blocks = append(m.Blocks, maskBlock(b))
	}
	return m
}

func maskBlock(b *Block) *Block {
	m := &Block{Path: b.Path, Line: b.Line}
	for _, s := range b.Sets {
		s.Values = maskValues(s.Values)
		m.Sets = append(m.Sets, s)
	}
	for _, e := range b.Entries {
		m.Entries = append(m.Entries, maskEntry(e))
	}
	for _, nb := range b.Blocks {
		m.Blocks = append(m.Blocks, maskBlock(nb))
	}
	return m
}

// Fingerprint identifies a generation: the SHA-256 (hex) of the masked,
// canonical text. Equal fingerprints prove that two pulls hold the same
// configuration text apart from re-encrypted secrets, line ends (CRLF),
// leading and trailing blank lines, and these volatile lines:
//
//   - FortiOS: "#conf_file_ver=" (a revision stamp the box rewrites; the
//     change it stands for is in the body anyway) and the ":user=" field of
//     "#config-version=" (the administrator who ran the backup).
//   - IOS: "Building configuration...", "Current configuration : N bytes",
//     "! Last configuration change …", "! NVRAM config last updated …",
//     "! No configuration change since last restart", and
//     "ntp clock-period N", which IOS rewrites as NTP trains the clock.
//   - ASA: ": Saved", ": Written by …" and "Cryptochecksum:…".
//   - RTX: "# Reporting Date: …", the time "show config" ran.
//
// It does not prove that secrets are equal: a changed password whose
// ciphertext was re-encrypted anyway looks the same. KindUnknown detects
// the kind.
func Fingerprint(kind Kind, data []byte) string {
	sum := sha256.Sum256(canonical(kind, data))
	return hex.EncodeToString(sum[:])
}

// canonical is the text Fingerprint hashes.
func canonical(kind Kind, data []byte) []byte {
	if kind == KindUnknown {
		kind = Detect(data)
	}
	masked := Mask(kind, normalizeNewlines(data))
	lines := strings.Split(string(masked), "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l, keep := canonicalLine(kind, l)
		if keep {
			out = append(out, l)
		}
	}
	for len(out) > 0 && strings.TrimSpace(out[0]) == "" {
		out = out[1:]
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

func canonicalLine(kind Kind, l string) (string, bool) {
	t := strings.TrimSpace(l)
	switch kind {
	case KindFortiOS:
		if strings.HasPrefix(t, "#conf_file_ver=") {
			return "", false
		}
		if strings.HasPrefix(t, "#config-version=") {
			parts := strings.Split(t, ":")
			kept := parts[:0]
			for _, p := range parts {
				if !strings.HasPrefix(p, "user=") {
					kept = append(kept, p)
				}
			}
			return strings.Join(kept, ":"), true
		}
	case KindCiscoIOS:
		for _, p := range []string{"Building configuration...", "Current configuration :",
			"! Last configuration change", "! NVRAM config last updated",
			"! No configuration change since last restart", "ntp clock-period "} {
			if strings.HasPrefix(t, p) {
				return "", false
			}
		}
	case KindCiscoASA:
		if t == ": Saved" || strings.HasPrefix(t, ": Written by") || strings.HasPrefix(t, "Cryptochecksum:") {
			return "", false
		}
	case KindYamahaRTX:
		if strings.HasPrefix(t, "# Reporting Date:") {
			return "", false
		}
	}
	return l, true
}
