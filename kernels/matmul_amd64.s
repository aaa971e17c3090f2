//go:build !purego

#include "textflag.h"

// AVX2 + FMA + F16C micro-kernels for MatMul.
//
// Every kernel follows one arithmetic scheme, so that all of them give
// bit-identical results for the same output element: the element owns one
// 8-lane float32 accumulator; 8-column chunk c adds w[8c+l]·x[8c+l] into lane l
// with one fused multiply-add, chunks in increasing order. The accumulator is
// zeroed (load == 0) or loaded from acc (load != 0) first, and stored back to
// acc at the end, so a long row can be processed in column panels without
// changing the result. The horizontal sum and the Cols%8 tail columns are done
// by the Go caller. k is the number of 8-column chunks (k >= 0); strides are in
// bytes.

// Widening loads of 8 weights at m into a YMM register.
#define BF16LOAD(m, r) VPMOVZXWD m, r; VPSLLD $16, r, r
#define F16LOAD(m, r) VCVTPH2PS m, r

// Shared prologue/epilogue of the 1×4 kernels: x in SI, w in DI, ldw in R9,
// 3*ldw in R11, acc in DX, k in CX, accumulators in Y0-Y3. The prologue
// prefetches the first two cache lines of the next four rows (w + 4·ldw;
// prefetches never fault): each row starts a new stream that the hardware
// prefetcher would otherwise pick up only after a few misses. Decode of
// bench-566m F32, 1 thread: +7–17% (prefetching whole rows ahead, or more
// lines, was slower).
#define K1X4_PROLOGUE(zero) \
	MOVQ  x+0(FP), SI        \
	MOVQ  w+8(FP), DI        \
	MOVQ  ldw+16(FP), R9     \
	MOVQ  acc+24(FP), DX     \
	MOVQ  k+32(FP), CX       \
	MOVQ  load+40(FP), AX    \
	LEAQ  (R9)(R9*2), R11    \
	LEAQ  (DI)(R9*4), R12    \
	PREFETCHT0 (R12)         \
	PREFETCHT0 64(R12)       \
	PREFETCHT0 (R12)(R9*1)   \
	PREFETCHT0 64(R12)(R9*1) \
	PREFETCHT0 (R12)(R9*2)   \
	PREFETCHT0 64(R12)(R9*2) \
	PREFETCHT0 (R12)(R11*1)  \
	PREFETCHT0 64(R12)(R11*1) \
	VXORPS Y0, Y0, Y0        \
	VXORPS Y1, Y1, Y1        \
	VXORPS Y2, Y2, Y2        \
	VXORPS Y3, Y3, Y3        \
	TESTQ AX, AX             \
	JZ    zero               \
	VMOVUPS 0(DX), Y0        \
	VMOVUPS 32(DX), Y1       \
	VMOVUPS 64(DX), Y2       \
	VMOVUPS 96(DX), Y3

#define K1X4_EPILOGUE \
	VMOVUPS Y0, 0(DX)  \
	VMOVUPS Y1, 32(DX) \
	VMOVUPS Y2, 64(DX) \
	VMOVUPS Y3, 96(DX) \
	VZEROUPPER         \
	RET

