package vision

import (
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/internal/testmodel"
)

// tinyConfig is the vision_config of the golden tiny model.
func tinyConfig() Config {
	return Config{Hidden: 64, Layers: 2, Heads: 4, Intermediate: 256, TileSize: 56, PatchSize: 14, Channels: 3,
		ShuffleRatio: 0.5, AdapterDim: 128, OutputDim: 128, TextHidden: 128, RopeTheta: 10000, NormEps: 1e-5}
}

// tinyModel binds the golden checkpoint's vision tensors.
func tinyModel(t testing.TB) *Model {
	t.Helper()
	set, err := safetensors.OpenDir(golden(t, "f32/model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	w, err := Bind(set, tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(tinyConfig(), w)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestEncoderGolden runs the golden pixel_values through the tower and
// compares every stage the reference saved.
func TestEncoderGolden(t *testing.T) {
	m := tinyModel(t)
	c := m.Config
	pv := testmodel.ReadF32(t, golden(t, "golden/pixel_values.f32"))
	tileLen := 3 * c.TileSize * c.TileSize
	T := len(pv) / tileLen
	got := map[string][]float32{}
	var proj []float32
	for i := 0; i < T; i++ {
		dst := make([]float32, c.TokensPerTile()*c.TextHidden)
		err := m.EncodeTile(dst, pv[i*tileLen:(i+1)*tileLen], func(stage string, x []float32) {
			got[stage] = append(got[stage], x...)
		})
		if err != nil {
			t.Fatal(err)
		}
		proj = append(proj, dst...)
	}
	for _, tc := range []struct {
		stage, file string
		tol         float64
	}{
		{StagePatchEmbed, "vision_patch_embeddings.f32", 1e-5},
		{StageLayerNormPre, "vision_layernorm_pre_out.f32", 1e-5},
		{StageEncoder, "vision_encoder_out.f32", 1e-4},
		{StageLayerNormPost, "vision_layernorm_post_out.f32", 1e-4},
		{StagePixelShuffle, "vision_pixel_shuffle_out.f32", 1e-4},
		{StageAdapter, "vision_model_out.f32", 1e-4},
		{StageProjector, "projected_image_features.f32", 1e-4},
	} {
		want := testmodel.ReadF32(t, golden(t, "golden/"+tc.file))
		d, at := maxDiff(got[tc.stage], want)
		t.Logf("%-15s %6d values, max |diff| %.3g", tc.stage, len(want), d)
		if d > tc.tol {
			t.Errorf("%s: max |diff| %g at %d exceeds %g", tc.stage, d, at, tc.tol)
		}
	}
	// Encode over whole images gives the same rows as tile by tile.
	px := &Pixels{TileSize: c.TileSize}
	for i := 0; i < T; i++ {
		px.Tiles = append(px.Tiles, pv[i*tileLen:(i+1)*tileLen])
	}
	all, err := m.Encode(px)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := maxDiff(all, proj); d != 0 {
		t.Errorf("Encode differs from EncodeTile by %g", d)
	}
}
