package kernels

// cpuFeatures records the x86 SIMD extensions that both the processor and the
// operating system support (the OS must save the wider register state, which
// XGETBV reports). On other architectures every field is false.
type cpuFeatures struct {
	AVX2       bool // AVX2 + FMA3 + F16C, with YMM state enabled by the OS
	AVX512F    bool // AVX-512 Foundation, with opmask/ZMM state enabled by the OS
	AVX512BW   bool // AVX-512 byte/word instructions (implies AVX512F here)
	AVX512VL   bool // AVX-512 on 128/256-bit registers (implies AVX512F here)
	AVX512VNNI bool // VPDPBUSD and friends on ZMM registers (implies AVX512F here)
	AVXVNNI    bool // VEX-encoded VPDPBUSD on YMM registers (implies AVX2 here)
}

// cpu is detected once at package initialisation.
var cpu = detectCPU()
