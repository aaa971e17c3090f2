package llama4

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
func (c *Config) NumMoELayers() int {
	n := 0
	for _, m := range c.LayerIsMoE {
		if m {
			n++
		}
	}
	return n
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
