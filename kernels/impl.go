package kernels

import (
	"fmt"
	"os"
	"sync/atomic"
)

// forcePortable, when set, makes every kernel take its pure-Go path even where
// assembly is available. It starts set when the environment variable
// HERD_NOASM is 1 (or any value other than "", "0" and "false").
var forcePortable atomic.Bool

// Kernel families, from the most portable up. familyCap holds the highest
// family the kernels may use (LimitFamily); the CPU decides within it.
const (
	famPortable int32 = iota
	famAVX2
	famAVX512
)

var familyCap atomic.Int32

func init() {
	familyCap.Store(famAVX512)
	switch os.Getenv("HERD_NOASM") {
	case "", "0", "false":
	default:
		forcePortable.Store(true)
	}
	if v := os.Getenv("HERD_KERNELS"); v != "" {
		if err := LimitFamily(v); err != nil {
			fmt.Fprintf(os.Stderr, "herd: HERD_KERNELS ignored: %v\n", err)
		}
	}
}

// ForcePortable switches the SIMD assembly paths off (true) or back on (false),
// so the portable Go kernels can be exercised and compared on any machine. It is
// meant for tests and debugging; calls already running finish on the path they
// started with. The environment variable HERD_NOASM=1 has the same effect at
// start-up.
func ForcePortable(on bool) { forcePortable.Store(on) }

// LimitFamily caps the kernel family: "avx2" keeps AVX-512 machines on the AVX2
// kernels (to measure them against the AVX-512 ones), "portable" is
// ForcePortable(true), and "auto" (or "avx512") lets the CPU decide again,
// also clearing ForcePortable. The environment variable HERD_KERNELS takes the
// same names at start-up. Like ForcePortable it is meant for tests, benchmarks
// and debugging.
func LimitFamily(name string) error {
	switch name {
	case "portable":
		familyCap.Store(famPortable)
		forcePortable.Store(true)
	case "avx2":
		familyCap.Store(famAVX2)
		forcePortable.Store(false)
	case "auto", "avx512", "avx512-vnni":
		familyCap.Store(famAVX512)
		forcePortable.Store(false)
	default:
		return fmt.Errorf("kernels: unknown kernel family %q (want auto, avx512, avx2 or portable)", name)
	}
	return nil
}

// useAVX2 reports whether the AVX2+FMA+F16C kernels are to be used now.
func useAVX2() bool {
	return haveAsm && cpu.AVX2 && !forcePortable.Load() && familyCap.Load() >= famAVX2
}

// useAVX512 reports whether AVX-512 F/BW/VL kernels are to be used now
// (AVX2 is then available too).
func useAVX512() bool {
	return useAVX2() && cpu.AVX512F && cpu.AVX512BW && cpu.AVX512VL && familyCap.Load() >= famAVX512
}

// UseAVX2 reports whether kernels kept outside this package
// (kernels/attention) are to run their AVX2+FMA+F16C assembly now, so that
// one family gate (LimitFamily, ForcePortable, HERD_KERNELS, HERD_NOASM) and
// one CPU detection govern every kernel. It is false without assembly
// (non-amd64 or the purego tag).
func UseAVX2() bool { return useAVX2() }

// UseAVX512F is UseAVX2 for AVX-512F assembly (which implies AVX2): see
// useAVX512F.
func UseAVX512F() bool { return useAVX512F() }

// Families lists the kernel families this machine and build can run, as Impl
// names them, from the most portable up: "portable", then "avx2" and
// "avx512" or "avx512-vnni" where the CPU has them. LimitFamily accepts each.
// It is meant for tests and benchmarks that run every family.
func Families() []string {
	r := []string{"portable"}
	if haveAsm && cpu.AVX2 {
		r = append(r, "avx2")
	}
	if haveAsm && cpu.AVX2 && cpu.AVX512F && cpu.AVX512BW && cpu.AVX512VL {
		name := "avx512"
		if cpu.AVX512VNNI {
			name = "avx512-vnni"
		}
		r = append(r, name)
	}
	return r
}

// SaveFamily records the current LimitFamily and ForcePortable settings and
// returns the function that restores them, for tests that switch families.
func SaveFamily() (restore func()) {
	p, c := forcePortable.Load(), familyCap.Load()
	return func() { forcePortable.Store(p); familyCap.Store(c) }
}

// useVNNI512 reports whether the AVX-512 VNNI integer kernels (VPDPBUSD on
// ZMM registers) are to be used now.
func useVNNI512() bool { return useAVX512() && cpu.AVX512VNNI }

// Impl names the kernel family the kernels currently use: "avx512-vnni"
// (AVX-512 F/BW/VL and VNNI: the integer MatMul path takes 512-bit VPDPBUSD
// kernels), "avx512" (AVX-512 F/BW/VL without VNNI), "avx2" (AVX2, FMA and
// F16C assembly) or "portable" (pure Go). A kernel with no variant for the
// chosen family runs the best one below it.
func Impl() string {
	switch {
	case useVNNI512():
		return "avx512-vnni"
	case useAVX512():
		return "avx512"
	case useAVX2():
		return "avx2"
	}
	return "portable"
}

// CPUFeatures lists the SIMD extensions detected on this machine that the
// kernels know about, e.g. "avx2 avx512f"; it is empty when there are none or
// the package was built without assembly (non-amd64 or the purego tag).
func CPUFeatures() string {
	s := ""
	for _, f := range []struct {
		on   bool
		name string
	}{{cpu.AVX2, "avx2"}, {cpu.AVXVNNI, "avx_vnni"}, {cpu.AVX512F, "avx512f"}, {cpu.AVX512BW, "avx512bw"},
		{cpu.AVX512VL, "avx512vl"}, {cpu.AVX512VNNI, "avx512_vnni"}} {
		if f.on {
			if s != "" {
				s += " "
			}
			s += f.name
		}
	}
	return s
}
