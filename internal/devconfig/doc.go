// Package devconfig reads, checks and compares network device
// configurations pulled as text backups, so that Sekimori can keep every
// generation of a customer's ruleset and restore any of them.
//
// The flow for one daily pull is:
//
//  1. Validate rejects a pull that is truncated or malformed (a FortiOS
//     backup cut inside an edit, an IOS config without its final "end"),
//     so that a broken file never becomes the latest generation.
//  2. Fingerprint names the generation: two pulls with the same
//     fingerprint are the same configuration even if FortiOS re-encrypted
//     every secret in between. The original bytes are what gets stored.
//  3. Summarize compares the new pull with the previous generation and
//     grades it; a large deletion of policies or objects is critical.
//  4. UnifiedDiff, SemanticDiff and LineDiff explain what changed, and
//     RestoreScript writes the FortiOS CLI that brings a device back to an
//     older generation.
//
// FortiOS backups are parsed into a tree (Config, Block, Entry, Setting)
// that other packages may read; Yamaha RTX and Cisco IOS/ASA configs are
// treated as lines. Everything here is pure: no I/O, no logging, no global
// state, and every function may be called from several goroutines at once.
// Trees returned by ParseFortiOS belong to the caller; functions that take
// a tree only read it.
package devconfig
