package llama4

import (
	"fmt"
	"path/filepath"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/vision"
)

// VisionEncoderConfig converts the checkpoint's vision_config into the
// vision package's shapes, projecting into this text model's hidden size.
// It fails when the checkpoint has no vision_config.
func (c *Config) VisionEncoderConfig() (vision.Config, error) {
	v := c.Vision
	if v == nil {
		return vision.Config{}, fmt.Errorf("llama4: the model has no vision_config (a Llama4ForCausalLM text model cannot take images)")
	}
	if v.ProjectorOutDim != v.VisionOutputDim {
		return vision.Config{}, fmt.Errorf("llama4: vision_config projector_output_dim %d differs from vision_output_dim %d (the projector takes the adapter's output)", v.ProjectorOutDim, v.VisionOutputDim)
	}
	vc := vision.Config{
		Hidden: v.Hidden, Layers: v.Layers, Heads: v.Heads, Intermediate: v.Intermediate,
		TileSize: v.ImageSize, PatchSize: v.PatchSize, Channels: v.Channels, ShuffleRatio: v.PixelShuffleRatio,
		AdapterDim: v.ProjectorInputDim, OutputDim: v.ProjectorOutDim, TextHidden: c.Hidden,
		RopeTheta: v.RopeTheta, NormEps: float32(v.NormEps), ProjectorBias: c.ProjectorHasBias,
	}
	if err := vc.Validate(); err != nil {
		return vision.Config{}, fmt.Errorf("llama4: vision_config: %w", err)
	}
	if vc.Channels != 3 {
		return vision.Config{}, fmt.Errorf("llama4: vision_config num_channels %d is not supported (images are RGB)", vc.Channels)
	}
	return vc, nil
}

// Vision is a loaded vision tower with its image-processor settings, the
// ids of the image tokens and the per-request limits.
type Vision struct {
	Model      *vision.Model
	Preprocess vision.PreprocessConfig
	Limits     vision.Limits
	MaxImages  int // most images one prompt may hold (DefaultMaxImages)
	closer     interface{ Close() error }
}

// DefaultMaxImages is the default number of images per prompt: the model
// was tested on up to 8 (pre-trained on up to 48).
const DefaultMaxImages = 8

// LoadVision loads the vision tower, adapter and projector of a Hugging Face
// Llama4ForConditionalGeneration directory for the text model configured by
// cfg, with preprocessor_config.json when present. Weights stay memory-mapped
// until Close.
func LoadVision(dir string, cfg *Config) (*Vision, error) {
	vc, err := cfg.VisionEncoderConfig()
	if err != nil {
		return nil, err
	}
	pre, err := vision.LoadPreprocess(filepath.Join(dir, "preprocessor_config.json"), vc.TileSize)
	if err != nil {
		return nil, err
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("llama4: %w", err)
	}
	if !vision.HasVision(set) {
		set.Close()
		return nil, fmt.Errorf("llama4: %s has a vision_config but no vision_model.* tensors", dir)
	}
	w, err := vision.Bind(set, vc)
	if err != nil {
		set.Close()
		return nil, fmt.Errorf("llama4: %s: %w", dir, err)
	}
	m, err := vision.New(vc, w)
	if err != nil {
		set.Close()
		return nil, err
	}
	return &Vision{Model: m, Preprocess: pre, Limits: vision.DefaultLimits, MaxImages: DefaultMaxImages, closer: set}, nil
}

// Close releases the memory-mapped checkpoint.
func (v *Vision) Close() error {
	if v.closer != nil {
		return v.closer.Close()
	}
	return nil
}
