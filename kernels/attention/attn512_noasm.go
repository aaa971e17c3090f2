//go:build !amd64 || purego

package attention

import "unsafe"

// The two-head KV kernels are never called without assembly (useAVX512F is
// false).

func dots2F16AVX512(scores, q *float32, k unsafe.Pointer, stride, n, d8 int) {
	panic("attention: no assembly")
}
func dots2BF16AVX512(scores, q *float32, k unsafe.Pointer, stride, n, d8 int) {
	panic("attention: no assembly")
}
func dots2F32AVX512(scores, q *float32, k unsafe.Pointer, stride, n, d8 int) {
	panic("attention: no assembly")
}
func dots2Q8_0AVX512(scores, q *float32, k unsafe.Pointer, stride, n, nblk int) {
	panic("attention: no assembly")
}
func axpys2F16x4AVX512(acc, w *float32, v unsafe.Pointer, stride, n, aoff int) {
	panic("attention: no assembly")
}
func axpys2F16x1AVX512(acc, w *float32, v unsafe.Pointer, stride, n, aoff int) {
	panic("attention: no assembly")
}
func axpys2BF16x4AVX512(acc, w *float32, v unsafe.Pointer, stride, n, aoff int) {
	panic("attention: no assembly")
}
func axpys2BF16x1AVX512(acc, w *float32, v unsafe.Pointer, stride, n, aoff int) {
	panic("attention: no assembly")
}
func axpys2F32x4AVX512(acc, w *float32, v unsafe.Pointer, stride, n, aoff int) {
	panic("attention: no assembly")
}
func axpys2F32x1AVX512(acc, w *float32, v unsafe.Pointer, stride, n, aoff int) {
	panic("attention: no assembly")
}
func axpys2Q8_0x2AVX512(acc, w *float32, v unsafe.Pointer, stride, n, aoff int) {
	panic("attention: no assembly")
}
func axpys2Q8_0x1AVX512(acc, w *float32, v unsafe.Pointer, stride, n, aoff int) {
	panic("attention: no assembly")
}
func packPair(dst, x0, x1 *float32, k int) { panic("attention: no assembly") }
