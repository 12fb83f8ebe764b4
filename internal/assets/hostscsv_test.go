package assets_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sekimori/sekimori/internal/assets"
)

const csvHeader = "tenant,asset_id,hostname,ip,public_ip,role,criticality,os,os_version,inventory_complete,inventory_collected_at\n"

func TestParseHostsCSVFields(t *testing.T) {
	in := csvHeader +
		"acme-jp, web01 ,www,10.0.0.1; ::ffff:10.0.0.2 ;10.0.0.1;,2001:db8::1,web,High,Debian,12,Yes,2024-05-13T09:00:00+09:00\n" +
		"acme-jp,db01,,,,,,,,,\n"
	got, err := assets.ParseHostsCSV(strings.NewReader(in), "acme-jp")
	if err != nil {
		t.Fatal(err)
	}
	want := []assets.Host{
		{
			AssetID: "web01", Hostname: "www",
			IPs:       []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")},
			PublicIPs: []netip.Addr{netip.MustParseAddr("2001:db8::1")},
			Role:      "web", Criticality: "high", OS: "Debian", OSVersion: "12",
			InventoryComplete:    true,
			InventoryCollectedAt: time.Date(2024, 5, 13, 0, 0, 0, 0, time.UTC),
			Source:               assets.SourceHostsCSV,
		},
		{AssetID: "db01", Source: assets.SourceHostsCSV},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestParseHostsCSVBool(t *testing.T) {
	for cell, want := range map[string]bool{
		"true": true, "TRUE": true, "yes": true, "1": true,
		"false": false, "No": false, "0": false, "": false,
	} {
		in := csvHeader + "t,a,,,,,,,," + cell + ",\n"
		hosts, err := assets.ParseHostsCSV(strings.NewReader(in), "t")
		if err != nil || len(hosts) != 1 || hosts[0].InventoryComplete != want {
			t.Errorf("inventory_complete %q: %+v, %v", cell, hosts, err)
		}
	}
}

func TestParseHostsCSVErrors(t *testing.T) {
	if _, err := assets.ParseHostsCSV(strings.NewReader(csvHeader), ""); err == nil {
		t.Error("empty tenant: no error")
	}

	in := csvHeader + "globex,g1,,,,,,,,,\nacme-jp,a1,,10.0.0.999,,,,,,,\n"
	hosts, err := assets.ParseHostsCSV(strings.NewReader(in), "acme-jp")
	if hosts != nil {
		t.Errorf("hosts returned with an error: %+v", hosts)
	}
	if !errors.Is(err, assets.ErrTenantMismatch) {
		t.Errorf("error %v does not wrap ErrTenantMismatch", err)
	}
	var list *assets.ErrorList
	if !errors.As(err, &list) || len(list.Errs) != 2 || list.Truncated {
		t.Fatalf("error %#v is not a list of 2", err)
	}
	want := []assets.RowError{{Row: 2, Column: "tenant"}, {Row: 3, Column: "ip"}}
	for i, e := range list.Errs {
		if e.Row != want[i].Row || e.Column != want[i].Column {
			t.Errorf("error %d at row %d column %q, want row %d column %q", i, e.Row, e.Column, want[i].Row, want[i].Column)
		}
	}
	var re *assets.RowError
	if !errors.As(err, &re) || re.Row != 2 {
		t.Errorf("errors.As RowError: %v", re)
	}
	if got := (&assets.RowError{Row: 4, Err: errors.New("x")}).Error(); got != "row 4: x" {
		t.Errorf("RowError without column: %q", got)
	}
}

// errReader fails after its data.
type errReader struct{ data string }

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseHostsCSVReadError(t *testing.T) {
	_, err := assets.ParseHostsCSV(&errReader{data: csvHeader + "t,a,,,,,,,,,\n"}, "t")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v", err)
	}
	_, err = assets.ParseHostsCSV(&errReader{}, "t")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("header: err = %v", err)
	}
}
