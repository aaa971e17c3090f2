//go:build !purego

package kernels

// dotAVX2 returns Σ a[i]·b[i] for i < n (n >= 0).
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// axpyAVX2 computes y[i] += a·x[i] for i < n (n >= 0), with fused multiply-adds.
//
//go:noescape
func axpyAVX2(y *float32, a float32, x *float32, n int)
