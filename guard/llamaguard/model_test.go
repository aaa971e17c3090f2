package llamaguard

import (
	"testing"

	"github.com/herd-llm/herd/guard"
	"github.com/herd-llm/herd/internal/testmodel"
	"github.com/herd-llm/herd/internal/testmodel/tinymodel"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// TestPlanVision: the guard's vision tower, attached after Plan, is
// counted in the guard's plan (its weights as loaded and one image's
// scratch; internal/modelflags checks those against the checkpoint), and
// so in the resident a server plans beside its main model. The tiny
// multimodal model's tower stands in for a Llama Guard 4 one (there is no
// tiny Llama Guard with vision in testdata).
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
	if vis.WeightBytes() <= 0 || vis.ScratchBytes() <= 0 {
		t.Fatalf("vision tower of %d weight bytes, %d scratch", vis.WeightBytes(), vis.ScratchBytes())
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
