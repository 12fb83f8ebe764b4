package collect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// FortiOS REST paths.
const (
	fortiStatusPath  = "/api/v2/monitor/system/status"
	fortiBackupPath  = "/api/v2/monitor/system/config/backup"
	fortiHitsPath    = "/api/v2/monitor/firewall/policy/select"
	fortiHitsOldPath = "/api/v2/monitor/firewall/policy"
)

// fortiClient is one pull's HTTPS connection to a FortiGate.
type fortiClient struct {
	t      Target
	http   *http.Client
	peerFP string // SHA-256 of the leaf certificate seen, hex
}

func newFortiClient(t Target) (*fortiClient, error) {
	c := &fortiClient{t: t}
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	c.http = &http.Client{
		Transport: &http.Transport{
			// No proxy: devices sit on management networks, and a proxy
			// from the environment would see the token.
			Proxy:             nil,
			DialContext:       (&net.Dialer{}).DialContext,
			TLSClientConfig:   tc,
			ForceAttemptHTTP2: false,
		},
		// A redirect would send the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

func (c *fortiClient) close() { c.http.CloseIdleConnections() }

// tlsConfig builds the verification the Target asks for: a pinned
// fingerprint, a CA file, insecure, or the system roots.
func (c *fortiClient) tlsConfig() (*tls.Config, error) {
	host, _, _ := net.SplitHostPort(c.t.Address)
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	record := func(cs tls.ConnectionState) {
		if len(cs.PeerCertificates) > 0 {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			c.peerFP = hex.EncodeToString(sum[:])
		}
	}
	switch {
	case c.t.TLSFingerprintSHA256 != "":
		want, err := parseHexFingerprint(c.t.TLSFingerprintSHA256)
		if err != nil {
			return nil, stepError(StepTarget, c.t.Address, err)
		}
		tc.InsecureSkipVerify = true // replaced by the pin below
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			record(cs)
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("%w: no certificate", ErrCertificate)
			}
			if got := sha256.Sum256(cs.PeerCertificates[0].Raw); !bytes.Equal(got[:], want) {
				return fmt.Errorf("%w: fingerprint %x does not match the pinned one", ErrCertificate, got)
			}
			return nil
		}
		return tc, nil
	case c.t.CAFile != "":
		pem, err := os.ReadFile(c.t.CAFile)
		if err != nil {
			return nil, stepError(StepTarget, c.t.Address, fmt.Errorf("read CA file: %w", err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, stepError(StepTarget, c.t.Address, fmt.Errorf("CA file %s: no PEM certificate", c.t.CAFile))
		}
		tc.RootCAs = pool
	case c.t.Insecure:
		tc.InsecureSkipVerify = true
	}
	tc.VerifyConnection = func(cs tls.ConnectionState) error { record(cs); return nil }
	return tc, nil
}

// parseHexFingerprint reads "AB:CD:…" or "abcd…" (64 hex digits).
func parseHexFingerprint(s string) ([]byte, error) {
	h := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimPrefix(strings.TrimSpace(s), "sha256:")))
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return nil, errors.New("tls fingerprint: want 64 hex digits of a SHA-256 (colons allowed)")
	}
	return b, nil
}

// do sends one request and returns the body of a 2xx answer, read up to
// MaxBytes. Errors name the step.
func (c *fortiClient) do(ctx context.Context, step, method, path string, query url.Values, body []byte) ([]byte, int, error) {
	u := url.URL{Scheme: "https", Host: c.t.Address, Path: path, RawQuery: query.Encode()}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, 0, stepError(step, c.t.Address, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.t.Token)
	req.Header.Set("Accept", "application/json, */*")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, c.transportError(step, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		// The body is not quoted: a device may echo what it was sent.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, resp.StatusCode, stepError(StepAuth, c.t.Address,
			fmt.Errorf("%w: HTTP %d from %s %s (token wrong, expired, or the source address is not a trusted host)", ErrAuth, resp.StatusCode, method, path))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		msg := fortiErrorDetail(resp.Body)
		return nil, resp.StatusCode, stepError(step, c.t.Address, fmt.Errorf("HTTP %d from %s %s%s", resp.StatusCode, method, path, msg))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.t.MaxBytes+1))
	if err != nil {
		return data, resp.StatusCode, stepError(step, c.t.Address, fmt.Errorf("read answer of %s %s after %d bytes: %w", method, path, len(data), err))
	}
	if int64(len(data)) > c.t.MaxBytes {
		return nil, resp.StatusCode, stepError(step, c.t.Address, fmt.Errorf("%w: %s %s answered more than %d bytes", ErrTooLarge, method, path, c.t.MaxBytes))
	}
	return data, resp.StatusCode, nil
}

