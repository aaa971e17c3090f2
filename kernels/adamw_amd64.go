//go:build !purego

package kernels

// adamwAVX512 and adamwAVX2 are AdamW's loop over the first n elements, n a
// multiple of 16 (8 for AVX2), 16 (8) lanes at a time.
//
//go:noescape
func adamwAVX512(p, grad, m, v *float32, n int, c *AdamWCoefs)

//go:noescape
func adamwAVX2(p, grad, m, v *float32, n int, c *AdamWCoefs)
