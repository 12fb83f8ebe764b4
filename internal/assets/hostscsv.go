package assets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// hostsColumns are the columns a hosts sheet must have, in any order.
var hostsColumns = []string{
	"tenant", "asset_id", "hostname", "ip", "public_ip", "role", "criticality",
	"os", "os_version", "inventory_complete", "inventory_collected_at",
}

// optionalHostsColumns may be present too.
var optionalHostsColumns = []string{"notes"}

// ParseHostsCSV reads a hosts sheet of the given tenant: comma-separated
// UTF-8 (a leading byte order mark, as Excel writes, is skipped), one header
// row, then one row per host. tenant must not be empty.
//
// The header names the columns tenant, asset_id, hostname, ip, public_ip,
// role, criticality, os, os_version, inventory_complete and
// inventory_collected_at, in any order, and optionally notes. Names are
// matched ignoring case and surrounding spaces; a missing, unknown or
// repeated column is an error. Cells are trimmed of surrounding white space.
//
// Each row must have the given tenant in its tenant column (a row of
// another tenant is an error wrapping ErrTenantMismatch: the file is
// probably another customer's) and a unique, non-empty asset_id. ip and
// public_ip hold zero or more IPv4 or IPv6 addresses separated by ";".
// criticality is empty or one of low, medium, high, critical (any case).
// inventory_complete is true/yes/1 or false/no/0 (any case); empty means
// false: absence from a partial inventory proves nothing.
// inventory_collected_at is empty, RFC 3339 ("2024-05-13T09:00:00+09:00"),
// or a date (2024-05-13, or 2024/5/13 as Excel writes it in a Japanese
// locale), taken as midnight UTC.
//
// Problems are collected rather than returned one at a time: the error is
// an *ErrorList naming row and column of each, up to MaxErrors (the whole
// sheet is still read, to tell whether there were more). When there
// is any problem no hosts are returned, so that a half-imported sheet
// cannot pass for the whole inventory.
func ParseHostsCSV(r io.Reader, tenant string) ([]Host, error) {
	if tenant == "" {
		return nil, errors.New("parse hosts csv: empty tenant")
	}
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true

	var errs ErrorList
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("parse hosts csv: empty file, want a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("parse hosts csv: header: %w", err)
	}
	header = slices.Clone(header) // the reader reuses its record
	cols := readHostsHeader(header, &errs)
	if len(errs.Errs) > 0 {
		return nil, &errs
	}

	var hosts []Host
	seen := map[string]int{} // asset_id → row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if errors.Is(err, csv.ErrFieldCount) {
			row, _ := cr.FieldPos(0)
			errs.add(row, "", fmt.Errorf("%d cells, the header has %d", len(rec), len(header)))
			continue
		}
		if err != nil {
			// A quoting error leaves the reader out of step with the rows.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs.add(pe.StartLine, "", fmt.Errorf("%w (line %d, position %d); the rest of the file was not read", pe.Err, pe.Line, pe.Column))
			} else {
				errs.add(0, "", fmt.Errorf("read: %w", err))
			}
			break
		}
		row, _ := cr.FieldPos(0)
		h, ok := parseHostRow(rec, cols, tenant, row, &errs)
		if first, dup := seen[h.AssetID]; dup {
			errs.add(row, "asset_id", fmt.Errorf("%q already on row %d", h.AssetID, first))
			continue
		}
		if h.AssetID != "" {
			seen[h.AssetID] = row
		}
		if ok {
			hosts = append(hosts, h)
		}
	}
	if len(errs.Errs) > 0 {
		return nil, &errs
	}
	return hosts, nil
}

