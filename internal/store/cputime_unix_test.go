//go:build unix

package store_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) this process has used,
// which on a busy machine says more about a benchmark's cost than the time
// it took.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
