package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/herd-llm/herd/model/llama4"
)

// LoadConfig reads config.json from a model directory (or a config.json path).
func LoadConfig(path string) (*llama4.Config, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "config.json")
	}
	lim, err := activeLimits()
	if err != nil {
		return nil, err
	}
	b, err := readLimited(path, lim.HeaderBytes)
	if err != nil {
		return nil, fmt.Errorf("llama4: reading config: %w", err)
	}
	c, err := parseConfig(b, lim)
	if err != nil {
		return nil, fmt.Errorf("llama4: %s: %w", path, err)
	}
	return c, nil
}

// rawText mirrors the keys of a llama4_text config. Pointers distinguish
// absent keys from zero values; json.RawMessage fields accept several forms.
type rawText struct {
	ModelType             string          `json:"model_type"`
	VocabSize             *int            `json:"vocab_size"`
	HiddenSize            *int            `json:"hidden_size"`
	IntermediateSize      *int            `json:"intermediate_size"`
	IntermediateSizeMLP   *int            `json:"intermediate_size_mlp"`
	NumHiddenLayers       *int            `json:"num_hidden_layers"`
	NumAttentionHeads     *int            `json:"num_attention_heads"`
	NumKeyValueHeads      *int            `json:"num_key_value_heads"`
	HeadDim               *int            `json:"head_dim"`
	HiddenAct             *string         `json:"hidden_act"`
	RMSNormEps            *float64        `json:"rms_norm_eps"`
	RopeTheta             *float64        `json:"rope_theta"`
	RopeScaling           json.RawMessage `json:"rope_scaling"`
	RopeParameters        json.RawMessage `json:"rope_parameters"`
	MaxPositionEmbeddings *int            `json:"max_position_embeddings"`
	NumLocalExperts       *int            `json:"num_local_experts"`
	NumExpertsPerTok      *int            `json:"num_experts_per_tok"`
	InterleaveMoEStep     *int            `json:"interleave_moe_layer_step"`
	MoELayers             *[]int          `json:"moe_layers"`
	NoRopeLayers          []int           `json:"no_rope_layers"`
	NoRopeLayerInterval   *int            `json:"no_rope_layer_interval"`
	LayerTypes            []string        `json:"layer_types"`
	AttentionChunkSize    *int            `json:"attention_chunk_size"`
	UseQKNorm             *bool           `json:"use_qk_norm"`
	AttnTemperatureTuning json.RawMessage `json:"attn_temperature_tuning"`
	FloorScale            *float64        `json:"floor_scale"`
	AttnScale             *float64        `json:"attn_scale"`
	AttentionBias         *bool           `json:"attention_bias"`
	TieWordEmbeddings     *bool           `json:"tie_word_embeddings"`
	BOSTokenID            *int            `json:"bos_token_id"`
	EOSTokenID            json.RawMessage `json:"eos_token_id"`
	PadTokenID            *int            `json:"pad_token_id"`
	TorchDType            string          `json:"torch_dtype"`
	DType                 string          `json:"dtype"`
}

type rawTop struct {
	rawText
	Architectures     []string        `json:"architectures"`
	TextConfig        json.RawMessage `json:"text_config"`
	VisionConfig      json.RawMessage `json:"vision_config"`
	TieWordEmbeddings *bool           `json:"tie_word_embeddings"`
	ImageTokenIndex   *int            `json:"image_token_index"`
	BOITokenIndex     *int            `json:"boi_token_index"`
	EOITokenIndex     *int            `json:"eoi_token_index"`
}

type rawVision struct {
	HiddenSize        *int     `json:"hidden_size"`
	NumHiddenLayers   *int     `json:"num_hidden_layers"`
	NumAttentionHeads *int     `json:"num_attention_heads"`
	IntermediateSize  *int     `json:"intermediate_size"`
	ImageSize         *int     `json:"image_size"`
	PatchSize         *int     `json:"patch_size"`
	NumChannels       *int     `json:"num_channels"`
	PixelShuffleRatio *float64 `json:"pixel_shuffle_ratio"`
	ProjectorInputDim *int     `json:"projector_input_dim"`
	ProjectorOutDim   *int     `json:"projector_output_dim"`
	VisionOutputDim   *int     `json:"vision_output_dim"`
	MMProjectorBias   *bool    `json:"multi_modal_projector_bias"`
	RopeTheta         *float64 `json:"rope_theta"`
	RopeParameters    *struct {
		RopeTheta *float64 `json:"rope_theta"`
	} `json:"rope_parameters"`
	NormEps *float64 `json:"norm_eps"`
}

