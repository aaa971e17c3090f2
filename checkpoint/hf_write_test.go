package checkpoint

import (
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
	. "github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// TestSaveHFRoundTrip: a random preset model saved as an HF directory loads
// back with identical logits, and its config parses to the same layout.
func TestSaveHFRoundTrip(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.F32, tensor.BF16} {
		cfg, err := PresetConfig("tiny")
		if err != nil {
			t.Fatal(err)
		}
		m, err := RandomModel(cfg, dt, 1)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := SaveHF(m, dir); err != nil {
			t.Fatal(err)
		}
		back, err := LoadHF(dir)
		if err != nil {
			t.Fatal(err)
		}
		ids := []int32{1, 5, 9, 200, 7, 7, 7, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40}
		a, err := m.Forward(m.NewCache(32), ids, ForwardOptions{AllLogits: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := back.Forward(back.NewCache(32), ids, ForwardOptions{AllLogits: true})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := testmodel.MaxAbsDiff(a, b); d != 0 {
			t.Errorf("%s: saved model's logits differ by %g", dt, d)
		}
		for l := range cfg.LayerIsMoE {
			if back.Config.LayerIsMoE[l] != cfg.LayerIsMoE[l] || back.Config.LayerUsesRoPE[l] != cfg.LayerUsesRoPE[l] {
				t.Errorf("layer %d layout changed", l)
			}
		}
		back.Close()
	}
	if _, err := PresetConfig("nope"); err == nil {
		t.Error("unknown preset accepted")
	}
	cfg, _ := PresetConfig("bench-566m")
	if p := cfg.Params().Total; p < 560e6 || p > 570e6 {
		t.Errorf("bench-566m has %d parameters", p)
	}
}
