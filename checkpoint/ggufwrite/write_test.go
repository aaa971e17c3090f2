package ggufwrite

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/gguftest"
	. "github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// ggufOf converts m (in place) to typ and parses the written file from memory.
func ggufOf(t *testing.T, m *Model, typ string) (*gguf.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Write(&buf, m, Options{Type: mustFileType(t, typ), Name: "tiny"}); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("tiny-"+typ+".gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f, buf.Bytes()
}

// goldenSeqs returns the four golden sequences.
func goldenSeqs(t *testing.T) map[string][]int32 {
	return testmodel.ReadTinyInputs(t).Sequences
}

func allLogits(t *testing.T, m *Model, ids []int32) []float32 {
	t.Helper()
	out, err := m.Forward(m.NewCache(len(ids)), ids, ForwardOptions{AllLogits: true})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// greedy decodes n tokens after prompt through the KV cache.
func greedy(t *testing.T, m *Model, prompt []int32, n int) []int32 {
	t.Helper()
	cache := m.NewCache(len(prompt) + n)
	logits, err := m.Forward(cache, prompt, ForwardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []int32
	for k := 0; k < n; k++ {
		next := testmodel.Argmax(logits)
		out = append(out, next)
		if k+1 < n {
			if logits, err = m.Forward(cache, []int32{next}, ForwardOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// TestGGUFRoundTripGolden: HF → GGUF (f32, and bf16 from the bf16
// checkpoint) → herd gives the HF path's logits and greedy tokens. The tiny
// model's chunk 16 and floor 8 travel in ollama's keys, so herd reproduces
// the goldens exactly.
func TestGGUFRoundTripGolden(t *testing.T) {
	for _, v := range []struct{ weights, typ, golden string }{{"f32", "f32", "base-f32"}, {"bf16", "bf16", "base-bf16w-f32"}} {
		t.Run(v.typ, func(t *testing.T) {
			ref := loadTiny(t, v.weights)
			src := loadTiny(t, v.weights)
			f, _ := ggufOf(t, src, v.typ)
			m, meta, err := checkpoint.ModelFromGGUF(f)
			if err != nil {
				t.Fatal(err)
			}
			if meta.Flavor != "llama.cpp" || m.Config.ChunkSize != 16 || m.Config.FloorScale != 8 || !m.Config.UseQKNorm {
				t.Fatalf("config: flavor %s chunk %d floor %g qk %v", meta.Flavor, m.Config.ChunkSize, m.Config.FloorScale, m.Config.UseQKNorm)
			}
			for name, ids := range goldenSeqs(t) {
				got, want := allLogits(t, m, ids), allLogits(t, ref, ids)
				d, _ := testmodel.MaxAbsDiff(got, want)
				g, _ := testmodel.MaxAbsDiff(got, testmodel.ReadF32(t, filepath.Join(testmodel.TinyDir(t), "golden", v.golden, "logits_"+name+".f32")))
				t.Logf("%s: max |Δ| vs HF path %.3g, vs golden %.3g", name, d, g)
				if d > 1e-5 || g > 1e-4 {
					t.Errorf("%s: max |Δ| vs HF path %.3g, vs golden %.3g", name, d, g)
				}
			}
			in := testmodel.ReadTinyInputs(t)
			man := testmodel.ReadTinyManifest(t, v.golden)
			for _, name := range []string{"greedy_a", "greedy_b"} {
				if got := greedy(t, m, in.Greedy[name], in.NewTokens); !slices.Equal(got, man.Greedy[name].Generated) {
					t.Errorf("%s: greedy %v, want %v", name, got, man.Greedy[name].Generated)
				}
			}
		})
	}
}

// TestGGUFQuantMatchesOnTheFly: a quantized conversion holds byte for byte
// the matrices Quantize makes, and gives the same logits.
func TestGGUFQuantMatchesOnTheFly(t *testing.T) {
	ids := goldenSeqs(t)["len40"]
	for _, typ := range []string{"q8_0", "q4_0", "q4_k", "q6_k"} {
		t.Run(typ, func(t *testing.T) {
			fly := loadTiny(t, "f32")
			if _, err := checkpoint.Quantize(fly, mustScheme(t, typ)); err != nil {
				t.Fatal(err)
			}
			f, _ := ggufOf(t, loadTiny(t, "f32"), typ)
			m, _, err := checkpoint.ModelFromGGUF(f)
			if err != nil {
				t.Fatal(err)
			}
			var a, b []*tensor.Mat
			fly.Weights.ForEachMat(fly.Config, func(_ Slot, p **tensor.Mat) error { a = append(a, *p); return nil })
			m.Weights.ForEachMat(m.Config, func(_ Slot, p **tensor.Mat) error { b = append(b, *p); return nil })
			if len(a) != len(b) {
				t.Fatalf("%d matrices vs %d", len(a), len(b))
			}
			types := map[string]int{}
			for i := range a {
				if a[i].DType != b[i].DType || !bytes.Equal(a[i].Data, b[i].Data) {
					t.Fatalf("matrix %d: %s vs %s, bytes differ", i, a[i].DType, b[i].DType)
				}
				types[b[i].DType.String()]++
			}
			d, _ := testmodel.MaxAbsDiff(allLogits(t, m, ids), allLogits(t, fly, ids))
			t.Logf("%s: %v, max |Δlogit| vs --quant %s = %g", typ, types, typ, d)
			if d != 0 {
				t.Errorf("logits differ from on-the-fly quantization by %g", d)
			}
		})
	}
}

// TestGGUFQ4KM checks the Q4_K_M mixture on the tiny model (4 layers:
// use_more_bits is true for layers 2 and 3 and false for 0 and 1).
func TestGGUFQ4KM(t *testing.T) {
	f, _ := ggufOf(t, loadTiny(t, "f32"), "q4_k_m")
	want := map[string]gguf.GGMLType{
		"token_embd.weight":   gguf.Q8_0, // 128 columns: the K-type fallback
		"output.weight":       gguf.Q8_0,
		"blk.0.attn_v.weight": gguf.Q8_0, "blk.0.ffn_down.weight": gguf.Q4_K,
		"blk.1.ffn_down_exps.weight": gguf.Q4_K, "blk.1.ffn_down_shexp.weight": gguf.Q4_K,
		"blk.2.ffn_down.weight": gguf.Q6_K, "blk.3.ffn_down_exps.weight": gguf.Q6_K,
		"blk.3.ffn_down_shexp.weight": gguf.Q6_K, "blk.1.ffn_gate_inp.weight": gguf.F32,
		"blk.1.attn_norm.weight": gguf.F32,
	}
	for name, typ := range want {
		ti, ok := f.Info(name)
		if !ok || ti.Type != typ {
			t.Errorf("%s: %v, want %v", name, ti.Type, typ)
		}
	}
	if ft, _ := f.Uint("general.file_type"); ft != 15 {
		t.Errorf("general.file_type %d, want 15 (MOSTLY_Q4_K_M)", ft)
	}
	m, _, err := checkpoint.ModelFromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	ref := loadTiny(t, "f32")
	ids := goldenSeqs(t)["len40"]
	a, b := allLogits(t, m, ids), allLogits(t, ref, ids)
	agree := 0
	V := ref.Config.VocabSize
	for p := range ids {
		if testmodel.Argmax(a[p*V:(p+1)*V]) == testmodel.Argmax(b[p*V:(p+1)*V]) {
			agree++
		}
	}
	t.Logf("q4_k_m: top-1 agreement with f32 %d/%d", agree, len(ids))
	if agree < len(ids)*3/4 {
		t.Errorf("q4_k_m agrees with f32 on only %d/%d positions", agree, len(ids))
	}
}

// TestGGUFMetadataLikeLlamaCpp checks the keys and shapes llama.cpp's
// converter writes.
func TestGGUFMetadataLikeLlamaCpp(t *testing.T) {
	f, _ := ggufOf(t, loadTiny(t, "f32"), "f32")
	u := func(k string) uint64 { v, _ := f.Uint(k); return v }
	for k, want := range map[string]uint64{
		"llama4.block_count": 4, "llama4.context_length": 131072, "llama4.embedding_length": 128,
		"llama4.feed_forward_length": 512, "llama4.expert_feed_forward_length": 256,
		"llama4.attention.head_count": 4, "llama4.attention.head_count_kv": 2, "llama4.attention.key_length": 32,
		"llama4.attention.value_length": 32, "llama4.rope.dimension_count": 32, "llama4.expert_count": 4,
		"llama4.expert_used_count": 1, "llama4.interleave_moe_layer_step": 2, "llama4.vocab_size": 512,
		"general.file_type": 0, "general.quantization_version": 2,
		"llama4.attention.chunk_size": 16, // the tiny model's own value, in ollama's key
	} {
		if got := u(k); got != want {
			t.Errorf("%s = %d, want %d", k, got, want)
		}
	}
	if th, _ := f.Float("llama4.rope.freq_base"); th != 500000 {
		t.Errorf("rope.freq_base %g", th)
	}
	for name, dims := range map[string][]uint64{
		"token_embd.weight": {128, 512}, "output.weight": {128, 512}, "blk.0.attn_q.weight": {128, 128},
		"blk.0.attn_k.weight": {128, 64}, "blk.0.ffn_gate.weight": {128, 512}, "blk.0.ffn_down.weight": {512, 128},
		"blk.1.ffn_gate_inp.weight": {128, 4}, "blk.1.ffn_gate_exps.weight": {128, 256, 4},
		"blk.1.ffn_up_exps.weight": {128, 256, 4}, "blk.1.ffn_down_exps.weight": {256, 128, 4},
		"blk.1.ffn_gate_shexp.weight": {128, 256}, "blk.1.ffn_down_shexp.weight": {256, 128},
		"output_norm.weight": {128}, "blk.3.ffn_norm.weight": {128},
	} {
		ti, ok := f.Info(name)
		if !ok || !slices.Equal(ti.Dims, dims) {
			t.Errorf("%s: dims %v, want %v", name, ti.Dims, dims)
		}
	}
	if _, ok := f.Info("rope_freqs.weight"); ok {
		t.Error("rope_freqs.weight written for an unscaled model")
	}
}

// TestGGUFRopeFreqs: a Scout-style llama3 scaling is written as rope_freqs
// divisors (1 and 16), read back as the same frequencies and recognised.
func TestGGUFRopeFreqs(t *testing.T) {
	cfg, err := checkpoint.PresetConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.HeadDim, cfg.Hidden = 128, 128
	cfg.RopeScaling = &RopeScaling{Type: "llama3", Factor: 16, LowFreqFactor: 1, HighFreqFactor: 1, OriginalMaxPos: 8192}
	src, err := checkpoint.RandomModel(cfg, tensor.F32, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := InvFreq(cfg.HeadDim, cfg.RopeTheta, cfg.RopeScaling)
	f, _ := ggufOf(t, src, "f32")
	m, meta, err := checkpoint.ModelFromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	div := meta.RopeFreqs
	if len(div) != 64 {
		t.Fatalf("%d rope_freqs divisors, want 64", len(div))
	}
	n16 := 0
	for _, d := range div {
		if d == 16 {
			n16++
		} else if d != 1 {
			t.Fatalf("divisor %v", d)
		}
	}
	if n16 != 29 {
		t.Errorf("%d divisors of 16, want 29 (spec §1.3)", n16)
	}
	if rs := m.Config.RopeScaling; rs == nil || rs.Factor != 16 || rs.HighFreqFactor != 1 {
		t.Errorf("scaling not recognised: %+v", rs)
	}
	if !slices.Equal(m.InvFreq(), want) {
		t.Errorf("inverse frequencies differ:\n%v\n%v", m.InvFreq(), want)
	}
}

// ggufParts returns the metadata and tensors of the tiny model as a herd
// GGUF, for tests that edit them.
func ggufParts(t *testing.T) ([]gguf.KV, []gguf.WriteTensor) {
	t.Helper()
	m := loadTiny(t, "f32")
	kvs, _, err := Metadata(m, FileF32, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Convert(m, FileF32); err != nil {
		t.Fatal(err)
	}
	ts, err := Tensors(m)
	if err != nil {
		t.Fatal(err)
	}
	return kvs, ts
}

func writeGGUF(t *testing.T, kvs []gguf.KV, ts []gguf.WriteTensor) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "odd.gguf")
	if err := os.WriteFile(p, gguftest.Encode(t, kvs, ts), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func dropKV(kvs []gguf.KV, key string) []gguf.KV {
	return slices.DeleteFunc(slices.Clone(kvs), func(kv gguf.KV) bool { return kv.Key == key })
}

func setKV(kvs []gguf.KV, kv gguf.KV) []gguf.KV {
	out := dropKV(kvs, kv.Key)
	return append(out, kv)
}

func editTensor(ts []gguf.WriteTensor, name string, f func(*gguf.WriteTensor)) []gguf.WriteTensor {
	out := slices.Clone(ts)
	for i := range out {
		if out[i].Name == name {
			f(&out[i])
		}
	}
	return out
}

// TestGGUFLoadErrors: odd and malformed files fail with errors naming the
// file and the key or tensor.
func TestGGUFLoadErrors(t *testing.T) {
	kvs, ts := ggufParts(t)
	cases := []struct {
		name string
		kvs  []gguf.KV
		ts   []gguf.WriteTensor
		want []string
	}{
		{"wrong arch", setKV(kvs, gguf.KVString("general.architecture", "llama")), ts, []string{"general.architecture", `"llama"`}},
		{"no arch", dropKV(kvs, "general.architecture"), ts, []string{"general.architecture", "missing"}},
		{"no block_count", dropKV(kvs, "llama4.block_count"), ts, []string{"llama4.block_count", "missing"}},
		{"no rms eps", dropKV(kvs, "llama4.attention.layer_norm_rms_epsilon"), ts, []string{"llama4.attention.layer_norm_rms_epsilon"}},
		{"no expert width", dropKV(kvs, "llama4.expert_feed_forward_length"), ts, []string{"llama4.expert_feed_forward_length"}},
		{"no moe step", dropKV(kvs, "llama4.interleave_moe_layer_step"), ts, []string{"llama4.interleave_moe_layer_step"}},
		{"string head count", setKV(kvs, gguf.KVString("llama4.attention.head_count", "4")), ts, []string{"llama4.attention.head_count", "unsigned"}},
		{"bad kv heads", setKV(kvs, gguf.KVUint32("llama4.attention.head_count_kv", 3)), ts, []string{"llama4.attention.head_count_kv", "multiple"}},
		{"rope dim", setKV(kvs, gguf.KVUint32("llama4.rope.dimension_count", 16)), ts, []string{"llama4.rope.dimension_count"}},
		{"rope scaling type", setKV(kvs, gguf.KVString("llama4.rope.scaling.type", "yarn")), ts, []string{"llama4.rope.scaling.type", "yarn"}},
		{"swa base", setKV(kvs, gguf.KVFloat32("llama4.rope.freq_base_swa", 10000)), ts, []string{"llama4.rope.freq_base_swa"}},
		{"per-layer heads", setKV(kvs, gguf.KVUint32s("llama4.attention.head_count", []uint32{4, 4, 8, 4})), ts, []string{"llama4.attention.head_count", "per-layer"}},
		{"missing tensor", kvs, slices.DeleteFunc(slices.Clone(ts), func(w gguf.WriteTensor) bool { return w.Name == "blk.2.attn_k.weight" }), []string{`"blk.2.attn_k.weight"`, "not found"}},
		{"missing experts", kvs, slices.DeleteFunc(slices.Clone(ts), func(w gguf.WriteTensor) bool { return w.Name == "blk.1.ffn_up_exps.weight" }), []string{`"blk.1.ffn_up_exps.weight"`}},
		{"wrong shape", kvs, editTensor(ts, "blk.0.attn_q.weight", func(w *gguf.WriteTensor) { w.Dims = []uint64{64, 256} }), []string{`"blk.0.attn_q.weight"`, "[64 256]", "[128 128]"}},
		{"transposed", kvs, editTensor(ts, "blk.0.ffn_down.weight", func(w *gguf.WriteTensor) { w.Dims = []uint64{128, 512} }), []string{`"blk.0.ffn_down.weight"`, "[512 128]"}},
		{"expert count", kvs, editTensor(ts, "blk.1.ffn_gate_exps.weight", func(w *gguf.WriteTensor) { w.Dims = []uint64{128, 128, 8} }), []string{`"blk.1.ffn_gate_exps.weight"`, "[128 256 4]"}},
		{"unsupported type", kvs, editTensor(ts, "blk.0.attn_v.weight", func(w *gguf.WriteTensor) {
			w.Type = gguf.Q5_0
			w.Data = make([]byte, 64*128/32*22)
		}), []string{`"blk.0.attn_v.weight"`, "Q5_0", "not support"}},
		{"int vector", kvs, editTensor(ts, "blk.0.attn_norm.weight", func(w *gguf.WriteTensor) { w.Type = gguf.I32 }), []string{`"blk.0.attn_norm.weight"`}},
		{"extra tensor", kvs, append(slices.Clone(ts), gguf.WriteTensor{Name: "blk.9.attn_q.weight", Type: gguf.F32, Dims: []uint64{4}, Data: make([]byte, 16)}), []string{`"blk.9.attn_q.weight"`, "unexpected"}},
		{"bad rope_freqs", kvs, append(slices.Clone(ts), gguf.WriteTensor{Name: "rope_freqs.weight", Type: gguf.F32, Dims: []uint64{16}, Data: make([]byte, 64)}), []string{`"rope_freqs.weight"`, "divisor 0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeGGUF(t, c.kvs, c.ts)
			_, _, err := checkpoint.LoadGGUF(p)
			if err == nil {
				t.Fatal("loaded")
			}
			t.Log(err)
			for _, w := range append(c.want, p) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// Untouched parts load, and tied embeddings (no output.weight) too.
	if _, _, err := checkpoint.LoadGGUF(writeGGUF(t, kvs, ts)); err != nil {
		t.Fatal(err)
	}
	tied := slices.DeleteFunc(slices.Clone(ts), func(w gguf.WriteTensor) bool { return w.Name == "output.weight" })
	m, _, err := checkpoint.LoadGGUF(writeGGUF(t, kvs, tied))
	if err != nil || m.Weights.LMHead != m.Weights.Embed || !m.Config.TieEmbeddings {
		t.Fatalf("tied: %v", err)
	}
	m.Close()
	// A truncated file names itself.
	p := writeGGUF(t, kvs, ts)
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)/2], 0o644)
	if _, _, err := checkpoint.LoadGGUF(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("truncated: %v", err)
	}
}

// TestGGUFOllamaLayout: ollama's single-file layout (fused gate_up_exps,
// vision tensors, its keys) loads and computes the same model.
func TestGGUFOllamaLayout(t *testing.T) {
	kvs, ts := ggufParts(t)
	kvs = dropKV(kvs, "llama4.feed_forward_length")
	kvs = dropKV(kvs, "llama4.expert_feed_forward_length")
	kvs = append(kvs, gguf.KVUint32("llama4.intermediate_size", 512), gguf.KVUint32("llama4.intermediate_size_moe", 256),
		gguf.KVBool("llama4.use_qk_norm", true), gguf.KVFloat32("llama4.attention.scale", 0.1),
		gguf.KVUint32("llama4.vision.block_count", 2))
	var out []gguf.WriteTensor
	byName := map[string]gguf.WriteTensor{}
	for _, w := range ts {
		byName[w.Name] = w
	}
	for _, w := range ts {
		switch {
		case strings.HasSuffix(w.Name, "ffn_gate_exps.weight"):
			up := byName[strings.Replace(w.Name, "gate", "up", 1)]
			per := len(w.Data) / 4
			var data []byte
			for e := 0; e < 4; e++ {
				data = append(data, w.Data[e*per:(e+1)*per]...)
				data = append(data, up.Data[e*per:(e+1)*per]...)
			}
			out = append(out, gguf.WriteTensor{Name: strings.Replace(w.Name, "gate_exps", "gate_up_exps", 1), Type: w.Type, Dims: []uint64{128, 512, 4}, Data: data})
		case strings.HasSuffix(w.Name, "ffn_up_exps.weight"):
		default:
			out = append(out, w)
		}
	}
	out = append(out, gguf.WriteTensor{Name: "v.patch_embedding.weight", Type: gguf.F32, Dims: []uint64{8}, Data: make([]byte, 32)},
		gguf.WriteTensor{Name: "mm.linear_1.weight", Type: gguf.F32, Dims: []uint64{8}, Data: make([]byte, 32)})
	m, meta, err := checkpoint.LoadGGUF(writeGGUF(t, kvs, out))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if meta.Flavor != "ollama" {
		t.Errorf("flavor %q", meta.Flavor)
	}
	ref := loadTiny(t, "f32")
	ids := goldenSeqs(t)["len100"]
	if d, _ := testmodel.MaxAbsDiff(allLogits(t, m, ids), allLogits(t, ref, ids)); d > 1e-5 {
		t.Errorf("ollama layout: max |Δlogit| %g", d)
	}
}

// TestGGUFConvertErrors: layouts a llama4 GGUF cannot express are refused.
func TestGGUFConvertErrors(t *testing.T) {
	m := loadTiny(t, "f32")
	m.Config.LayerIsMoE = []bool{true, false, false, true}
	if _, _, err := Metadata(m, FileF32, ""); err == nil || !strings.Contains(err.Error(), "interleave_moe_layer_step") {
		t.Errorf("irregular MoE layers: %v", err)
	}
	m.Config.LayerIsMoE = []bool{false, true, false, true}
	m.Config.LayerUsesRoPE = []bool{true, false, true, true}
	if _, _, err := Metadata(m, FileF32, ""); err == nil || !strings.Contains(err.Error(), "NoPE") {
		t.Errorf("irregular NoPE layers: %v", err)
	}
	if _, err := ParseFileType("q5_k"); err == nil || !strings.Contains(err.Error(), "q5_k") {
		t.Errorf("unknown type: %v", err)
	}
}

// TestGGUFRealConfigs: Scout's and Maverick's configs written as llama4
// metadata (what llama.cpp's converter writes for them) read back as the
// same model: layer layout, widths, QK-norm from the expert count (on for
// 16, off for 128), chunk and temperature values.
func TestGGUFRealConfigs(t *testing.T) {
	for _, dir := range []string{"../../testdata/configs/scout-17b-16e-instruct", "../../testdata/configs/maverick-17b-128e-instruct"} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want, err := checkpoint.LoadConfig(dir)
			if err != nil {
				t.Fatal(err)
			}
			kvs, warn, err := Metadata(&Model{Config: want}, FileBF16, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(warn) > 0 {
				t.Errorf("warnings for a real model: %v", warn)
			}
			f := gguftest.Parse(t, "real.gguf", kvs, nil)
			got, _, err := checkpoint.ConfigFromGGUF(f)
			if err != nil {
				t.Fatal(err)
			}
			type shape struct {
				V, D, F, FM, L, H, KV, HD, E, K, Chunk, Max int
				QK, Temp                                    bool
				Floor, Scale, Theta                         float64
				Eps                                         float32
				Rope, MoE                                   []bool
			}
			sh := func(c *Config) shape {
				return shape{c.VocabSize, c.Hidden, c.Intermediate, c.IntermediateMLP, c.Layers, c.Heads, c.KVHeads, c.HeadDim,
					c.Experts, c.ExpertsPerToken, c.ChunkSize, c.MaxPositions, c.UseQKNorm, c.TempTuning, c.FloorScale, c.AttnScale,
					c.RopeTheta, c.RMSNormEps, c.LayerUsesRoPE, c.LayerIsMoE}
			}
			a, b := sh(got), sh(want)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("from GGUF %+v\nfrom HF   %+v", a, b)
			}
		})
	}
}
