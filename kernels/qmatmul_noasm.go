//go:build !amd64 || purego

package kernels

import "unsafe"

// The integer kernels are never called without assembly (useAVX2 is false).

func q8_0Tile8(w, a unsafe.Pointer, acc *float32, nb int) { panic("kernels: no assembly") }
func q4_0Tile8(w, a unsafe.Pointer, acc *float32, nb int) { panic("kernels: no assembly") }
func q8_0Tile8x2(w unsafe.Pointer, wstride int, a unsafe.Pointer, acc *float32, nb int) {
	panic("kernels: no assembly")
}
func q4_0Tile8x2(w unsafe.Pointer, wstride int, a unsafe.Pointer, acc *float32, nb int) {
	panic("kernels: no assembly")
}
func q8_0Tile8x4(w unsafe.Pointer, wstride int, a unsafe.Pointer, acc *float32, nb int) {
	panic("kernels: no assembly")
}
func q4_0Tile8x4(w unsafe.Pointer, wstride int, a unsafe.Pointer, acc *float32, nb int) {
	panic("kernels: no assembly")
}
func q8_0Tile8V(w, a unsafe.Pointer, acc *float32, nb, nrows, wstride int) {
	panic("kernels: no assembly")
}
func q4_0Tile8V(w, a unsafe.Pointer, acc *float32, nb, nrows, wstride int) {
	panic("kernels: no assembly")
}
func q8_0Rows8(w *[8]unsafe.Pointer, a unsafe.Pointer, acc *float32, nb, pf int) {
	panic("kernels: no assembly")
}
func q4_0Rows8(w *[8]unsafe.Pointer, a unsafe.Pointer, acc *float32, nb, pf int) {
	panic("kernels: no assembly")
}
func q8_0Sums(w, a unsafe.Pointer, sums *int32, ng, pf int) { panic("kernels: no assembly") }
func q8_0Float8(w *[8]unsafe.Pointer, a unsafe.Pointer, sums *int32, acc *float32, nb int) {
	panic("kernels: no assembly")
}
func q4kRows1(w, a unsafe.Pointer, nrows int, dst *float32, nsb, pf int) {
	panic("kernels: no assembly")
}
func q4kDot4(w, a unsafe.Pointer, astride int, acc *float32, nsb, nrows, wstride int, fin *float32, fstride int) {
	panic("kernels: no assembly")
}
func q6kRows1(w, a unsafe.Pointer, nrows int, dst *float32, nsb, pf int) {
	panic("kernels: no assembly")
}
func q6kDot4(w, a unsafe.Pointer, astride int, acc *float32, nsb, nrows, wstride int, fin *float32, fstride int) {
	panic("kernels: no assembly")
}
func quantQ8_0(q, d, s unsafe.Pointer, stride, gstride int, src *float32, nb int) {
	panic("kernels: no assembly")
}
func quantQ8K(dst unsafe.Pointer, src *float32, nsb int)      { panic("kernels: no assembly") }
func widenInt4(dst *float32, src unsafe.Pointer, ngroups int) { panic("kernels: no assembly") }
func q4kDot4V(w, a unsafe.Pointer, astride int, acc *float32, nsb, nrows, wstride int, fin *float32, fstride int) {
	panic("kernels: no assembly")
}
func q6kDot4V(w, a unsafe.Pointer, astride int, acc *float32, nsb, nrows, wstride int, fin *float32, fstride int) {
	panic("kernels: no assembly")
}
func q4kRows1V(w, a unsafe.Pointer, nrows int, dst *float32, nsb, pf int) {
	panic("kernels: no assembly")
}
func q6kRows1V(w, a unsafe.Pointer, nrows int, dst *float32, nsb, pf int) {
	panic("kernels: no assembly")
}
func q4kDot16V(w, a unsafe.Pointer, acc *float32, nsb, nrows, wstride int, fin *float32, fstride int) {
	panic("kernels: no assembly")
}
func q6kDot16V(w, a unsafe.Pointer, acc *float32, nsb, nrows, wstride int, fin *float32, fstride int) {
	panic("kernels: no assembly")
}
