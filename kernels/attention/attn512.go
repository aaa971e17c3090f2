package attention

import (
	"fmt"
	"unsafe"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/tensor"
)

// Two query heads over the same stored rows: with grouped-query attention
// several query heads read one KV head, and these functions do two of them
// in one pass over the rows. On AVX-512F each ZMM register carries both
// heads (their 8-lane partial sums in its two halves for the dot products,
// 16 columns of one head for the weighted sums), so a stored row is loaded
// and converted once for both. Each head's result is the one DotsKV or
// AxpysKV gives, bit for bit, on every implementation: the AVX-512F kernels
// do each head's float32 operations in the AVX2 kernels' order, and elsewhere
// these functions are two DotsKV (AxpysKV) calls.

// maxPairDim is the largest head dimension the two-head dot kernels take
// (their packed query is on the stack); longer rows use DotsKV twice.
const maxPairDim = 512

// DotsKV2 sets scores[j] = q0·K_j and scores[n+j] = q1·K_j for the n =
// len(scores)/2 rows K_j of type d at k[j·stride:]: DotsKV for q0 into
// scores[:n] and for q1 into scores[n:], bit for bit. len(scores) must be
// even and len(q0) = len(q1) (a multiple of 32 for Q8_0); it panics
// otherwise, or for a type DotsKV does not read.
func DotsKV2(d tensor.DType, scores, q0, q1 []float32, k []byte, stride int) {
	n, dim := len(scores)/2, len(q0)
	if len(scores)%2 != 0 || len(q1) != dim {
		panic(fmt.Sprintf("attention: DotsKV2: %d scores and queries of %d and %d elements (want an even count and equal lengths)", len(scores), dim, len(q1)))
	}
	if !kernels.UseAVX512F() || dim < 8 || dim > maxPairDim || n == 0 {
		dots(d, scores[:n], q0, k, stride)
		dots(d, scores[n:], q1, k, stride)
		return
	}
	kvCheck("DotsKV2", d, n, dim, k, stride)
	// The packed query lives on the stack, in the smallest array that holds
	// it: Go zeroes it on every call.
	switch {
	case dim <= 64:
		var qp [128]float32
		dots2(d, scores, qp[:], q0, q1, k, stride)
	case dim <= 128:
		var qp [256]float32
		dots2(d, scores, qp[:], q0, q1, k, stride)
	default:
		var qp [2 * maxPairDim]float32
		dots2(d, scores, qp[:], q0, q1, k, stride)
	}
}

// dots2 is DotsKV2 on AVX-512F after the checks, with qp (at least 2·len(q0)
// floats) to hold the packed query.
func dots2(d tensor.DType, scores, qp, q0, q1 []float32, k []byte, stride int) {
	n, dim := len(scores)/2, len(q0)
	d8 := dim / 8
	packPair(&qp[0], &q0[0], &q1[0], d8)
	p := unsafe.Pointer(&k[0])
	switch d {
	case tensor.F16:
		dots2F16AVX512(&scores[0], &qp[0], p, stride, n, d8)
	case tensor.BF16:
		dots2BF16AVX512(&scores[0], &qp[0], p, stride, n, d8)
	case tensor.F32:
		dots2F32AVX512(&scores[0], &qp[0], p, stride, n, d8)
	case tensor.Q8_0:
		dots2Q8_0AVX512(&scores[0], &qp[0], p, stride, n, dim/32)
		return
	}
	dotsTail(d, scores[:n], q0, k, stride)
	dotsTail(d, scores[n:], q1, k, stride)
}

// AxpysKV2 adds Σ_j w[j]·V_j to acc[:m] and Σ_j w[n+j]·V_j to acc[m:], for
// the n = len(w)/2 rows V_j of m = len(acc)/2 elements of type d at
// v[j·stride:]: AxpysKV for each half, bit for bit. len(acc) and len(w)
// must be even (m a multiple of 32 for Q8_0); it panics otherwise, or for a
// type AxpysKV does not read.
func AxpysKV2(d tensor.DType, acc, w []float32, v []byte, stride int) {
	n, m := len(w)/2, len(acc)/2
	if len(w)%2 != 0 || len(acc)%2 != 0 {
		panic(fmt.Sprintf("attention: AxpysKV2: %d accumulators and %d weights (want even counts)", len(acc), len(w)))
	}
	a0, a1, w0, w1 := acc[:m], acc[m:], w[:n], w[n:]
	if !kernels.UseAVX512F() || m < 16 || n == 0 {
		axpys(d, a0, w0, v, stride)
		axpys(d, a1, w1, v, stride)
		return
	}
	kvCheck("AxpysKV2", d, n, m, v, stride)
	p := func(c0 int) unsafe.Pointer { return unsafe.Pointer(&v[kvRowBytes(d, c0)]) }
	aoff := 4 * m
	if d == tensor.Q8_0 {
		c := 0
		for ; c+64 <= m; c += 64 {
			axpys2Q8_0x2AVX512(&a0[c], &w[0], p(c), stride, n, aoff)
		}
		if c < m {
			axpys2Q8_0x1AVX512(&a0[c], &w[0], p(c), stride, n, aoff)
		}
		return
	}
	wide, narrow := axpys2F32x4AVX512, axpys2F32x1AVX512
	switch d {
	case tensor.F16:
		wide, narrow = axpys2F16x4AVX512, axpys2F16x1AVX512
	case tensor.BF16:
		wide, narrow = axpys2BF16x4AVX512, axpys2BF16x1AVX512
	}
	c := 0
	for ; c+64 <= m; c += 64 {
		wide(&a0[c], &w[0], p(c), stride, n, aoff)
	}
	for ; c+16 <= m; c += 16 {
		narrow(&a0[c], &w[0], p(c), stride, n, aoff)
	}
	if c+8 <= m { // one 8-column chunk left: the AVX2 kernel, per head
		_, _, k8 := axpysAVX2(d)
		k8(&a0[c], &w0[0], p(c), stride, n)
		k8(&a1[c], &w1[0], p(c), stride, n)
		c += 8
	}
	axpysTail(d, a0, w0, v, stride, c)
	axpysTail(d, a1, w1, v, stride, c)
}
