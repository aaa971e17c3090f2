//go:build !amd64 || purego

package kernels

func gemm6x16(k int, a, b, c *float32, ldc int, load int) { panic("kernels: no assembly") }

func gemm6x16s(k int, a *float32, lda int, b, c *float32, ldc int, load int) {
	panic("kernels: no assembly")
}

func swigluSigAVX2(a, sg, x, u *float32, n8 int, store int) { panic("kernels: no assembly") }
