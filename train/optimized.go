package train

// Optimized is a parameter set under AdamW: the parameters (updated in
// place), their gradient accumulator (Params' layout) and the optimizer
// state. Every trainer (pre-training, fine-tuning, RL, DPO) embeds one.
type Optimized struct {
	Params *Params[float32]
	Grads  *Params[float32]
	Optim  *AdamW
}

// NewOptimized puts p (which it updates in place) under AdamW with c and
// zero gradients.
func NewOptimized(p *Params[float32], c AdamWConfig) Optimized {
	return Optimized{Params: p, Grads: p.ZerosLike(), Optim: NewAdamW(p, c)}
}

// ClipAndUpdate clips Grads to a global L2 norm of clip (0: no clipping)
// and takes an AdamW step at learning rate lr. It returns the norm before
// clipping.
func (o *Optimized) ClipAndUpdate(clip, lr float64) (float64, error) {
	norm := ClipGradNorm(o.Grads, clip)
	return norm, o.Optim.Update(o.Params, o.Grads, lr)
}

// StateSets are the parameters and the AdamW moments, as WriteState and
// ReadState take them.
func (o *Optimized) StateSets() [3]*Params[float32] {
	return [3]*Params[float32]{o.Params, o.Optim.M, o.Optim.V}
}
