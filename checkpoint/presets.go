package checkpoint

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// presetJSON are named model shapes for benchmarks and tests ("dummy" models
// with random weights, like vLLM's dummy load format).
var presetJSON = map[string]string{
	// bench-566m: the kernel issue's benchmark shape (566M parameters).
	"bench-566m": `{"model_type":"llama4_text","vocab_size":32768,"hidden_size":1024,"num_hidden_layers":8,
		"num_attention_heads":16,"num_key_value_heads":4,"head_dim":64,"intermediate_size":2048,"intermediate_size_mlp":4096,
		"num_local_experts":16,"num_experts_per_tok":1,"interleave_moe_layer_step":2,"attention_chunk_size":8192,
		"max_position_embeddings":1048576,"rope_theta":500000,"use_qk_norm":true,"bos_token_id":1,"eos_token_id":2,"pad_token_id":0}`,
	// tiny: a fast preset with every Llama 4 feature, for tests.
	"tiny": `{"model_type":"llama4_text","vocab_size":512,"hidden_size":64,"num_hidden_layers":4,
		"num_attention_heads":4,"num_key_value_heads":2,"head_dim":16,"intermediate_size":128,"intermediate_size_mlp":256,
		"num_local_experts":4,"num_experts_per_tok":1,"interleave_moe_layer_step":2,"attention_chunk_size":16,
		"max_position_embeddings":1048576,"rope_theta":500000,"use_qk_norm":true,"floor_scale":8,"bos_token_id":1,"eos_token_id":2,"pad_token_id":0}`,
	// long-1m: a small Llama-4-shaped model for million-token contexts.
	"long-1m": `{"model_type":"llama4_text","vocab_size":1024,"hidden_size":256,"num_hidden_layers":4,
		"num_attention_heads":4,"num_key_value_heads":2,"head_dim":64,"intermediate_size":256,"intermediate_size_mlp":512,
		"num_local_experts":4,"num_experts_per_tok":1,"interleave_moe_layer_step":2,"attention_chunk_size":8192,
		"max_position_embeddings":10485760,"rope_theta":500000,"use_qk_norm":true,"bos_token_id":1,"eos_token_id":2,"pad_token_id":0}`,
}

// Presets lists the names of the built-in model shapes.
func Presets() []string { return slices.Sorted(maps.Keys(presetJSON)) }

// PresetConfig returns a named model shape.
func PresetConfig(name string) (*llama4.Config, error) {
	j, ok := presetJSON[name]
	if !ok {
		return nil, fmt.Errorf("llama4: unknown preset %q (have %v)", name, Presets())
	}
	return ParseConfig([]byte(j))
}

// RandomModel builds a model of cfg's shape with random weights stored as dt
// (F32, BF16 or F16): normal with std 1/√fan_in for projections, N(0,1)
// embeddings and norm weights near 1, so activations stay O(1). The same seed
// gives the same weights.
func RandomModel(cfg *llama4.Config, dt tensor.DType, seed uint64) (*llama4.Model, error) {
	switch dt {
	case tensor.F32, tensor.BF16, tensor.F16:
	default:
		return nil, fmt.Errorf("llama4: random weights in %s are not supported", dt)
	}
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	mat := func(rows, cols int, std float64) *tensor.Mat {
		m := &tensor.Mat{DType: dt, Rows: rows, Cols: cols, Data: make([]byte, rows*cols*dt.Size())}
		for i := 0; i < rows*cols; i++ {
			f := float32(r.NormFloat64() * std)
			switch dt {
			case tensor.F32:
				binary.LittleEndian.PutUint32(m.Data[4*i:], math.Float32bits(f))
			case tensor.BF16:
				binary.LittleEndian.PutUint16(m.Data[2*i:], tensor.F32ToBF16(f))
			case tensor.F16:
				binary.LittleEndian.PutUint16(m.Data[2*i:], tensor.F32ToF16(f))
			}
		}
		return m
	}
	norm := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(1 + 0.1*r.NormFloat64())
		}
		return v
	}
	D, hd := cfg.Hidden, cfg.HeadDim
	inv := func(n int) float64 { return 1 / math.Sqrt(float64(n)) }
	mlp := func(f int) llama4.MLP {
		return llama4.MLP{Gate: mat(f, D, inv(D)), Up: mat(f, D, inv(D)), Down: mat(D, f, inv(f))}
	}
	w := &llama4.Weights{Embed: mat(cfg.VocabSize, D, 1), Norm: norm(D), Layers: make([]llama4.LayerWeights, cfg.Layers)}
	if cfg.TieEmbeddings {
		w.LMHead = w.Embed
	} else {
		w.LMHead = mat(cfg.VocabSize, D, inv(D))
	}
	for l := range w.Layers {
		lw := &w.Layers[l]
		lw.AttnNorm, lw.FFNNorm = norm(D), norm(D)
		lw.Q = mat(cfg.Heads*hd, D, inv(D))
		lw.K = mat(cfg.KVHeads*hd, D, inv(D))
		lw.V = mat(cfg.KVHeads*hd, D, inv(D))
		lw.O = mat(D, cfg.Heads*hd, inv(cfg.Heads*hd))
		if !cfg.LayerIsMoE[l] {
			m := mlp(cfg.IntermediateMLP)
			lw.Dense = &m
			continue
		}
		moe := &llama4.MoE{Router: mat(cfg.Experts, D, inv(D)), Shared: mlp(cfg.Intermediate), Experts: make([]llama4.MLP, cfg.Experts)}
		for e := range moe.Experts {
			moe.Experts[e] = mlp(cfg.Intermediate)
		}
		lw.MoE = moe
	}
	return llama4.New(cfg, w), nil
}
