//go:build !purego

package kernels

import "unsafe"

// haveAsm reports whether this build contains the assembly kernels.
const haveAsm = true

// The AVX2 micro-kernels of matmul_amd64.s. See the comment at the top of that
// file for the arithmetic scheme they share; strides are in bytes, k counts
// 8-column chunks, load selects accumulating into acc (1) or starting from zero (0).

//go:noescape
func k4x3F32(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)

//go:noescape
func k1x4F32(x *float32, w unsafe.Pointer, ldw int, acc *float32, k int, load int)

//go:noescape
func k1x4BF16(x *float32, w unsafe.Pointer, ldw int, acc *float32, k int, load int)

//go:noescape
func k1x4F16(x *float32, w unsafe.Pointer, ldw int, acc *float32, k int, load int)

//go:noescape
func k1x1F32(x *float32, w unsafe.Pointer, acc *float32, k int, load int)

//go:noescape
func widenBF16(dst *float32, src unsafe.Pointer, k int)

//go:noescape
func widenF16(dst *float32, src unsafe.Pointer, k int)

//go:noescape
func widenF8(dst *float32, src unsafe.Pointer, k int)
