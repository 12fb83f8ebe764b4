package state

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Part of the shared suite (runSuite): devices and their sources.

func testDevices(t *testing.T, s *Store, clk *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	beta := mustTenant(t, s, "beta")

	fw1 := mustDevice(t, s, Device{
		TenantID: acme.ID,
		Name:     "fw1",
		Sources:  []string{"10.0.0.1", " FW1.Example.JP ", "10.0.0.1", "::FFFF:10.0.0.2", "2001:DB8:0:0::1"},
		DevID:    "FG100FTK19000001",
		Format:   "fortigate",
	})
	want := Device{
		ID:        fw1.ID,
		TenantID:  acme.ID,
		Name:      "fw1",
		Sources:   []string{"10.0.0.1", "10.0.0.2", "2001:db8::1", "fw1.example.jp"},
		DevID:     "FG100FTK19000001",
		Format:    "fortigate",
		TimeZone:  "", // the listener's
		Charset:   "utf-8",
		CreatedAt: clk.Now(),
	}
	if diff := cmp.Diff(want, fw1); diff != "" {
		t.Errorf("AddDevice (-want +got):\n%s", diff)
	}
	got, err := s.Device(ctx, acme.ID, "fw1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fw1, got); diff != "" {
		t.Errorf("Device (-want +got):\n%s", diff)
	}

	// Tenant isolation: the name is per tenant, and one tenant never sees
	// another's device.
	_, err = s.Device(ctx, beta.ID, "fw1")
	wantIs(t, err, ErrNotFound)
	bfw := mustDevice(t, s, Device{
		TenantID: beta.ID, Name: "fw1", Sources: []string{"192.0.2.7"},
		Format: "kv", TimeZone: "UTC", Charset: "shift_jis",
	})
	srv := mustDevice(t, s, Device{TenantID: acme.ID, Name: "Web-Server.01", Format: "syslog"})
	if srv.Sources != nil || srv.DevID != "" {
		t.Errorf("device without sources = %+v", srv)
	}
	_, err = s.AddDevice(ctx, Device{TenantID: acme.ID, Name: "fw1", Format: "kv"})
	wantIs(t, err, ErrExists)
	if !strings.Contains(err.Error(), "name") {
		t.Errorf("duplicate error %q does not name the field", err)
	}

	for _, tt := range []struct {
		tenant uint32
		want   []Device
	}{
		{acme.ID, []Device{srv, fw1}},
		{beta.ID, []Device{bfw}},
		{0, []Device{srv, fw1, bfw}},
		{99, nil},
	} {
		got, err := s.ListDevices(ctx, tt.tenant)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ListDevices(%d) (-want +got):\n%s", tt.tenant, diff)
		}
	}

	// A source or DevID belongs to one device across all tenants, and the
	// error names the device holding it.
	conflicts := []struct {
		d    Device
		want ConflictError
	}{
		{
			Device{TenantID: beta.ID, Name: "fw2", Sources: []string{"172.16.0.1", "10.0.0.1"}, Format: "kv"},
			ConflictError{Field: "sources", Value: "10.0.0.1", DeviceID: fw1.ID, TenantID: acme.ID, Device: "fw1"},
		},
		{
			Device{TenantID: beta.ID, Name: "fw2", Sources: []string{"FW1.example.jp"}, Format: "kv"},
			ConflictError{Field: "sources", Value: "fw1.example.jp", DeviceID: fw1.ID, TenantID: acme.ID, Device: "fw1"},
		},
		{
			Device{TenantID: acme.ID, Name: "fw2", Sources: []string{"::ffff:192.0.2.7"}, Format: "kv"},
			ConflictError{Field: "sources", Value: "192.0.2.7", DeviceID: bfw.ID, TenantID: beta.ID, Device: "fw1"},
		},
		{
			Device{TenantID: beta.ID, Name: "fw2", DevID: "FG100FTK19000001", Format: "fortigate"},
			ConflictError{Field: "devid", Value: "FG100FTK19000001", DeviceID: fw1.ID, TenantID: acme.ID, Device: "fw1"},
		},
	}
	for _, tt := range conflicts {
		_, err := s.AddDevice(ctx, tt.d)
		wantIs(t, err, ErrExists)
		var ce *ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("err = %v, want a *ConflictError", err)
		}
		if diff := cmp.Diff(tt.want, *ce); diff != "" {
			t.Errorf("AddDevice(%+v) conflict (-want +got):\n%s", tt.d, diff)
		}
		if !strings.Contains(err.Error(), `"fw1"`) {
			t.Errorf("conflict error %q does not name the device", err)
		}
	}
	// Nothing of the refused devices was kept.
	if all, _ := s.ListDevices(ctx, 0); len(all) != 3 {
		t.Errorf("after refused adds, %d devices, want 3", len(all))
	}
}

