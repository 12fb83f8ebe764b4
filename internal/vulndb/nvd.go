package vulndb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The NVD CVE API 2.0 schema, as far as triage needs it
// (https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema).

// nvdDoc is any of the accepted top-level objects: an API response
// (format, timestamp, vulnerabilities), an item ({"cve": ...}) or a bare
// CVE object (whose fields are promoted from the embedded nvdCVE).
type nvdDoc struct {
	Format          string    `json:"format"`
	Timestamp       string    `json:"timestamp"`
	Vulnerabilities []nvdItem `json:"vulnerabilities"`
	CVE             *nvdCVE   `json:"cve"`
	nvdCVE
}

// nvdDocRaw is nvdDoc with its records left undecoded, for reading a
// document record by record when the fast path met a malformed one.
type nvdDocRaw struct {
	Timestamp       string            `json:"timestamp"`
	Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	CVE             json.RawMessage   `json:"cve"`
}

type nvdItem struct {
	CVE nvdCVE `json:"cve"`
}

type nvdCVE struct {
	ID             string         `json:"id"`
	Published      string         `json:"published"`
	LastModified   string         `json:"lastModified"`
	VulnStatus     string         `json:"vulnStatus"`
	Descriptions   []nvdLangValue `json:"descriptions"`
	Metrics        nvdMetrics     `json:"metrics"`
	Weaknesses     []nvdWeakness  `json:"weaknesses"`
	Configurations []nvdConfig    `json:"configurations"`
}

type nvdLangValue struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type nvdMetrics struct {
	V40 []nvdMetric `json:"cvssMetricV40"`
	V31 []nvdMetric `json:"cvssMetricV31"`
	V30 []nvdMetric `json:"cvssMetricV30"`
	V2  []nvdMetric `json:"cvssMetricV2"`
}

type nvdMetric struct {
	Type     string `json:"type"` // Primary (NVD's own) or Secondary (the CNA's)
	CVSSData struct {
		Version      string  `json:"version"`
		VectorString string  `json:"vectorString"`
		BaseScore    float64 `json:"baseScore"`
		BaseSeverity string  `json:"baseSeverity"`
	} `json:"cvssData"`
	BaseSeverity string `json:"baseSeverity"` // CVSS v2 keeps it here
}

type nvdWeakness struct {
	Description []nvdLangValue `json:"description"`
}

type nvdConfig struct {
	Operator string    `json:"operator"`
	Negate   bool      `json:"negate"`
	Nodes    []nvdNode `json:"nodes"`
}

type nvdNode struct {
	Operator string     `json:"operator"`
	Negate   bool       `json:"negate"`
	CPEMatch []nvdMatch `json:"cpeMatch"`
}

type nvdMatch struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	MatchCriteriaID       string `json:"matchCriteriaId"`
	VersionStartIncluding string `json:"versionStartIncluding"`
	VersionStartExcluding string `json:"versionStartExcluding"`
	VersionEndIncluding   string `json:"versionEndIncluding"`
	VersionEndExcluding   string `json:"versionEndExcluding"`
}

// parseNVD reads one JSON value or a stream of them (NDJSON); each is a
// document or an array of documents.
func parseNVD(data []byte, b *Bundle) error {
	data = trimBOM(data)
	// Fast path: the whole file is one value, decoded in place. If it is
	// not (NDJSON, or broken), the syntax check that json.Unmarshal makes
	// before decoding fails with nothing added to b, and the stream path
	// below reads it value by value and reports any error with its place.
	err := nvdValue(data, b)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 0; ; n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			if n == 0 {
				return errors.New("no JSON value")
			}
			return nil
		} else if err != nil {
			return errJSON(data, offsetErr(err, dec.InputOffset()))
		}
		if err := nvdValue(raw, b); err != nil {
			return err
		}
	}
}

// offsetErr returns err if it is a syntax error (which has its offset),
// else a syntax error at the decoder's offset.
func offsetErr(err error, off int64) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return err
	}
	return &json.SyntaxError{Offset: off}
}

