package train

import (
	"math"
	"testing"
)

var refAdamW = AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1}

// TestReferenceAdamW takes one AdamW step (lr 1e-3, betas 0.9/0.95, eps
// 1e-8, weight decay 0.1 on every tensor of ≥ 2 dimensions including the
// 3-D expert stacks, 0 on 1-D norms) from zero state with our gradients and
// compares every parameter with the reference's updated_params within 1e-6
// where the reference |g| ≥ 1e-6. Elements with smaller gradients, where the
// update is ill-conditioned (see README-reference.md), are checked against
// the closed form p·(1 − lr·wd) − lr·g/(|g| + eps) with our own g.
func TestReferenceAdamW(t *testing.T) {
	p := loadTinyParams(t)
	b := loadRefBatch(t)
	refG := loadRefTensors(t, p, "grads.safetensors")
	want := loadRefTensors(t, p, "updated_params.safetensors")
	man := readManifest(t)
	ws := newWorkspace(t, p, b)
	g, _, _ := backprop(t, ws, p, b)
	before := p.ZerosLike()
	before.CopyFrom(p)
	opt := NewAdamW(p, refAdamW)
	const lr = 1e-3
	if err := opt.Update(p, g, lr); err != nil {
		t.Fatal(err)
	}
	decayed, worst, worstSmall, small := 0, 0.0, 0.0, 0
	for i, pt := range p.Tensors {
		wd := 0.0
		if Decays(pt) {
			wd = 0.1
			decayed++
		}
		for j, v := range pt.Data {
			if math.Abs(float64(refG.Tensors[i].Data[j])) >= 1e-6 {
				d := math.Abs(float64(v) - float64(want.Tensors[i].Data[j]))
				worst = math.Max(worst, d)
				if d > 1e-6 {
					t.Fatalf("%s[%d]: %.9g, reference %.9g", pt.Name, j, v, want.Tensors[i].Data[j])
				}
				continue
			}
			small++
			gj := float64(g.Tensors[i].Data[j])
			closed := float64(before.Tensors[i].Data[j])*(1-lr*wd) - lr*gj/(math.Abs(gj)+1e-8)
			d := math.Abs(float64(v) - closed)
			worstSmall = math.Max(worstSmall, d)
			if d > 1e-6 {
				t.Fatalf("%s[%d] (|g| < 1e-6): %.9g, closed form %.9g", pt.Name, j, v, closed)
			}
		}
	}
	if decayed != 36 || len(p.Tensors)-decayed != 9 {
		t.Errorf("%d tensors decayed and %d not, reference 36 and 9", decayed, len(p.Tensors)-decayed)
	}
	t.Logf("updated params: max |Δ| = %.3g where |g_ref| ≥ 1e-6; %d smaller-gradient elements within %.3g of the closed form", worst, small, worstSmall)

	// The loss after the step.
	after := meanLoss(t, ws, p, b)
	t.Logf("loss after the step %.9f, reference %.9f", after, man.LossAfter)
	if math.Abs(after-man.LossAfter) > 1e-5 {
		t.Errorf("loss after the step %.9f, reference %.9f", after, man.LossAfter)
	}
}

func TestClipGradNorm(t *testing.T) {
	p := loadTinyParams(t)
	g := p.ZerosLike()
	g.Tensors[0].Data[0], g.Tensors[1].Data[3] = 3, 4
	if n := ClipGradNorm(g, 0); n != 5 {
		t.Fatalf("norm %v, want 5", n)
	}
	if n := ClipGradNorm(g, 1); n != 5 {
		t.Fatalf("norm before clipping %v, want 5", n)
	}
	if n := ClipGradNorm(g, 0); math.Abs(n-1) > 1e-6 {
		t.Fatalf("norm after clipping to 1: %v", n)
	}
}
