package kernels

//go:generate go run avx512f_gen.go asmgen.go

// useAVX512F reports whether the AVX-512F float kernels (Gemm, MatMul's
// batched path, and attention's paired-head kernels) are to be used now:
// the AVX2 kernels are (see useAVX2), the CPU and OS support AVX-512F, and
// the family is not capped below AVX-512 (LimitFamily, HERD_KERNELS=avx2).
// They compute the AVX2 kernels' results bit for bit, so the choice changes
// speed only.
func useAVX512F() bool { return useAVX2() && cpu.AVX512F && familyCap.Load() >= famAVX512 }
