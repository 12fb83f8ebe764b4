//go:build unix

package sigma

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time used by the process so far: benchmarks report
// events per CPU-second, which stays meaningful on a busy machine where
// wall-clock rates do not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
