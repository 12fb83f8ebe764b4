package vulndb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Kinds of knowledge file, as reported by Detect and stored in
// Provenance.Kind.
const (
	KindNVD          = "nvd"
	KindKEV          = "kev"
	KindEPSS         = "epss"
	KindDebian       = "debian"
	KindRedHatCSAF   = "redhat-csaf"
	KindSuricata     = "suricata"
	KindSigma        = "sigma"
	KindSignatureCSV = "signature-csv"
)

// Targets of a signature: the side of a connection whose software it
// attacks.
const (
	TargetServer = "server"
	TargetClient = "client"
)

// Distro fix statuses.
const (
	FixStatusFixed        = "fixed"
	FixStatusNotAffected  = "not-affected"
	FixStatusOpen         = "open"
	FixStatusUndetermined = "undetermined"
)

// MaxSkipped is how many reasons Bundle.Skipped keeps; SkippedTotal counts
// them all.
const MaxSkipped = 100

// ErrUnknownKind is returned (wrapped) by Detect and Import for a file that
// is none of the accepted kinds.
var ErrUnknownKind = errors.New("not a known knowledge file (accepted: " +
	"NVD CVE API 2.0 JSON, CISA KEV JSON, EPSS CSV, Debian security tracker JSON, " +
	"Red Hat CSAF VEX JSON, Suricata rules, Sigma YAML, signature CSV " +
	"with header vendor,signature_id,signature_name,cves,affected_products,target; " +
	"optionally gzip-compressed)")

// ErrNoRecords is returned (wrapped) by Import when a file has records but
// every one of them was malformed.
var ErrNoRecords = errors.New("no valid records")

// Provenance says where a bundle came from.
type Provenance struct {
	Kind    string    // one of the Kind constants
	Source  string    // the file name given to Import, as given
	Date    time.Time // the feed's own date (NVD timestamp, KEV dateReleased, EPSS score_date, CSAF current_release_date); zero if it has none
	SHA256  string    // hex SHA-256 of the file as given (compressed if it was)
	Records int       // records imported (CVEs, KEV entries, EPSS rows, distro fixes, signatures)
}

// CVE is one NVD CVE record.
type CVE struct {
	ID          string // canonical: CVE-YYYY-NNNN
	Published   time.Time
	Modified    time.Time
	Description string  // the English description
	CVSS        float64 // base score, 0 if none; see CVSSVersion
	CVSSVersion string  // "3.1", "3.0", "4.0" or "2.0": preferred in that order, NVD's own (Primary) score first
	CVSSVector  string
	Severity    string // as NVD writes it: CRITICAL, HIGH, MEDIUM, LOW, NONE
	Configs     []Config
	Status      string   // NVD vulnStatus: Analyzed, Modified, Rejected, Awaiting Analysis, ...
	CWEs        []string // CWE-79, NVD-CWE-Other, ...
	// Incomplete is set when a configuration could not be represented and
	// was left out (see Bundle.Skipped): a host matching no Config is then
	// no proof that it is not vulnerable.
	Incomplete bool
}

// Config is one way of being vulnerable: the host has a product matching
// one of Vulnerable and, if Platform is not empty, also one matching one of
// Platform (the "running on/with" part of an NVD configuration).
//
// NVD configurations are flattened like this:
//   - operator OR or absent: one Config per node that has vulnerable
//     matches, with that node's vulnerable matches and no Platform (the
//     node's non-vulnerable matches say nothing and are dropped);
//   - operator AND: Vulnerable holds the vulnerable matches of the first
//     node that has any; Platform holds the matches of every other node.
//     With the usual two nodes this is exact; with three or more, the other
//     nodes' matches are joined into one OR list, a looser condition that
//     errs towards "relevant";
//   - a negated configuration or node, or a node whose own operator is AND
//     over several matches, cannot be represented: the configuration is
//     left out, the reason goes to Bundle.Skipped and CVE.Incomplete is set.
type Config struct {
	Vulnerable []CPEMatch
	Platform   []CPEMatch
}

// CPEMatch is a CPE 2.3 match criterion with an optional version range.
// Criteria is as NVD writes it (formatted-string binding); empty bounds are
// absent.
type CPEMatch struct {
	Criteria              string
	VersionStartIncluding string
	VersionStartExcluding string
	VersionEndIncluding   string
	VersionEndExcluding   string
	MatchCriteriaID       string // NVD's id of the criterion, if given
}

