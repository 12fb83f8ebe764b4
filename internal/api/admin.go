package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sekimori/sekimori/internal/charset"
	"github.com/sekimori/sekimori/internal/ingest"
	"github.com/sekimori/sekimori/internal/state"
)

type tenantJSON struct {
	ID            uint32 `json:"id"`
	Name          string `json:"name"`
	RetentionDays int    `json:"retention_days"`
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request, p principal) {
	ts, err := s.d.State.ListTenants(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "list tenants")
		return
	}
	out := []tenantJSON{}
	for _, t := range ts {
		if p.seesTenant(t.ID) {
			out = append(out, tenantJSON{t.ID, t.Name, t.RetentionDays})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeBody decodes a JSON body of at most 1 MiB into v, refusing unknown
// fields; on failure it has written the error.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeLimited(w, r, v, 1<<20)
}

// decodeSmall is decodeBody for the user and token routes, whose bodies
// are a few fields: at most maxSmallBody bytes.
func decodeSmall(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeLimited(w, r, v, maxSmallBody)
}

func decodeLimited(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body: at most %d bytes", limit))
			return false
		}
		writeError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return false
	}
	return true
}

func stateError(w http.ResponseWriter, err error) {
	var fe *state.FieldError
	switch {
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
	case errors.Is(err, state.ErrExists):
		writeError(w, http.StatusConflict, "exists", err.Error())
	case errors.Is(err, state.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, state.ErrInvalid):
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "internal", "state database error")
	}
}

func (s *Server) createTenant(w http.ResponseWriter, r *http.Request, p principal) {
	var in struct {
		Name          string `json:"name"`
		RetentionDays int    `json:"retention_days"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	t, err := s.d.State.CreateTenant(r.Context(), in.Name)
	if err != nil {
		stateError(w, err)
		return
	}
	if in.RetentionDays != 0 {
		if err := s.d.State.SetRetention(r.Context(), t.ID, in.RetentionDays); err != nil {
			stateError(w, err)
			return
		}
		t.RetentionDays = in.RetentionDays
	}
	out := tenantJSON{t.ID, t.Name, t.RetentionDays}
	s.audit(r, p, "tenant.create", "tenant/"+t.Name, nil, out)
	writeJSON(w, http.StatusCreated, out)
}

type deviceJSON struct {
	ID       int64    `json:"id"`
	Tenant   string   `json:"tenant"`
	Name     string   `json:"name"`
	Sources  []string `json:"sources"`
	DevID    string   `json:"devid,omitempty"`
	Format   string   `json:"format"`
	TimeZone string   `json:"time_zone"`
	Charset  string   `json:"charset"`
}

func (s *Server) tenantNames(r *http.Request) map[uint32]string {
	names := map[uint32]string{0: "unassigned"}
	if ts, err := s.d.State.ListTenants(r.Context()); err == nil {
		for _, t := range ts {
			names[t.ID] = t.Name
		}
	}
	return names
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, p principal) {
	tenants, aerr := s.tenantScope(r.Context(), r, p)
	if aerr != nil {
		aerr.write(w)
		return
	}
	all, err := s.d.State.ListDevices(r.Context(), 0)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "list devices")
		return
	}
	names := s.tenantNames(r)
	out := []deviceJSON{}
	for _, d := range all {
		if slices.Contains(tenants, d.TenantID) {
			out = append(out, toDeviceJSON(d, names[d.TenantID]))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func toDeviceJSON(d state.Device, tenant string) deviceJSON {
	src := d.Sources
	if src == nil {
		src = []string{}
	}
	return deviceJSON{d.ID, tenant, d.Name, src, d.DevID, d.Format, d.TimeZone, d.Charset}
}

// CheckDevice validates the fields the state package stores as given: the
// format must be one of fs (built-in or declarative) and the charset known.
func CheckDevice(fs ingest.FormatSet, format, cs string) error {
	if names := ingest.Formats(fs); !slices.Contains(names, format) {
		return fmt.Errorf("format %q is unknown; known formats: %s", format, strings.Join(names, ", "))
	}
	if _, err := charset.New(cs); err != nil {
		return err
	}
	return nil
}

func (s *Server) addDevice(w http.ResponseWriter, r *http.Request, p principal) {
	var in deviceJSON
	if !decodeBody(w, r, &in) {
		return
	}
	t, err := s.d.State.TenantByName(r.Context(), in.Tenant)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("tenant: %q not found", in.Tenant))
		return
	}
	if in.Format == "" {
		in.Format = "syslog"
	}
	if err := CheckDevice(s.formats(), in.Format, in.Charset); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	d, err := s.d.State.AddDevice(r.Context(), state.Device{TenantID: t.ID, Name: in.Name, Sources: in.Sources, DevID: in.DevID, Format: in.Format, TimeZone: in.TimeZone, Charset: in.Charset})
	if err != nil {
		stateError(w, err)
		return
	}
	if err := s.d.ReloadDevices(r.Context()); err != nil {
		s.d.Logger.Error("reload devices", "err", err)
	}
	out := toDeviceJSON(d, t.Name)
	s.audit(r, p, "device.add", "device/"+t.Name+"/"+d.Name, nil, out)
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listUnassigned(w http.ResponseWriter, r *http.Request, p principal) {
	list, err := s.d.State.ListUnassigned(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "list unassigned sources")
		return
	}
	type unassignedJSON struct {
		Source    string    `json:"source"`
		Hostname  string    `json:"hostname,omitempty"`
		DevID     string    `json:"devid,omitempty"`
		FirstSeen time.Time `json:"first_seen"`
		LastSeen  time.Time `json:"last_seen"`
		Lines     int64     `json:"lines"`
	}
	out := []unassignedJSON{}
	for _, u := range list {
		out = append(out, unassignedJSON{u.Source, u.Hostname, u.DevID, u.FirstSeen, u.LastSeen, u.Lines})
	}
	writeJSON(w, http.StatusOK, out)
}

// assign adds an unassigned source to a device and moves its held lines
// into the device's tenant.
func (s *Server) assign(w http.ResponseWriter, r *http.Request, p principal) {
	var in struct {
		Source string `json:"source"`
		Tenant string `json:"tenant"`
		Device string `json:"device"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Source == "" {
		writeError(w, http.StatusBadRequest, "invalid", "source is required")
		return
	}
	dev, aerr := s.findDevice(r, p, in.Tenant, in.Device)
	if aerr != nil {
		aerr.write(w)
		return
	}
	if !slices.Contains(dev.Sources, strings.ToLower(in.Source)) {
		d, err := s.d.State.UpdateDeviceSources(r.Context(), dev.ID, append(slices.Clone(dev.Sources), in.Source))
		if err != nil {
			stateError(w, err)
			return
		}
		dev = d
	}
	if err := s.d.ReloadDevices(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "reload devices; retry")
		return
	}
	moved, err := s.d.Reassign(r.Context(), in.Source, dev)
	if err != nil {
		s.d.Logger.Error("reassign", "source", in.Source, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "moving held lines failed; the source is assigned, retry to move the rest")
		return
	}
	out := map[string]any{"source": in.Source, "device": dev.Name, "moved_lines": moved}
	s.audit(r, p, "unassigned.assign", "source/"+in.Source, nil, out)
	writeJSON(w, http.StatusOK, out)
}