// ParseConfig parses a Hugging Face config.json of either Llama4ForCausalLM (flat
// llama4_text keys) or Llama4ForConditionalGeneration (keys nested under
// text_config, tensor names prefixed "language_model."). It accepts every
// variant of spec §9 and returns an error naming the key for missing or
// contradictory values. Sizes are checked against FromEnv's limits before
// anything is allocated from them.
func ParseConfig(b []byte) (*llama4.Config, error) {
	lim, err := activeLimits()
	if err != nil {
		return nil, err
	}
	return parseConfig(b, lim)
}

// parseConfig is ParseConfig under the limits lim.
func parseConfig(b []byte, lim Limits) (*llama4.Config, error) {
	if int64(len(b)) > lim.HeaderBytes {
		return nil, fmt.Errorf("config is %d bytes, over the limit of %d (%sHEADER_BYTES)", len(b), lim.HeaderBytes, EnvPrefix)
	}
	var top rawTop
	if err := strictUnmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("config is not valid JSON: %w", err)
	}
	c := &llama4.Config{}
	text := top.rawText
	nested := len(top.TextConfig) > 0 && string(top.TextConfig) != "null"
	if nested {
		c.Architecture = "Llama4ForConditionalGeneration"
		c.Prefix = "language_model."
		text = rawText{}
		if err := strictUnmarshal(top.TextConfig, &text); err != nil {
			return nil, fmt.Errorf("text_config: %w", err)
		}
	} else {
		c.Architecture = "Llama4ForCausalLM"
	}
	if text.TieWordEmbeddings == nil {
		text.TieWordEmbeddings = top.TieWordEmbeddings
	}
	for _, a := range top.Architectures {
		if a == "Llama4ForConditionalGeneration" && !nested {
			return nil, fmt.Errorf("architectures says Llama4ForConditionalGeneration but there is no text_config")
		}
	}
	if top.ModelType != "" && top.ModelType != "llama4" && top.ModelType != "llama4_text" {
		return nil, fmt.Errorf("model_type %q is not a Llama 4 model (want llama4 or llama4_text)", top.ModelType)
	}
	if err := fillText(c, &text, lim); err != nil {
		return nil, err
	}
	if nested && len(top.VisionConfig) > 0 && string(top.VisionConfig) != "null" {
		var rv rawVision
		if err := strictUnmarshal(top.VisionConfig, &rv); err != nil {
			return nil, fmt.Errorf("vision_config: %w", err)
		}
		if err := lim.checkVision(&rv); err != nil {
			return nil, err
		}
		fillVision(c, &rv)
		c.Vision.PatchTokenID = intOr(top.ImageTokenIndex, 200092)
		c.Vision.ImageStartID = intOr(top.BOITokenIndex, 200080)
		c.Vision.ImageEndID = intOr(top.EOITokenIndex, 200081)
		if err := c.Validate(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}

func intOr(p *int, def int) int {
	if p != nil {
		return *p
	}
	return def
}

func floatOr(p *float64, def float64) float64 {
	if p != nil {
		return *p
	}
	return def
}

func fillText(c *llama4.Config, t *rawText, lim Limits) error {
	if t.ModelType != "" && t.ModelType != "llama4_text" && t.ModelType != "llama4" {
		return fmt.Errorf("text model_type %q is not llama4_text", t.ModelType)
	}
	// Shape keys have no safe default: a checkpoint whose config omits them
	// is refused rather than silently given Scout's sizes.
	for _, req := range []struct {
		name string
		v    *int
	}{
		{"vocab_size", t.VocabSize}, {"hidden_size", t.HiddenSize},
		{"num_hidden_layers", t.NumHiddenLayers}, {"num_attention_heads", t.NumAttentionHeads},
	} {
		if req.v == nil {
			return fmt.Errorf("missing required key %q", req.name)
		}
		if *req.v <= 0 {
			return fmt.Errorf("%s = %d must be positive", req.name, *req.v)
		}
	}
	if err := lim.checkText(t); err != nil {
		return err
	}
	c.VocabSize = *t.VocabSize
	c.Hidden = *t.HiddenSize
	c.Layers = *t.NumHiddenLayers
	c.Heads = *t.NumAttentionHeads
	c.KVHeads = intOr(t.NumKeyValueHeads, c.Heads)
	c.HeadDim = intOr(t.HeadDim, c.Hidden/c.Heads)
	c.Intermediate = intOr(t.IntermediateSize, 8192)
	c.IntermediateMLP = intOr(t.IntermediateSizeMLP, 16384)
	c.RMSNormEps = float32(floatOr(t.RMSNormEps, 1e-5))
	c.MaxPositions = intOr(t.MaxPositionEmbeddings, 4096*32)
	c.Experts = intOr(t.NumLocalExperts, 16)
	c.ExpertsPerToken = intOr(t.NumExpertsPerTok, 1)
	c.ChunkSize = intOr(t.AttentionChunkSize, 8192)
	c.UseQKNorm = t.UseQKNorm == nil || *t.UseQKNorm
	c.FloorScale = floatOr(t.FloorScale, 8192)
	c.AttnScale = floatOr(t.AttnScale, 0.1)
	c.TieEmbeddings = t.TieWordEmbeddings != nil && *t.TieWordEmbeddings
	c.BOS = intOr(t.BOSTokenID, 200000)
	c.Pad = intOr(t.PadTokenID, 200018)
	c.TorchDType = t.TorchDType
	if c.TorchDType == "" {
		c.TorchDType = t.DType
	}
	if t.HiddenAct != nil && *t.HiddenAct != "silu" {
		return fmt.Errorf("hidden_act %q is not supported (Llama 4 uses silu)", *t.HiddenAct)
	}
	if t.AttentionBias != nil && *t.AttentionBias {
		return fmt.Errorf("attention_bias = true is not supported (Llama 4 has no attention biases)")
	}
	var err error
	if c.TempTuning, err = parseTruthy(t.AttnTemperatureTuning, true); err != nil {
		return fmt.Errorf("attn_temperature_tuning: %w", err)
	}
	if c.EOS, err = parseIDs(t.EOSTokenID, []int{200001}); err != nil {
		return fmt.Errorf("eos_token_id: %w", err)
	}
	if err := fillRope(c, t); err != nil {
		return err
	}
	if err := checkTokenIDs(c, t); err != nil {
		return err
	}
	if err := fillLayerKinds(c, t); err != nil {
		return err
	}
	return c.Validate()
}

// parseTruthy accepts true/false, an integer (nonzero = on) or null (= def).
func parseTruthy(raw json.RawMessage, def bool) (bool, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return f != 0, nil
	}
	return false, fmt.Errorf("want a bool or a number, got %s", s)
}

