// Package fortiemu emulates the part of a FortiGate's REST API that
// Sekimori's collector uses, so that tests and end-to-end runs can pull
// configurations and policy hit counters over real HTTPS sockets without
// a device.
//
// A Device is an http.Handler; serve it with httptest.NewTLSServer. It
// answers, like FortiOS does:
//
//   - GET  /api/v2/monitor/system/status: version, build, serial, model.
//   - GET  /api/v2/monitor/system/config/backup?scope=global before
//     FortiOS 7.6; POST with the JSON body {"scope":"global"} from 7.6,
//     where the GET form was removed. The wrong method gets 405.
//   - GET  /api/v2/monitor/firewall/policy/select: per-policy hit counters.
//
// Every request needs the API token, as "Authorization: Bearer TOKEN" or
// the older "access_token=TOKEN" query parameter; otherwise the answer is
// a 401 JSON error. A vdom= parameter naming a VDOM the config lacks gets
// 404.
//
// The knobs reproduce what has gone wrong in the field: Upgrade (a
// firmware upgrade that may wipe the whole ruleset), re-encryption of
// every "ENC" secret on each export (so two raw backups of an unchanged
// device never match), and Truncate (a broken transfer).
//
// All methods may be called from several goroutines at once, including
// while requests are being served. Byte slices passed in are copied;
// slices returned belong to the caller.
package fortiemu

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sekimori/sekimori/internal/devconfig"
)

//go:embed testdata/fortios72.conf
var sample72 []byte

// SampleConfig returns a copy of a FortiOS 7.2.10 backup of an FG100F
// with addresses, services, a VIP, an IPsec tunnel and ten policies.
func SampleConfig() []byte { return bytes.Clone(sample72) }

// Options configures a Device. The zero value is a FortiGate 100F running
// v7.2.10 build 1706 with SampleConfig and the token "emu-token".
type Options struct {
	Version string // "v7.2.10"; with or without the "v"
	Build   int    // 1706
	Model   string // "FG100F"
	Serial  string // "FG100FTK22000001"
	Token   string // the REST API admin's token; "emu-token"
	Config  []byte // the configuration the backup returns; SampleConfig
}

// Hits are the counters of one policy as the monitor API reports them.
// Zero times mean "never".
type Hits struct {
	Hits           int64
	Bytes          int64
	Packets        int64
	ActiveSessions int64
	FirstUsed      time.Time
	LastUsed       time.Time
}

// Request is one request the Device answered, for tests that check how
// the client called it.
type Request struct {
	Method string
	Path   string
	Query  string // raw query with any access_token value replaced by "x"
	Auth   string // "bearer", "query" or "" (none or wrong)
	Status int
}

// Device is an emulated FortiGate. Create it with New.
type Device struct {
	mu       sync.Mutex
	version  string // "v7.2.10"
	build    int
	model    string
	serial   string
	token    string
	config   []byte
	truncate int // >= 0: cut the next export after that many bytes
	hits     map[string]Hits
	log      []Request
}

// New returns a Device; see Options for the defaults.
func New(opts Options) *Device {
	d := &Device{
		version:  normVersion(opts.Version),
		build:    opts.Build,
		model:    opts.Model,
		serial:   opts.Serial,
		token:    opts.Token,
		config:   bytes.Clone(opts.Config),
		truncate: -1,
		hits:     make(map[string]Hits),
	}
	if opts.Version == "" {
		d.version = "v7.2.10"
	}
	if d.build == 0 {
		d.build = 1706
	}
	if d.model == "" {
		d.model = "FG100F"
	}
	if d.serial == "" {
		d.serial = "FG100FTK22000001"
	}
	if d.token == "" {
		d.token = "emu-token"
	}
	if d.config == nil {
		d.config = SampleConfig()
	}
	return d
}

// Token returns the API token the Device accepts.
func (d *Device) Token() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.token
}

// Version returns the firmware version, "v7.2.10".
func (d *Device) Version() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.version
}

