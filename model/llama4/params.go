package llama4

import "math/bits"

// MaxParams is the largest parameter count (of a layer, a part or the whole
// model) Params computes; larger counts set Overflow. It leaves room to
// multiply a count by an element size of up to 8 bytes in an int64.
const MaxParams = 1 << 60

// ParamCounts are parameter totals computed from a config alone (spec §1.5).
type ParamCounts struct {
	Text       int64 // text decoder, embeddings and lm_head included
	Vision     int64 // vision tower + adapter (0 without vision)
	Projector  int64 // multi_modal_projector (0 without vision)
	Total      int64
	ActiveText int64 // text parameters used per token: unselected experts excluded
	PerLayer   []int64
	// Overflow reports a count above MaxParams (or a negative size): the
	// counts are then meaningless. Validate rejects such configs.
	Overflow bool
}

// counter does overflow-checked arithmetic on non-negative counts: a result
// above MaxParams sets over and reads as 0.
type counter struct{ over bool }

func (k *counter) mul(a, b int64) int64 {
	if a < 0 || b < 0 {
		k.over = true
		return 0
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > MaxParams {
		k.over = true
		return 0
	}
	return int64(lo)
}

func (k *counter) add(xs ...int64) int64 {
	var s int64
	for _, x := range xs {
		if x < 0 || x > MaxParams || s+x > MaxParams {
			k.over = true
			return 0
		}
		s += x
	}
	return s
}

// Params counts the parameters the configuration implies.
func (c *Config) Params() ParamCounts {
	var k counter
	D, hd := int64(c.Hidden), int64(c.HeadDim)
	H, Hkv := int64(c.Heads), int64(c.KVHeads)
	V := int64(c.VocabSize)
	qo := k.mul(k.mul(D, H), hd)
	attn := k.add(qo, qo, k.mul(2, k.mul(k.mul(D, Hkv), hd)))
	norms := k.mul(2, D)
	expert := k.mul(3, k.mul(D, int64(c.Intermediate)))
	dense := k.mul(3, k.mul(D, int64(c.IntermediateMLP)))
	var p ParamCounts
	p.PerLayer = make([]int64, c.Layers)
	var inactive int64
	for l := 0; l < c.Layers; l++ {
		n := k.add(attn, norms)
		if c.LayerIsMoE[l] {
			E := int64(c.Experts)
			n = k.add(n, k.mul(E, D), k.mul(E, expert), expert) // router, routed experts, shared expert
			inactive = k.add(inactive, k.mul(max(E-int64(c.ExpertsPerToken), 0), expert))
		} else {
			n = k.add(n, dense)
		}
		p.PerLayer[l] = n
		p.Text = k.add(p.Text, n)
	}
	p.Text = k.add(p.Text, k.mul(V, D), D) // embeddings, final norm
	if !c.TieEmbeddings {
		p.Text = k.add(p.Text, k.mul(V, D))
	}
	p.ActiveText = p.Text - inactive
	if v := c.Vision; v != nil {
		p.Vision, p.Projector = c.visionParams(&k)
	}
	p.Total = k.add(p.Text, p.Vision, p.Projector)
	p.Overflow = k.over
	return p
}

// visionParams counts the vision tower with its adapter, and the projector.
func (c *Config) visionParams(k *counter) (vision, projector int64) {
	v := c.Vision
	vh, vi := int64(v.Hidden), int64(v.Intermediate)
	patch := k.mul(int64(v.Channels), k.mul(int64(v.PatchSize), int64(v.PatchSize)))
	grid := int64(0)
	if v.PatchSize > 0 {
		grid = int64(v.ImageSize / v.PatchSize)
	}
	tokens := k.add(k.mul(grid, grid), 1)
	hh, ih := k.mul(vh, vh), k.mul(vi, vh)
	perLayer := k.add(k.mul(4, k.add(hh, vh)), ih, vi, ih, vh, k.mul(4, vh))
	vision = k.add(k.mul(vh, patch), vh, k.mul(tokens, vh), k.mul(4, vh), k.mul(int64(v.Layers), perLayer))
	// Adapter (HF Llama4VisionMLP2): fc1 [projector_input_dim, intermediate_size],
	// fc2 [projector_output_dim, projector_output_dim], no biases.
	vision = k.add(vision, k.mul(int64(v.ProjectorInputDim), vi), k.mul(int64(v.ProjectorOutDim), int64(v.ProjectorOutDim)))
	projector = k.mul(int64(c.ProjectorInDim), int64(c.ProjectorOutDim))
	if c.ProjectorHasBias {
		projector = k.add(projector, int64(c.ProjectorOutDim))
	}
	return vision, projector
}

// KVBytesPerToken is the K+V cache size of one position in one layer, for an
// element size in bytes.
func (c *Config) KVBytesPerToken(elemSize int) int64 {
	return int64(2 * c.KVHeads * c.HeadDim * elemSize)
}
