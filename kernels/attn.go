package kernels

//go:generate go run attn_gen.go attn512_gen.go asmgen.go

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/herd-llm/herd/tensor"
)

// Attention over a stored key/value cache: dot products of a float32 query
// with stored keys, and weighted sums of stored values, reading the stored
// rows (IEEE half, bfloat16, float32 or Q8_0, little-endian) directly instead
// of decoding them to float32 first.
//
// The Dots functions set scores[j] = Σ_i q[i]·K_j[i] for j < len(scores),
// where K_j is the row of len(q) stored elements at k[j·stride:]; the Axpys
// functions add Σ_j w[j]·V_j[i] to acc[i] for i < len(acc), V_j the row of
// len(acc) elements at v[j·stride:]. Rows are read in place (stride is in
// bytes, typically the cache's row size), so one call covers a block of
// positions. Q8_0 rows are ggml blocks of 32 (an f16 scale and 32 int8), so
// their length must be a multiple of 32.
//
// Accumulation is in float32 with FMAs on the AVX2 path (see Impl); the
// summation order, and so the rounding, depends on the implementation, like
// Dot and Axpy. Both orders obey the bound |error| ≤ (len+8)·2⁻²³·Σ|terms|
// that the tests check against the float64 sum of the decoded values.

// DotF16 returns Σ q[i]·K[i] for the len(q) IEEE halves K in k.
func DotF16(q []float32, k []byte) float32 {
	var s [1]float32
	DotsF16(s[:], q, k, 0)
	return s[0]
}

// DotBF16 returns Σ q[i]·K[i] for the len(q) bfloat16 values K in k.
func DotBF16(q []float32, k []byte) float32 {
	var s [1]float32
	DotsBF16(s[:], q, k, 0)
	return s[0]
}

// AxpyF16 adds a·V[i] to acc[i] for the len(acc) IEEE halves V in v.
func AxpyF16(acc []float32, a float32, v []byte) {
	w := [1]float32{a}
	AxpysF16(acc, w[:], v, 0)
}

// AxpyBF16 adds a·V[i] to acc[i] for the len(acc) bfloat16 values V in v.
func AxpyBF16(acc []float32, a float32, v []byte) {
	w := [1]float32{a}
	AxpysBF16(acc, w[:], v, 0)
}

// DotsKV sets scores[j] = q·K_j for rows K_j of type d at k[j·stride:]:
// the Dots function of d, one of F16, BF16, F32 and Q8_0 (len(q) a multiple
// of 32 for Q8_0). It panics for any other type.
func DotsKV(d tensor.DType, scores, q []float32, k []byte, stride int) {
	dots(d, scores, q, k, stride)
}

// AxpysKV adds Σ_j w[j]·V_j to acc for rows V_j of type d at v[j·stride:]:
// the Axpys function of d, one of F16, BF16, F32 and Q8_0 (len(acc) a
// multiple of 32 for Q8_0). It panics for any other type.
func AxpysKV(d tensor.DType, acc, w []float32, v []byte, stride int) {
	axpys(d, acc, w, v, stride)
}

// IsKVType reports whether the KV kernels (DotsKV, AxpysKV) read rows of
// type d: F32, BF16, F16 or Q8_0.
func IsKVType(d tensor.DType) bool {
	return d == tensor.F16 || d == tensor.BF16 || d == tensor.F32 || d == tensor.Q8_0
}

// kvRowBytes is the storage size of a row of n elements of KV type k (n a
// whole number of blocks).
func kvRowBytes(k tensor.DType, n int) int { return n / k.BlockSize() * k.BlockBytes() }

// DotsF16 sets scores[j] = q·K_j for IEEE-half rows K_j at k[j·stride:].
func DotsF16(scores, q []float32, k []byte, stride int) { dots(tensor.F16, scores, q, k, stride) }

// DotsBF16 sets scores[j] = q·K_j for bfloat16 rows K_j at k[j·stride:].
func DotsBF16(scores, q []float32, k []byte, stride int) { dots(tensor.BF16, scores, q, k, stride) }

// DotsF32 sets scores[j] = q·K_j for float32 rows K_j at k[j·stride:].
func DotsF32(scores, q []float32, k []byte, stride int) { dots(tensor.F32, scores, q, k, stride) }

// DotsQ8_0 sets scores[j] = q·K_j for Q8_0 rows K_j at k[j·stride:];
// len(q) must be a multiple of 32.
func DotsQ8_0(scores, q []float32, k []byte, stride int) { dots(tensor.Q8_0, scores, q, k, stride) }

// AxpysF16 adds Σ_j w[j]·V_j to acc for IEEE-half rows V_j at v[j·stride:].
func AxpysF16(acc, w []float32, v []byte, stride int) { axpys(tensor.F16, acc, w, v, stride) }

