package llama4_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/internal/testmodel"
	. "github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/vision"
)

// TestVisionConfigParse reads the golden vision_config and the top-level
// image ids, and converts them to the encoder's shapes.
func TestVisionConfigParse(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(visionDir, "f32", "config.json"))
	if err != nil {
		t.Skipf("tiny vision testdata absent: %v", err)
	}
	c, err := checkpoint.ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Vision
	if v == nil || v.Hidden != 64 || v.Layers != 2 || v.Heads != 4 || v.ImageSize != 56 || v.RopeTheta != 10000 || v.NormEps != 1e-5 ||
		v.PatchTokenID != 500 || v.ImageStartID != 501 || v.ImageEndID != 502 || v.VisionOutputDim != 128 {
		t.Fatalf("vision config %+v", v)
	}
	vc, err := c.VisionEncoderConfig()
	if err != nil {
		t.Fatal(err)
	}
	if vc.TextHidden != 128 || vc.TokensPerTile() != 4 || vc.ShuffledDim() != 256 {
		t.Errorf("encoder config %+v", vc)
	}
	// transformers v5 keeps rope_theta in rope_parameters.
	s := strings.Replace(string(b), `"rope_theta": 10000,`, `"rope_parameters": {"rope_theta": 20000, "rope_type": "default"},`, 1)
	if c2, err := checkpoint.ParseConfig([]byte(s)); err != nil || c2.Vision.RopeTheta != 20000 {
		t.Errorf("rope_parameters: %v %+v", err, c2)
	}
	// A text-only model has no vision.
	text := &Config{Hidden: 8}
	if _, err := text.VisionEncoderConfig(); err == nil || !strings.Contains(err.Error(), "no vision_config") {
		t.Errorf("text-only: %v", err)
	}
	if _, err := text.ImageTokens(nil); err == nil {
		t.Error("text-only: image tokens without a vision config")
	}
	// Without a tokenizer, only Llama 4's ids can be assumed.
	if _, err := c.ImageTokens(nil); err == nil || !strings.Contains(err.Error(), "no tokenizer") {
		t.Errorf("tiny ids without a tokenizer: %v", err)
	}
	real := &Config{VocabSize: 202048, Vision: &VisionConfig{PatchTokenID: 200092, ImageStartID: 200080, ImageEndID: 200081}}
	if tk, err := real.ImageTokens(nil); err != nil || tk != vision.LlamaTokens {
		t.Errorf("real ids: %+v %v", tk, err)
	}
	names := map[string]int32{"<|patch|>": 200092, "<|image_start|>": 200080, "<|image_end|>": 200081, "<|image|>": 200090,
		"<|tile_x_separator|>": 200084, "<|tile_y_separator|>": 200085}
	names["<|image_end|>"] = 200080 // ollama's bug (spec §8.9): the tokenizer and config disagree
	if _, err := real.ImageTokens(func(n string) (int32, bool) { id, ok := names[n]; return id, ok }); err == nil {
		t.Error("a tokenizer contradicting eoi_token_index was accepted")
	}
}

// TestBindVisionErrors: a checkpoint that does not fit the config is refused
// with an error naming the tensor.
func TestBindVisionErrors(t *testing.T) {
	m, _, _ := loadTinyVision(t)
	set, err := safetensors.OpenDir(filepath.Join(visionDir, "f32"))
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	vc, _ := m.Config.VisionEncoderConfig()
	for _, tc := range []struct {
		mut  func(c *vision.Config)
		want string
	}{
		{func(c *vision.Config) { c.Hidden = 32; c.Heads = 2 }, "vision_model.patch_embedding.linear.weight"},
		{func(c *vision.Config) { c.Layers = 3 }, "vision_model.model.layers.2."},
		{func(c *vision.Config) { c.Layers = 1 }, "unexpected tensor vision_model.model.layers.1."},
		{func(c *vision.Config) { c.TextHidden = 64 }, "multi_modal_projector.linear_1.weight"},
		{func(c *vision.Config) { c.ProjectorBias = true }, "multi_modal_projector.linear_1.bias"},
		{func(c *vision.Config) { c.Intermediate = 128 }, "mlp.fc1.weight"},
	} {
		c := vc
		tc.mut(&c)
		_, err := vision.Bind(set, c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error naming %q, got %v", tc.want, err)
		}
	}
}

// TestVisionLimitsAndQuant: the per-prompt image limit and placeholder count
// are enforced, and q8_0 quantizes the tower like the text model while
// staying close to the float result.
func TestVisionLimitsAndQuant(t *testing.T) {
	_, v, in := loadTinyVision(t)
	tk := tinyTokens(in)
	b, err := os.ReadFile(filepath.Join(visionDir, "images", "image_a.png"))
	if err != nil {
		t.Fatal(err)
	}
	px, err := v.PrepareImage(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Fuse([]int32{1, tk.Image, tk.Image}, []*vision.Pixels{px}, tk); err == nil || !strings.Contains(err.Error(), "2 <|image|> placeholders") {
		t.Errorf("placeholder count: %v", err)
	}
	if _, err := v.Fuse([]int32{1, tk.Patch, tk.Image}, []*vision.Pixels{px}, tk); err == nil || !strings.Contains(err.Error(), "5 <|patch|> tokens") {
		t.Errorf("stray <|patch|>: %v", err)
	}
	v.MaxImages = 1
	if _, err := v.Fuse([]int32{tk.Image, tk.Image}, []*vision.Pixels{px, px}, tk); err == nil || !strings.Contains(err.Error(), "limit of 1") {
		t.Errorf("image limit: %v", err)
	}
	v.MaxImages = DefaultMaxImages
	if _, err := v.PrepareImage([]byte("not an image")); err == nil || !strings.Contains(err.Error(), "unknown image format") {
		t.Errorf("bad bytes: %v", err)
	}
	before, err := v.Model.Encode(px)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := checkpoint.QuantizeVision(v, checkpoint.SchemeQ8_0)
	if err != nil {
		t.Fatal(err)
	}
	// The patch embedding (588 columns) is not a multiple of 32 and stays f32.
	if rep.ByType["Q8_0"] != 15 || rep.Kept != 1 {
		t.Errorf("q8_0 report %+v", rep)
	}
	after, err := v.Model.Encode(px)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := testmodel.MaxAbsDiff(after, before)
	t.Logf("q8_0 vision: max |diff| of projected features %.3g", d)
	if d == 0 || d > 0.05 {
		t.Errorf("q8_0 changed the features by %g", d)
	}
	if _, err := checkpoint.ParseScheme("bogus"); err == nil {
		t.Error("unknown scheme accepted")
	}
}