// func k4x3F32(x *float32, ldx int, w unsafe.Pointer, ldw int, acc *float32, ldacc int, k int, load int)
//
// 4 activation rows × 3 float32 weight rows. Accumulator (i, j) lives at
// acc + i*ldacc + 32*j.
TEXT ·k4x3F32(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), SI
	MOVQ ldx+8(FP), R8
	MOVQ w+16(FP), DI
	MOVQ ldw+24(FP), R9
	MOVQ acc+32(FP), DX
	MOVQ ldacc+40(FP), R10
	MOVQ k+48(FP), CX
	MOVQ load+56(FP), AX
	LEAQ (R8)(R8*2), R11  // 3*ldx
	LEAQ (DX)(R10*2), R12 // accumulator row 2
	LEAQ (R12)(R10*1), R13 // accumulator row 3
	TESTQ AX, AX
	JZ    k4x3zero
	VMOVUPS 0(DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 0(DX)(R10*1), Y3
	VMOVUPS 32(DX)(R10*1), Y4
	VMOVUPS 64(DX)(R10*1), Y5
	VMOVUPS 0(R12), Y6
	VMOVUPS 32(R12), Y7
	VMOVUPS 64(R12), Y8
	VMOVUPS 0(R13), Y9
	VMOVUPS 32(R13), Y10
	VMOVUPS 64(R13), Y11
	JMP     k4x3check

k4x3zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

k4x3check:
	TESTQ CX, CX
	JZ    k4x3store

k4x3loop:
	VMOVUPS     (DI), Y12
	VMOVUPS     (DI)(R9*1), Y13
	VMOVUPS     (DI)(R9*2), Y14
	VMOVUPS     (SI), Y15
	VFMADD231PS Y12, Y15, Y0
	VFMADD231PS Y13, Y15, Y1
	VFMADD231PS Y14, Y15, Y2
	VMOVUPS     (SI)(R8*1), Y15
	VFMADD231PS Y12, Y15, Y3
	VFMADD231PS Y13, Y15, Y4
	VFMADD231PS Y14, Y15, Y5
	VMOVUPS     (SI)(R8*2), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VFMADD231PS Y14, Y15, Y8
	VMOVUPS     (SI)(R11*1), Y15
	VFMADD231PS Y12, Y15, Y9
	VFMADD231PS Y13, Y15, Y10
	VFMADD231PS Y14, Y15, Y11
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         k4x3loop

k4x3store:
	VMOVUPS Y0, 0(DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 0(DX)(R10*1)
	VMOVUPS Y4, 32(DX)(R10*1)
	VMOVUPS Y5, 64(DX)(R10*1)
	VMOVUPS Y6, 0(R12)
	VMOVUPS Y7, 32(R12)
	VMOVUPS Y8, 64(R12)
	VMOVUPS Y9, 0(R13)
	VMOVUPS Y10, 32(R13)
	VMOVUPS Y11, 64(R13)
	VZEROUPPER
	RET

// func k1x4F32(x *float32, w unsafe.Pointer, ldw int, acc *float32, k int, load int)
//
// 1 activation row × 4 float32 weight rows; accumulator j at acc + 32*j.
TEXT ·k1x4F32(SB), NOSPLIT, $0-48
	K1X4_PROLOGUE(f32go)

f32go:
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   f32one

f32loop:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS (DI)(R9*1), Y4, Y1
	VFMADD231PS (DI)(R9*2), Y4, Y2
	VFMADD231PS (DI)(R11*1), Y4, Y3
	VFMADD231PS 32(DI), Y5, Y0
	VFMADD231PS 32(DI)(R9*1), Y5, Y1
	VFMADD231PS 32(DI)(R9*2), Y5, Y2
	VFMADD231PS 32(DI)(R11*1), Y5, Y3
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        BX
	JNZ         f32loop

f32one:
	TESTQ       $1, CX
	JZ          f32done
	VMOVUPS     (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS (DI)(R9*1), Y4, Y1
	VFMADD231PS (DI)(R9*2), Y4, Y2
	VFMADD231PS (DI)(R11*1), Y4, Y3

f32done:
	K1X4_EPILOGUE

// func k1x4BF16(x *float32, w unsafe.Pointer, ldw int, acc *float32, k int, load int)
//
// 1 activation row × 4 bfloat16 weight rows; accumulator j at acc + 32*j.
TEXT ·k1x4BF16(SB), NOSPLIT, $0-48
	K1X4_PROLOGUE(bf16go)

bf16go:
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   bf16one

bf16loop:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	BF16LOAD((DI), Y6)
	BF16LOAD((DI)(R9*1), Y7)
	BF16LOAD((DI)(R9*2), Y8)
	BF16LOAD((DI)(R11*1), Y9)
	BF16LOAD(16(DI), Y10)
	BF16LOAD(16(DI)(R9*1), Y11)
	BF16LOAD(16(DI)(R9*2), Y12)
	BF16LOAD(16(DI)(R11*1), Y13)
	VFMADD231PS Y6, Y4, Y0
	VFMADD231PS Y7, Y4, Y1
	VFMADD231PS Y8, Y4, Y2
	VFMADD231PS Y9, Y4, Y3
	VFMADD231PS Y10, Y5, Y0
	VFMADD231PS Y11, Y5, Y1
	VFMADD231PS Y12, Y5, Y2
	VFMADD231PS Y13, Y5, Y3
	ADDQ        $64, SI
	ADDQ        $32, DI
	DECQ        BX
	JNZ         bf16loop

bf16one:
	TESTQ       $1, CX
	JZ          bf16done
	VMOVUPS     (SI), Y4
	BF16LOAD((DI), Y6)
	BF16LOAD((DI)(R9*1), Y7)
	BF16LOAD((DI)(R9*2), Y8)
	BF16LOAD((DI)(R11*1), Y9)
	VFMADD231PS Y6, Y4, Y0
	VFMADD231PS Y7, Y4, Y1
	VFMADD231PS Y8, Y4, Y2
	VFMADD231PS Y9, Y4, Y3

bf16done:
	K1X4_EPILOGUE

// func k1x4F16(x *float32, w unsafe.Pointer, ldw int, acc *float32, k int, load int)
//
// 1 activation row × 4 IEEE-half weight rows; accumulator j at acc + 32*j.
TEXT ·k1x4F16(SB), NOSPLIT, $0-48
	K1X4_PROLOGUE(f16go)

f16go:
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   f16one

f16loop:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	F16LOAD((DI), Y6)
	F16LOAD((DI)(R9*1), Y7)
	F16LOAD((DI)(R9*2), Y8)
	F16LOAD((DI)(R11*1), Y9)
	F16LOAD(16(DI), Y10)
	F16LOAD(16(DI)(R9*1), Y11)
	F16LOAD(16(DI)(R9*2), Y12)
	F16LOAD(16(DI)(R11*1), Y13)
	VFMADD231PS Y6, Y4, Y0
	VFMADD231PS Y7, Y4, Y1
	VFMADD231PS Y8, Y4, Y2
	VFMADD231PS Y9, Y4, Y3
	VFMADD231PS Y10, Y5, Y0
	VFMADD231PS Y11, Y5, Y1
	VFMADD231PS Y12, Y5, Y2
	VFMADD231PS Y13, Y5, Y3
	ADDQ        $64, SI
	ADDQ        $32, DI
	DECQ        BX
	JNZ         f16loop

f16one:
	TESTQ       $1, CX
	JZ          f16done
	VMOVUPS     (SI), Y4
	F16LOAD((DI), Y6)
	F16LOAD((DI)(R9*1), Y7)
	F16LOAD((DI)(R9*2), Y8)
	F16LOAD((DI)(R11*1), Y9)
	VFMADD231PS Y6, Y4, Y0
	VFMADD231PS Y7, Y4, Y1
	VFMADD231PS Y8, Y4, Y2
	VFMADD231PS Y9, Y4, Y3

f16done:
	K1X4_EPILOGUE

// func k1x1F32(x *float32, w unsafe.Pointer, acc *float32, k int, load int)
//
// 1 activation row × 1 float32 weight row.
TEXT ·k1x1F32(SB), NOSPLIT, $0-40
	MOVQ   x+0(FP), SI
	MOVQ   w+8(FP), DI
	MOVQ   acc+16(FP), DX
	MOVQ   k+24(FP), CX
	MOVQ   load+32(FP), AX
	VXORPS Y0, Y0, Y0
	TESTQ  AX, AX
	JZ     k1x1go
	VMOVUPS (DX), Y0

k1x1go:
	TESTQ CX, CX
	JZ    k1x1done

k1x1loop:
	VMOVUPS     (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         k1x1loop

k1x1done:
	VMOVUPS Y0, (DX)
	VZEROUPPER
	RET

// func widenBF16(dst *float32, src unsafe.Pointer, k int)
//
// Widens 8*k bfloat16 values at src to float32 at dst (exact).
TEXT ·widenBF16(SB), NOSPLIT, $0-24
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  k+16(FP), CX
	TESTQ CX, CX
	JZ    wbdone

wbloop:
	BF16LOAD((SI), Y0)
	VMOVUPS Y0, (DI)
	ADDQ    $16, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     wbloop

wbdone:
	VZEROUPPER
	RET

// func widenF16(dst *float32, src unsafe.Pointer, k int)
//
// Widens 8*k IEEE-half values at src to float32 at dst (exact).
TEXT ·widenF16(SB), NOSPLIT, $0-24
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  k+16(FP), CX
	TESTQ CX, CX
	JZ    whdone

whloop:
	F16LOAD((SI), Y0)
	VMOVUPS Y0, (DI)
	ADDQ    $16, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     whloop

whdone:
	VZEROUPPER
	RET

// Constants for widenF8.
DATA f8c<>+0(SB)/4, $0x0000007f  // magnitude mask
DATA f8c<>+4(SB)/4, $0x3c000000  // exponent rebias, 120<<23
DATA f8c<>+8(SB)/4, $8           // codes below 8 are zero or subnormal
DATA f8c<>+12(SB)/4, $0x3c800000 // 2^-6
DATA f8c<>+16(SB)/4, $0x80000000 // sign bit
GLOBL f8c<>(SB), RODATA|NOPTR, $20

// func widenF8(dst *float32, src unsafe.Pointer, k int)
//
// Decodes 8*k F8E4M3 bytes at src to float32 at dst (exact, unscaled). With
// c = byte & 0x7f, the bits c<<20 + 120<<23 are the value for exponent field
// e >= 1; for e = 0 the value m·2^-9 is twice that minus 2^-6 (both steps
// exact, no subnormal operands); c = 0x7f is NaN.
TEXT ·widenF8(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         k+16(FP), CX
	VPBROADCASTD f8c<>+0(SB), Y10
	VPBROADCASTD f8c<>+4(SB), Y11
	VPBROADCASTD f8c<>+8(SB), Y12
	VPBROADCASTD f8c<>+12(SB), Y13
	VPBROADCASTD f8c<>+16(SB), Y14
	TESTQ        CX, CX
	JZ           w8done

w8loop:
	VPMOVZXBD (SI), Y0         // v
	VPAND     Y10, Y0, Y1      // c = v & 0x7f
	VPSLLD    $20, Y1, Y2
	VPADDD    Y11, Y2, Y2      // normal value
	VADDPS    Y2, Y2, Y3
	VSUBPS    Y13, Y3, Y3      // subnormal value
	VPCMPGTD  Y1, Y12, Y4      // c < 8
	VBLENDVPS Y4, Y3, Y2, Y2
	VPCMPEQD  Y10, Y1, Y5      // c == 0x7f: NaN
	VPOR      Y5, Y2, Y2
	VPSLLD    $24, Y0, Y6
	VPAND     Y14, Y6, Y6      // sign
	VPOR      Y6, Y2, Y2
	VMOVUPS   Y2, (DI)
	ADDQ      $8, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       w8loop

w8done:
	VZEROUPPER
	RET

// func hsum8x4(dst *float32, acc *float32, n int)
//
// dst[i] = ((a0+a4)+(a2+a6)) + ((a1+a5)+(a3+a7)) of a = acc[8i:8i+8], for
// i < n (n a multiple of 4): mmTask.finish's horizontal sum, four at a time.
TEXT ·hsum8x4(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ acc+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	JZ   hsumdone

hsumloop:
	VMOVUPS      0(SI), Y0
	VMOVUPS      32(SI), Y1
	VMOVUPS      64(SI), Y2
	VMOVUPS      96(SI), Y3
	VEXTRACTF128 $1, Y0, X4
	VADDPS       X4, X0, X0
	VEXTRACTF128 $1, Y1, X4
	VADDPS       X4, X1, X1
	VEXTRACTF128 $1, Y2, X4
	VADDPS       X4, X2, X2
	VEXTRACTF128 $1, Y3, X4
	VADDPS       X4, X3, X3
	// Xj = tj = [a0+a4, a1+a5, a2+a6, a3+a7] of accumulator j; transpose.
	VUNPCKLPS    X1, X0, X4
	VUNPCKHPS    X1, X0, X5
	VUNPCKLPS    X3, X2, X6
	VUNPCKHPS    X3, X2, X7
	VMOVLHPS     X6, X4, X8
	VMOVHLPS     X4, X6, X9
	VMOVLHPS     X7, X5, X10
	VMOVHLPS     X5, X7, X11
	VADDPS       X10, X8, X8
	VADDPS       X11, X9, X9
	VADDPS       X9, X8, X8
	VMOVUPS      X8, (DI)
	ADDQ         $128, SI
	ADDQ         $16, DI
	DECQ         CX
	JNZ          hsumloop

hsumdone:
	VZEROUPPER
	RET
