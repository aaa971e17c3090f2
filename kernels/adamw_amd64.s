//go:build !purego

#include "textflag.h"

// AdamW's update (adamw.go gives the arithmetic, which each lane repeats
// operation for operation). Go assembler operand order is the reverse of
// Intel's: VDIVPS b, a, d is d = a / b.

// func adamwAVX512(p, grad, m, v *float32, n int, c *AdamWCoefs)
TEXT ·adamwAVX512(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), AX
	VBROADCASTSS 0(AX), Z16
	VBROADCASTSS 4(AX), Z17
	VBROADCASTSS 8(AX), Z18
	VBROADCASTSS 12(AX), Z19
	VBROADCASTSS 16(AX), Z20
	VBROADCASTSS 20(AX), Z21
	VBROADCASTSS 24(AX), Z22
	VBROADCASTSS 28(AX), Z23
	XORQ BX, BX
	TESTQ CX, CX
	JZ adamwAVX512_done
adamwAVX512_loop:
	VMOVUPS (SI)(BX*4), Z0 // x = g
	VMULPS (DI)(BX*4), Z16, Z1 // p·Decay
	VMULPS (R8)(BX*4), Z17, Z2 // m·B1
	VMULPS Z0, Z18, Z3 // A1·x
	VADDPS Z3, Z2, Z2 // m
	VMULPS (R9)(BX*4), Z19, Z4 // v·B2
	VMULPS Z0, Z20, Z5 // A2·x
	VMULPS Z0, Z5, Z5 // (A2·x)·x
	VADDPS Z5, Z4, Z4 // v
	VMOVUPS Z2, (R8)(BX*4)
	VMOVUPS Z4, (R9)(BX*4)
	VSQRTPS Z4, Z6
	VDIVPS Z21, Z6, Z6 // √v / Bc2Sqrt
	VADDPS Z22, Z6, Z6 // den
	VMULPS Z2, Z23, Z7 // StepSize·m
	VDIVPS Z6, Z7, Z7
	VADDPS Z7, Z1, Z1
	VMOVUPS Z1, (DI)(BX*4)
	ADDQ $16, BX
	SUBQ $16, CX
	JNZ adamwAVX512_loop
adamwAVX512_done:
	VZEROUPPER
	RET

// func adamwAVX2(p, grad, m, v *float32, n int, c *AdamWCoefs)
TEXT ·adamwAVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), AX
	VBROADCASTSS 0(AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VBROADCASTSS 16(AX), Y12
	VBROADCASTSS 20(AX), Y13
	VBROADCASTSS 24(AX), Y14
	VBROADCASTSS 28(AX), Y15
	XORQ BX, BX
	TESTQ CX, CX
	JZ adamwAVX2_done
adamwAVX2_loop:
	VMOVUPS (SI)(BX*4), Y0 // x = g
	VMULPS (DI)(BX*4), Y8, Y1 // p·Decay
	VMULPS (R8)(BX*4), Y9, Y2 // m·B1
	VMULPS Y0, Y10, Y3 // A1·x
	VADDPS Y3, Y2, Y2 // m
	VMULPS (R9)(BX*4), Y11, Y4 // v·B2
	VMULPS Y0, Y12, Y5 // A2·x
	VMULPS Y0, Y5, Y5 // (A2·x)·x
	VADDPS Y5, Y4, Y4 // v
	VMOVUPS Y2, (R8)(BX*4)
	VMOVUPS Y4, (R9)(BX*4)
	VSQRTPS Y4, Y6
	VDIVPS Y13, Y6, Y6 // √v / Bc2Sqrt
	VADDPS Y14, Y6, Y6 // den
	VMULPS Y2, Y15, Y7 // StepSize·m
	VDIVPS Y6, Y7, Y7
	VADDPS Y7, Y1, Y1
	VMOVUPS Y1, (DI)(BX*4)
	ADDQ $8, BX
	SUBQ $8, CX
	JNZ adamwAVX2_loop
adamwAVX2_done:
	VZEROUPPER
	RET
