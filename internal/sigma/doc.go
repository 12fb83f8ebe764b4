// Package sigma is Sekimori's Sigma engine: it loads Sigma rules (detection
// rules, correlation rules and filters, specification v2), validates them
// with file:line:column reasons, and evaluates them against events as they
// arrive.
//
// # Use
//
//	set := sigma.NewRuleSet()
//	set.AddPath("rules/")                    // *.yml and *.yaml, recursively
//	for _, e := range set.Refused() { ... }  // never silently skipped
//	eng, refused := sigma.NewEngine(set, sigma.Options{Placeholders: ph})
//	rules := eng.Match(ls, ev, nil)          // stateless, concurrent
//	c := eng.NewCorrelator()                 // correlation state, one per stream
//	dets := c.Process(ls, ev, t, ref, nil)   // detections to report
//	state, _ := c.MarshalState()             // survives a restart
//
// Events are read through the small Event interface; Fields adapts an
// event.Event, JSONEvent a JSON object.
//
// # Log sources and field names
//
// The caller says which log source an event comes from. A rule applies
// when every part of its logsource (product, category, service) equals the
// event's; AnyLogSource applies every rule (the events file of "rules
// match" without --logsource). Rules are compiled once per distinct event
// log source, with their field names passed through a FieldMapper, which
// may give several candidate event fields (the first present is used).
// DefaultFieldMap is a small example mapping the Sigma firewall taxonomy
// to the ECS core; the full taxonomy mapping is a table to fill in.
//
// # Matching
//
// Values match case-insensitively unless cased, with * and ? wildcards and
// the backslash escapes of the specification. A multi-valued field (a JSON
// array) matches when one of its values does; neq needs the field present
// with no value equal. field: null matches a missing field or a JSON null;
// exists sees JSON nulls as present. Keyword (field-less) values match when
// any field value contains them (the raw line is the field _msg for
// Fields). windash matches any of - / – — ― at each dash position instead
// of listing permutations. re uses Go's RE2, which covers the flavour the
// specification defines; the constructs it lists as unsupported are
// refused. expand needs the placeholder values in Options; a rule whose
// placeholders are missing is refused by NewEngine, as the specification
// requires. The time modifiers (minute ... year) read RFC 3339 and
// "2006-01-02 15:04:05" timestamps.
//
// # Speed
//
// An index keeps most rules from being tried: for each rule it derives
// literals one of which must occur in a given field (from plain values,
// wildcard patterns and regular expressions), choosing the most selective
// branch of every "and"; exact values go into hash maps, substrings into
// one Aho-Corasick automaton per field. One pass over the event's fields
// feeds the index and collects field values; only the rules it marks are
// evaluated. Matching allocates nothing per event.
//
// # Correlations
//
// event_count, value_count, temporal, temporal_ordered, value_sum,
// value_avg, value_min, value_max, value_median and value_percentile
// (which takes condition.percentile, 0-100, the percentile the comparison
// applies to), with group-by, timespan, aliases, generate, extended
// temporal conditions ("a and (b or c)") and chains of correlations.
// Conditions that can only grow towards being met (gt/gte on counts,
// sums and maxima, lt/lte on minima, temporal without "not") use a sliding
// window and fire as soon as they hold, then start afresh; the others
// (lt/lte/eq on counts, averages, medians, percentiles) are decided when
// a window that starts at its first event ends (Flush, or FlushAll at the
// end of the input). Matches of rules referenced by a correlation are
// reported only when a correlation over them says generate: true. The
// memory bound is CorrelationLimits'.
//
// # Filters
//
// A filter (filter: with rules and a condition such as "not selection")
// applies to the rules it names (or "any"), when its logsource covers the
// rule's: the rule matches only when its condition and every applying
// filter's condition hold.
//
// # Legacy documents
//
// Several documents per file are supported, including the legacy
// "action: global", "reset" and "repeat"; the pipe aggregations and
// "near" of Sigma v1 are refused with a pointer to correlation rules.
package sigma
