package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zones must validate on machines without a zoneinfo database
	"unicode"
	"unicode/utf8"
)

// Device is a log source of a tenant: a firewall, a server, an appliance.
// Ingest maps a received line to its device by the line's source address
// or host name, or by the FortiGate serial it carries.
type Device struct {
	ID       int64
	TenantID uint32
	// Name is unique within the tenant: 1–64 characters of letters, digits,
	// '.', '_' and '-', starting with a letter or digit.
	Name string
	// Sources are the IP addresses and host names the device sends from, in
	// canonical form (lower case; IPv6 compressed), sorted. One source
	// belongs to at most one device across all tenants.
	//
	// A source may instead name the TLS client certificate the device
	// presents on the syslog TLS listener: "cert:sha256:<hex>", the SHA-256
	// of the certificate's DER encoding (64 hex digits; upper case and the
	// colons of "openssl x509 -fingerprint -sha256" are accepted), or
	// "cert:cn:<common name>". A device known by its certificate gets the
	// lines of connections presenting it, whatever they claim inside.
	Sources []string
	// DevID is the device's serial (FortiGate: FG100FTK19000001), optional,
	// unique across tenants.
	DevID string
	// Format names the parser for the device's lines ("fortigate", "kv",
	// "json", "cef", "syslog"). The caller validates it; it is stored as
	// given.
	Format string
	// TimeZone is the IANA zone of timestamps that carry none; "" means
	// the zone of the listener the line arrived on (Asia/Tokyo unless
	// configured).
	TimeZone string
	// Charset is the encoding of the device's lines ("utf-8", "shift_jis",
	// "euc-jp"); default DefaultCharset. The caller validates it.
	Charset   string
	CreatedAt time.Time
}

// DefaultCharset is a device's charset unless given.
const DefaultCharset = "utf-8"

// ConflictError reports that a device source or DevID is already held by
// another device, possibly of another tenant. It matches ErrExists. The
// message names the holder; an API serving a tenant decides whether to show
// it.
type ConflictError struct {
	Field    string // "sources" or "devid"
	Value    string // the contested source or DevID
	DeviceID int64  // the device that holds it
	TenantID uint32
	Device   string // that device's name
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %q already belongs to device %q (id %d) of tenant %d",
		strings.TrimSuffix(e.Field, "s"), e.Value, e.Device, e.DeviceID, e.TenantID)
}

// Unwrap makes errors.Is(err, ErrExists) true.
func (e *ConflictError) Unwrap() error { return ErrExists }

const maxSourceLen = 253 // the longest DNS name

// Certificate sources (see Device.Sources); ingest uses the same prefixes.
const (
	certSHA256Prefix = "cert:sha256:"
	certCNPrefix     = "cert:cn:"
	certPrefix       = "cert:"
)

// normalizeSource returns the canonical form of a source: trimmed, lower
// case, for an IP address its netip form (IPv4-mapped IPv6 unmapped), for
// a certificate fingerprint its hex without colons.
func normalizeSource(src string) string {
	src = strings.ToLower(strings.TrimSpace(src))
	if a, err := netip.ParseAddr(src); err == nil {
		return a.Unmap().String()
	}
	if fp, ok := strings.CutPrefix(src, certSHA256Prefix); ok {
		return certSHA256Prefix + strings.ReplaceAll(fp, ":", "")
	}
	return src
}