// AxpysBF16 adds Σ_j w[j]·V_j to acc for bfloat16 rows V_j at v[j·stride:].
func AxpysBF16(acc, w []float32, v []byte, stride int) { axpys(tensor.BF16, acc, w, v, stride) }

// AxpysF32 adds Σ_j w[j]·V_j to acc for float32 rows V_j at v[j·stride:].
func AxpysF32(acc, w []float32, v []byte, stride int) { axpys(tensor.F32, acc, w, v, stride) }

// AxpysQ8_0 adds Σ_j w[j]·V_j to acc for Q8_0 rows V_j at v[j·stride:];
// len(acc) must be a multiple of 32.
func AxpysQ8_0(acc, w []float32, v []byte, stride int) { axpys(tensor.Q8_0, acc, w, v, stride) }

// kvCheck panics unless n rows of d elements at stride fit in b.
func kvCheck(op string, k tensor.DType, n, d int, b []byte, stride int) {
	if !IsKVType(k) {
		panic(fmt.Sprintf("kernels: %s: %s is not a KV type (want F32, BF16, F16 or Q8_0)", op, k))
	}
	if k == tensor.Q8_0 && d%32 != 0 {
		panic(fmt.Sprintf("kernels: %s: Q8_0 rows of %d elements (not a multiple of 32)", op, d))
	}
	if stride < 0 || (n > 0 && len(b) < (n-1)*stride+kvRowBytes(k, d)) {
		panic(fmt.Sprintf("kernels: %s: %d rows of %d elements at stride %d need more than %d bytes", op, n, d, stride, len(b)))
	}
}

func dots(k tensor.DType, scores, q []float32, kb []byte, stride int) {
	n, d := len(scores), len(q)
	kvCheck("Dots", k, n, d, kb, stride)
	if n == 0 {
		return
	}
	if d == 0 {
		clear(scores)
		return
	}
	if !useAVX2() || d < 8 {
		dotsPortable(k, scores, q, kb, stride)
		return
	}
	p := unsafe.Pointer(&kb[0])
	switch k {
	case tensor.F16:
		dotsF16AVX2(&scores[0], &q[0], p, stride, n, d/8)
	case tensor.BF16:
		dotsBF16AVX2(&scores[0], &q[0], p, stride, n, d/8)
	case tensor.F32:
		dotsF32AVX2(&scores[0], &q[0], p, stride, n, d/8)
	case tensor.Q8_0:
		dotsQ8_0AVX2(&scores[0], &q[0], p, stride, n, d/32)
		return
	}
	dotsTail(k, scores, q, kb, stride)
}

// dotsTail adds the d%8 tail of each row's dot product (d = len(q)) to
// scores[j], left to right: what the 8-element kernels leave.
func dotsTail(k tensor.DType, scores, q []float32, kb []byte, stride int) {
	d := len(q)
	d8 := d &^ 7
	if d8 == d {
		return
	}
	for j := range scores {
		row := kb[j*stride:]
		s := scores[j]
		for i := d8; i < d; i++ {
			s += q[i] * kvAt(k, row, i)
		}
		scores[j] = s
	}
}

func axpys(k tensor.DType, acc, w []float32, vb []byte, stride int) {
	n, d := len(w), len(acc)
	kvCheck("Axpys", k, n, d, vb, stride)
	if n == 0 || d == 0 {
		return
	}
	if !useAVX2() || d < 8 {
		axpysPortable(k, acc, w, vb, stride)
		return
	}
	p := func(c0 int) unsafe.Pointer { return unsafe.Pointer(&vb[kvRowBytes(k, c0)]) }
	if k == tensor.Q8_0 {
		c := 0
		for ; c+64 <= d; c += 64 {
			axpysQ8_0x2AVX2(&acc[c], &w[0], p(c), stride, n)
		}
		if c < d {
			axpysQ8_0x1AVX2(&acc[c], &w[0], p(c), stride, n)
		}
		return
	}
	wide, narrow := axpysAVX2(k)
	c := 0
	for ; c+64 <= d; c += 64 {
		wide(&acc[c], &w[0], p(c), stride, n)
	}
	for ; c+8 <= d; c += 8 {
		narrow(&acc[c], &w[0], p(c), stride, n)
	}
	axpysTail(k, acc, w, vb, stride, c)
}

// axpysTail adds Σ_j w[j]·V_j[i] to acc[i] for c ≤ i < len(acc), element by
// element: what the 8-element kernels leave.
func axpysTail(k tensor.DType, acc, w []float32, vb []byte, stride, c int) {
	if c >= len(acc) {
		return
	}
	for j, a := range w {
		row := vb[j*stride:]
		for i := c; i < len(acc); i++ {
			acc[i] += a * kvAt(k, row, i)
		}
	}
}

