package vulndb

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// The signature CSV maps the signatures of vendors whose logs carry no CVE
// (FortiGate IPS, …) to what they target:
//
//	# lines starting with # are comments
//	vendor,signature_id,signature_name,cves,affected_products,target
//	fortigate,12345,Fortinet.FortiOS.SSL.VPN.Heap.Buffer.Overflow,CVE-2022-42475,Fortinet FortiOS,server
//
// cves and affected_products hold several values separated by ";". target
// is server, client or empty. Columns are found by name and may come in
// any order; vendor and signature_id are required, an optional enabled
// column (true/false, empty is true) marks disabled signatures. An unknown
// column is an error, so that a misspelt one is not silently ignored.

var sigCSVColumns = []string{"vendor", "signature_id", "signature_name", "cves", "affected_products", "target", "enabled"}

// parseSignatureCSV reads the file.
func parseSignatureCSV(data []byte, b *Bundle) error {
	r := csv.NewReader(bytes.NewReader(trimBOM(data)))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(sigCSVColumns, h) {
			return fmt.Errorf("header: unknown column %q (want %s)", h, strings.Join(sigCSVColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return fmt.Errorf("header: column %q twice", h)
		}
		col[h] = i
	}
	for _, req := range []string{"vendor", "signature_id"} {
		if _, ok := col[req]; !ok {
			return fmt.Errorf("header: no %s column", req)
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			b.skip("line %d: %v", pe.StartLine, pe.Err)
			continue
		}
		if err != nil {
			return err
		}
		line, _ := r.FieldPos(0)
		sig, err := sigCSVRecord(rec, col)
		if err != nil {
			b.skip("line %d: %v", line, err)
			continue
		}
		b.Signatures = append(b.Signatures, sig)
	}
}

func sigCSVRecord(rec []string, col map[string]int) (Signature, error) {
	field := func(name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	sig := Signature{
		Vendor:  strings.ToLower(field("vendor")),
		ID:      field("signature_id"),
		Name:    field("signature_name"),
		Enabled: true,
	}
	if sig.Vendor == "" {
		return Signature{}, errors.New("empty vendor")
	}
	if sig.ID == "" {
		return Signature{}, errors.New("empty signature_id")
	}
	var cves []string
	for _, s := range strings.Split(field("cves"), ";") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := NormalizeCVE(s)
		if err != nil {
			return Signature{}, fmt.Errorf("signature %s: cves: %w", sig.ID, err)
		}
		cves = append(cves, id)
	}
	sig.CVEs = sortedUnique(cves)
	for _, s := range strings.Split(field("affected_products"), ";") {
		sig.Products = append(sig.Products, strings.TrimSpace(s))
	}
	sig.Products = uniqueInOrder(sig.Products)
	raw := field("target")
	t, err := parseTarget(raw)
	if err != nil {
		return Signature{}, fmt.Errorf("signature %s: %w", sig.ID, err)
	}
	sig.Target, sig.TargetRaw = t, raw
	switch strings.ToLower(field("enabled")) {
	case "", "true", "yes", "1":
	case "false", "no", "0":
		sig.Enabled = false
	default:
		return Signature{}, fmt.Errorf("signature %s: enabled %q: want true or false", sig.ID, field("enabled"))
	}
	return sig, nil
}
