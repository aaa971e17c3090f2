package kernels

//go:generate go run avx512f_gen.go asmgen.go

import (
	"os"
	"sync/atomic"
)

// noAVX512F, when set, keeps the float kernels (Gemm, MatMul's batched
// path, the two-head attention kernels DotsKV2/AxpysKV2) on AVX2 on a
// machine with AVX-512F. It starts set when the
// environment variable HERD_KERNELS is "avx2". The AVX-512F kernels compute
// the same results bit for bit, so this changes speed only.
var noAVX512F atomic.Bool

func init() {
	if os.Getenv("HERD_KERNELS") == "avx2" {
		noAVX512F.Store(true)
	}
}

// useAVX512F reports whether the AVX-512F float kernels are to be used now:
// the AVX2 kernels are (see useAVX2), the CPU and OS support AVX-512F, and
// AVX2 is not forced.
func useAVX512F() bool { return useAVX2() && cpu.AVX512F && !noAVX512F.Load() }
