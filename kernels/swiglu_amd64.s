//go:build !purego

#include "textflag.h"

DATA ·sgLog2e<>+0(SB)/4, $0x3fb8aa3b
GLOBL ·sgLog2e<>(SB), RODATA|NOPTR, $4
DATA ·sgHalf<>+0(SB)/4, $0x3f000000
GLOBL ·sgHalf<>(SB), RODATA|NOPTR, $4
DATA ·sgLn2hi<>+0(SB)/4, $0x3f318000
GLOBL ·sgLn2hi<>(SB), RODATA|NOPTR, $4
DATA ·sgLn2lo<>+0(SB)/4, $0xb95e8083
GLOBL ·sgLn2lo<>(SB), RODATA|NOPTR, $4
DATA ·sgC7<>+0(SB)/4, $0x3ab60b61
GLOBL ·sgC7<>(SB), RODATA|NOPTR, $4
DATA ·sgC6<>+0(SB)/4, $0x3c088889
GLOBL ·sgC6<>(SB), RODATA|NOPTR, $4
DATA ·sgC5<>+0(SB)/4, $0x3d2aaaab
GLOBL ·sgC5<>(SB), RODATA|NOPTR, $4
DATA ·sgC4<>+0(SB)/4, $0x3e2aaaab
GLOBL ·sgC4<>(SB), RODATA|NOPTR, $4
DATA ·sgOne<>+0(SB)/4, $0x3f800000
GLOBL ·sgOne<>(SB), RODATA|NOPTR, $4
DATA ·sgMin<>+0(SB)/4, $0xc2ae0000
GLOBL ·sgMin<>(SB), RODATA|NOPTR, $4

// func swigluSigAVX2(a, sg, x, u *float32, n8 int, store int)
//
// For 8·n8 elements: e = exp(−|g|) (expSubAVX2's reduction and polynomial),
// s = 1/(1+e), σ = s (g ≥ 0) or s·e (g < 0), sg = σ when store != 0,
// a = (g·σ)·u.
TEXT ·swigluSigAVX2(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), DI
	MOVQ sg+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ u+24(FP), DX
	MOVQ n8+32(FP), CX
	MOVQ store+40(FP), R9
	VBROADCASTSS ·sgLog2e<>(SB), Y4
	VBROADCASTSS ·sgHalf<>(SB), Y5
	VBROADCASTSS ·sgLn2hi<>(SB), Y6
	VBROADCASTSS ·sgLn2lo<>(SB), Y7
	VBROADCASTSS ·sgC7<>(SB), Y8
	VBROADCASTSS ·sgC6<>(SB), Y9
	VBROADCASTSS ·sgC5<>(SB), Y10
	VBROADCASTSS ·sgC4<>(SB), Y11
	VBROADCASTSS ·sgOne<>(SB), Y12
	VBROADCASTSS ·sgMin<>(SB), Y13
	VPCMPEQD Y15, Y15, Y15
	VPSLLD $31, Y15, Y15 // sign bit
	TESTQ CX, CX
	JZ    done

loop:
	VMOVUPS (SI), Y0
	VORPS   Y15, Y0, Y0 // −|g|
	VMOVAPS Y5, Y1
	VFMADD231PS Y4, Y0, Y1
	VROUNDPS $1, Y1, Y1
	VMOVAPS Y0, Y2
	VFNMADD231PS Y6, Y1, Y2
	VFNMADD231PS Y7, Y1, Y2
	VMOVAPS Y8, Y3
	VFMADD213PS Y9, Y2, Y3
	VFMADD213PS Y10, Y2, Y3
	VFMADD213PS Y11, Y2, Y3
	VFMADD213PS Y5, Y2, Y3
	VFMADD213PS Y12, Y2, Y3
	VFMADD213PS Y12, Y2, Y3
	VCVTPS2DQ Y1, Y1
	VPSLLD $23, Y1, Y1
	VPADDD Y12, Y1, Y1
	VMULPS Y1, Y3, Y3
	VCMPPS $0x1d, Y13, Y0, Y2
	VANDPS Y2, Y3, Y3 // e = exp(−|g|)
	VADDPS Y12, Y3, Y1
	VDIVPS Y1, Y12, Y1 // s = 1/(1+e)
	VMULPS Y3, Y1, Y2  // s·e
	VMOVUPS (SI), Y0
	VBLENDVPS Y0, Y2, Y1, Y1 // σ: s·e where g < 0
	TESTQ R9, R9
	JZ    nostore
	VMOVUPS Y1, (R8)
	ADDQ  $32, R8

nostore:
	VMULPS  Y1, Y0, Y1
	VMULPS  (DX), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