// transportError classifies a failed round trip: certificate and dial
// failures are the connect step, the rest belong to the request's step.
func (c *fortiClient) transportError(step string, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // the URL holds no secret, but says nothing new either
	}
	var certErr *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var opErr *net.OpError
	switch {
	case errors.Is(err, ErrCertificate):
		return stepError(StepConnect, c.t.Address, err)
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr):
		return stepError(StepConnect, c.t.Address, fmt.Errorf("%w: %w", ErrCertificate, err))
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return stepError(StepConnect, c.t.Address, err)
	}
	return stepError(step, c.t.Address, err)
}

// fortiErrorDetail returns ", error N" from a FortiOS JSON error body, or "".
func fortiErrorDetail(r io.Reader) string {
	var env fortiEnvelope
	if err := json.NewDecoder(io.LimitReader(r, 1<<16)).Decode(&env); err != nil || env.Error == 0 {
		return ""
	}
	return fmt.Sprintf(" (FortiOS error %d)", env.Error)
}

// status reads the firmware version.
func (c *fortiClient) status(ctx context.Context) (fortiStatus, error) {
	data, _, err := c.do(ctx, StepVersion, http.MethodGet, fortiStatusPath, nil, nil)
	if err != nil {
		return fortiStatus{}, err
	}
	s, err := parseStatus(data)
	if err != nil {
		return fortiStatus{}, stepError(StepVersion, c.t.Address, err)
	}
	return s, nil
}

// pullAPI downloads a FortiOS backup over the REST API.
func pullAPI(ctx context.Context, t Target, p *Pull) error {
	c, err := newFortiClient(t)
	if err != nil {
		return err
	}
	defer c.close()
	st, err := c.status(ctx)
	if err != nil {
		return err
	}
	p.Firmware = st.firmware()
	p.TLSFingerprintSHA256 = c.peerFP

	// From 7.6 the backup is POST only; before, GET only. A device that
	// says otherwise (405, or 404 from a build that moved it) gets the
	// other form once.
	post := st.atLeast(7, 6)
	data, status, err := c.backup(ctx, post)
	if err != nil && (status == http.StatusMethodNotAllowed || status == http.StatusNotFound) {
		data, _, err = c.backup(ctx, !post)
	}
	if err != nil {
		return err
	}
	if looksLikeJSONError(data) {
		return stepError(StepDownload, t.Address, errors.New("the backup answer is a JSON error, not a configuration"))
	}
	p.Data = data
	return nil
}

// backup sends GET ?scope=… or POST {"scope":…}.
func (c *fortiClient) backup(ctx context.Context, post bool) ([]byte, int, error) {
	q := url.Values{}
	scope := map[string]string{"scope": "global"}
	if c.t.VDOM != "" {
		q.Set("vdom", c.t.VDOM)
		scope = map[string]string{"scope": "vdom", "vdom": c.t.VDOM}
	}
	if !post {
		for k, v := range scope {
			q.Set(k, v)
		}
		return c.do(ctx, StepDownload, http.MethodGet, fortiBackupPath, q, nil)
	}
	body, err := json.Marshal(scope)
	if err != nil {
		return nil, 0, stepError(StepDownload, c.t.Address, err)
	}
	return c.do(ctx, StepDownload, http.MethodPost, fortiBackupPath, q, body)
}

// looksLikeJSONError catches a 200 answer that carries an error envelope
// instead of a configuration.
func looksLikeJSONError(data []byte) bool {
	d := bytes.TrimSpace(data)
	if len(d) == 0 || d[0] != '{' || len(d) > 1<<16 {
		return false
	}
	var env fortiEnvelope
	return json.Unmarshal(d, &env) == nil && env.Status != "" && env.Status != "success"
}

// fetchHits reads the policy counters.
func fetchHits(ctx context.Context, t Target) ([]PolicyHit, error) {
	c, err := newFortiClient(t)
	if err != nil {
		return nil, err
	}
	defer c.close()
	q := url.Values{}
	if t.VDOM != "" {
		q.Set("vdom", t.VDOM)
	}
	data, status, err := c.do(ctx, StepHits, http.MethodGet, fortiHitsPath, q, nil)
	if status == http.StatusNotFound {
		// FortiOS before 6.4 has the counters at the path without /select.
		data, _, err = c.do(ctx, StepHits, http.MethodGet, fortiHitsOldPath, q, nil)
	}
	if err != nil {
		return nil, err
	}
	hits, err := parseHits(data, t.VDOM)
	if err != nil {
		return nil, stepError(StepHits, t.Address, err)
	}
	return hits, nil
}
