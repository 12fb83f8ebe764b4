package parse_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func FuzzSuricata(f *testing.F) { fuzzParser(f, "suricata", nil) }
func FuzzLinux(f *testing.F)    { fuzzParser(f, "linux", nil) }
func FuzzIPTables(f *testing.F) { fuzzParser(f, "iptables", nil) }
func FuzzApache(f *testing.F)   { fuzzParser(f, "apache", nil) }
func FuzzNginx(f *testing.F)    { fuzzParser(f, "nginx", nil) }
func FuzzWindows(f *testing.F)  { fuzzParser(f, "windows", checkAgainstEncodingXML) }
func FuzzAuto(f *testing.F)     { fuzzParser(f, "auto", nil) }

// checkAgainstEncodingXML: an <Event> document that encoding/xml reads as
// well-formed (and within our nesting limit) parses without error.
func checkAgainstEncodingXML(t *testing.T, msg []byte, r result) {
	trimmed := bytes.TrimLeft(msg, " \t-")
	if !bytes.HasPrefix(trimmed, []byte("<Event")) || bytes.Contains(msg, []byte("<!")) || bytes.Contains(msg, []byte("<?")) {
		return
	}
	dec := xml.NewDecoder(bytes.NewReader(trimmed))
	depth, maxDepth, roots := 0, 0, 0
	var rootName string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return // not well-formed: anything goes
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				rootName = tok.Name.Local
			}
			depth++
			maxDepth = max(maxDepth, depth)
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				return
			}
		}
	}
	if depth != 0 || roots != 1 || rootName != "Event" || maxDepth > 16 {
		return
	}
	if r.ParseError != "" && strings.HasPrefix(r.ParseError, "windows xml") {
		t.Fatalf("encoding/xml reads %q, we report %s", msg, r.ParseError)
	}
}
