//go:build !amd64 || purego

package attention

import "unsafe"

// The KV kernels are never called without assembly (useAVX2 is false).

func dotsF16AVX2(scores, q *float32, k unsafe.Pointer, stride, n, d8 int) {
	panic("attention: no assembly")
}
func dotsBF16AVX2(scores, q *float32, k unsafe.Pointer, stride, n, d8 int) {
	panic("attention: no assembly")
}
func dotsF32AVX2(scores, q *float32, k unsafe.Pointer, stride, n, d8 int) {
	panic("attention: no assembly")
}
func dotsQ8_0AVX2(scores, q *float32, k unsafe.Pointer, stride, n, nblk int) {
	panic("attention: no assembly")
}
func axpysF16x8AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysF16x4AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysF16x1AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysBF16x8AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysBF16x4AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysBF16x1AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysF32x8AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysF32x4AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysF32x1AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysQ8_0x2AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func axpysQ8_0x1AVX2(acc, w *float32, v unsafe.Pointer, stride, n int) {
	panic("attention: no assembly")
}
func maxAVX2(x *float32, n8 int) float32               { panic("attention: no assembly") }
func expSubAVX2(x *float32, n8 int, m float32) float32 { panic("attention: no assembly") }
func scaleAVX2(x *float32, n8 int, a float32)          { panic("attention: no assembly") }
