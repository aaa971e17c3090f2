package train

import (
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
)

type refManifest struct {
	Loss         float64 `json:"loss"`
	ValidTargets int     `json:"valid_targets"`
	LossAfter    float64 `json:"loss_after_step"`
	GradNorm     float64 `json:"grad_total_l2_norm"`
}

func readManifest(t *testing.T) refManifest {
	t.Helper()
	var m refManifest
	testmodel.ReadJSON(t, filepath.Join(refDir, "manifest.json"), &m)
	return m
}

// tensorKind groups HF names for the report: layer index removed.
var layerNum = regexp.MustCompile(`layers\.\d+\.`)

func tensorKind(name string) string { return layerNum.ReplaceAllString(name, "layers.*.") }

// TestReferenceGradients checks the loss and every parameter's gradient on
// the reference batch against upstream PyTorch (transformers
// modeling_llama4.py): loss within 1e-5; each gradient within 1e-4 relative
// to the largest absolute entry of the reference tensor.
func TestReferenceGradients(t *testing.T) {
	p := loadTinyParams(t)
	b := loadRefBatch(t)
	man := readManifest(t)
	want := loadRefTensors(t, p, "grads.safetensors")
	ws := newWorkspace(t, p, b)
	g, loss, valid := backprop(t, ws, p, b)
	if valid != man.ValidTargets {
		t.Errorf("%d valid targets, reference %d", valid, man.ValidTargets)
	}
	t.Logf("loss %.9f, reference %.9f, |Δ| = %.3g", loss, man.Loss, math.Abs(loss-man.Loss))
	if math.Abs(loss-man.Loss) > 1e-5 {
		t.Errorf("loss %.9f, reference %.9f", loss, man.Loss)
	}
	worst := map[string]float64{}
	for i, gt := range g.Tensors {
		wt := want.Tensors[i]
		rel, abs := relErr(gt.Data, wt.Data)
		k := tensorKind(gt.Name)
		worst[k] = math.Max(worst[k], rel)
		if rel > 1e-4 {
			t.Errorf("%s: gradient error %.3g relative to max |g| %.3g (abs %.3g)", gt.Name, rel, maxAbs(wt.Data), abs)
		}
	}
	kinds := make([]string, 0, len(worst))
	for k := range worst {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("worst relative gradient error %-55s %.3g", k, worst[k])
	}
}