// parseIDs accepts an id, a list of ids, or null (= def).
func parseIDs(raw json.RawMessage, def []int) ([]int, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return def, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err == nil {
		return []int{one}, nil
	}
	var many []int
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("want an integer or a list of integers, got %s", s)
	}
	return many, nil
}

func fillRope(c *llama4.Config, t *rawText) error {
	c.RopeTheta = floatOr(t.RopeTheta, 0)
	scaling := t.RopeScaling
	if len(t.RopeParameters) > 0 && string(t.RopeParameters) != "null" {
		// transformers v5: rope_theta and the scaling live together in rope_parameters.
		var rp struct {
			RopeTheta *float64 `json:"rope_theta"`
		}
		if err := json.Unmarshal(t.RopeParameters, &rp); err != nil {
			return fmt.Errorf("rope_parameters: %w", err)
		}
		if rp.RopeTheta != nil {
			if t.RopeTheta != nil && *t.RopeTheta != *rp.RopeTheta {
				return fmt.Errorf("rope_theta = %g contradicts rope_parameters.rope_theta = %g", *t.RopeTheta, *rp.RopeTheta)
			}
			c.RopeTheta = *rp.RopeTheta
		}
		if len(scaling) > 0 && string(scaling) != "null" && !bytes.Equal(bytes.TrimSpace(scaling), bytes.TrimSpace(t.RopeParameters)) {
			// Both present: rope_parameters wins only if they agree on the type; keep it simple and strict.
			rs, err1 := parseRopeScaling(scaling)
			rp2, err2 := parseRopeScaling(t.RopeParameters)
			if err1 == nil && err2 == nil && !ropeEqual(rs, rp2) {
				return fmt.Errorf("rope_scaling contradicts rope_parameters")
			}
		}
		scaling = t.RopeParameters
	}
	if c.RopeTheta == 0 {
		c.RopeTheta = 500000
	}
	rs, err := parseRopeScaling(scaling)
	if err != nil {
		return err
	}
	c.RopeScaling = rs
	return nil
}

