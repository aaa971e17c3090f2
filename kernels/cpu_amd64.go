//go:build !purego

package kernels

// cpuid executes CPUID with the given leaf (EAX) and sub-leaf (ECX).
//
//go:noescape
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads extended control register XCR0.
//
//go:noescape
func xgetbv() (eax, edx uint32)

func detectCPU() cpuFeatures {
	var f cpuFeatures
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return f
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
		f16c    = 1 << 29
	)
	if ecx1&osxsave == 0 || ecx1&avx == 0 {
		return f
	}
	xcr0, _ := xgetbv()
	const (
		ymmState = 1<<1 | 1<<2        // SSE and AVX state
		zmmState = 1<<5 | 1<<6 | 1<<7 // opmask, ZMM0-15 upper halves, ZMM16-31
	)
	if xcr0&ymmState != ymmState {
		return f
	}
	maxSub, ebx7, ecx7, _ := cpuid(7, 0)
	const (
		avx2       = 1 << 5  // leaf 7.0 EBX
		avx512f    = 1 << 16 // leaf 7.0 EBX
		avx512bw   = 1 << 30 // leaf 7.0 EBX
		avx512vl   = 1 << 31 // leaf 7.0 EBX
		avx512vnni = 1 << 11 // leaf 7.0 ECX
		avxvnni    = 1 << 4  // leaf 7.1 EAX
	)
	f.AVX2 = ebx7&avx2 != 0 && ecx1&fma != 0 && ecx1&f16c != 0
	f.AVX512F = f.AVX2 && ebx7&avx512f != 0 && xcr0&zmmState == zmmState
	f.AVX512BW = f.AVX512F && ebx7&avx512bw != 0
	f.AVX512VL = f.AVX512F && ebx7&avx512vl != 0
	f.AVX512VNNI = f.AVX512F && ecx7&avx512vnni != 0
	if maxSub >= 1 {
		eax71, _, _, _ := cpuid(7, 1)
		f.AVXVNNI = f.AVX2 && eax71&avxvnni != 0
	}
	return f
}

// pause executes one PAUSE, the spin-wait hint.
func pause()
