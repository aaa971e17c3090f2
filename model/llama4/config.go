package llama4

import (
	"fmt"
	"math"
)

// Config is the Llama 4 text configuration, normalised: every list is filled in
// and every per-layer property is explicit.
type Config struct {
	Architecture string // "Llama4ForCausalLM" or "Llama4ForConditionalGeneration"
	Prefix       string // tensor-name prefix of the text model: "" or "language_model."

	VocabSize        int
	Hidden           int // D
	Intermediate     int // width of each routed expert and of the shared expert
	IntermediateMLP  int // width of dense MLP layers
	Layers           int
	Heads            int // query heads H
	KVHeads          int // key/value heads Hkv; H % Hkv == 0
	HeadDim          int // d
	RMSNormEps       float32
	RopeTheta        float64
	RopeScaling      *RopeScaling // nil: no scaling
	MaxPositions     int
	Experts          int // routed experts E (0 when no layer is MoE)
	ExpertsPerToken  int // top-k
	ChunkSize        int // attention_chunk_size of chunked (RoPE) layers
	UseQKNorm        bool
	TempTuning       bool // attention temperature tuning on NoPE layers
	FloorScale       float64
	AttnScale        float64
	TieEmbeddings    bool
	BOS              int
	EOS              []int
	Pad              int
	TorchDType       string
	LayerUsesRoPE    []bool // per layer: true = RoPE + chunked attention (+QK-norm); false = NoPE + global
	LayerIsMoE       []bool // per layer: true = MoE feed-forward; false = dense SwiGLU
	Vision           *VisionConfig
	ProjectorInDim   int // multi_modal_projector input width (vision_output_dim); 0 without vision
	ProjectorOutDim  int // = Hidden when vision is present
	ProjectorHasBias bool
}

// RopeScaling is the llama3 frequency-scaling rule (spec §1.3).
type RopeScaling struct {
	Type           string // "llama3"
	Factor         float64
	LowFreqFactor  float64
	HighFreqFactor float64
	OriginalMaxPos float64
}

// VisionConfig is the vision_config of a Llama4ForConditionalGeneration
// checkpoint (spec §1.4) plus the top-level image token ids.
type VisionConfig struct {
	Hidden            int     // hidden_size (1408)
	Layers            int     // num_hidden_layers (34)
	Heads             int     // num_attention_heads (16)
	Intermediate      int     // intermediate_size (5632)
	ImageSize         int     // image_size: tile side in pixels (336)
	PatchSize         int     // patch_size (14)
	Channels          int     // num_channels (3)
	PixelShuffleRatio float64 // pixel_shuffle_ratio (0.5)
	ProjectorInputDim int     // projector_input_dim (4096)
	ProjectorOutDim   int     // projector_output_dim (4096)
	VisionOutputDim   int     // vision_output_dim (4096 in released configs)
	RopeTheta         float64 // rope_theta, or rope_parameters.rope_theta (10000)
	NormEps           float64 // norm_eps (1e-5)
	PatchTokenID      int     // top-level image_token_index: <|patch|> (200092)
	ImageStartID      int     // top-level boi_token_index: <|image_start|> (200080)
	ImageEndID        int     // top-level eoi_token_index: <|image_end|> (200081)
}

// NumMoELayers counts the MoE layers.
func (c *Config) NumMoELayers() int { return len(c.MoELayers()) }

// MoELayers are the indexes of the MoE layers, in order.
func (c *Config) MoELayers() []int {
	var out []int
	for i, m := range c.LayerIsMoE {
		if m {
			out = append(out, i)
		}
	}
	return out
}

// MoEStep is the interleave_moe_layer_step that reproduces LayerIsMoE
// (layer i is MoE iff (i+1) % step == 0), or 0 for a model without MoE
// layers; an error when no step does.
func (c *Config) MoEStep() (int, error) {
	if c.NumMoELayers() == 0 {
		return 0, nil
	}
	for s := 1; s <= c.Layers; s++ {
		ok := true
		for i, moe := range c.LayerIsMoE {
			ok = ok && moe == ((i+1)%s == 0)
		}
		if ok {
			return s, nil
		}
	}
	return 0, fmt.Errorf("llama4: the MoE layers %v are not every n-th layer, which no interleave_moe_layer_step expresses", c.MoELayers())
}

// IsEOS reports whether id ends generation.
func (c *Config) IsEOS(id int) bool {
	for _, e := range c.EOS {
		if e == id {
			return true
		}
	}
	return false
}