func ropeEqual(a, b *llama4.RopeScaling) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// parseRopeScaling reads a rope_scaling or rope_parameters object. It returns
// nil for null or for the "default" type.
func parseRopeScaling(raw json.RawMessage) (*llama4.RopeScaling, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return nil, nil
	}
	var r struct {
		RopeType       string   `json:"rope_type"`
		Type           string   `json:"type"`
		Factor         *float64 `json:"factor"`
		LowFreqFactor  *float64 `json:"low_freq_factor"`
		HighFreqFactor *float64 `json:"high_freq_factor"`
		OrigMax        *float64 `json:"original_max_position_embeddings"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("rope_scaling: %w", err)
	}
	typ := r.RopeType
	if typ == "" {
		typ = r.Type
	}
	switch typ {
	case "", "default":
		return nil, nil
	case "llama3":
	default:
		return nil, fmt.Errorf("rope_scaling: rope_type %q is not supported (want llama3 or default)", typ)
	}
	if r.Factor == nil || r.LowFreqFactor == nil || r.HighFreqFactor == nil || r.OrigMax == nil {
		return nil, fmt.Errorf("rope_scaling: llama3 needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings")
	}
	rs := &llama4.RopeScaling{Type: typ, Factor: *r.Factor, LowFreqFactor: *r.LowFreqFactor, HighFreqFactor: *r.HighFreqFactor, OriginalMaxPos: *r.OrigMax}
	return rs, nil
}

// fillLayerKinds derives the per-layer RoPE/NoPE and dense/MoE flags with the
// same fallbacks as transformers' Llama4TextConfig.
func fillLayerKinds(c *llama4.Config, t *rawText) error {
	n := c.Layers
	c.LayerUsesRoPE = make([]bool, n)
	if len(t.NoRopeLayers) > 0 {
		if len(t.NoRopeLayers) != n {
			return fmt.Errorf("no_rope_layers has %d entries, num_hidden_layers is %d", len(t.NoRopeLayers), n)
		}
		for i, v := range t.NoRopeLayers {
			if v != 0 && v != 1 {
				return fmt.Errorf("no_rope_layers[%d] = %d, want 0 (NoPE) or 1 (RoPE)", i, v)
			}
			c.LayerUsesRoPE[i] = v == 1 // the name is inverted: 1 means the layer uses RoPE
		}
	} else {
		iv := intOr(t.NoRopeLayerInterval, 4)
		if iv <= 0 {
			return fmt.Errorf("no_rope_layer_interval = %d must be positive", iv)
		}
		for i := range c.LayerUsesRoPE {
			c.LayerUsesRoPE[i] = (i+1)%iv != 0
		}
	}
	if t.LayerTypes != nil {
		if len(t.LayerTypes) != n {
			return fmt.Errorf("layer_types has %d entries, num_hidden_layers is %d", len(t.LayerTypes), n)
		}
		for i, lt := range t.LayerTypes {
			var rope bool
			switch lt {
			case "chunked_attention":
				rope = true
			case "full_attention":
			default:
				return fmt.Errorf("layer_types[%d] = %q, want chunked_attention or full_attention", i, lt)
			}
			if rope != c.LayerUsesRoPE[i] {
				return fmt.Errorf("layer_types[%d] = %q contradicts no_rope_layers", i, lt)
			}
		}
	}
	c.LayerIsMoE = make([]bool, n)
	if t.MoELayers != nil {
		for _, l := range *t.MoELayers {
			if l < 0 || l >= n {
				return fmt.Errorf("moe_layers names layer %d, but there are %d layers", l, n)
			}
			if c.LayerIsMoE[l] {
				return fmt.Errorf("moe_layers names layer %d twice", l)
			}
			c.LayerIsMoE[l] = true
		}
	} else {
		step := intOr(t.InterleaveMoEStep, 1)
		if step <= 0 {
			return fmt.Errorf("interleave_moe_layer_step = %d must be positive", step)
		}
		for i := step - 1; i < n; i += step {
			c.LayerIsMoE[i] = true
		}
	}
	return nil
}

func fillVision(c *llama4.Config, v *rawVision) {
	c.Vision = &llama4.VisionConfig{
		Hidden:            intOr(v.HiddenSize, 768),
		Layers:            intOr(v.NumHiddenLayers, 34),
		Heads:             intOr(v.NumAttentionHeads, 16),
		Intermediate:      intOr(v.IntermediateSize, 5632),
		ImageSize:         intOr(v.ImageSize, 448),
		PatchSize:         intOr(v.PatchSize, 14),
		Channels:          intOr(v.NumChannels, 3),
		PixelShuffleRatio: floatOr(v.PixelShuffleRatio, 0.5),
		ProjectorInputDim: intOr(v.ProjectorInputDim, 4096),
		ProjectorOutDim:   intOr(v.ProjectorOutDim, 4096),
		VisionOutputDim:   intOr(v.VisionOutputDim, 7680),
		RopeTheta:         floatOr(v.RopeTheta, 10000),
		NormEps:           floatOr(v.NormEps, 1e-5),
	}
	if v.RopeParameters != nil && v.RopeParameters.RopeTheta != nil {
		// transformers v5 moves rope_theta into rope_parameters.
		c.Vision.RopeTheta = *v.RopeParameters.RopeTheta
	}
	c.ProjectorInDim = c.Vision.VisionOutputDim
	c.ProjectorOutDim = c.Hidden
	c.ProjectorHasBias = v.MMProjectorBias != nil && *v.MMProjectorBias
}
