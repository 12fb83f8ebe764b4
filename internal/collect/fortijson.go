package collect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// fortiStatus is what /api/v2/monitor/system/status says about a device.
type fortiStatus struct {
	Version             string // "v7.2.10"
	Major, Minor, Patch int
	Build               int64
	Serial              string
	Model               string // "FG100F"
	Hostname            string
}

// firmware is the Pull.Firmware text, "v7.2.10 build1706".
func (s fortiStatus) firmware() string {
	if s.Build > 0 {
		return s.Version + " build" + strconv.FormatInt(s.Build, 10)
	}
	return s.Version
}

// atLeast reports whether the version is major.minor or later.
func (s fortiStatus) atLeast(major, minor int) bool {
	return s.Major > major || s.Major == major && s.Minor >= minor
}

// fortiEnvelope holds the fields FortiOS puts around every REST answer:
// {"http_method":"GET","results":…,"vdom":"root","path":"system",
// "name":"status","status":"success","serial":"FGT60F…",
// "version":"v7.2.10","build":1706}.
type fortiEnvelope struct {
	Status     string          `json:"status"`
	HTTPStatus flexInt         `json:"http_status"`
	Error      flexInt         `json:"error"`
	VDOM       string          `json:"vdom"`
	Serial     string          `json:"serial"`
	Version    string          `json:"version"`
	Build      flexInt         `json:"build"`
	Results    json.RawMessage `json:"results"`
}

// check returns an error for a "status":"error" envelope.
func (e *fortiEnvelope) check() error {
	if e.Status == "" || e.Status == "success" {
		return nil
	}
	return fmt.Errorf("device answered status %q (http_status %d, error %d)", e.Status, e.HTTPStatus, e.Error)
}

// parseStatus decodes a system status answer. The version is required.
func parseStatus(data []byte) (fortiStatus, error) {
	var env fortiEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return fortiStatus{}, fmt.Errorf("decode status: %w", err)
	}
	if err := env.check(); err != nil {
		return fortiStatus{}, err
	}
	s := fortiStatus{Version: env.Version, Build: int64(env.Build), Serial: env.Serial}
	var ok bool
	if s.Major, s.Minor, s.Patch, ok = parseFortiVersion(env.Version); !ok {
		return fortiStatus{}, fmt.Errorf("status: version %q is not vX.Y.Z", truncateText(env.Version, 40))
	}
	if len(env.Results) > 0 && env.Results[0] == '{' {
		var r struct {
			Model    string `json:"model"`
			Hostname string `json:"hostname"`
		}
		if err := json.Unmarshal(env.Results, &r); err == nil {
			s.Model, s.Hostname = r.Model, r.Hostname
		}
	}
	return s, nil
}

// parseFortiVersion reads "v7.6.0" or "7.6.0" (also "v7.6"), ignoring a
// suffix after the numbers ("v7.4.3,build2573", "v7.6.0-beta").
func parseFortiVersion(v string) (major, minor, patch int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	end := 0
	for end < len(v) && (v[end] >= '0' && v[end] <= '9' || v[end] == '.') {
		end++
	}
	parts := strings.Split(v[:end], ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	nums := [3]int{}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n > 1<<16 {
			return 0, 0, 0, false
		}
		nums[i] = n
	}
	return nums[0], nums[1], nums[2], true
}

// hitsEntry is one element of the policy/select "results" array.
type hitsEntry struct {
	PolicyID       flexID  `json:"policyid"`
	HitCount       flexInt `json:"hit_count"`
	Bytes          flexInt `json:"bytes"`
	Packets        flexInt `json:"packets"`
	ActiveSessions flexInt `json:"active_sessions"`
	FirstUsed      flexInt `json:"first_used"` // unix seconds; 0 or absent: never
	LastUsed       flexInt `json:"last_used"`
}

// parseHits decodes /api/v2/monitor/firewall/policy/select. The answer
// is one envelope, or an array of them (one per VDOM) when vdom=* was
// asked for.
func parseHits(data []byte, vdom string) ([]PolicyHit, error) {
	data = bytes.TrimSpace(data)
	var envs []fortiEnvelope
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &envs); err != nil {
			return nil, fmt.Errorf("decode policy counters: %w", err)
		}
	} else {
		var env fortiEnvelope
		if err := json.Unmarshal(data, &env); err != nil {
			return nil, fmt.Errorf("decode policy counters: %w", err)
		}
		envs = append(envs, env)
	}
	var out []PolicyHit
	for _, env := range envs {
		if err := env.check(); err != nil {
			return nil, err
		}
		var entries []hitsEntry
		if len(env.Results) > 0 && !bytes.Equal(env.Results, []byte("null")) {
			if err := json.Unmarshal(env.Results, &entries); err != nil {
				return nil, fmt.Errorf("decode policy counters: results: %w", err)
			}
		}
		v := env.VDOM
		if v == "" {
			v = vdom
		}
		for i, e := range entries {
			if e.PolicyID == "" {
				return nil, fmt.Errorf("decode policy counters: results[%d]: no policyid", i)
			}
			out = append(out, PolicyHit{
				VDOM:           v,
				PolicyID:       string(e.PolicyID),
				Hits:           int64(e.HitCount),
				Bytes:          int64(e.Bytes),
				Packets:        int64(e.Packets),
				ActiveSessions: int64(e.ActiveSessions),
				FirstUsed:      unixTime(int64(e.FirstUsed)),
				LastUsed:       unixTime(int64(e.LastUsed)),
			})
		}
	}
	return out, nil
}

// unixTime maps FortiOS's "0 = never" to the zero time.
func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// flexInt decodes a JSON integer that a device may also send as a
// string, a float with an integral value, or null (0). Out-of-range
// values are errors, not silent wrap-arounds.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*f = 0
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = strings.TrimSpace(str)
		if s == "" {
			*f = 0
			return nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) ||
		x >= math.MaxInt64 || x < math.MinInt64 {
		return fmt.Errorf("not an integer: %s", truncateText(s, 40))
	}
	*f = flexInt(x)
	return nil
}

// flexID decodes an ID sent as a JSON number or string into its text.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
	case bytes.Equal(b, []byte("null")):
		*f = ""
	default:
		var n flexInt
		if err := n.UnmarshalJSON(b); err != nil {
			return errors.New("policyid: not a number or string")
		}
		*f = flexID(strconv.FormatInt(int64(n), 10))
	}
	return nil
}

// truncateText shortens device-provided text quoted in an error.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
