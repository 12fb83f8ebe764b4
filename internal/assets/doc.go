// Package assets holds a tenant's inventory records — hosts, the software
// on them and their open ports — and the parsers that import them:
//
//   - [ParseHostsCSV]: the hosts sheet customers keep (one row per host).
//   - [ParseSBOM]: a CycloneDX 1.4–1.6 or SPDX 2.3 JSON SBOM of one asset.
//   - [ParseNmapXML]: an nmap XML report (nmap -sV -O -oX).
//
// The records are what relevance triage compares alerts against: an exploit
// for a product the host does not run, or a version it has already been
// patched past (distro backports included), is noise. So the parsers
// normalise what triage keys on — product names, purl ecosystems, distro
// releases ([NormalizeDistro]), source packages — and keep what the source
// said next to it.
//
// Parsers are pure functions of their input: no I/O beyond the reader given,
// no clock, no shared state; they are safe for concurrent use. Bad input is
// reported, never a panic: a file that cannot be imported as a whole is an
// error naming where and why; a single oddity inside an otherwise good SBOM
// (an unparsable purl) is kept and listed in [SBOM.Warnings].
package assets
