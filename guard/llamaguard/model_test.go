package llamaguard

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/guard"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// visionTensorBytes is what the vision tower, adapter and projector of the
// safetensors file at path take.
func visionTensorBytes(t *testing.T, path string) int64 {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int64
	for name, in := range f.Header.Tensors {
		if strings.HasPrefix(name, "vision_model.") || strings.HasPrefix(name, "multi_modal_projector.") {
			n += in.End - in.Begin
		}
	}
	return n
}

// TestPlanVision: the guard's vision tower, attached after Plan, is
// counted in the guard's plan (its weights as loaded and one image's
// scratch), and so in the resident a server plans beside its main model.
// The tiny multimodal model's tower stands in for a Llama Guard 4 one
// (there is no tiny Llama Guard with vision in testdata).
func TestPlanVision(t *testing.T) {
	gm, err := Load(testmodel.Testdata(t, "llama-guard-tiny"))
	if err != nil {
		t.Fatal(err)
	}
	defer gm.Stop()
	gm.Plan(512, 2, tensor.F32, guard.Options{})
	text := gm.Bytes()
	r := gm.Resident("lower --guard-ctx")
	if r.Name != "Llama Guard" || r.Bytes() != text || r.KVBytes == 0 || r.Hint != "lower --guard-ctx" {
		t.Fatalf("text-only guard: resident %+v, plan %d bytes", r, text)
	}
	dir := tinymodel.VisionWeights(t)
	m, _ := tinymodel.LoadVision(t, true)
	vis, err := llama4.LoadVision(dir, m.Config)
	if err != nil {
		t.Fatal(err)
	}
	// As a Llama Guard 4 checkpoint's vision_config, with the guard
	// tokenizer's image token ids.
	vc := *m.Config.Vision
	for _, id := range []struct {
		name string
		dst  *int
	}{{"<|patch|>", &vc.PatchTokenID}, {"<|image_start|>", &vc.ImageStartID}, {"<|image_end|>", &vc.ImageEndID}} {
		v, ok := gm.Tok.TokenID(id.name)
		if !ok {
			t.Fatalf("the tiny guard's tokenizer has no %s", id.name)
		}
		*id.dst = int(v)
	}
	gm.M.Config.Vision = &vc
	if err := gm.AttachVision(vis); err != nil {
		t.Fatal(err)
	}
	if want := visionTensorBytes(t, filepath.Join(dir, "model.safetensors")); vis.WeightBytes() != want {
		t.Errorf("vision weights %d bytes, the checkpoint's vision tensors %d", vis.WeightBytes(), want)
	}
	if s := vis.ScratchBytes(); s != llama4.VisionScratchBytes(vis.Model.Config, vis.Preprocess.MaxTiles) || s <= 0 {
		t.Errorf("vision scratch %d", s)
	}
	if got, want := gm.Bytes(), text+vis.WeightBytes()+vis.ScratchBytes(); got != want {
		t.Errorf("guard with vision plans %d bytes, want %d (text %d + tower)", got, want, text)
	}
	r = gm.Resident("h")
	if r.Name != "Llama Guard with its vision tower" || r.Bytes() != gm.Bytes() || r.WeightBytes != gm.plan.WeightBytes+vis.WeightBytes() {
		t.Errorf("resident %+v, guard %d bytes", r, gm.Bytes())
	}
	// Planning again keeps the tower in the plan.
	gm.Plan(256, 1, tensor.F32, gm.opts)
	if len(gm.plan.Residents) != 1 || gm.plan.Residents[0].Name != VisionResident {
		t.Errorf("replanned residents %+v", gm.plan.Residents)
	}
}
