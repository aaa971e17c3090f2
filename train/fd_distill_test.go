package train

import (
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/distill"
)

// TestFiniteDifferencesDistill checks the gradient of the distillation loss
// through the whole model: every parameter tensor's analytic gradient
// (distill.RowGrad on each row's logits, then Backward) against central
// differences of the float64 loss Σ (1−α)·nll + α·τ²·kl over the valid
// targets, with a top-k and a dense teacher.
func TestFiniteDifferencesDistill(t *testing.T) {
	for ci, tc := range []struct {
		name       string
		k          int
		alpha, tau float64
	}{
		{"topk4-hot", 4, 0.6, 2},
		{"dense-cold", 0, 0.8, 0.7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, p := microParams(t, ``, uint64(30+ci))
			b := microBatch(c, 2, 10, uint64(40+ci))
			V := c.VocabSize
			r := rand.New(rand.NewPCG(uint64(ci), 9))
			soft := make([]distill.Soft, b.B*b.T)
			for n := range soft {
				lg := make([]float32, V)
				for i := range lg {
					lg[i] = float32(2 * r.NormFloat64())
				}
				if tc.k == 0 {
					soft[n].LogP = make([]float32, V)
					distill.LogSoftmax(lg, soft[n].LogP)
					continue
				}
				soft[n] = distill.Soft{Idx: make([]int32, tc.k), LogP: make([]float32, tc.k)}
				distill.LogSoftmaxTopK(lg, soft[n].Idx, soft[n].LogP)
			}
			scale := 1 / float64(dataset.CountValid(b.Targets))
			ws := newWorkspace(t, p, b)
			lossAt := func() float64 {
				logits, err := ws.Forward(p, b.Inputs)
				if err != nil {
					t.Fatal(err)
				}
				var sum float64
				for n, y := range b.Targets {
					if y != dataset.IgnoreIndex {
						nll, kl := distill.RowLoss(logits[n*V:(n+1)*V], y, soft[n], tc.tau)
						sum += (1-tc.alpha)*nll + tc.alpha*tc.tau*tc.tau*kl
					}
				}
				return scale * sum
			}
			logits, err := ws.Forward(p, b.Inputs)
			if err != nil {
				t.Fatal(err)
			}
			for n, y := range b.Targets {
				row := logits[n*V : (n+1)*V]
				if y == dataset.IgnoreIndex {
					clear(row)
					continue
				}
				distill.RowGrad(row, y, soft[n], tc.alpha, tc.tau, scale)
			}
			g := p.ZerosLike()
			if err := ws.Backward(p, g); err != nil {
				t.Fatal(err)
			}
			if gap := minRouterGap(ws); gap < 1e-3 {
				t.Fatalf("router gap %.3g too small for finite differences; pick another seed", gap)
			}
			worst := checkFD(t, p, g, b, c.Hidden, rand.New(rand.NewPCG(uint64(ci), 3)), lossAt)
			t.Logf("%d tensors, worst relative error %.3g", len(p.Tensors), worst)
		})
	}
}
