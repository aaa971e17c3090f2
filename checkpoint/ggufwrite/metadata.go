package ggufwrite

import (
	"fmt"
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/gguf"
	"github.com/herd-llm/herd/model/llama4"
)

// Metadata returns the llama4 metadata llama.cpp's converter writes for
// this model (keys, types and order of convert_hf_to_gguf.py's Llama4Model),
// for file type typ. Values llama.cpp hard-codes but this model does not
// share (chunk size, temperature floor and scale, temperature tuning,
// QK-norm rule, NoPE interval) are added under ollama's key names, which
// herd and ollama read and llama.cpp ignores; warnings say so. A layer
// layout that llama4 GGUF cannot express is an error.
func Metadata(m *llama4.Model, typ FileType, name string) ([]gguf.KV, []string, error) {
	c := m.Config
	if int(typ) >= len(fileTypes) {
		return nil, nil, fmt.Errorf("ggufwrite: unknown GGUF %s", typ)
	}
	ft := fileTypes[typ].ftype
	step, err := c.MoEStep()
	if err != nil {
		return nil, nil, err
	}
	noRope, err := noRopeStep(c)
	if err != nil {
		return nil, nil, err
	}
	u := func(k string, v int) gguf.KV { return gguf.KVUint32("llama4."+k, uint32(v)) }
	kvs := []gguf.KV{
		gguf.KVString("general.architecture", "llama4"),
		gguf.KVString("general.type", "model"),
	}
	if name != "" {
		kvs = append(kvs, gguf.KVString("general.name", name))
	}
	kvs = append(kvs,
		u("block_count", c.Layers),
		u("context_length", c.MaxPositions),
		u("embedding_length", c.Hidden),
		u("feed_forward_length", c.IntermediateMLP),
		u("attention.head_count", c.Heads),
		u("attention.head_count_kv", c.KVHeads),
		gguf.KVFloat32("llama4.rope.freq_base", float32(c.RopeTheta)),
		gguf.KVFloat32("llama4.attention.layer_norm_rms_epsilon", c.RMSNormEps),
		u("expert_count", c.Experts),
		u("expert_used_count", c.ExpertsPerToken),
		u("attention.key_length", c.HeadDim),
		u("attention.value_length", c.HeadDim),
		gguf.KVUint32("general.file_type", ft),
		u("vocab_size", c.VocabSize),
		u("rope.dimension_count", c.HeadDim),
		u("interleave_moe_layer_step", step),
		u("expert_feed_forward_length", c.Intermediate),
		gguf.KVUint32("general.quantization_version", 2),
	)
	var warn []string
	differs := func(what string, kv gguf.KV) {
		kvs = append(kvs, kv)
		warn = append(warn, fmt.Sprintf("%s; written as %s, which herd and ollama read but llama.cpp ignores: llama.cpp will compute a different model", what, kv.Key))
	}
	if c.ChunkSize != checkpoint.GGUFChunkSize {
		differs(fmt.Sprintf("attention chunk %d (llama.cpp hard-codes %d)", c.ChunkSize, checkpoint.GGUFChunkSize), gguf.KVUint32(checkpoint.GGUFKeyChunkSize, uint32(c.ChunkSize)))
	}
	if noRope != checkpoint.GGUFNoRopeStep {
		differs(fmt.Sprintf("every %dth layer NoPE (llama.cpp hard-codes %d)", noRope, checkpoint.GGUFNoRopeStep), gguf.KVUint32(checkpoint.GGUFKeyNoRopeStep, uint32(noRope)))
	}
	if !c.TempTuning {
		differs("attention temperature tuning off (llama.cpp always applies it)", gguf.KVBool(checkpoint.GGUFKeyTempTuning, false))
	} else if c.FloorScale != checkpoint.GGUFFloorScale || c.AttnScale != checkpoint.GGUFAttnScale {
		differs(fmt.Sprintf("temperature floor %g (llama.cpp hard-codes %d)", c.FloorScale, checkpoint.GGUFFloorScale), gguf.KVFloat32(checkpoint.GGUFKeyFloorScale, float32(c.FloorScale)))
		if c.AttnScale != checkpoint.GGUFAttnScale {
			differs(fmt.Sprintf("temperature scale %g (llama.cpp hard-codes %g)", c.AttnScale, checkpoint.GGUFAttnScale), gguf.KVFloat32(checkpoint.GGUFKeyAttnScale, float32(c.AttnScale)))
		}
	}
	if c.UseQKNorm != (c.Experts != checkpoint.GGUFQKNormExperts) {
		differs(fmt.Sprintf("QK-norm %v with %d experts (llama.cpp: on iff expert_count != 128)", c.UseQKNorm, c.Experts), gguf.KVBool(checkpoint.GGUFKeyUseQKNorm, c.UseQKNorm))
	}
	if c.NumMoELayers() == 0 {
		warn = append(warn, "no MoE layers: llama.cpp refuses llama4 models without experts")
	}
	return kvs, warn, nil
}

// noRopeStep is the interval k with layer i NoPE iff (i+1) % k == 0.
func noRopeStep(c *llama4.Config) (int, error) {
	for k := 1; k <= max(c.Layers, checkpoint.GGUFNoRopeStep); k++ {
		ok := true
		for i, rope := range c.LayerUsesRoPE {
			ok = ok && rope == ((i+1)%k != 0)
		}
		if ok {
			if k > c.Layers { // no NoPE layer at all; any k > Layers would do
				return k, fmt.Errorf("llama4: every layer uses RoPE, which a llama4 GGUF cannot express")
			}
			return k, nil
		}
	}
	return 0, fmt.Errorf("llama4: the NoPE layers are not every k-th layer, which a llama4 GGUF cannot express")
}
