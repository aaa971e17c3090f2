//go:build !purego

package kernels

import "unsafe"

// gemm6x64 is Gemm's AVX-512F micro-kernel (avx512f_amd64.s): gemm6x16 over
// four B panels at once, panel q at b + q*ldb bytes, for the 6×64 tile at c
// (row stride ldc bytes). Every element is computed as gemm6x16 computes it.
//
//go:noescape
func gemm6x64(k int, a *float32, b *float32, ldb int, c *float32, ldc int, load int)

// gemm6x64s is gemm6x64 with A read in place, as gemm6x16s reads it.
//
//go:noescape
func gemm6x64s(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, load int)

// The batched MatMul kernels of avx512f_amd64.s: 8 activation rows, packed
// in pairs (see packPairs; pair i at x + i*ldx bytes), × R float32 weight
// rows (row j at w + j*ldw bytes), k 8-column chunks, accumulator (i, j) at
// acc + i*ldacc + 32*j bytes, computed as k4x3F32 computes it.

//go:noescape
func k8x1F32(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)

//go:noescape
func k8x2F32(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)

//go:noescape
func k8x3F32(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)

//go:noescape
func k8x4F32(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)

//go:noescape
func k8x5F32(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)

//go:noescape
func k8x6F32(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)

// k8Kernels[R-1] is k8xRF32.
var k8Kernels = [6]func(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int){
	k8x1F32, k8x2F32, k8x3F32, k8x4F32, k8x5F32, k8x6F32,
}

// packPair is packPairs for one pair of rows and k chunks (avx512f_amd64.s).
//
//go:noescape
func packPair(dst, x0, x1 *float32, k int)

// packPairs packs the first kn columns (a multiple of 8) of the n activation
// rows at x (row stride cols floats, n even) in row pairs for the k8 kernels:
// chunk c of rows 2i and 2i+1 at dst[2i*ld+16c:] and dst[2i*ld+16c+8:].
func packPairs(dst []float32, ld int, x []float32, cols, n, kn int) {
	if kn == 0 {
		return
	}
	for i := 0; i < n; i += 2 {
		d := dst[i*ld : i*ld+2*kn]
		x0 := x[i*cols : i*cols+kn]
		x1 := x[(i+1)*cols : (i+1)*cols+kn]
		packPair(&d[0], &x0[0], &x1[0], kn/8)
	}
}

// panelAVX512 is panelAVX2 on AVX-512F, with the same results: the first
// tn&^7 activation rows, packed in pairs by packPairs (with row stride ldx
// bytes, so pair i starts at row 2i's place), go through the k8 kernels six
// weight rows at a time; the rows after them, packed as rows, through
// panelAVX2.
func panelAVX512(acc []float32, lda, tn, rn int, xp []float32, ldx int, wp unsafe.Pointer, ldw, k int, load bool) {
	l := 0
	if load {
		l = 1
	}
	t8 := tn &^ 7
	for j := 0; j < rn; j += 6 {
		kern := k8Kernels[min(6, rn-j)-1]
		w := unsafe.Add(wp, j*ldw)
		for i := 0; i < t8; i += 8 {
			kern(&xp[i*ldx/4], 2*ldx, w, ldw, &acc[(i*lda+j)*8], 32*lda, k, l)
		}
	}
	if t8 < tn {
		panelAVX2(acc[t8*lda*8:], lda, tn-t8, rn, xp[t8*ldx/4:], ldx, wp, ldw, k, load)
	}
}