// SetConfig replaces the configuration. The text is stored as given; it
// need not be valid.
func (d *Device) SetConfig(text []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.config = bytes.Clone(text)
}

// Config returns the stored configuration as it was set or upgraded,
// without the per-export re-encryption.
func (d *Device) Config() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return bytes.Clone(d.config)
}

// Upgrade emulates a firmware upgrade to version ("7.6.0", "v7.6.0" or
// "v7.6.0 build3401"; without a build the old one is kept). It rewrites
// the "#config-version=" and "#buildno=" header lines and, if
// wipeRuleset, empties every "config firewall policy" table — what a
// vendor-recommended upgrade once did, silently, to a customer's ruleset.
func (d *Device) Upgrade(version string, wipeRuleset bool) {
	v, b, _ := strings.Cut(strings.TrimSpace(version), " ")
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version = normVersion(v)
	if n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(b), "build")); err == nil && n > 0 {
		d.build = n
	}
	d.config = rewriteHeader(d.config, strings.TrimPrefix(d.version, "v"), d.build)
	if wipeRuleset {
		d.config = wipePolicies(d.config)
	}
}

// Truncate makes the next backup export stop after n bytes, with a
// well-formed HTTP response, as when a device aborts an export midway.
// Later exports are whole again.
func (d *Device) Truncate(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.truncate = max(n, 0)
}

// SetHits sets the counters of a policy in a VDOM ("" means "root").
// Policies of the config without counters report zeros.
func (d *Device) SetHits(vdom string, policyID int, h Hits) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hits[hitKey(vdom, policyID)] = h
}

// Requests returns the requests answered so far, oldest first.
func (d *Device) Requests() []Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Request(nil), d.log...)
}

func hitKey(vdom string, id int) string {
	if vdom == "" {
		vdom = "root"
	}
	return vdom + "/" + strconv.Itoa(id)
}

// normVersion returns "vX.Y.Z".
func normVersion(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

// atLeast76 reports whether the version has the POST-only backup API.
func atLeast76(version string) bool {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	maj, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return maj > 7 || maj == 7 && minor >= 6
}

const (
	pathStatus = "/api/v2/monitor/system/status"
	pathBackup = "/api/v2/monitor/system/config/backup"
	pathHits   = "/api/v2/monitor/firewall/policy/select"
)

// ServeHTTP answers one REST API request.
func (d *Device) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	auth := d.authenticate(r)
	defer func() {
		q := r.URL.Query()
		if q.Has("access_token") {
			q.Set("access_token", "x")
		}
		d.mu.Lock()
		d.log = append(d.log, Request{Method: r.Method, Path: r.URL.Path, Query: q.Encode(), Auth: auth, Status: rec.status})
		d.mu.Unlock()
	}()
	if auth == "" {
		// FortiOS answers a missing or wrong token with a bare 401.
		writeJSON(rec, http.StatusUnauthorized, map[string]any{
			"http_method": r.Method, "status": "error", "http_status": 401,
		})
		return
	}
	vdom := r.URL.Query().Get("vdom")
	if vdom != "" && !d.hasVDOM(vdom) {
		d.writeError(rec, r, http.StatusNotFound, -3, vdom)
		return
	}
	switch r.URL.Path {
	case pathStatus:
		if r.Method != http.MethodGet {
			d.writeError(rec, r, http.StatusMethodNotAllowed, 0, vdom)
			return
		}
		d.status(rec, r, vdom)
	case pathBackup:
		d.backup(rec, r, vdom)
	case pathHits:
		if r.Method != http.MethodGet {
			d.writeError(rec, r, http.StatusMethodNotAllowed, 0, vdom)
			return
		}
		d.policyHits(rec, r, vdom)
	default:
		d.writeError(rec, r, http.StatusNotFound, 0, vdom)
	}
}

var _ http.Handler = (*Device)(nil)

