package llama4

import (
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/tensor"
)

// WeightBytes is the memory the bound weights occupy (memory-mapped or copied).
func (m *Model) WeightBytes() int64 {
	var n int64
	mat := func(x *tensor.Mat) {
		if x != nil {
			n += int64(len(x.Data)) + 4*int64(len(x.Scale))
		}
	}
	mlp := func(x *MLP) { mat(x.Gate); mat(x.Up); mat(x.Down) }
	w := m.Weights
	mat(w.Embed)
	if w.LMHead != w.Embed {
		mat(w.LMHead)
	}
	n += 4 * int64(len(w.Norm))
	for i := range w.Layers {
		l := &w.Layers[i]
		n += 4 * int64(len(l.AttnNorm)+len(l.FFNNorm))
		mat(l.Q)
		mat(l.K)
		mat(l.V)
		mat(l.O)
		if l.Dense != nil {
			mlp(l.Dense)
		}
		if l.MoE != nil {
			mat(l.MoE.Router)
			mlp(&l.MoE.Shared)
			for e := range l.MoE.Experts {
				mlp(&l.MoE.Experts[e])
			}
		}
	}
	return n
}

// ScratchBytes estimates the activation memory of one Forward call over
// batch tokens (float32 buffers; logits for the last position only).
func (c *Config) ScratchBytes(batch int) int64 {
	T := int64(batch)
	D, qd, kd := int64(c.Hidden), int64(c.Heads*c.HeadDim), int64(c.KVHeads*c.HeadDim)
	F := int64(max(c.Intermediate, c.IntermediateMLP))
	floats := T*D*6 + T*qd*2 + T*kd*2 + T*F*2 + T*int64(max(c.Experts, 1)) + int64(c.VocabSize)
	return 4 * floats
}

// PlanInput describes a run of ctx tokens with the given cache type and
// prefill batch, for kvcache.MakePlan.
func (m *Model) PlanInput(ctx, batch int, dt tensor.DType) kvcache.PlanInput {
	c := m.Config
	return ConfigPlanInput(c, ctx, batch, dt, m.WeightBytes())
}

// ConfigPlanInput is PlanInput from a config alone, with weightBytes given.
func ConfigPlanInput(c *Config, ctx, batch int, dt tensor.DType, weightBytes int64) kvcache.PlanInput {
	return kvcache.PlanInput{
		Chunked: c.LayerUsesRoPE, KVHeads: c.KVHeads, HeadDim: c.HeadDim, Chunk: c.ChunkSize, DType: dt,
		Ctx: ctx, Sequences: 1, WeightBytes: weightBytes, ScratchBytes: c.ScratchBytes(batch),
	}
}
