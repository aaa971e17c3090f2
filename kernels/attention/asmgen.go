//go:build ignore

// asmgen.go binds the shared emitter (kernels/internal/asmgen) for the
// assembly generators of this directory, attn_gen.go and attn512_gen.go, run
// together with this file:
//
//	go run attn_gen.go attn512_gen.go asmgen.go
package main

import (
	"bytes"

	"github.com/herd-llm/herd/kernels/internal/asmgen"
)

var (
	// out collects the generated assembly.
	out  bytes.Buffer
	emit = asmgen.New(&out)

	p, label, nl    = emit.P, emit.Label, emit.NL
	header, text    = emit.Header, emit.Text
	args, jz        = emit.Args, emit.Jz
	loopEnd, ret    = emit.LoopEnd, emit.Ret
	done, widen8    = emit.Done, emit.Widen8
	data4, packPair = emit.Data4, emit.PackPair
	write           = emit.Write
)