// KEV is one entry of CISA's Known Exploited Vulnerabilities catalog.
type KEV struct {
	CVE            string
	VendorProject  string
	Product        string
	Name           string // vulnerabilityName
	DateAdded      time.Time
	DueDate        time.Time
	Ransomware     bool // knownRansomwareCampaignUse is "Known"
	Description    string
	RequiredAction string
	Notes          string
	CWEs           []string
}

// EPSS is one row of FIRST's Exploit Prediction Scoring System file.
type EPSS struct {
	CVE        string
	Score      float64 // probability of exploitation activity in the next 30 days, 0..1
	Percentile float64 // 0..1
}

// DistroFix is the status of one CVE in one source package of one
// distribution release.
type DistroFix struct {
	Distro       string // "debian:bookworm", "rhel:9", "rhel:9.2:eus"
	Package      string // source package
	CVE          string
	Status       string // one of the FixStatus constants
	FixedVersion string // set when Status is fixed: the first fixed version, in the distro's own syntax (Debian; RPM epoch:version-release)
	Urgency      string // Debian urgency or Red Hat impact, lower case, as given
}

// Signature is what is known about one IDS/IPS signature or detection
// rule: which CVEs and products it targets and on which side.
type Signature struct {
	Vendor    string   // lower case: "suricata", "sigma", "fortigate", ...
	ID        string   // Suricata sid, Sigma id, vendor's signature id
	GID       int      // Suricata generator id (1 unless given); 0 for other vendors
	Rev       int      // Suricata rev, 0 if absent
	Name      string   // Suricata msg, Sigma title, vendor's signature name
	Action    string   // Suricata action (alert, drop, ...); empty for other vendors
	Classtype string   // Suricata classtype
	CVEs      []string // canonical, sorted, without duplicates
	Products  []string // as the source names them (ET affected_product keeps its underscores)
	Target    string   // TargetServer, TargetClient or "" (unknown or both)
	TargetRaw string   // what the source said (ET attack_target values joined by ",", Sigma/CSV target), or the heuristic used
	Enabled   bool     // false for commented-out rules and deprecated Sigma rules
}

// Bundle is everything imported from one file. Only the slices that belong
// to Provenance.Kind are filled.
type Bundle struct {
	Provenance Provenance
	CVEs       []CVE
	KEV        []KEV
	EPSS       []EPSS
	EPSSDate   time.Time // the EPSS score_date
	EPSSModel  string    // the EPSS model_version
	Fixes      []DistroFix
	Signatures []Signature
	// Skipped holds, for the first MaxSkipped records left out, the
	// record and the reason; SkippedTotal counts all of them.
	Skipped      []string
	SkippedTotal int
}

// skip records that a record was left out.
func (b *Bundle) skip(format string, args ...any) {
	b.SkippedTotal++
	if len(b.Skipped) < MaxSkipped {
		b.Skipped = append(b.Skipped, fmt.Sprintf(format, args...))
	}
}

// parseFunc reads one kind of file into b. It returns an error only when
// the file as a whole cannot be read.
type parseFunc func(data []byte, b *Bundle) error

// parsers is the table of kinds Import understands. A map literal rejects
// a duplicate kind at compile time.
var parsers = map[string]parseFunc{
	KindNVD:          parseNVD,
	KindKEV:          parseKEV,
	KindEPSS:         parseEPSS,
	KindDebian:       parseDebian,
	KindRedHatCSAF:   parseCSAF,
	KindSuricata:     parseSuricata,
	KindSigma:        parseSigma,
	KindSignatureCSV: parseSignatureCSV,
}

// Import detects the kind of a knowledge file from its content (name, the
// file's name, serves only as a hint for files with no records, and as
// Provenance.Source), undoes gzip compression, and parses it.
//
// The error names the file; it wraps ErrUnknownKind for a file of no known
// kind and ErrNoRecords for one whose every record was malformed.
func Import(name string, data []byte) (*Bundle, error) {
	sum := sha256.Sum256(data)
	plain, err := decompress(data)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	kind, err := detect(name, plain)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	b := &Bundle{Provenance: Provenance{Kind: kind, Source: name, SHA256: hex.EncodeToString(sum[:])}}
	if err := parsers[kind](plain, b); err != nil {
		return nil, fmt.Errorf("import %s: %s: %w", name, kind, err)
	}
	b.Provenance.Records = len(b.CVEs) + len(b.KEV) + len(b.EPSS) + len(b.Fixes) + len(b.Signatures)
	if b.Provenance.Records == 0 && b.SkippedTotal > 0 {
		return nil, fmt.Errorf("import %s: %s: %w: %d malformed, first: %s",
			name, kind, ErrNoRecords, b.SkippedTotal, b.Skipped[0])
	}
	return b, nil
}