// readHostsHeader maps column names to cell indexes.
func readHostsHeader(header []string, errs *ErrorList) map[string]int {
	cols := make(map[string]int, len(header))
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		switch {
		case !utf8.ValidString(name):
			errs.add(1, "", fmt.Errorf("header cell %d is not UTF-8 (save the sheet as \"CSV UTF-8\")", i+1))
		case name == "":
			errs.add(1, "", fmt.Errorf("header cell %d is empty", i+1))
		case !slices.Contains(hostsColumns, name) && !slices.Contains(optionalHostsColumns, name):
			errs.add(1, name, errors.New("unknown column"))
		default:
			if _, dup := cols[name]; dup {
				errs.add(1, name, errors.New("column given twice"))
			}
			cols[name] = i
		}
	}
	for _, name := range hostsColumns {
		if _, ok := cols[name]; !ok {
			errs.add(1, name, errors.New("column missing"))
		}
	}
	return cols
}

// parseHostRow turns one row into a Host, recording each problem.
func parseHostRow(rec []string, cols map[string]int, tenant string, row int, errs *ErrorList) (Host, bool) {
	ok := true
	bad := func(col string, err error) {
		ok = false
		errs.add(row, col, err)
	}
	cell := func(col string) string {
		i, present := cols[col]
		if !present {
			return ""
		}
		v := strings.TrimSpace(rec[i])
		if !utf8.ValidString(v) {
			bad(col, errors.New("not UTF-8 (save the sheet as \"CSV UTF-8\")"))
			return ""
		}
		return v
	}

	switch t := cell("tenant"); t {
	case tenant:
	case "":
		bad("tenant", fmt.Errorf("empty, want %q", tenant))
	default:
		bad("tenant", fmt.Errorf("%w: %q, importing for %q", ErrTenantMismatch, t, tenant))
	}
	h := Host{
		AssetID:   cell("asset_id"),
		Hostname:  cell("hostname"),
		Role:      cell("role"),
		OS:        cell("os"),
		OSVersion: cell("os_version"),
		Notes:     cell("notes"),
		Source:    SourceHostsCSV,
	}
	if h.AssetID == "" {
		bad("asset_id", errors.New("empty"))
	}
	var err error
	if h.IPs, err = parseAddrList(cell("ip")); err != nil {
		bad("ip", err)
	}
	if h.PublicIPs, err = parseAddrList(cell("public_ip")); err != nil {
		bad("public_ip", err)
	}
	h.Criticality = strings.ToLower(cell("criticality"))
	if h.Criticality != "" && !slices.Contains(criticalities, h.Criticality) {
		bad("criticality", fmt.Errorf("%q, want low, medium, high, critical or empty", h.Criticality))
	}
	if h.InventoryComplete, err = parseBool(cell("inventory_complete")); err != nil {
		bad("inventory_complete", err)
	}
	if h.InventoryCollectedAt, err = parseCollectedAt(cell("inventory_collected_at")); err != nil {
		bad("inventory_collected_at", err)
	}
	return h, ok
}

// parseAddrList reads addresses separated by ";", skipping empty pieces.
func parseAddrList(s string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	for piece := range strings.SplitSeq(s, ";") {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		a, err := netip.ParseAddr(piece)
		switch {
		case err == nil && a.Zone() != "":
			return nil, fmt.Errorf("%q: an address with a zone is only valid on one machine", piece)
		case err == nil:
			a = a.Unmap()
			if !slices.Contains(addrs, a) {
				addrs = append(addrs, a)
			}
		case strings.Contains(piece, "/"):
			return nil, fmt.Errorf("%q is a network, want one address per host", piece)
		case strings.ContainsAny(piece, ", "):
			return nil, fmt.Errorf("%q: separate addresses with \";\"", piece)
		default:
			return nil, fmt.Errorf("%q is not an IP address", piece)
		}
	}
	return addrs, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "1":
		return true, nil
	case "false", "no", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%q, want true/false, yes/no or 1/0", s)
}

func parseCollectedAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02", "2006/1/2"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q, want RFC 3339 (2024-05-13T09:00:00+09:00) or a date (2024-05-13)", s)
}
