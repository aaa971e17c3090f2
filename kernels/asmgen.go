//go:build ignore

// asmgen.go binds the shared emitter (kernels/internal/asmgen) for the
// assembly generators of this directory (adamw_gen.go, avx512f_gen.go, qasm_gen.go,
// smallasm_gen.go): they append to out through these short names, and each
// is run together with this file:
//
//	go run avx512f_gen.go asmgen.go
package main

import (
	"bytes"

	"github.com/herd-llm/herd/kernels/internal/asmgen"
)

var (
	// out collects the generated assembly.
	out  bytes.Buffer
	emit = asmgen.New(&out)

	p, c     = emit.P, emit.C
	label    = emit.Label
	nl       = emit.NL
	y, x     = asmgen.Y, asmgen.X
	header   = emit.Header
	text     = emit.Text
	args     = emit.Args
	jz       = emit.Jz
	loopEnd  = emit.LoopEnd
	ret      = emit.Ret
	done     = emit.Done
	widen8   = emit.Widen8
	data4    = emit.Data4
	packPair = emit.PackPair
	write    = emit.Write
)
