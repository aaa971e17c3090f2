package ggufwrite

import (
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/gguf"
)

// TestGGUFTypesFromBF16 converts the BF16 tiny model: --type f32 must
// write every matrix as F32, and every type must keep the routers
// (ffn_gate_inp) in F32, as llama.cpp does. (F32 is DType 0, which once
// read as "leave as it is": such a file kept BF16 matrices.)
func TestGGUFTypesFromBF16(t *testing.T) {
	tests := []struct {
		typ           string
		matrix, route gguf.GGMLType // blk.0.attn_q's type and the routers'
	}{
		{"f32", gguf.F32, gguf.F32},
		{"f16", gguf.F16, gguf.F32},
		{"bf16", gguf.BF16, gguf.F32},
		{"q8_0", gguf.Q8_0, gguf.F32},
		{"q4_k_m", gguf.Q8_0, gguf.F32}, // the tiny rows are not 256-multiples: Q8_0 fallback
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			f, _ := ggufOf(t, loadTiny(t, "bf16"), tt.typ)
			routers := 0
			for _, ti := range f.Tensors() {
				switch {
				case strings.HasSuffix(ti.Name, ".ffn_gate_inp.weight"):
					routers++
					if ti.Type != tt.route {
						t.Errorf("%s is %s, want %s", ti.Name, ti.Type, tt.route)
					}
				case ti.Name == "blk.0.attn_q.weight" && ti.Type != tt.matrix:
					t.Errorf("%s is %s, want %s", ti.Name, ti.Type, tt.matrix)
				case len(ti.Dims) >= 2 && ti.Type == gguf.BF16 && tt.typ != "bf16":
					t.Errorf("%s is BF16 in a %s file", ti.Name, tt.typ)
				}
			}
			if routers == 0 {
				t.Fatal("no ffn_gate_inp tensors: the tiny model has MoE layers")
			}
		})
	}
}
