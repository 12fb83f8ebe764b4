// Package ruleaudit audits firewall rulesets: it finds the rule that locks
// nothing (internal → Internet, any destination, every service, always,
// accept), other over-broad accepts, accepts that leave no log, disabled,
// shadowed, redundant, partially overlapping and unused rules, and scores a
// device, a tenant and a device's trend across configuration generations.
//
// # Flow
//
// A converter turns one device's configuration into a vendor-neutral
// Ruleset (FromFortiOS for a devconfig tree, FromRTX for a Yamaha RTX
// config). Audit analyses it and returns a Report; Score, TenantScore and
// Trend summarise reports. Converters report what they could not model as
// Problems instead of failing: a configuration that only partly converts
// still gets audited.
//
// # Exact analysis
//
// A rule matches a set of flows in seven dimensions: source and destination
// interface, source and destination address, IP protocol, source port and
// destination port (ICMP types take the destination-port dimension). That
// set is a union of boxes, each box a product of interval lists, one list a
// dimension. Shadowing, redundancy and overlaps are decided with box
// algebra on those sets, without sampling: a test enumerates every flow of
// small random rulesets and compares.
//
// Some rules match less than their addresses and services say: a rule with
// a schedule other than always, a TCP-flag filter ("established"), an
// address that cannot be resolved (FQDN, geography), a VIP with port
// forwarding. The model keeps two sets for each rule: what it may match and
// what it surely matches (empty for a scheduled rule). A rule is reported
// shadowed only when what it may match is surely matched by earlier rules;
// so a scheduled rule never shadows another, and an FQDN address never
// makes a rule look covered. Such rules can still be found shadowed
// themselves.
//
// # Findings
//
//   - unlocked_rule (critical) and overbroad_accept (high, medium, low):
//     see exposure in audit.go for the table;
//   - no_logging, partial_logging: accepts that log nothing, or only
//     what a security profile acted on;
//   - disabled_rule;
//   - shadowed (medium): earlier rules together surely decide all of the
//     rule's traffic and at least one of them with the other action, while
//     the rules of its own action alone do not cover it; the finding names
//     the earlier rules that decide some of it;
//   - redundant (low; info when the rule logs and the default would take
//     over): removing the rule changes no decision. Either earlier rules of
//     the same action already decide all of it (never reached), or the
//     later rules and the default give its traffic the same action with no
//     conflicting rule in between, or it matches nothing at all;
//   - overlap: earlier rules with the other action decide part of the
//     rule's traffic, and are not wholly inside it (a narrow exception
//     before a broad rule is normal and not reported); medium when earlier
//     accepts cut into a deny, low otherwise;
//   - unused: no hits for Options.UnusedDays.
//
// Everything here is pure: no I/O, no logging, no global mutable state; all
// functions may be called from several goroutines at once and only read
// their arguments.
package ruleaudit
