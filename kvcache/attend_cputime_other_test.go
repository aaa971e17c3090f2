//go:build !unix

package kvcache

// cpuSeconds is 0 where getrusage is missing (the cpu metrics then read +Inf).
func cpuSeconds() float64 { return 0 }
