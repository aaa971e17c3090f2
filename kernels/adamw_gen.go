//go:build ignore

// adamw_gen.go writes adamw_amd64.s, AdamW's update 16 lanes (AVX-512F) and
// 8 lanes (AVX2) at a time, each lane doing adamw.go's float32 operations in
// their order (no fused multiply-add, so the bits are the Go loop's):
//
//	go run adamw_gen.go asmgen.go
package main

import "fmt"

func main() {
	header("adamw_gen.go", `// AdamW's update (adamw.go gives the arithmetic, which each lane repeats
// operation for operation). Go assembler operand order is the reverse of
// Intel's: VDIVPS b, a, d is d = a / b.

`)
	adamw("adamwAVX512", "Z", 16, 16)
	adamw("adamwAVX2", "Y", 8, 8)
	write("adamw_amd64.s")
}

// adamw writes kernel name over n elements (a multiple of lanes) with
// vector registers of class R: the eight AdamWCoefs fields broadcast into
// R(c0)..R(c0+7), the element's values in R0-R7.
func adamw(name, R string, lanes, c0 int) {
	text(name, "(p, grad, m, v *float32, n int, c *AdamWCoefs)", "$0-48")
	args("p DI", "grad SI", "m R8", "v R9", "n CX", "c AX")
	r := func(i int) string { return fmt.Sprintf("%s%d", R, i) }
	fields := []string{"Decay", "B1", "A1", "B2", "A2", "Bc2Sqrt", "Eps", "StepSize"}
	k := map[string]string{}
	for i, f := range fields {
		k[f] = r(c0 + i)
		p("VBROADCASTSS %d(AX), %s // %s", 4*i, k[f], f)
	}
	p("XORQ BX, BX")
	jz("CX", name+"_done")
	label(name + "_loop")
	p("VMOVUPS (SI)(BX*4), %s // x = grad", r(0))
	p("VMULPS (DI)(BX*4), %s, %s // p·Decay", k["Decay"], r(1))
	p("VMULPS (R8)(BX*4), %s, %s // m·B1", k["B1"], r(2))
	p("VMULPS %s, %s, %s // A1·x", r(0), k["A1"], r(3))
	p("VADDPS %s, %s, %s // m", r(3), r(2), r(2))
	p("VMULPS (R9)(BX*4), %s, %s // v·B2", k["B2"], r(4))
	p("VMULPS %s, %s, %s // A2·x", r(0), k["A2"], r(5))
	p("VMULPS %s, %s, %s // (A2·x)·x", r(0), r(5), r(5))
	p("VADDPS %s, %s, %s // v", r(5), r(4), r(4))
	p("VMOVUPS %s, (R8)(BX*4)", r(2))
	p("VMOVUPS %s, (R9)(BX*4)", r(4))
	p("VSQRTPS %s, %s", r(4), r(6))
	p("VDIVPS %s, %s, %s // √v / Bc2Sqrt", k["Bc2Sqrt"], r(6), r(6))
	p("VADDPS %s, %s, %s // den", k["Eps"], r(6), r(6))
	p("VMULPS %s, %s, %s // StepSize·m", r(2), k["StepSize"], r(7))
	p("VDIVPS %s, %s, %s", r(6), r(7), r(7))
	p("VADDPS %s, %s, %s", r(7), r(1), r(1))
	p("VMOVUPS %s, (DI)(BX*4)", r(1))
	p("ADDQ $%d, BX", lanes)
	p("SUBQ $%d, CX", lanes)
	p("JNZ %s_loop", name)
	done(name)
}
