package ggufwrite

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/gguftest"
	. "github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

func loadLlamaCpp(t *testing.T, name string) (*Model, *checkpoint.GGUFMeta) {
	t.Helper()
	m, meta, err := checkpoint.LoadGGUF(gguftest.LlamaCppPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, meta
}

// tinyAsLlamaCpp is the HF tiny model with the attention values llama.cpp
// hard-codes (chunk 8192, temperature floor 8192) instead of its own (16,
// 8): what a llama.cpp-converted file of it means.
func tinyAsLlamaCpp(t *testing.T) *Model {
	m := loadTiny(t, "f32")
	m.Config.ChunkSize, m.Config.FloorScale = checkpoint.GGUFChunkSize, checkpoint.GGUFFloorScale
	return m
}

// TestLlamaCppGGUFF32: the f32 GGUF made by llama.cpp's converter loads in
// herd and matches the HF path: to the golden logits (transformers) on the
// sequences too short for chunking and temperature to matter, and to the
// HF checkpoint run with llama.cpp's hard-coded values on all of them,
// greedy continuations included.
func TestLlamaCppGGUFF32(t *testing.T) {
	m, meta := loadLlamaCpp(t, "llama.cpp-tiny-f32.gguf")
	c := m.Config
	if meta.Flavor != "llama.cpp" || c.ChunkSize != 8192 || c.FloorScale != 8192 || c.AttnScale != 0.1 || !c.UseQKNorm ||
		!slices.Equal(c.LayerUsesRoPE, []bool{true, true, true, false}) || !slices.Equal(c.LayerIsMoE, []bool{false, true, false, true}) ||
		c.TieEmbeddings || c.BOS != 1 || c.Pad != 0 || !slices.Equal(c.EOS, []int{2}) {
		t.Fatalf("config %+v", c)
	}
	if !meta.HasTokenizer || meta.ChatTemplate == "" {
		t.Errorf("tokenizer %v, chat template %q", meta.HasTokenizer, meta.ChatTemplate)
	}
	ref := tinyAsLlamaCpp(t)
	for name, ids := range goldenSeqs(t) {
		got := allLogits(t, m, ids)
		d, _ := testmodel.MaxAbsDiff(got, allLogits(t, ref, ids))
		msg := ""
		if len(ids) <= 7 {
			g, _ := testmodel.MaxAbsDiff(got, testmodel.ReadF32(t, filepath.Join(testmodel.TinyDir(t), "golden", "base-f32", "logits_"+name+".f32")))
			if g > 1e-4 {
				t.Errorf("%s: max |Δ| vs golden %.3g", name, g)
			}
			msg = " (golden: ok)"
		}
		t.Logf("%s: max |Δlogit| vs HF path %.3g%s", name, d, msg)
		if d > 1e-4 {
			t.Errorf("%s: max |Δlogit| vs HF path %.3g", name, d)
		}
	}
	in := testmodel.ReadTinyInputs(t)
	for _, name := range []string{"greedy_a", "greedy_b"} {
		got, want := greedy(t, m, in.Greedy[name], in.NewTokens), greedy(t, ref, in.Greedy[name], in.NewTokens)
		t.Logf("%s: %v", name, got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: greedy %v, HF path %v", name, got, want)
		}
	}
}

// TestLlamaCppGGUFQuant: the quantized files made by llama.cpp (the
// converter's q8_0, in numpy, and llama-quantize's Q4_K_M, in C) hold
// exactly the bytes herd's quantizer makes from the same f32 weights.
func TestLlamaCppGGUFQuant(t *testing.T) {
	for _, name := range []string{"llama.cpp-tiny-q8_0.gguf", "llama.cpp-tiny-q4_k_m.gguf"} {
		t.Run(name, func(t *testing.T) {
			m, _ := loadLlamaCpp(t, name)
			ref := loadTiny(t, "f32")
			var got, src []*tensor.Mat
			m.Weights.ForEachMat(m.Config, func(_ Slot, p **tensor.Mat) error { got = append(got, *p); return nil })
			ref.Weights.ForEachMat(ref.Config, func(_ Slot, p **tensor.Mat) error { src = append(src, *p); return nil })
			types := map[string]int{}
			for i, g := range got {
				types[g.DType.String()]++
				if !g.DType.Quantized() {
					continue
				}
				q := convertOne(t, src[i], g.DType)
				if q.DType != g.DType || !bytes.Equal(q.Data, g.Data) {
					t.Errorf("matrix %d (%s [%d, %d]): herd's quantization differs from llama.cpp's", i, g.DType, g.Rows, g.Cols)
				}
			}
			ids := goldenSeqs(t)["len40"]
			a, b := allLogits(t, m, ids), allLogits(t, tinyAsLlamaCpp(t), ids)
			V := m.Config.VocabSize
			agree := 0
			for p := range ids {
				if testmodel.Argmax(a[p*V:(p+1)*V]) == testmodel.Argmax(b[p*V:(p+1)*V]) {
					agree++
				}
			}
			t.Logf("%v; top-1 agreement with f32: %d/%d", types, agree, len(ids))
		})
	}
}

// TestLlamaCppGGUFMetadata: herd convert writes the keys llama.cpp's
// converter writes, with the same types and values (the tiny model's
// values that llama.cpp hard-codes differently go in extra keys).
func TestLlamaCppGGUFMetadata(t *testing.T) {
	lc := gguftest.OpenLlamaCpp(t, "llama.cpp-tiny-f32.gguf")
	src := loadTiny(t, "f32")
	f, _ := ggufOf(t, src, "f32")
	mine := map[string]gguf.Value{}
	for _, kv := range f.KVs() {
		mine[kv.Key] = kv.Value
	}
	for _, kv := range lc.KVs() {
		if len(kv.Key) > 9 && kv.Key[:9] == "tokenizer" || len(kv.Key) > 8 && kv.Key[:8] == "general." && kv.Key != "general.architecture" && kv.Key != "general.file_type" && kv.Key != "general.quantization_version" {
			continue // the tokenizer is tested in package tokenizer; names and sizes differ
		}
		v, ok := mine[kv.Key]
		if !ok {
			t.Errorf("herd does not write %s = %v", kv.Key, kv.Value)
			continue
		}
		if v.Type() != kv.Value.Type() || v.String() != kv.Value.String() {
			t.Errorf("%s: herd %s %v, llama.cpp %s %v", kv.Key, v.Type(), v, kv.Value.Type(), kv.Value)
		}
	}
	// Same tensors, ggml types and dims (order aside).
	byName := map[string]gguf.TensorInfo{}
	for _, ti := range f.Tensors() {
		byName[ti.Name] = ti
	}
	lcT := lc.Tensors()
	if len(lcT) != len(byName) {
		t.Errorf("%d tensors, llama.cpp %d", len(byName), len(lcT))
	}
	for _, ti := range lcT {
		h, ok := byName[ti.Name]
		if !ok || h.Type != ti.Type || !slices.Equal(h.Dims, ti.Dims) {
			t.Errorf("%s: herd %v %v, llama.cpp %v %v", ti.Name, h.Type, h.Dims, ti.Type, ti.Dims)
		}
	}
}

// TestLlamaCppQ4KMMixture: where llama-quantize's Q4_K_M chose a K type
// (the tensors whose rows are a multiple of 256: every ffn_down here),
// herd convert --type q4_k_m chooses the same one.
func TestLlamaCppQ4KMMixture(t *testing.T) {
	lc := gguftest.OpenLlamaCpp(t, "llama.cpp-tiny-q4_k_m.gguf")
	f, _ := ggufOf(t, loadTiny(t, "f32"), "q4_k_m")
	n := 0
	for _, ti := range lc.Tensors() {
		if ti.Type != gguf.Q4_K && ti.Type != gguf.Q6_K {
			continue
		}
		n++
		if h, _ := f.Info(ti.Name); h.Type != ti.Type {
			t.Errorf("%s: herd %v, llama-quantize %v", ti.Name, h.Type, ti.Type)
		}
	}
	if n != 6 {
		t.Errorf("%d K-type tensors in the llama.cpp file, want 6", n)
	}
}
