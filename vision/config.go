package vision

import (
	"fmt"
	"math"
)

// Config is the shape of a Llama 4 vision tower, its adapter and the
// projector into the text model (spec §1.4). Real Scout and Maverick values
// are in the comments.
type Config struct {
	Hidden        int     // encoder width (1408)
	Layers        int     // encoder layers (34)
	Heads         int     // attention heads (16); head dim Hidden/Heads (88) must be a multiple of 4
	Intermediate  int     // encoder MLP width (5632)
	TileSize      int     // image_size: tile side in pixels (336)
	PatchSize     int     // patch side in pixels (14)
	Channels      int     // input channels (3)
	ShuffleRatio  float64 // pixel_shuffle_ratio (0.5): 1/k for an integer k
	AdapterDim    int     // projector_input_dim: adapter fc1 output width (4096)
	OutputDim     int     // projector_output_dim = vision_output_dim: adapter fc2 output width (4096)
	TextHidden    int     // projector output: the text model's hidden size (5120)
	RopeTheta     float64 // 2D RoPE base (10000)
	NormEps       float32 // LayerNorm epsilon (1e-5)
	ProjectorBias bool    // multi_modal_projector_bias (false in released checkpoints)
}

// ScoutConfig is the released Llama 4 vision configuration (Scout and
// Maverick share it), projecting into Scout's 5120-wide text model.
func ScoutConfig() Config {
	return Config{Hidden: 1408, Layers: 34, Heads: 16, Intermediate: 5632, TileSize: 336, PatchSize: 14,
		Channels: 3, ShuffleRatio: 0.5, AdapterDim: 4096, OutputDim: 4096, TextHidden: 5120,
		RopeTheta: 10000, NormEps: 1e-5}
}

// Validate checks that the shapes fit together.
func (c *Config) Validate() error {
	for _, p := range []struct {
		name string
		v    int
	}{{"hidden_size", c.Hidden}, {"num_hidden_layers", c.Layers}, {"num_attention_heads", c.Heads},
		{"intermediate_size", c.Intermediate}, {"image_size", c.TileSize}, {"patch_size", c.PatchSize},
		{"num_channels", c.Channels}, {"projector_input_dim", c.AdapterDim},
		{"projector_output_dim", c.OutputDim}, {"text hidden_size", c.TextHidden}} {
		if p.v <= 0 {
			return fmt.Errorf("vision: %s = %d must be positive", p.name, p.v)
		}
	}
	if c.Hidden%c.Heads != 0 || c.HeadDim()%4 != 0 {
		return fmt.Errorf("vision: hidden_size %d / num_attention_heads %d must give a head dim that is a multiple of 4 (2D RoPE)", c.Hidden, c.Heads)
	}
	if c.TileSize%c.PatchSize != 0 {
		return fmt.Errorf("vision: image_size %d is not a multiple of patch_size %d", c.TileSize, c.PatchSize)
	}
	k := c.ShuffleFactor()
	if k <= 0 {
		return fmt.Errorf("vision: pixel_shuffle_ratio %g is not 1/k for an integer k", c.ShuffleRatio)
	}
	if c.Grid()%k != 0 {
		return fmt.Errorf("vision: the %d×%d patch grid does not divide by the pixel-shuffle factor %d", c.Grid(), c.Grid(), k)
	}
	if !(c.RopeTheta > 1) || math.IsInf(c.RopeTheta, 0) {
		return fmt.Errorf("vision: rope_theta %g must be a finite number > 1", c.RopeTheta)
	}
	if !(c.NormEps > 0) {
		return fmt.Errorf("vision: norm_eps %g must be positive", c.NormEps)
	}
	return nil
}

// HeadDim is the attention head width (88).
func (c *Config) HeadDim() int { return c.Hidden / c.Heads }

// Grid is the number of patches along one side of a tile (24).
func (c *Config) Grid() int { return c.TileSize / c.PatchSize }

// Patches is the number of patches of one tile (576); the encoder runs on
// Patches+1 tokens, the class token last.
func (c *Config) Patches() int { return c.Grid() * c.Grid() }

// PatchDim is the length of one flattened patch, Channels·PatchSize² (588).
func (c *Config) PatchDim() int { return c.Channels * c.PatchSize * c.PatchSize }

// ShuffleFactor is k = 1/pixel_shuffle_ratio (2), or 0 when the ratio is not
// the reciprocal of an integer.
func (c *Config) ShuffleFactor() int {
	if !(c.ShuffleRatio > 0 && c.ShuffleRatio <= 1) {
		return 0
	}
	k := math.Round(1 / c.ShuffleRatio)
	if math.Abs(k*c.ShuffleRatio-1) > 1e-9 {
		return 0
	}
	return int(k)
}

// ShuffledDim is the width of a pixel-shuffled token, Hidden·k² (5632), the
// adapter's input width.
func (c *Config) ShuffledDim() int { k := c.ShuffleFactor(); return c.Hidden * k * k }

// TokensPerTile is the number of <|patch|> tokens (and projected feature
// rows) of one tile, Patches/k² (144).
func (c *Config) TokensPerTile() int { k := c.ShuffleFactor(); return c.Patches() / (k * k) }
