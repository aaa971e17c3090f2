//go:build !amd64 || purego

package kernels

func detectCPU() cpuFeatures { return cpuFeatures{} }

// pause is the spin-wait hint; portable builds spin on the loads alone.
func pause() {}