// Validate checks the invariants every source of a Config (config.json,
// GGUF metadata, presets) must meet, naming the config.json key of a bad
// value: positive sizes, an even head_dim, query heads a multiple of KV
// heads, positive epsilon and temperature floor, a finite rope_theta > 1, a
// sane llama3 RoPE scaling, per-layer lists of num_hidden_layers entries,
// 1 ≤ num_experts_per_tok ≤ num_local_experts when a layer is MoE, positive
// vision sizes, and a parameter count that fits (see MaxParams).
func (c *Config) Validate() error {
	if err := positive("", []namedSize{
		{"vocab_size", c.VocabSize}, {"hidden_size", c.Hidden}, {"num_hidden_layers", c.Layers},
		{"num_attention_heads", c.Heads}, {"num_key_value_heads", c.KVHeads}, {"head_dim", c.HeadDim},
		{"intermediate_size", c.Intermediate}, {"intermediate_size_mlp", c.IntermediateMLP},
		{"attention_chunk_size", c.ChunkSize}, {"max_position_embeddings", c.MaxPositions},
	}); err != nil {
		return err
	}
	if c.HeadDim%2 != 0 {
		return fmt.Errorf("head_dim = %d must be even for RoPE", c.HeadDim)
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("num_attention_heads = %d is not a multiple of num_key_value_heads = %d", c.Heads, c.KVHeads)
	}
	if !(c.RMSNormEps > 0) {
		return fmt.Errorf("rms_norm_eps = %g must be positive", c.RMSNormEps)
	}
	if !(c.FloorScale > 0) {
		return fmt.Errorf("floor_scale = %g must be positive", c.FloorScale)
	}
	if !(c.RopeTheta > 1) || math.IsInf(c.RopeTheta, 0) {
		return fmt.Errorf("rope_theta = %g must be a finite number > 1", c.RopeTheta)
	}
	if rs := c.RopeScaling; rs != nil {
		if !(rs.Factor > 0) || !(rs.LowFreqFactor > 0) || !(rs.HighFreqFactor > 0) || !(rs.OriginalMaxPos > 0) {
			return fmt.Errorf("rope_scaling: factors must be positive, got factor %g low %g high %g original %g", rs.Factor, rs.LowFreqFactor, rs.HighFreqFactor, rs.OriginalMaxPos)
		}
		if rs.HighFreqFactor < rs.LowFreqFactor {
			return fmt.Errorf("rope_scaling: high_freq_factor %g < low_freq_factor %g", rs.HighFreqFactor, rs.LowFreqFactor)
		}
	}
	if len(c.LayerUsesRoPE) != c.Layers {
		return fmt.Errorf("no_rope_layers has %d entries, num_hidden_layers is %d", len(c.LayerUsesRoPE), c.Layers)
	}
	if len(c.LayerIsMoE) != c.Layers {
		return fmt.Errorf("%d per-layer MoE flags, num_hidden_layers is %d", len(c.LayerIsMoE), c.Layers)
	}
	if err := c.validateVision(); err != nil {
		return err
	}
	if c.Params().Overflow {
		return fmt.Errorf("the parameter count of %d layers, hidden %d, %d experts of width %d, vocab %d exceeds %d", c.Layers, c.Hidden, c.Experts, c.Intermediate, c.VocabSize, int64(MaxParams))
	}
	if c.NumMoELayers() > 0 {
		if c.Experts <= 0 {
			return fmt.Errorf("num_local_experts = %d must be positive when layers are MoE", c.Experts)
		}
		if c.ExpertsPerToken <= 0 || c.ExpertsPerToken > c.Experts {
			return fmt.Errorf("num_experts_per_tok = %d must be in [1, num_local_experts = %d]", c.ExpertsPerToken, c.Experts)
		}
	}
	return nil
}

// validateVision checks that the vision sizes the parameter count and the
// encoder divide by or allocate from are positive.
func (c *Config) validateVision() error {
	v := c.Vision
	if v == nil {
		return nil
	}
	return positive("vision_config.", []namedSize{
		{"hidden_size", v.Hidden}, {"num_hidden_layers", v.Layers}, {"num_attention_heads", v.Heads},
		{"intermediate_size", v.Intermediate}, {"image_size", v.ImageSize}, {"patch_size", v.PatchSize},
		{"num_channels", v.Channels}, {"projector_input_dim", v.ProjectorInputDim},
		{"projector_output_dim", v.ProjectorOutDim}, {"vision_output_dim", v.VisionOutputDim},
	})
}

// namedSize is a size and its config.json key.
type namedSize struct {
	name string
	v    int
}

// positive returns an error naming the first size that is not positive (its
// key after prefix).
func positive(prefix string, sizes []namedSize) error {
	for _, s := range sizes {
		if s.v <= 0 {
			return fmt.Errorf("%s%s = %d must be positive", prefix, s.name, s.v)
		}
	}
	return nil
}
