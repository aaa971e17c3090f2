package train

import (
	"github.com/herd-llm/herd/train/metap"
	"math"
	"math/rand/v2"
)

// InitParams fills p for training from scratch, deterministically from seed
// (each tensor draws from its own PCG stream, so the values do not depend on
// goroutines or on the order of initialisation):
//
//   - every tensor of ≥ 2 dimensions ~ N(0, std²), std = Hugging Face's
//     initializer_range (0.02 is its default), as Llama4PreTrainedModel
//     initialises Linear, Embedding and the expert stacks;
//   - the projections that write into the residual stream (o_proj, down_proj,
//     shared_expert.down_proj, experts.down_proj) are further scaled by
//     1/√(2·layers), GPT-2's rule, so the residual's variance does not grow
//     with depth;
//   - RMSNorm weights are 1;
//   - the embedding row of the pad token is 0 (nn.Embedding padding_idx).
//
// With these, the logits start near zero and the loss near ln(vocab).
func InitParams(p *Params[float32], seed uint64, std float64) {
	c := p.Config
	resid := std / math.Sqrt(2*float64(c.Layers))
	initParams(p, seed, func(t *Tensor[float32]) float64 {
		if metap.IsBranchOutput(t.Name) {
			return resid
		}
		return std
	})
}

// initParams draws every tensor of ≥ 2 dimensions from N(0, stdOf(t)²),
// each from its own PCG stream, sets RMSNorm weights to 1 and the pad
// token's embedding row to 0.
func initParams(p *Params[float32], seed uint64, stdOf func(t *Tensor[float32]) float64) {
	c := p.Config
	for i, t := range p.Tensors {
		if !Decays(t) {
			for j := range t.Data {
				t.Data[j] = 1
			}
			continue
		}
		s := stdOf(t)
		r := rand.New(rand.NewPCG(seed, uint64(i)+1))
		for j := range t.Data {
			t.Data[j] = float32(s * r.NormFloat64())
		}
	}
	if pad := c.Pad; pad >= 0 && pad < c.VocabSize {
		clear(p.Embed.Data[pad*c.Hidden : (pad+1)*c.Hidden])
	}
}