func nvdValue(raw json.RawMessage, b *Bundle) error {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) > 0 && raw[0] == '[' {
		var docs []json.RawMessage
		if err := json.Unmarshal(raw, &docs); err != nil {
			return fmt.Errorf("array: %w", err)
		}
		for _, d := range docs {
			if err := nvdDocument(d, b); err != nil {
				return err
			}
		}
		return nil
	}
	return nvdDocument(raw, b)
}

// nvdDocument reads one top-level object. The fast path decodes it whole;
// if a record has a field of the wrong type, it is read again record by
// record so that only the bad records are left out.
func nvdDocument(raw json.RawMessage, b *Bundle) error {
	var doc nvdDoc
	err := json.Unmarshal(raw, &doc)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nvdDocumentSlow(raw, b)
	}
	if err != nil {
		return fmt.Errorf("document: %w", err)
	}
	if err := nvdTimestamp(doc.Timestamp, b); err != nil {
		return err
	}
	switch {
	case doc.Vulnerabilities != nil || doc.Format != "":
		b.CVEs = slices.Grow(b.CVEs, len(doc.Vulnerabilities))
		for i := range doc.Vulnerabilities {
			nvdRecord(&doc.Vulnerabilities[i].CVE, i, b)
		}
	case doc.CVE != nil:
		nvdRecord(doc.CVE, 0, b)
	case doc.ID != "":
		nvdRecord(&doc.nvdCVE, 0, b)
	default:
		return errors.New("object is neither an NVD API response nor a CVE")
	}
	return nil
}

func nvdDocumentSlow(raw json.RawMessage, b *Bundle) error {
	var doc nvdDocRaw
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("document: %w", err)
	}
	if err := nvdTimestamp(doc.Timestamp, b); err != nil {
		return err
	}
	recs := doc.Vulnerabilities
	wrapped := true
	if recs == nil {
		wrapped = false
		if doc.CVE != nil {
			recs = []json.RawMessage{doc.CVE}
		} else {
			recs = []json.RawMessage{raw}
		}
	}
	for i, r := range recs {
		var c nvdCVE
		var err error
		if wrapped {
			var it nvdItem
			err = json.Unmarshal(r, &it)
			c = it.CVE
		} else {
			err = json.Unmarshal(r, &c)
		}
		if err != nil {
			b.skip("%s: %v", nvdRecordName(c.ID, i), err)
			continue
		}
		nvdRecord(&c, i, b)
	}
	return nil
}

// nvdTimestamp keeps the latest response timestamp as the feed's date.
func nvdTimestamp(s string, b *Bundle) error {
	t, err := parseTime(s)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if t.After(b.Provenance.Date) {
		b.Provenance.Date = t
	}
	return nil
}

func nvdRecordName(id string, i int) string {
	if id != "" {
		return id
	}
	return fmt.Sprintf("vulnerabilities[%d]", i)
}

// nvdRecord converts one CVE; a malformed one is skipped.
func nvdRecord(c *nvdCVE, i int, b *Bundle) {
	id, err := NormalizeCVE(c.ID)
	if err != nil {
		b.skip("%s: id: %v", nvdRecordName(c.ID, i), err)
		return
	}
	out := CVE{ID: id, Status: c.VulnStatus}
	var times [2]time.Time
	for k, s := range [2]string{c.Published, c.LastModified} {
		if times[k], err = parseTime(s); err != nil {
			b.skip("%s: %s: %v", id, [2]string{"published", "lastModified"}[k], err)
			return
		}
	}
	out.Published, out.Modified = times[0], times[1]
	for _, d := range c.Descriptions {
		if d.Lang == "en" {
			out.Description = d.Value
			break
		}
	}
	nvdScore(&c.Metrics, &out)
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			out.CWEs = append(out.CWEs, d.Value)
		}
	}
	out.CWEs = uniqueInOrder(out.CWEs)
	for k := range c.Configurations {
		cfg, ok, reason := flattenConfig(&c.Configurations[k])
		if reason != "" {
			b.skip("%s: configuration %d: %s", id, k+1, reason)
			out.Incomplete = true
		}
		if ok {
			out.Configs = append(out.Configs, cfg...)
		}
	}
	b.CVEs = append(b.CVEs, out)
}

