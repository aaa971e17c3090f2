//go:build !amd64 || purego

package kernels

func gemm6x64(k int, a *float32, b *float32, ldb int, c *float32, ldc int, load int) {
	panic("kernels: no assembly")
}

func gemm6x64s(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, load int) {
	panic("kernels: no assembly")
}
