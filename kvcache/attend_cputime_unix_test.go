//go:build unix

package kvcache

import "syscall"

// cpuSeconds returns the CPU time (user + system) this process has used: on
// a shared machine the benchmarks report work per CPU second, as wall-clock
// time also counts other processes' time slices.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
