//go:build unix

package kerneltest

import "syscall"

// CPUSeconds returns the CPU time (user + system) this process has used. On a
// shared machine it measures the work done, where wall-clock time also counts
// the time slices other processes take.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
