package llama4_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	. "github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/vision"
)

// visionDir holds the tiny Llama4ForConditionalGeneration and its golden
// values (testmodel.TinyVisionName).
const visionDir = "../../testdata/llama4-tiny-vision"

type visionInputs struct {
	TextIDs struct {
		BeforeA []int32 `json:"before_image_a"`
		Between []int32 `json:"between_images"`
		AfterB  []int32 `json:"after_image_b"`
	} `json:"text_ids"`
	Specials map[string]int32 `json:"special_tokens"`
	InputIDs []int32          `json:"input_ids"`
}

type visionManifest struct {
	Greedy struct {
		Generated []int32 `json:"generated"`
	} `json:"greedy"`
}

// loadTinyVision loads the tiny multimodal model's text and vision parts.
func loadTinyVision(t *testing.T) (*Model, *Vision, visionInputs) {
	t.Helper()
	m, v := tinymodel.LoadVision(t, false)
	var in visionInputs
	testmodel.ReadJSON(t, filepath.Join(visionDir, "inputs.json"), &in)
	return m, v, in
}

// tinyTokens are the golden model's image token ids (inputs.json).
func tinyTokens(in visionInputs) vision.Tokens {
	s := in.Specials
	return vision.Tokens{Patch: s["<|patch|>"], ImageStart: s["<|image_start|>"], ImageEnd: s["<|image_end|>"],
		Image: s["<|image|>"], TileX: s["<|tile_x_separator|>"], TileY: s["<|tile_y_separator|>"]}
}

// goldenPrompt decodes and preprocesses the two images and fuses them into
// the placeholder prompt of inputs.json.
func goldenPrompt(t *testing.T, v *Vision, in visionInputs) *ImagePrompt {
	t.Helper()
	tk := tinyTokens(in)
	var imgs []*vision.Pixels
	for _, name := range []string{"image_a", "image_b"} {
		b, err := os.ReadFile(filepath.Join(visionDir, "images", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		px, err := v.PrepareImage(b)
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, px)
	}
	ids := slices.Concat(in.TextIDs.BeforeA, []int32{tk.Image}, in.TextIDs.Between, []int32{tk.Image}, in.TextIDs.AfterB)
	p, err := v.Fuse(ids, imgs, tk)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMultimodalGolden runs the whole path, from PNG bytes to logits, and
// compares the expanded ids, the merged input embeddings, every hidden
// state, all logits and 12 greedy tokens with the reference.
func TestMultimodalGolden(t *testing.T) {
	m, v, in := loadTinyVision(t)
	if got := v.Preprocess.MaxTiles; got != 4 {
		t.Fatalf("preprocessor_config max_patches: got %d, want 4", got)
	}
	p := goldenPrompt(t, v, in)
	if !slices.Equal(p.IDs, in.InputIDs) {
		t.Fatalf("expanded ids\n got %v\nwant %v", p.IDs, in.InputIDs)
	}
	L, D, V := len(p.IDs), m.Config.Hidden, m.Config.VocabSize
	hidden := testmodel.ReadF32(t, filepath.Join(visionDir, "golden", "hidden_states.f32"))
	wantEmb := testmodel.ReadF32(t, filepath.Join(visionDir, "golden", "inputs_embeds.f32"))
	worstHidden := 0.0
	out, err := m.ForwardBatch([]Seq{p.Slice(m.NewCache(L+12), 0, L, true)}, func(stage int, h []float32) {
		if stage == 0 {
			d, at := testmodel.MaxAbsDiff(h, wantEmb)
			t.Logf("merged inputs_embeds: max |diff| %.3g", d)
			if d > 1e-4 {
				t.Errorf("inputs_embeds: max |diff| %g at row %d", d, at/D)
			}
		}
		d, _ := testmodel.MaxAbsDiff(h, hidden[stage*L*D:(stage+1)*L*D])
		worstHidden = max(worstHidden, d)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("hidden states (6 stages): max |diff| %.3g", worstHidden)
	if worstHidden > 1e-4 {
		t.Errorf("hidden states: max |diff| %g", worstHidden)
	}
	want := testmodel.ReadF32(t, filepath.Join(visionDir, "golden", "logits.f32"))
	d, at := testmodel.MaxAbsDiff(out[0], want)
	t.Logf("logits [%d, %d]: max |diff| %.3g", L, V, d)
	if d > 1e-4 {
		t.Errorf("logits: max |diff| %g at position %d token %d", d, at/V, at%V)
	}
}

// TestMultimodalGreedy prefills the fused prompt in chunks (so image rows
// straddle forward passes) and decodes 12 tokens greedily with the cache.
func TestMultimodalGreedy(t *testing.T) {
	m, v, in := loadTinyVision(t)
	p := goldenPrompt(t, v, in)
	var man visionManifest
	testmodel.ReadJSON(t, filepath.Join(visionDir, "golden", "manifest.json"), &man)
	wantToks := man.Greedy.Generated
	if len(wantToks) != 12 {
		t.Fatalf("manifest lists %d greedy tokens, want 12", len(wantToks))
	}
	stepLogits := testmodel.ReadF32(t, filepath.Join(visionDir, "golden", "greedy_step_logits.f32"))
	V := m.Config.VocabSize
	L := len(p.IDs)
	cache := m.NewCache(L + 12)
	var logits []float32
	for i := 0; i < L; i += 9 {
		out, err := m.ForwardBatch([]Seq{p.Slice(cache, i, min(i+9, L), false)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		logits = out[0]
	}
	var got []int32
	worst := 0.0
	for k := 0; k < 12; k++ {
		d, _ := testmodel.MaxAbsDiff(logits, stepLogits[k*V:(k+1)*V])
		worst = max(worst, d)
		id := testmodel.Argmax(logits)
		got = append(got, id)
		var err error
		if logits, err = m.Forward(cache, []int32{id}, ForwardOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("greedy: %v; step logits max |diff| %.3g", got, worst)
	if !slices.Equal(got, wantToks) {
		t.Errorf("greedy tokens %v, want %v", got, wantToks)
	}
	if worst > 1e-4 {
		t.Errorf("greedy step logits: max |diff| %g", worst)
	}
}
