// Package vulndb parses vulnerability and signature knowledge files into
// plain Go values, for relevance triage: deciding whether the product an
// IPS/IDS/Sigma alert targets is present, in a vulnerable version, on the
// host it targets.
//
// The package only reads knowledge. It does not store it, fetch it, compare
// versions or match CPE names; those belong to the state database, the CLI
// and the version and cpe packages.
//
// # Use
//
//	b, err := vulndb.Import(name, data) // kind detected from content, gzip undone
//	if err != nil { ... }               // unknown or broken file: nothing imported
//	for _, r := range b.Skipped { ... } // malformed records left out, with reasons
//
// Import accepts these kinds of file (see the Kind constants):
//
//   - nvd: an NVD CVE API 2.0 response, a single CVE object (bare or as
//     {"cve": ...}), a JSON array of either, or NDJSON of either;
//   - kev: the CISA Known Exploited Vulnerabilities catalog (JSON);
//   - epss: FIRST's daily EPSS CSV;
//   - debian: the Debian security tracker's JSON dump;
//   - redhat-csaf: a Red Hat CSAF 2.0 VEX document (one CVE per file);
//   - suricata: Suricata/Snort rule files, commented-out rules included;
//   - sigma: Sigma rules (YAML, one or several documents);
//   - signature-csv: a CSV mapping vendor signatures to CVEs, products and
//     the side (server or client) they target.
//
// Any of them may be gzip-compressed.
//
// # Errors and skipped records
//
// A file that cannot be read as a whole (unknown kind, broken JSON or YAML,
// missing CSV header) is an error naming the file and the reason. A record
// that cannot be read in an otherwise good file is left out and its reason,
// naming the record (CVE id, line number, sid), goes to Bundle.Skipped. A
// file whose every record was left out is an error.
//
// All functions are safe for concurrent use; results are owned by the
// caller and do not share memory with the input.
package vulndb
