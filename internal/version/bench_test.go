package version_test

import (
	"testing"

	"github.com/sekimori/sekimori/internal/version"
)

// Triage compares every installed package with every fixed version an
// advisory names, so the comparators sit on a hot path.

func BenchmarkCompareDeb(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = version.CompareDeb("1:2.4.62-1~deb12u2", "1:2.4.62-1~deb12u1")
	}
}

func BenchmarkCompareRPM(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = version.CompareRPM("2.4.37-43.module+el8.5.0+13806+b30d9eec", "2.4.37-43.module+el8.5.0+14079+5a7b3d2e")
	}
}

func BenchmarkCompareGeneric(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = version.CompareGeneric("2.0.0-beta9", "2.15.0")
	}
}