// authenticate returns how the request carried a valid token.
func (d *Device) authenticate(r *http.Request) string {
	tok := d.Token()
	if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && h == tok {
		return "bearer"
	}
	if r.URL.Query().Get("access_token") == tok {
		return "query"
	}
	return ""
}

// envelope returns the fields FortiOS puts around every monitor answer.
func (d *Device) envelope(r *http.Request, path, name, vdom string) map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	if vdom == "" {
		vdom = "root"
	}
	return map[string]any{
		"http_method": r.Method, "vdom": vdom, "path": path, "name": name, "action": "",
		"status": "success", "serial": d.serial, "version": d.version, "build": d.build,
	}
}

func (d *Device) writeError(w http.ResponseWriter, r *http.Request, status, code int, vdom string) {
	env := d.envelope(r, "", "", vdom)
	env["status"] = "error"
	env["http_status"] = status
	if code != 0 {
		env["error"] = code
	}
	writeJSON(w, status, env)
}

func (d *Device) status(w http.ResponseWriter, r *http.Request, vdom string) {
	env := d.envelope(r, "system", "status", vdom)
	d.mu.Lock()
	env["results"] = map[string]any{
		"model_name":   "FortiGate",
		"model_number": strings.TrimPrefix(d.model, "FG"),
		"model":        d.model,
		"hostname":     hostname(d.config),
	}
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, env)
}

func (d *Device) backup(w http.ResponseWriter, r *http.Request, vdom string) {
	post := atLeast76(d.Version())
	var scope string
	switch {
	case r.Method == http.MethodGet && !post:
		scope = r.URL.Query().Get("scope")
	case r.Method == http.MethodPost && post:
		var body struct {
			Scope string `json:"scope"`
			VDOM  string `json:"vdom"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
			d.writeError(w, r, http.StatusBadRequest, -1, vdom)
			return
		}
		scope = body.Scope
	default:
		d.writeError(w, r, http.StatusMethodNotAllowed, 0, vdom)
		return
	}
	if scope != "global" && scope != "vdom" {
		d.writeError(w, r, http.StatusBadRequest, -651, vdom)
		return
	}
	// A scope=vdom export of a real device holds only that VDOM; the
	// emulator returns the whole configuration.
	d.mu.Lock()
	data := reencrypt(d.config)
	if d.truncate >= 0 {
		data = data[:min(d.truncate, len(data))]
		d.truncate = -1
	}
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="backup.conf"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func (d *Device) policyHits(w http.ResponseWriter, r *http.Request, vdom string) {
	if vdom == "" {
		vdom = "root"
	}
	env := d.envelope(r, "firewall", "policy", vdom)
	d.mu.Lock()
	ids := policyIDs(d.config, vdom)
	prefix := vdom + "/"
	for k := range d.hits {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			if id, err := strconv.Atoi(rest); err == nil && !containsInt(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	sort.Ints(ids)
	results := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		h := d.hits[hitKey(vdom, id)]
		results = append(results, map[string]any{
			"policyid": id, "active_sessions": h.ActiveSessions,
			"bytes": h.Bytes, "packets": h.Packets,
			"software_bytes": h.Bytes, "software_packets": h.Packets,
			"asic_bytes": 0, "asic_packets": 0,
			"hit_count": h.Hits, "session_count": h.Hits,
			"first_used": unixOrZero(h.FirstUsed), "last_used": unixOrZero(h.LastUsed),
		})
	}
	d.mu.Unlock()
	env["results"] = results
	writeJSON(w, http.StatusOK, env)
}

func (d *Device) hasVDOM(vdom string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, err := devconfig.ParseFortiOS(d.config)
	if err != nil || !c.IsMultiVDOM() {
		return vdom == "root"
	}
	for _, v := range c.VDOMs() {
		if v == vdom {
			return true
		}
	}
	return false
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		// The values are built here from plain types; a failure is a bug.
		panic(fmt.Sprintf("fortiemu: encode response: %v", err))
	}
}

// statusRecorder remembers the status code for Requests.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
