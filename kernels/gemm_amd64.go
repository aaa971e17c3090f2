//go:build !purego

package kernels

// gemm6x16 is Gemm's AVX2 micro-kernel (gemm_amd64.s): the 6×16 tile at c
// (row stride ldc bytes) += or = Σ_p a[p*6+r]·b[p*16+j] over p in [0, k),
// one fused multiply-add per term in increasing p; load selects starting
// from c (1) or from zero (0).
//
//go:noescape
func gemm6x16(k int, a, b, c *float32, ldc int, load int)

// gemm6x16s is gemm6x16 with A read in place: row r of the tile at
// a + r*lda bytes, depth p at +4p (A rows contiguous in depth).
//
//go:noescape
func gemm6x16s(k int, a *float32, lda int, b, c *float32, ldc int, load int)

// swigluSigAVX2 is SwiGLUSig's kernel (swiglu_amd64.s) for 8·n8 elements.
//
//go:noescape
func swigluSigAVX2(a, sg, x, u *float32, n8 int, store int)