// checkSources returns the canonical, sorted, deduplicated form of srcs,
// or a *FieldError for one that is neither an IP address, a host name nor
// a certificate source.
func checkSources(srcs []string) ([]string, error) {
	out := make([]string, 0, len(srcs))
	for _, raw := range srcs {
		src := normalizeSource(raw)
		switch _, err := netip.ParseAddr(src); {
		case err == nil:
		case strings.HasPrefix(src, certPrefix):
			if err := checkCertSource(src); err != nil {
				return nil, invalid("sources", "%q: %v", raw, err)
			}
		case !validHostname(src):
			return nil, invalid("sources", "%q: not an IP address, host name or cert:sha256:<hex> / cert:cn:<name>", raw)
		}
		out = append(out, src)
	}
	if len(out) == 0 {
		return nil, nil
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// checkCertSource checks a normalized "cert:..." source.
func checkCertSource(src string) error {
	if fp, ok := strings.CutPrefix(src, certSHA256Prefix); ok {
		if len(fp) != 64 || strings.Trim(fp, "0123456789abcdef") != "" {
			return errors.New("a SHA-256 fingerprint is 64 hex digits (colons allowed)")
		}
		return nil
	}
	if cn, ok := strings.CutPrefix(src, certCNPrefix); ok {
		if cn == "" || len(src) > maxSourceLen || !utf8.ValidString(cn) {
			return fmt.Errorf("a common name is 1 to %d bytes of UTF-8", maxSourceLen-len(certCNPrefix))
		}
		for _, r := range cn {
			if unicode.IsControl(r) {
				return errors.New("a common name has no control characters")
			}
		}
		return nil
	}
	return errors.New("want cert:sha256:<hex fingerprint of the certificate> or cert:cn:<common name>")
}

// validHostname accepts dot-separated labels of a-z, 0-9, '-' and '_'
// (syslog senders use underscores in names DNS would refuse). A last label
// of digits only is refused: that is a mistyped IPv4 address (RFC 3696
// section 2).
func validHostname(h string) bool {
	if h == "" || len(h) > maxSourceLen {
		return false
	}
	labels := strings.Split(h, ".")
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return false
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func checkDeviceName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return invalid("name", "%q: must be 1-%d characters", name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return invalid("name", "%q: must be letters, digits, '.', '_' or '-', starting with a letter or digit", name)
		}
	}
	return nil
}

func checkDevID(devid string) error {
	if len(devid) > maxNameLen {
		return invalid("devid", "%q: longer than %d characters", devid, maxNameLen)
	}
	for i := 0; i < len(devid); i++ {
		c := devid[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return invalid("devid", "%q: must be letters, digits, '_' or '-'", devid)
		}
	}
	return nil
}

// checkDevice applies defaults to d and checks every field but TenantID.
func checkDevice(d Device) (Device, error) {
	if err := checkDeviceName(d.Name); err != nil {
		return d, err
	}
	d.DevID = strings.TrimSpace(d.DevID)
	if err := checkDevID(d.DevID); err != nil {
		return d, err
	}
	if d.Format == "" || len(d.Format) > maxNameLen {
		return d, invalid("format", "%q: must be 1-%d characters", d.Format, maxNameLen)
	}
	// "Local" would mean the server's zone, which no device has.
	if _, err := time.LoadLocation(d.TimeZone); d.TimeZone != "" && (err != nil || d.TimeZone == "Local") {
		return d, invalid("time_zone", "%q: not an IANA time zone", d.TimeZone)
	}
	if d.Charset == "" {
		d.Charset = DefaultCharset
	}
	if len(d.Charset) > maxNameLen {
		return d, invalid("charset", "%q: longer than %d characters", d.Charset, maxNameLen)
	}
	srcs, err := checkSources(d.Sources)
	if err != nil {
		return d, err
	}
	d.Sources = srcs
	return d, nil
}

// AddDevice adds a device to its tenant and returns it with its ID,
// defaults and canonical sources. The ID and CreatedAt of d are ignored.
//
// Errors: a *FieldError for a bad field (including "tenant_id" for a tenant
// that does not exist); ErrExists for a name taken in the tenant; a
// *ConflictError for a source or DevID held by another device.
func (s *Store) AddDevice(ctx context.Context, d Device) (Device, error) {
	d, err := checkDevice(d)
	if err != nil {
		return Device{}, fmt.Errorf("add device %q: %w", d.Name, err)
	}
	d.CreatedAt = s.now()
	err = s.write(ctx, true, func(q querier) error {
		ok, err := tenantExists(ctx, q, d.TenantID)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("tenant_id", "no tenant %d", d.TenantID)
		}
		if _, err := deviceByName(ctx, q, d.TenantID, d.Name); err == nil {
			return fmt.Errorf("name %q: %w", d.Name, ErrExists)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := checkDevIDFree(ctx, q, d.DevID); err != nil {
			return err
		}
		if err := checkSourcesFree(ctx, q, 0, d.Sources); err != nil {
			return err
		}
		if d.ID, err = nextID(ctx, q, "device"); err != nil {
			return err
		}
		var devid any // NULL, which UNIQUE does not compare, when absent
		if d.DevID != "" {
			devid = d.DevID
		}
		if _, err := q.exec(ctx, `INSERT INTO devices (id, tenant_id, name, devid, format, time_zone, charset, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, int64(d.TenantID), d.Name, devid, d.Format, d.TimeZone, d.Charset, toNanos(d.CreatedAt)); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("insert device: %w", ErrExists)
			}
			return fmt.Errorf("insert device: %w", err)
		}
		return insertSources(ctx, q, d.ID, d.Sources)
	})
	if err != nil {
		return Device{}, fmt.Errorf("add device %q: %w", d.Name, err)
	}
	return d, nil
}

// Device returns the tenant's device of that name, or an error matching
// ErrNotFound. A device of another tenant is never returned.
func (s *Store) Device(ctx context.Context, tenantID uint32, name string) (Device, error) {
	var d Device
	err := s.read(ctx, func(q querier) error {
		var err error
		if d, err = deviceByName(ctx, q, tenantID, name); err != nil {
			return err
		}
		d.Sources, err = deviceSources(ctx, q, d.ID)
		return err
	})
	if err != nil {
		return Device{}, fmt.Errorf("device %q of tenant %d: %w", name, tenantID, err)
	}
	return d, nil
}

// DeviceByID returns a device of one of tenants, or an error matching
// ErrNotFound, whether it does not exist or belongs to another tenant.
func (s *Store) DeviceByID(ctx context.Context, tenants []uint32, id int64) (Device, error) {
	if len(tenants) == 0 {
		return Device{}, fmt.Errorf("device %d: %w", id, ErrNotFound)
	}
	var d Device
	err := s.read(ctx, func(q querier) error {
		where, args := tenantIn(tenants)
		var err error
		if d, err = scanDevice(q.queryRow(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = ? AND `+where, append([]any{id}, args...)...)); err != nil {
			return err
		}
		d.Sources, err = deviceSources(ctx, q, d.ID)
		return err
	})
	if err != nil {
		return Device{}, fmt.Errorf("device %d: %w", id, err)
	}
	return d, nil
}

