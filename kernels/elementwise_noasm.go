//go:build !amd64 || purego

package kernels

// dotAVX2 and axpyAVX2 are never called without assembly (useAVX2 is false).
func dotAVX2(a, b *float32, n int) float32              { panic("kernels: no assembly") }
func axpyAVX2(y *float32, a float32, x *float32, n int) { panic("kernels: no assembly") }

func adamwAVX512(p, grad, m, v *float32, n int, c *AdamWCoefs) { panic("kernels: no assembly") }
func adamwAVX2(p, grad, m, v *float32, n int, c *AdamWCoefs)   { panic("kernels: no assembly") }
