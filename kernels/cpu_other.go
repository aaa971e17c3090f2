//go:build !amd64 || purego

package kernels

func detectCPU() cpuFeatures { return cpuFeatures{} }
