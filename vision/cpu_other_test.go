//go:build !unix

package vision

// cpuSeconds is unknown here.
func cpuSeconds() float64 { return -1 }
