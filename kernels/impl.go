package kernels

import (
	"os"
	"sync/atomic"
)

// forcePortable, when set, makes every kernel take its pure-Go path even where
// assembly is available. It starts set when the environment variable
// HERD_NOASM is 1 (or any value other than "", "0" and "false").
var forcePortable atomic.Bool

func init() {
	switch os.Getenv("HERD_NOASM") {
	case "", "0", "false":
	default:
		forcePortable.Store(true)
	}
}

// ForcePortable switches the SIMD assembly paths off (true) or back on (false),
// so the portable Go kernels can be exercised and compared on any machine. It is
// meant for tests and debugging; calls already running finish on the path they
// started with. The environment variable HERD_NOASM=1 has the same effect at
// start-up.
func ForcePortable(on bool) { forcePortable.Store(on) }

// useAVX2 reports whether the AVX2+FMA+F16C kernels are to be used now.
func useAVX2() bool { return haveAsm && cpu.AVX2 && !forcePortable.Load() }

// Impl names the kernel implementation MatMul, Dot and Axpy currently use:
// "avx2" (AVX2, FMA and F16C assembly) or "portable" (pure Go). AVX-512 is
// detected (see CPUFeatures) but has no kernels of its own yet: machines with
// it run the AVX2 kernels.
func Impl() string {
	if useAVX2() {
		return "avx2"
	}
	return "portable"
}

// CPUFeatures lists the SIMD extensions detected on this machine that the
// kernels know about, e.g. "avx2 avx512f"; it is empty when there are none or
// the package was built without assembly (non-amd64 or the purego tag).
func CPUFeatures() string {
	s := ""
	if cpu.AVX2 {
		s = "avx2"
	}
	if cpu.AVX512F {
		s += " avx512f"
	}
	return s
}
