// Package fp8 simulates FP8 training (train's Options.FP8): the inputs of the decoder layers'
// linear-layer products — activations, weights and, in the backward pass,
// output gradients — are scaled so that their largest magnitude (amax) maps
// to the format's largest finite value, rounded to FP8 (round to nearest,
// ties to even, saturating), multiplied with float32 accumulation, and the
// product is unscaled: out = (Σ q_a·q_b)·(1/s_a)·(1/s_b), as
// torch._scaled_mm computes it. Scales are computed from the tensor being
// cast ("dynamic" or just-in-time scaling, as torchao's Float8Linear
// default), one per tensor ("tensor") or one per row along the contraction
// dimension ("row"). The master weights, the optimizer, the attention
// products, norms and the loss stay float32; so do the router and the LM
// head (DeepSeek-V3 and torchtitan's float8 recipes keep the MoE gate and
// the output head in higher precision too).
//
// "e4m3" rounds every input to E4M3 (OCP fn variant: max 448); "hybrid"
// rounds the output gradients of backward products to E5M2 (max 57344,
// more range, one fewer mantissa bit) and the rest to E4M3.
package fp8