// ListDevices returns the devices of a tenant, or of all tenants when
// tenantID is 0 (for administrators), ordered by tenant and name. An
// unknown tenant has no devices.
func (s *Store) ListDevices(ctx context.Context, tenantID uint32) ([]Device, error) {
	var ds []Device
	err := s.read(ctx, func(q querier) error {
		where, args := "", []any(nil)
		if tenantID != 0 {
			where, args = "WHERE tenant_id = ?", []any{int64(tenantID)}
		}
		rows, err := q.query(ctx, `SELECT `+deviceColumns+` FROM devices `+where+` ORDER BY tenant_id, name`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		index := map[int64]int{}
		for rows.Next() {
			d, err := scanDevice(rows)
			if err != nil {
				return err
			}
			index[d.ID] = len(ds)
			ds = append(ds, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()

		if tenantID != 0 {
			where = "WHERE d.tenant_id = ?"
		}
		srows, err := q.query(ctx, `SELECT s.device_id, s.source FROM device_sources s
			JOIN devices d ON d.id = s.device_id `+where+` ORDER BY s.source`, args...)
		if err != nil {
			return err
		}
		defer srows.Close()
		for srows.Next() {
			var (
				id  int64
				src string
			)
			if err := srows.Scan(&id, &src); err != nil {
				return err
			}
			if i, ok := index[id]; ok {
				ds[i].Sources = append(ds[i].Sources, src)
			}
		}
		return srows.Err()
	})
	if err != nil {
		if tenantID == 0 {
			return nil, fmt.Errorf("list devices: %w", err)
		}
		return nil, fmt.Errorf("list devices of tenant %d: %w", tenantID, err)
	}
	return ds, nil
}

// UpdateDeviceSources replaces the sources of device id and returns the
// device. Errors: a *FieldError for a bad source, a *ConflictError for one
// held by another device, ErrNotFound for an unknown id.
func (s *Store) UpdateDeviceSources(ctx context.Context, id int64, sources []string) (Device, error) {
	srcs, err := checkSources(sources)
	if err != nil {
		return Device{}, fmt.Errorf("update sources of device %d: %w", id, err)
	}
	var d Device
	err = s.write(ctx, true, func(q querier) error {
		var err error
		if d, err = scanDevice(q.queryRow(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = ?`, id)); err != nil {
			return err
		}
		if err := checkSourcesFree(ctx, q, id, srcs); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `DELETE FROM device_sources WHERE device_id = ?`, id); err != nil {
			return fmt.Errorf("delete sources: %w", err)
		}
		d.Sources = srcs
		return insertSources(ctx, q, id, srcs)
	})
	if err != nil {
		return Device{}, fmt.Errorf("update sources of device %d: %w", id, err)
	}
	return d, nil
}

// DeleteDevice deletes device id and frees its sources and DevID.
func (s *Store) DeleteDevice(ctx context.Context, id int64) error {
	err := s.write(ctx, true, func(q querier) error {
		if _, err := q.exec(ctx, `DELETE FROM device_sources WHERE device_id = ?`, id); err != nil {
			return fmt.Errorf("delete sources: %w", err)
		}
		res, err := q.exec(ctx, `DELETE FROM devices WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return notFoundIfNone(res, "device")
	})
	if err != nil {
		return fmt.Errorf("delete device %d: %w", id, err)
	}
	return nil
}

const deviceColumns = `id, tenant_id, name, devid, format, time_zone, charset, created_at`

// scanDevice reads deviceColumns (not the sources); sql.ErrNoRows becomes
// ErrNotFound.
func scanDevice(r scanner) (Device, error) {
	var (
		d       Device
		tenant  int64
		devid   sql.NullString
		created int64
	)
	if err := r.Scan(&d.ID, &tenant, &d.Name, &devid, &d.Format, &d.TimeZone, &d.Charset, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Device{}, ErrNotFound
		}
		return Device{}, err
	}
	d.TenantID = uint32(tenant)
	d.DevID = devid.String
	d.CreatedAt = fromNanos(created)
	return d, nil
}

func deviceByName(ctx context.Context, q querier, tenantID uint32, name string) (Device, error) {
	return scanDevice(q.queryRow(ctx, `SELECT `+deviceColumns+` FROM devices WHERE tenant_id = ? AND name = ?`,
		int64(tenantID), name))
}

func deviceSources(ctx context.Context, q querier, id int64) ([]string, error) {
	rows, err := q.query(ctx, `SELECT source FROM device_sources WHERE device_id = ? ORDER BY source`, id)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	defer rows.Close()
	var srcs []string
	for rows.Next() {
		var src string
		if err := rows.Scan(&src); err != nil {
			return nil, fmt.Errorf("read sources: %w", err)
		}
		srcs = append(srcs, src)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	return srcs, nil
}

// checkSourcesFree returns a *ConflictError for the first of srcs held by
// a device other than self.
func checkSourcesFree(ctx context.Context, q querier, self int64, srcs []string) error {
	for _, src := range srcs {
		var c ConflictError
		var tenant int64
		err := q.queryRow(ctx, `SELECT d.id, d.tenant_id, d.name FROM device_sources s
			JOIN devices d ON d.id = s.device_id WHERE s.source = ?`, src).Scan(&c.DeviceID, &tenant, &c.Device)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return fmt.Errorf("look up source %q: %w", src, err)
		case c.DeviceID == self:
			continue
		}
		c.Field, c.Value, c.TenantID = "sources", src, uint32(tenant)
		return &c
	}
	return nil
}

// checkDevIDFree returns a *ConflictError when a device has devid.
func checkDevIDFree(ctx context.Context, q querier, devid string) error {
	if devid == "" {
		return nil
	}
	c := ConflictError{Field: "devid", Value: devid}
	var tenant int64
	err := q.queryRow(ctx, `SELECT id, tenant_id, name FROM devices WHERE devid = ?`, devid).
		Scan(&c.DeviceID, &tenant, &c.Device)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("look up devid %q: %w", devid, err)
	}
	c.TenantID = uint32(tenant)
	return &c
}

func insertSources(ctx context.Context, q querier, id int64, srcs []string) error {
	for _, src := range srcs {
		if _, err := q.exec(ctx, `INSERT INTO device_sources (source, device_id) VALUES (?, ?)`, src, id); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("insert source %q: %w", src, ErrExists)
			}
			return fmt.Errorf("insert source %q: %w", src, err)
		}
	}
	return nil
}
