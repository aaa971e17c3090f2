package kernels

// cpuFeatures records the x86 SIMD extensions that both the processor and the
// operating system support (the OS must save the wider register state, which
// XGETBV reports). On other architectures every field is false.
type cpuFeatures struct {
	AVX2    bool // AVX2 + FMA3 + F16C, with YMM state enabled by the OS
	AVX512F bool // AVX-512 Foundation, with opmask/ZMM state enabled by the OS
}

// cpu is detected once at package initialisation.
var cpu = detectCPU()
