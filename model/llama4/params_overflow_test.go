package llama4

import (
	"strings"
	"testing"
)

// overflowConfig is a small valid config with one size changed.
func overflowConfig(edit func(*Config)) *Config {
	c := &Config{
		VocabSize: 64, Hidden: 16, Intermediate: 32, IntermediateMLP: 32, Layers: 2, Heads: 2, KVHeads: 1, HeadDim: 8,
		RMSNormEps: 1e-5, RopeTheta: 500000, MaxPositions: 64, Experts: 4, ExpertsPerToken: 1, ChunkSize: 8,
		FloorScale: 8, AttnScale: 0.1, LayerUsesRoPE: []bool{true, false}, LayerIsMoE: []bool{false, true},
	}
	edit(c)
	return c
}

// TestParamsOverflow: counts past MaxParams set Overflow and fail Validate
// instead of wrapping around.
func TestParamsOverflow(t *testing.T) {
	for _, tc := range []struct {
		name     string
		edit     func(*Config)
		overflow bool
	}{
		{"small", func(*Config) {}, false},
		{"experts 2^36 × hidden 2^17 × width 2^14", func(c *Config) { c.Experts, c.Hidden, c.Intermediate = 1<<36, 1<<17, 1<<14 }, true},
		{"vocab 2^42 × hidden 2^20", func(c *Config) { c.VocabSize, c.Hidden = 1<<42, 1<<20 }, true},
		{"hidden 2^62", func(c *Config) { c.Hidden = 1 << 62 }, true},
		{"intermediate 2^58", func(c *Config) { c.Intermediate = 1 << 58; c.IntermediateMLP = 1 << 58 }, true},
		{"vision patch 2^40", func(c *Config) {
			c.Vision = &VisionConfig{Hidden: 8, Layers: 1, Heads: 1, Intermediate: 8, ImageSize: 8, PatchSize: 1 << 40, Channels: 3, ProjectorInputDim: 8, ProjectorOutDim: 8, VisionOutputDim: 8}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := overflowConfig(tc.edit)
			p := c.Params()
			if p.Overflow != tc.overflow {
				t.Fatalf("Overflow = %v, want %v (total %d)", p.Overflow, tc.overflow, p.Total)
			}
			err := c.Validate()
			if tc.overflow != (err != nil) {
				t.Fatalf("Validate: %v", err)
			}
			if tc.overflow && !strings.Contains(err.Error(), "parameter count") {
				t.Errorf("error %q does not name the parameter count", err)
			}
			if !tc.overflow && (p.Total <= 0 || p.Total != p.Text) {
				t.Errorf("total %d, text %d", p.Total, p.Text)
			}
		})
	}
}

// TestValidateVisionSizes: a zero patch size is an error, not a division by
// zero in Params.
func TestValidateVisionSizes(t *testing.T) {
	c := overflowConfig(func(c *Config) {
		c.Vision = &VisionConfig{Hidden: 8, Layers: 1, Heads: 1, Intermediate: 8, ImageSize: 8, Channels: 3, ProjectorInputDim: 8, ProjectorOutDim: 8, VisionOutputDim: 8}
	})
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "vision_config.patch_size = 0") {
		t.Fatalf("Validate: %v", err)
	}
}