// axpysAVX2 returns the AVX2 Axpys kernels for 64 and for 8 columns of the
// float type k (F32, BF16 or F16).
func axpysAVX2(k tensor.DType) (wide, narrow func(acc, w *float32, v unsafe.Pointer, stride, n int)) {
	switch k {
	case tensor.F16:
		return axpysF16x8AVX2, axpysF16x1AVX2
	case tensor.BF16:
		return axpysBF16x8AVX2, axpysBF16x1AVX2
	}
	return axpysF32x8AVX2, axpysF32x1AVX2
}

// kvAt decodes element i of a stored row.
func kvAt(k tensor.DType, row []byte, i int) float32 {
	switch k {
	case tensor.F16:
		return f16Fast(binary.LittleEndian.Uint16(row[2*i:]))
	case tensor.BF16:
		return math.Float32frombits(uint32(binary.LittleEndian.Uint16(row[2*i:])) << 16)
	case tensor.F32:
		return math.Float32frombits(binary.LittleEndian.Uint32(row[4*i:]))
	}
	b := row[i/32*34:]
	return float32(int8(b[2+i%32])) * tensor.F16ToF32(binary.LittleEndian.Uint16(b))
}

// f16Fast converts an IEEE half to float32 (exactly, like tensor.F16ToF32),
// with a fast path for normal numbers.
func f16Fast(h uint16) float32 {
	if e := h & 0x7c00; e == 0 || e == 0x7c00 { // zero, subnormal, Inf, NaN
		return tensor.F16ToF32(h)
	}
	return math.Float32frombits(uint32(h&0x8000)<<16 | (uint32(h&0x7fff)<<13 + 112<<23))
}

// kvDecode writes the d elements of a stored row to dst[:d].
func kvDecode(k tensor.DType, dst []float32, row []byte) {
	switch k {
	case tensor.F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(row[4*i:]))
		}
	case tensor.Q8_0:
		for b := 0; b < len(dst)/32; b++ {
			blk := row[34*b : 34*b+34]
			s := tensor.F16ToF32(binary.LittleEndian.Uint16(blk))
			for i, q := range blk[2:34] {
				dst[32*b+i] = float32(int8(q)) * s
			}
		}
	default:
		for i := range dst {
			dst[i] = kvAt(k, row, i)
		}
	}
}

// dotsPortable is the pure-Go Dots: each row decoded, then dot4.
func dotsPortable(k tensor.DType, scores, q []float32, kb []byte, stride int) {
	var buf [256]float32
	d := len(q)
	for j := range scores {
		row := kb[j*stride:]
		var s float32
		for c := 0; c < d; c += len(buf) {
			m := min(len(buf), d-c)
			kvDecode(k, buf[:m], row[kvRowBytes(k, c):])
			s += dot4(q[c:c+m], buf[:m])
		}
		scores[j] = s
	}
}

// axpysPortable is the pure-Go Axpys: each row decoded, then acc += w[j]·row.
func axpysPortable(k tensor.DType, acc, w []float32, vb []byte, stride int) {
	var buf [256]float32
	d := len(acc)
	for j, a := range w {
		row := vb[j*stride:]
		for c := 0; c < d; c += len(buf) {
			m := min(len(buf), d-c)
			kvDecode(k, buf[:m], row[kvRowBytes(k, c):])
			for i, v := range buf[:m] {
				acc[c+i] += a * v
			}
		}
	}
}

// Max returns the largest element of x (which must not be empty or hold
// NaNs), for the running maximum of an online softmax.
func Max(x []float32) float32 {
	if len(x) == 0 {
		panic("kernels: Max of an empty slice")
	}
	m, i := x[0], 0
	if n8 := len(x) / 8; n8 > 0 && useAVX2() {
		m, i = maxAVX2(&x[0], n8), 8*n8
	}
	for _, v := range x[i:] {
		m = max(m, v)
	}
	return m
}

// Scale multiplies every element of x by a in place (each product rounded
// once, so every implementation gives the same result): the rescaling of an
// online softmax's accumulator when its running maximum grows.
func Scale(x []float32, a float32) {
	i := 0
	if n8 := len(x) / 8; n8 > 0 && useAVX2() {
		scaleAVX2(&x[0], n8, a)
		i = 8 * n8
	}
	for ; i < len(x); i++ {
		x[i] *= a
	}
}

// ExpSub sets x[i] = exp(x[i] − m) for every i and returns the sum of the
// new values: the weights of an online softmax with running maximum m
// (x[i] ≤ m). The exponential has a relative error below 4e-7 (a
// Cody–Waite reduction and a degree-6 polynomial, as Expf);
// arguments below −87 give 0. The summation order depends on the
// implementation.
func ExpSub(x []float32, m float32) float32 {
	var s float32
	i := 0
	if n8 := len(x) / 8; n8 > 0 && useAVX2() {
		s, i = expSubAVX2(&x[0], n8, m), 8*n8
	}
	for ; i < len(x); i++ {
		e := Expf(x[i] - m)
		x[i] = e
		s += e
	}
	return s
}
