package checkpoint

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// HFConfigJSON renders c as a flat Hugging Face llama4_text config.json
// (Llama4ForCausalLM) that ParseConfig reads back to the same Config.
func HFConfigJSON(c *llama4.Config) ([]byte, error) {
	noRope := make([]int, c.Layers)
	var moe []int
	for i := range noRope {
		if c.LayerUsesRoPE[i] {
			noRope[i] = 1
		}
		if c.LayerIsMoE[i] {
			moe = append(moe, i)
		}
	}
	if moe == nil {
		moe = []int{}
	}
	dtype := c.TorchDType
	if dtype == "" {
		dtype = "float32"
	}
	m := map[string]any{
		"architectures": []string{"Llama4ForCausalLM"}, "model_type": "llama4_text",
		"vocab_size": c.VocabSize, "hidden_size": c.Hidden, "intermediate_size": c.Intermediate,
		"intermediate_size_mlp": c.IntermediateMLP, "num_hidden_layers": c.Layers,
		"num_attention_heads": c.Heads, "num_key_value_heads": c.KVHeads, "head_dim": c.HeadDim,
		"hidden_act": "silu", "rms_norm_eps": c.RMSNormEps, "rope_theta": c.RopeTheta,
		"max_position_embeddings": c.MaxPositions, "num_local_experts": c.Experts,
		"num_experts_per_tok": c.ExpertsPerToken, "moe_layers": moe, "no_rope_layers": noRope,
		"attention_chunk_size": c.ChunkSize, "use_qk_norm": c.UseQKNorm,
		"attn_temperature_tuning": c.TempTuning, "floor_scale": c.FloorScale, "attn_scale": c.AttnScale,
		"attention_bias": false, "tie_word_embeddings": c.TieEmbeddings, "bos_token_id": c.BOS,
		"eos_token_id": c.EOS, "pad_token_id": c.Pad, "torch_dtype": dtype,
	}
	// moe_layers is authoritative for herd and transformers; the interval is
	// written too because some converters (llama.cpp's) read only it.
	if step, err := moeStep(c); err == nil && step > 0 {
		m["interleave_moe_layer_step"] = step
	}
	if s := c.RopeScaling; s != nil {
		m["rope_scaling"] = map[string]any{"rope_type": s.Type, "factor": s.Factor, "low_freq_factor": s.LowFreqFactor,
			"high_freq_factor": s.HighFreqFactor, "original_max_position_embeddings": s.OriginalMaxPos}
	} else {
		m["rope_scaling"] = nil
	}
	return json.MarshalIndent(m, "", "  ")
}

// SaveHF writes the model as a Hugging Face Llama4ForCausalLM directory
// (config.json + model.safetensors) that LoadHF, transformers and other
// engines load. Weights keep their dtype; routed experts are re-fused into
// the input-major gate_up_proj / down_proj stacks. FP8 weights are not
// supported here.
func SaveHF(m *llama4.Model, dir string) error {
	c, w := m.Config, m.Weights
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("llama4: %w", err)
	}
	cfgJSON, err := HFConfigJSON(c)
	if err != nil {
		return err
	}
	var ts []safetensors.WriteTensor
	err = w.ForEach(c, func(s llama4.Slot, r llama4.Ref) error {
		name := s.HFName()
		switch {
		case s.IsVec():
			v := *r.Vec
			ts = append(ts, safetensors.WriteTensor{Name: name, DType: "F32", Shape: []int{len(v)}, Data: tensor.NewF32Mat(1, len(v), v).Data})
		case s.Role == llama4.RoleOutput && w.Tied():
		case s.FFN == llama4.FFNRouted:
			if s.Role != llama4.RoleDown || s.Expert != c.Experts-1 {
				return nil // the layer's experts are written as two stacks after the last
			}
			gu, dn, err := fuseExperts(w.Layers[s.Layer].MoE.Experts)
			if err != nil {
				return fmt.Errorf("llama4: layer %d: %w", s.Layer, err)
			}
			gate := s
			gate.Role = llama4.RoleGate
			gu.Name, dn.Name = gate.HFStackName(), s.HFStackName()
			ts = append(ts, gu, dn)
		default:
			x := *r.Mat
			if x.DType == tensor.F8E4M3 {
				return fmt.Errorf("llama4: SaveHF: %s is FP8, which SaveHF does not write", name)
			}
			ts = append(ts, safetensors.WriteTensor{Name: name, DType: x.DType.String(), Shape: []int{x.Rows, x.Cols}, Data: x.Data})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfgJSON, 0o644); err != nil {
		return fmt.Errorf("llama4: %w", err)
	}
	path := filepath.Join(dir, "model.safetensors")
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("llama4: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := safetensors.Write(bw, ts, map[string]string{"format": "pt"}); err != nil {
		f.Close()
		return fmt.Errorf("llama4: writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("llama4: writing %s: %w", path, err)
	}
	return f.Close()
}

// fuseExperts builds the HF stacks gate_up_proj [E, D, 2F] and down_proj
// [E, F, D] (input-major) from per-expert [out, in] matrices.
func fuseExperts(ex []llama4.MLP) (gu, dn safetensors.WriteTensor, err error) {
	E := len(ex)
	F, D := ex[0].Gate.Rows, ex[0].Gate.Cols
	dt := ex[0].Gate.DType
	es := dt.Size()
	gub := make([]byte, E*D*2*F*es)
	dnb := make([]byte, E*F*D*es)
	for e, x := range ex {
		for _, m := range []*tensor.Mat{x.Gate, x.Up, x.Down} {
			if m.DType != dt {
				return gu, dn, fmt.Errorf("experts mix dtypes %s and %s", dt, m.DType)
			}
		}
		for i := 0; i < D; i++ {
			for o := 0; o < F; o++ {
				copy(gub[((e*D+i)*2*F+o)*es:][:es], x.Gate.Data[(o*D+i)*es:][:es])
				copy(gub[((e*D+i)*2*F+F+o)*es:][:es], x.Up.Data[(o*D+i)*es:][:es])
			}
		}
		for i := 0; i < F; i++ {
			for o := 0; o < D; o++ {
				copy(dnb[((e*F+i)*D+o)*es:][:es], x.Down.Data[(o*F+i)*es:][:es])
			}
		}
	}
	return safetensors.WriteTensor{DType: dt.String(), Shape: []int{E, D, 2 * F}, Data: gub},
		safetensors.WriteTensor{DType: dt.String(), Shape: []int{E, F, D}, Data: dnb}, nil
}
