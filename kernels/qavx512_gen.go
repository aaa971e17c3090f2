//go:build ignore

// qavx512_gen.go writes qmatmul_avx512_amd64.s, the AVX-512 (F/BW/VL) and
// AVX-512 VNNI kernels of the integer MatMul path:
//
//	go run qavx512_gen.go asmgen.go
//
// They read the same packed activation layouts as the AVX2 kernels of
// qasm_gen.go (qmatmul.go describes them) and reproduce the same integer sums
// and the same float steps, so their results are bit for bit the AVX2 ones.
package main

import "fmt"

// Packed activation layouts (see qmatmul.go, which must agree).
const (
	q8BlockPer = 40  // bytes per Q8_0 block per activation row: 32 quants, f32 d, i32 8·Σq
	q8KBytes   = 292 // bytes per Q8_K block: f32 d, 256 q, 16 int16 bsums
)

func main() {
	header("qavx512_gen.go", `// AVX-512 VNNI kernels of the integer MatMul path (qmatmul.go describes the
// packed activation layouts, qmatmul_avx512_amd64.go what each kernel computes).
//
// Go assembler operand order is the reverse of Intel's: VPDPBUSD s, u, d is
// d += the dword sums of 4 products of unsigned bytes u by signed bytes s.

`)
	consts()
	tile8V(false)
	tile8V(true)
	write("qmatmul_avx512_amd64.s")
}

// data64 writes the 64-byte read-only symbol name<> holding b.
func data64(name string, b [64]byte) {
	for i := 0; i < 64; i += 8 {
		var v uint64
		for j := 7; j >= 0; j-- {
			v = v<<8 | uint64(b[i+j])
		}
		fmt.Fprintf(&out, "DATA %s<>+%d(SB)/8, $0x%016x\n", name, i, v)
	}
	fmt.Fprintf(&out, "GLOBL %s<>(SB), RODATA|NOPTR, $64\n\n", name)
}

func consts() {
	// VPERMD indices for the group pair k of a Q8_0 block: dword 2k in
	// lanes 0-7, dword 2k+1 in lanes 8-15.
	for k := 0; k < 4; k++ {
		var b [64]byte
		for l := 0; l < 16; l++ {
			b[4*l] = byte(2*k + l/8)
		}
		data64(fmt.Sprintf("·vGrp%d", k), b)
	}
	data4("·vX80", "0x80808080")
	nl()
	data4("·vM0F", "0x0f0f0f0f")
	nl()
}

// tile8V: one Q8_0 (q4 false) or Q4_0 (q4 true) weight row against a packed
// tile of 8 activation rows, as tile8 of qasm_gen.go (acc[t] continues the
// float sum of activation row t), with VPDPBUSD on two groups at a time.
//
// A block's tile quants are [8 groups][8 rows][4 bytes]: the 64 bytes of the
// group pair (2k, 2k+1) against weight dword 2k in lanes 0-7 and 2k+1 in
// lanes 8-15 put row t's products in dword lanes t and 8+t. VPDPBUSD needs
// unsigned weights: Q4_0 nibbles are; Q8_0 weights are flipped to w+128, and
// 128·Σq (16 times the tile's 8·Σq) taken off again. The integer sums are
// exact, so the float steps see what the AVX2 kernel sees.
func tile8V(q4 bool) {
	name, bb := "q8_0Tile8V", 34
	if q4 {
		name, bb = "q4_0Tile8V", 18
	}
	const T = 8
	text(name, "(w, a unsafe.Pointer, acc *float32, nb int)", "$0-32")
	args("w SI", "a DI", "acc DX", "nb CX")
	p("VMOVUPS (DX), Y15")
	for k := 0; k < 4; k++ {
		p("VMOVDQU64 ·vGrp%d<>(SB), Z%d", k, 10+k)
	}
	if q4 {
		p("VPBROADCASTD ·vM0F<>(SB), Y14")
	} else {
		p("VPBROADCASTD ·vX80<>(SB), Y14")
	}
	jz("CX", name+"_done")
	nl()
	label(name + "_loop")
	if q4 {
		c("Y0 = the 32 nibbles (unsigned), in value order")
		p("VMOVDQU 2(SI), X0")
		p("VPSRLW $4, X0, X1")
		p("VINSERTI128 $1, X1, Y0, Y0")
		p("VPAND Y14, Y0, Y0")
	} else {
		c("Y0 = w+128 (unsigned)")
		p("VPXOR 2(SI), Y14, Y0")
	}
	for k := 0; k < 4; k++ {
		acc := 1 + k%2
		p("VPERMD Z0, Z%d, Z%d", 10+k, 3+k%2)
		if k < 2 {
			p("VPXORD Z%d, Z%d, Z%d", acc, acc, acc)
		}
		p("VPDPBUSD %d(DI), Z%d, Z%d", 64*k, 3+k%2, acc)
	}
	p("VPADDD Z2, Z1, Z1")
	p("VEXTRACTI64X4 $1, Z1, Y2")
	p("VPADDD Y2, Y1, Y1")
	if q4 {
		c("sumi = Σ nibble·q − 8·Σq")
		p("VPSUBD %d(DI), Y1, Y1", T*36)
	} else {
		c("sumi = Σ (w+128)·q − 16·(8·Σq)")
		p("VPSLLD $4, %d(DI), Y2", T*36)
		p("VPSUBD Y2, Y1, Y1")
	}
	p("VCVTDQ2PS Y1, Y1")
	p("VPBROADCASTW (SI), X3")
	p("VCVTPH2PS X3, Y3")
	if q4 {
		c("sumf += (sumi·d_w)·d_a")
		p("VMULPS Y3, Y1, Y1")
		p("VMULPS %d(DI), Y1, Y1", T*32)
	} else {
		c("sumf += sumi·(d_w·d_a)")
		p("VMULPS %d(DI), Y3, Y3", T*32)
		p("VMULPS Y3, Y1, Y1")
	}
	p("VADDPS Y1, Y15, Y15")
	p("ADDQ $%d, SI", bb)
	p("ADDQ $%d, DI", T*q8BlockPer)
	loopEnd("CX", name+"_loop")
	nl()
	label(name + "_done")
	p("VMOVUPS Y15, (DX)")
	ret()
}