// nvdScore picks the CVSS score: version 3.1, 3.0, 4.0, then 2.0, and
// within a version NVD's own (Primary) score before a CNA's.
func nvdScore(m *nvdMetrics, out *CVE) {
	for _, list := range [][]nvdMetric{m.V31, m.V30, m.V40, m.V2} {
		if len(list) == 0 {
			continue
		}
		best := &list[0]
		for i := range list {
			if list[i].Type == "Primary" {
				best = &list[i]
				break
			}
		}
		out.CVSS = best.CVSSData.BaseScore
		out.CVSSVersion = best.CVSSData.Version
		out.CVSSVector = best.CVSSData.VectorString
		out.Severity = best.CVSSData.BaseSeverity
		if out.Severity == "" {
			out.Severity = best.BaseSeverity
		}
		return
	}
}

// flattenConfig turns one NVD configuration into Configs, as described on
// Config. ok is false when the configuration yields nothing; reason is set
// when it was left out because it cannot be represented.
func flattenConfig(c *nvdConfig) (out []Config, ok bool, reason string) {
	if c.Negate {
		return nil, false, "negated configuration left out"
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.Operator != "" && !strings.EqualFold(n.Operator, "OR") && len(n.CPEMatch) > 1 {
			return nil, false, fmt.Sprintf("node %d: operator %s over %d matches left out", i+1, n.Operator, len(n.CPEMatch))
		}
		for j := range n.CPEMatch {
			if err := checkCriteria(n.CPEMatch[j].Criteria); err != nil {
				return nil, false, fmt.Sprintf("node %d: %v", i+1, err)
			}
		}
	}
	switch strings.ToUpper(c.Operator) {
	case "", "OR":
		for i := range c.Nodes {
			n := &c.Nodes[i]
			v := matches(n, true)
			if len(v) == 0 {
				continue
			}
			if n.Negate {
				return nil, false, fmt.Sprintf("negated node %d left out", i+1)
			}
			out = append(out, Config{Vulnerable: v})
		}
	case "AND":
		vuln := -1
		for i := range c.Nodes {
			if len(matches(&c.Nodes[i], true)) > 0 {
				vuln = i
				break
			}
		}
		if vuln < 0 {
			return nil, false, ""
		}
		cfg := Config{Vulnerable: matches(&c.Nodes[vuln], true)}
		for i := range c.Nodes {
			if i == vuln {
				continue
			}
			if c.Nodes[i].Negate {
				return nil, false, fmt.Sprintf("negated node %d left out", i+1)
			}
			cfg.Platform = append(cfg.Platform, matches(&c.Nodes[i], false)...)
		}
		if c.Nodes[vuln].Negate {
			return nil, false, fmt.Sprintf("negated node %d left out", vuln+1)
		}
		out = append(out, cfg)
	default:
		return nil, false, fmt.Sprintf("unknown operator %q", c.Operator)
	}
	return out, len(out) > 0, ""
}

// matches returns a node's matches: only the vulnerable ones if vulnOnly.
func matches(n *nvdNode, vulnOnly bool) []CPEMatch {
	var out []CPEMatch
	for _, m := range n.CPEMatch {
		if vulnOnly && !m.Vulnerable {
			continue
		}
		out = append(out, CPEMatch{
			Criteria:              m.Criteria,
			VersionStartIncluding: m.VersionStartIncluding,
			VersionStartExcluding: m.VersionStartExcluding,
			VersionEndIncluding:   m.VersionEndIncluding,
			VersionEndExcluding:   m.VersionEndExcluding,
			MatchCriteriaID:       m.MatchCriteriaID,
		})
	}
	return out
}

// checkCriteria checks the shape of a CPE 2.3 formatted string: the prefix
// and thirteen colon-separated components (colons escaped with \ do not
// count). Full parsing is the cpe package's business.
func checkCriteria(s string) error {
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return fmt.Errorf("criteria %q: not a CPE 2.3 name", s)
	}
	n := 1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			n++
		}
	}
	if n != 13 {
		return fmt.Errorf("criteria %q: %d components, want 13", s, n)
	}
	return nil
}
