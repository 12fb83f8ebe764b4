package vulndb

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// maxInflated bounds what a gzip-compressed file may decompress to, so
// that a small hostile file cannot exhaust memory.
const maxInflated = 2 << 30

// Detect tells the kind of a knowledge file (one of the Kind constants)
// from its content, after undoing gzip compression. name is only a hint,
// used when the content alone says nothing (a rule file with no rules).
func Detect(name string, data []byte) (string, error) {
	plain, err := decompress(data)
	if err != nil {
		return "", fmt.Errorf("detect kind of %s: %w", name, err)
	}
	kind, err := detect(name, plain)
	if err != nil {
		return "", fmt.Errorf("detect kind of %s: %w", name, err)
	}
	return kind, nil
}

// decompress returns data without its gzip compression, if it has any.
func decompress(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	if len(out) > maxInflated {
		return nil, fmt.Errorf("gunzip: more than %d bytes", maxInflated)
	}
	return out, nil
}

// detect is Detect on uncompressed data.
func detect(name string, data []byte) (string, error) {
	data = trimBOM(data)
	text := bytes.TrimLeft(data, " \t\r\n")
	if len(text) == 0 {
		return "", fmt.Errorf("empty file: %w", ErrUnknownKind)
	}
	if text[0] == '{' || text[0] == '[' {
		if kind := sniffJSON(text); kind != "" {
			return kind, nil
		}
		return "", fmt.Errorf("JSON of no known shape: %w", ErrUnknownKind)
	}
	if kind := sniffText(text); kind != "" {
		return kind, nil
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".rules":
		return KindSuricata, nil
	}
	return "", ErrUnknownKind
}

func trimBOM(data []byte) []byte {
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
}

// sniffBudget bounds how many JSON tokens sniffJSON reads before giving up.
const sniffBudget = 4096

// sniffJSON reads the start of a JSON document token by token and returns
// the kind that the first telling key path shows, or "".
//
// Telling paths ("[]" is any array element; a top-level array is looked
// through, so arrays of documents sniff like one document):
//
//	/format, /resultsPerPage, /totalResults, /sourceIdentifier,
//	/published, /lastModified, /vulnStatus (strings),
//	/configurations, /descriptions (arrays),
//	/vulnerabilities/[]/cve (object), /cve (object)         nvd
//	/catalogVersion, /vulnerabilities/[]/cveID              kev
//	/document/csaf_version, /vulnerabilities/[]/cve (string) redhat-csaf
//	/<any>/CVE-… or /<any>/TEMP-… holding an object         debian
func sniffJSON(text []byte) string {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	s := &sniffer{dec: dec, budget: sniffBudget}
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	switch tok {
	case json.Delim('['):
		// An array of documents: sniff its first element.
		tok, err = dec.Token()
		if err != nil || tok != json.Delim('{') {
			return ""
		}
		s.object(nil)
	case json.Delim('{'):
		s.object(nil)
	}
	return s.kind
}

type sniffer struct {
	dec    *json.Decoder
	budget int
	kind   string
	done   bool // kind found, budget spent or input broken
}

func (s *sniffer) next() (json.Token, bool) {
	if s.done {
		return nil, false
	}
	s.budget--
	if s.budget < 0 {
		s.done = true
		return nil, false
	}
	tok, err := s.dec.Token()
	if err != nil {
		s.done = true
		return nil, false
	}
	return tok, true
}

func (s *sniffer) found(kind string) {
	s.kind, s.done = kind, true
}

// object reads the members of an object whose '{' was read, at key path p.
func (s *sniffer) object(p []string) {
	for {
		tok, ok := s.next()
		if !ok || tok == json.Delim('}') {
			return
		}
		key, _ := tok.(string)
		kp := append(p[:len(p):len(p)], key)
		tok, ok = s.next()
		if !ok {
			return
		}
		s.check(kp, tok)
		if s.done {
			return
		}
		s.value(kp, tok)
	}
}

// value reads the rest of a value whose first token was tok.
func (s *sniffer) value(p []string, tok json.Token) {
	switch tok {
	case json.Delim('{'):
		s.object(p)
	case json.Delim('['):
		ep := append(p[:len(p):len(p)], "[]")
		for {
			t, ok := s.next()
			if !ok || t == json.Delim(']') {
				return
			}
			s.check(ep, t)
			if s.done {
				return
			}
			s.value(ep, t)
		}
	}
}

// check looks whether the value starting with tok at path p tells a kind.
func (s *sniffer) check(p []string, tok json.Token) {
	_, isObject := tok.(json.Delim)
	isObject = isObject && tok == json.Delim('{')
	_, isString := tok.(string)
	switch len(p) {
	case 1:
		switch p[0] {
		case "format", "resultsPerPage", "totalResults", "sourceIdentifier":
			s.found(KindNVD)
		case "cve":
			if isObject {
				s.found(KindNVD)
			}
		case "published", "lastModified", "vulnStatus":
			if isString {
				s.found(KindNVD)
			}
		case "configurations", "descriptions":
			if tok == json.Delim('[') {
				s.found(KindNVD)
			}
		case "catalogVersion":
			s.found(KindKEV)
		}
	case 2:
		if p[0] == "document" && p[1] == "csaf_version" {
			s.found(KindRedHatCSAF)
		} else if isObject && (strings.HasPrefix(p[1], "CVE-") || strings.HasPrefix(p[1], "TEMP-")) {
			s.found(KindDebian)
		}
	case 3:
		if p[0] == "vulnerabilities" && p[1] == "[]" {
			switch {
			case p[2] == "cve" && isObject:
				s.found(KindNVD)
			case p[2] == "cve" && isString:
				s.found(KindRedHatCSAF)
			case p[2] == "cveID":
				s.found(KindKEV)
			}
		}
	}
}

// sniffText tells the kind of a text (non-JSON) file from its first lines.
func sniffText(text []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var title, sigmaBody bool
	lines := 0
	for sc.Scan() && lines < 2000 {
		lines++
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if lines == 1 && strings.HasPrefix(trimmed, "#model_version") {
			return KindEPSS
		}
		if looksLikeRule(trimmed) {
			return KindSuricata
		}
		if strings.HasPrefix(line, "title:") {
			title = true
		}
		if strings.HasPrefix(line, "detection:") || strings.HasPrefix(line, "logsource:") ||
			strings.HasPrefix(line, "correlation:") {
			sigmaBody = true
		}
		if title && sigmaBody {
			return KindSigma
		}
		if trimmed[0] == '#' || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		if kind := sniffCSVHeader(line); kind != "" {
			return kind
		}
	}
	return ""
}

// sniffCSVHeader tells EPSS and signature CSV headers.
func sniffCSVHeader(line string) string {
	r := csv.NewReader(strings.NewReader(line))
	r.TrimLeadingSpace = true
	rec, err := r.Read()
	if err != nil {
		return ""
	}
	has := map[string]bool{}
	for _, f := range rec {
		has[strings.ToLower(strings.TrimSpace(f))] = true
	}
	switch {
	case has["cve"] && has["epss"]:
		return KindEPSS
	case has["vendor"] && has["signature_id"]:
		return KindSignatureCSV
	}
	return ""
}

// errJSON describes a JSON syntax error by line and column.
func errJSON(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Errorf("invalid JSON at line %d column %d: %w", line, col, err)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}
