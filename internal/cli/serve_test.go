package cli

import (
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

func TestMemoryAvailable(t *testing.T) {
	meminfo := "MemTotal:       24576000 kB\nMemFree:        20000000 kB\n"
	tests := []struct {
		name, meminfo, cgroup string
		want                  int64
	}{
		{"machine", meminfo, "", 24576000 << 10},
		{"cgroup unlimited", meminfo, "max\n", 24576000 << 10},
		{"cgroup limit", meminfo, "2147483648\n", 2 << 30},
		{"neither", "", "", 0},
		{"bad meminfo", "MemTotal: lots kB\n", "", 0},
	}
	for _, tt := range tests {
		if got := memoryAvailable(tt.meminfo, tt.cgroup); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestTuneGC(t *testing.T) {
	restorePercent, restoreLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	defer func() {
		debug.SetGCPercent(restorePercent)
		debug.SetMemoryLimit(restoreLimit)
	}()
	log := slog.New(slog.DiscardHandler)

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tuneGC(log)
	if got := debug.SetGCPercent(100); got != 200 {
		t.Errorf("GOGC unset: gc percent %d, want 200", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got == math.MaxInt64 {
		t.Errorf("GOMEMLIMIT unset: no memory limit set")
	}

	t.Setenv("GOGC", "50")
	t.Setenv("GOMEMLIMIT", "1GiB")
	tuneGC(log)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: gc percent changed to %d", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: memory limit changed to %d", got)
	}
}
