package train

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/kernels"
)

// AdamWConfig are the optimizer's hyper-parameters (PyTorch's names).
type AdamWConfig struct {
	Beta1, Beta2 float64 // moment decay rates, e.g. 0.9, 0.95
	Eps          float64 // added to the bias-corrected √v, e.g. 1e-8
	WeightDecay  float64 // decoupled decay of every tensor of ≥ 2 dimensions; 1-D tensors (norm weights) get none
}

// AdamW is the optimizer state: first and second moments in the parameters'
// layout, and the number of steps taken.
type AdamW struct {
	Config AdamWConfig
	M, V   *Params[float32] // exp_avg, exp_avg_sq
	Step   int              // steps taken; the next step is Step+1
	// LRMult and EpsMult, when not nil, hold one multiplier per parameter
	// tensor (in Params.Tensors order) of the learning rate of the Adam step
	// and of eps: the per-group multipliers of a parametrisation such as
	// MetaP. The decoupled weight decay is not multiplied: every tensor
	// decays by lr·wd with the unmultiplied lr. nil means 1 everywhere.
	LRMult, EpsMult []float64
}

// NewAdamW makes a zero-state optimizer for parameters shaped like p.
func NewAdamW(p *Params[float32], c AdamWConfig) *AdamW {
	return &AdamW{Config: c, M: p.ZerosLike(), V: p.ZerosLike()}
}

// Decays reports whether a tensor gets weight decay: every parameter of two
// or more dimensions (matrices, embeddings, router, the 3-D expert stacks)
// does; 1-D ones (RMSNorm weights) do not, as the reference's
// p.dim() >= 2 rule.
func Decays[F Float](t *Tensor[F]) bool { return len(t.Shape) >= 2 }

// Update takes one AdamW step with learning rate lr on p using gradients g,
// in float32 exactly as PyTorch's single-tensor torch.optim.AdamW
// (foreach=False) computes it, for each element with the tensor's decay wd:
//
//	p ← p·(1 − lr·wd)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g·g
//	p ← p − (lr·μ / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps·ε)
//
// with the tensor's multipliers μ = LRMult[i] and ε = EpsMult[i] (1 when
// unset, which is PyTorch's update bit for bit). Python-float scalars are
// rounded to float32 where PyTorch rounds them.
func (o *AdamW) Update(p, g *Params[float32], lr float64) error {
	if len(p.Tensors) != len(g.Tensors) || len(p.Tensors) != len(o.M.Tensors) {
		return fmt.Errorf("train: AdamW: parameters, gradients and state differ in layout")
	}
	o.Step++
	c := o.Config
	t := float64(o.Step)
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := 1 - math.Pow(c.Beta2, t)
	if (o.LRMult != nil && len(o.LRMult) != len(p.Tensors)) || (o.EpsMult != nil && len(o.EpsMult) != len(p.Tensors)) {
		return fmt.Errorf("train: AdamW: %d learning-rate and %d eps multipliers for %d tensors", len(o.LRMult), len(o.EpsMult), len(p.Tensors))
	}
	bc2Sqrt := float32(math.Sqrt(bc2))
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	a1, a2 := float32(1-c.Beta1), float32(1-c.Beta2)
	for i, pt := range p.Tensors {
		gt, mt, vt := g.Tensors[i], o.M.Tensors[i], o.V.Tensors[i]
		if gt.Name != pt.Name || len(gt.Data) != len(pt.Data) {
			return fmt.Errorf("train: AdamW: gradient %s does not match parameter %s", gt.Name, pt.Name)
		}
		tlr, teps := lr, c.Eps
		if o.LRMult != nil {
			tlr *= o.LRMult[i]
		}
		if o.EpsMult != nil {
			teps *= o.EpsMult[i]
		}
		k := kernels.AdamWCoefs{
			Decay: 1,
			B1:    b1, A1: a1, B2: b2, A2: a2,
			Bc2Sqrt:  bc2Sqrt,
			Eps:      float32(teps),
			StepSize: float32(-(tlr / bc1)),
		}
		if Decays(pt) && c.WeightDecay != 0 {
			k.Decay = float32(1 - lr*c.WeightDecay)
		}
		pd, gd, md, vd := pt.Data, gt.Data, mt.Data, vt.Data
		kernels.ParallelFor(len(pd), 1<<15, func(lo, hi int) {
			kernels.AdamW(pd[lo:hi], gd[lo:hi], md[lo:hi], vd[lo:hi], &k)
		})
	}
	return nil
}

// ClipGradNorm scales g so that its global L2 norm is at most maxNorm (as
// torch.nn.utils.clip_grad_norm_: factor maxNorm/(norm+1e-6) when
// norm > maxNorm) and returns the norm before clipping, accumulated in
// float64 in tensor order. maxNorm ≤ 0 only measures.
func ClipGradNorm[F Float](g *Params[F], maxNorm float64) float64 {
	var ss float64
	for _, t := range g.Tensors {
		for _, v := range t.Data {
			ss += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 && norm > maxNorm {
		f := F(maxNorm / (norm + 1e-6))
		for _, t := range g.Tensors {
			for j := range t.Data {
				t.Data[j] *= f
			}
		}
	}
	return norm
}
