package llama4

// ParamCounts are parameter totals computed from a config alone (spec §1.5).
type ParamCounts struct {
	Text       int64 // text decoder, embeddings and lm_head included
	Vision     int64 // vision tower + adapter (0 without vision)
	Projector  int64 // multi_modal_projector (0 without vision)
	Total      int64
	ActiveText int64 // text parameters used per token: unselected experts excluded
	PerLayer   []int64
}

// Params counts the parameters the configuration implies.
func (c *Config) Params() ParamCounts {
	D, hd := int64(c.Hidden), int64(c.HeadDim)
	H, Hkv := int64(c.Heads), int64(c.KVHeads)
	V := int64(c.VocabSize)
	attn := D*H*hd + 2*D*Hkv*hd + H*hd*D
	norms := 2 * D
	expert := 3 * D * int64(c.Intermediate)
	dense := 3 * D * int64(c.IntermediateMLP)
	var p ParamCounts
	p.PerLayer = make([]int64, c.Layers)
	var inactive int64
	for l := 0; l < c.Layers; l++ {
		n := attn + norms
		if c.LayerIsMoE[l] {
			E := int64(c.Experts)
			n += E*D + E*expert + expert // router, routed experts, shared expert
			inactive += (E - int64(c.ExpertsPerToken)) * expert
		} else {
			n += dense
		}
		p.PerLayer[l] = n
		p.Text += n
	}
	p.Text += V*D + D // embeddings, final norm
	if !c.TieEmbeddings {
		p.Text += V * D
	}
	p.ActiveText = p.Text - inactive
	if v := c.Vision; v != nil {
		vh, vi := int64(v.Hidden), int64(v.Intermediate)
		patch := int64(v.Channels * v.PatchSize * v.PatchSize)
		grid := int64(v.ImageSize / v.PatchSize)
		tokens := grid*grid + 1
		perLayer := 4*(vh*vh+vh) + (vi*vh + vi) + (vh*vi + vh) + 4*vh
		p.Vision = vh*patch + vh + tokens*vh + 4*vh + int64(v.Layers)*perLayer
		// Adapter (HF Llama4VisionMLP2): fc1 [projector_input_dim, intermediate_size],
		// fc2 [projector_output_dim, projector_output_dim], no biases.
		p.Vision += int64(v.ProjectorInputDim)*vi + int64(v.ProjectorOutDim)*int64(v.ProjectorOutDim)
		p.Projector = int64(c.ProjectorInDim) * int64(c.ProjectorOutDim)
		if c.ProjectorHasBias {
			p.Projector += int64(c.ProjectorOutDim)
		}
	}
	p.Total = p.Text + p.Vision + p.Projector
	return p
}

// KVBytesPerToken is the K+V cache size of one position in one layer, for an
// element size in bytes.
func (c *Config) KVBytesPerToken(elemSize int) int64 {
	return int64(2 * c.KVHeads * c.HeadDim * elemSize)
}