func testDeviceInvalid(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	ok := Device{TenantID: acme.ID, Name: "fw", Format: "fortigate"}
	with := func(f func(d *Device)) Device {
		d := ok
		f(&d)
		return d
	}
	tests := []struct {
		name  string
		d     Device
		field string
	}{
		{"no tenant", with(func(d *Device) { d.TenantID = 0 }), "tenant_id"},
		{"unknown tenant", with(func(d *Device) { d.TenantID = 42 }), "tenant_id"},
		{"empty name", with(func(d *Device) { d.Name = "" }), "name"},
		{"long name", with(func(d *Device) { d.Name = strings.Repeat("f", 65) }), "name"},
		{"name with space", with(func(d *Device) { d.Name = "fw 1" }), "name"},
		{"name starting with dot", with(func(d *Device) { d.Name = ".fw" }), "name"},
		{"no format", with(func(d *Device) { d.Format = "" }), "format"},
		{"unknown zone", with(func(d *Device) { d.TimeZone = "Asia/Atlantis" }), "time_zone"},
		{"local zone", with(func(d *Device) { d.TimeZone = "Local" }), "time_zone"},
		{"bad source", with(func(d *Device) { d.Sources = []string{"10.0.0.1", "not a host!"} }), "sources"},
		{"bad IPv4", with(func(d *Device) { d.Sources = []string{"10.0.0.256"} }), "sources"},
		{"empty source", with(func(d *Device) { d.Sources = []string{" "} }), "sources"},
		{"short fingerprint", with(func(d *Device) { d.Sources = []string{"cert:sha256:abcd"} }), "sources"},
		{"fingerprint not hex", with(func(d *Device) { d.Sources = []string{"cert:sha256:" + strings.Repeat("g", 64)} }), "sources"},
		{"sha1 fingerprint", with(func(d *Device) { d.Sources = []string{"cert:sha1:" + strings.Repeat("a", 40)} }), "sources"},
		{"empty common name", with(func(d *Device) { d.Sources = []string{"cert:cn:"} }), "sources"},
		{"common name with a newline", with(func(d *Device) { d.Sources = []string{"cert:cn:a\nb"} }), "sources"},
		{"bad devid", with(func(d *Device) { d.DevID = "FG 100" }), "devid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.AddDevice(ctx, tt.d)
			wantField(t, err, tt.field)
		})
	}
	if all, _ := s.ListDevices(ctx, 0); len(all) != 0 {
		t.Errorf("invalid devices were stored: %+v", all)
	}
}

func testDeviceSources(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	beta := mustTenant(t, s, "beta")
	a := mustDevice(t, s, Device{TenantID: acme.ID, Name: "a", Sources: []string{"10.0.0.1", "10.0.0.2"}, Format: "kv"})
	b := mustDevice(t, s, Device{TenantID: beta.ID, Name: "b", Sources: []string{"10.0.0.3"}, Format: "kv"})

	got, err := s.UpdateDeviceSources(ctx, a.ID, []string{"10.0.0.2", "GW.acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.Sources = []string{"10.0.0.2", "gw.acme.example"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateDeviceSources (-want +got):\n%s", diff)
	}
	if got, _ := s.Device(ctx, acme.ID, "a"); !cmp.Equal(want, got) {
		t.Errorf("Device after update = %+v, want %+v", got, want)
	}

	// 10.0.0.1 was freed and may go to another tenant's device.
	if _, err := s.UpdateDeviceSources(ctx, b.ID, []string{"10.0.0.3", "10.0.0.1"}); err != nil {
		t.Fatalf("taking a freed source: %v", err)
	}
	_, err = s.UpdateDeviceSources(ctx, b.ID, []string{"gw.acme.example"})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.DeviceID != a.ID || ce.Value != "gw.acme.example" {
		t.Fatalf("err = %v, want a conflict with device %d", err, a.ID)
	}
	// The refused update changed nothing.
	if got, _ := s.Device(ctx, beta.ID, "b"); !cmp.Equal(got.Sources, []string{"10.0.0.1", "10.0.0.3"}) {
		t.Errorf("sources after refused update = %v", got.Sources)
	}

	_, err = s.UpdateDeviceSources(ctx, a.ID, []string{"bad source"})
	wantField(t, err, "sources")

	// Certificate sources: the fingerprint in canonical form (as openssl
	// prints it is accepted), held by one device like any source.
	fp := strings.Repeat("ab", 32)
	openssl := strings.ToUpper(strings.TrimSuffix(strings.Repeat("AB:", 32), ":"))
	got, err = s.UpdateDeviceSources(ctx, a.ID, []string{"cert:SHA256:" + openssl, "cert:cn:FW-01.Example", "10.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"10.0.0.2", "cert:cn:fw-01.example", "cert:sha256:" + fp}, got.Sources); diff != "" {
		t.Errorf("certificate sources (-want +got):\n%s", diff)
	}
	_, err = s.UpdateDeviceSources(ctx, b.ID, []string{"cert:sha256:" + fp})
	if !errors.As(err, &ce) || ce.DeviceID != a.ID {
		t.Fatalf("err = %v, want a conflict with device %d", err, a.ID)
	}
	_, err = s.UpdateDeviceSources(ctx, 999, []string{"10.9.9.9"})
	wantIs(t, err, ErrNotFound)

	// Clearing every source is allowed.
	got, err = s.UpdateDeviceSources(ctx, a.ID, nil)
	if err != nil || got.Sources != nil {
		t.Fatalf("UpdateDeviceSources(nil) = %+v, %v", got, err)
	}
}

func testDeleteDevice(t *testing.T, s *Store, _ *clock) {
	ctx := context.Background()
	acme := mustTenant(t, s, "acme")
	beta := mustTenant(t, s, "beta")
	d := mustDevice(t, s, Device{TenantID: acme.ID, Name: "fw", Sources: []string{"10.0.0.1"}, DevID: "FGT60F0000000001", Format: "fortigate"})
	keep := mustDevice(t, s, Device{TenantID: acme.ID, Name: "keep", Sources: []string{"10.0.0.2"}, Format: "kv"})

	if err := s.DeleteDevice(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.Device(ctx, acme.ID, "fw")
	wantIs(t, err, ErrNotFound)
	wantIs(t, s.DeleteDevice(ctx, d.ID), ErrNotFound)
	if got, _ := s.ListDevices(ctx, 0); !cmp.Equal([]Device{keep}, got) {
		t.Errorf("ListDevices after delete = %+v", got)
	}
	// Its source and DevID are free again, for any tenant.
	mustDevice(t, s, Device{TenantID: beta.ID, Name: "fw", Sources: []string{"10.0.0.1"}, DevID: "FGT60F0000000001", Format: "fortigate"})
}
