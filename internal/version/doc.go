// Package version orders software version strings the way the system that
// issued them does, so that "installed version < fixed version" can be
// decided for an asset:
//
//   - [CompareDeb]: Debian package versions (dpkg; Debian Policy §5.6.12),
//     used for Debian and Ubuntu packages and their backported fixes
//     ("2.4.62-1~deb12u2").
//   - [CompareRPM]: RPM EVRs (rpmvercmp as in rpm ≥ 4.15, with "~" and
//     "^"), used for RHEL, Rocky, Alma, Fedora, SUSE, Amazon Linux.
//   - [CompareGeneric]: upstream and NVD versions with no packaging
//     system of their own ("2.4.49", "1.0.0-rc1", "9.16(4)", "1.1.1k").
//
// All comparators return -1, 0 or +1 and are total preorders: antisymmetric
// and transitive, with compare(a, a) == 0. Two different strings may compare
// equal ("1.0" and "1.00"). They never panic, allocate little and are safe
// for concurrent use.
package version
