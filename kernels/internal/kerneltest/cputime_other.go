//go:build !unix

package kerneltest

// CPUSeconds returns 0: the process CPU time is read only on Unix.
func CPUSeconds() float64 { return 0 }
