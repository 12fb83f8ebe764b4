// Package cpe parses Common Platform Enumeration names and matches them,
// following the CPE 2.3 specifications: Naming (NISTIR 7695) for the
// well-formed name (WFN) and its two bindings, and Name Matching
// (NISTIR 7696) for comparing names.
//
// Two bindings are read:
//
//	formatted string (2.3)  cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*
//	URI (2.2, as nmap)      cpe:/a:apache:http_server:2.4.49
//
// Both become a [WFN]: eleven attributes, each ANY ("*", also a missing or
// empty URI component), NA ("-") or a value. Values are case-folded to lower
// case, as CPE names are case-insensitive. [Match] decides whether a
// pattern (such as an NVD match criterion) covers a name (such as one nmap
// reported for a service).
//
// The package has no state; everything in it is safe for concurrent use.
package cpe
