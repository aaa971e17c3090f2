package distill

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/herd-llm/herd/train/nn"
)

// randomSoft is a teacher distribution over V tokens from random logits:
// the whole vocabulary when k is 0, else its top k.
func randomSoft(r *rand.Rand, V, k int) Soft {
	lg := make([]float32, V)
	for i := range lg {
		lg[i] = float32(2 * r.NormFloat64())
	}
	if k == 0 {
		lp := make([]float32, V)
		LogSoftmax(lg, lp)
		return Soft{LogP: lp}
	}
	s := Soft{Idx: make([]int32, k), LogP: make([]float32, k)}
	LogSoftmaxTopK(lg, s.Idx, s.LogP)
	return s
}

// TestRowGradFiniteDifferences checks RowGrad's gradient against central
// differences of the loss (1−α)·nll + α·τ²·kl of RowLoss, in float64, for
// hard-only, mixed and soft-only weights, temperatures below and above 1,
// and dense and top-k teachers (the label inside and outside the top k).
func TestRowGradFiniteDifferences(t *testing.T) {
	const V = 17
	for ci, tc := range []struct {
		name       string
		alpha, tau float64
		k          int
		scale      float64
	}{
		{"hard-only", 0, 1, 5, 1},
		{"mixed-dense", 0.4, 1, 0, 0.25},
		{"mixed-topk-hot", 0.7, 2.5, 4, 1},
		{"soft-only-cold", 1, 0.6, 6, 0.5},
		{"soft-topk1", 0.5, 1.3, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(ci), 7))
			z := make([]float64, V)
			for i := range z {
				z[i] = 1.5 * r.NormFloat64()
			}
			s := randomSoft(r, V, tc.k)
			y := int32(r.IntN(V))
			loss := func() float64 {
				nll, kl := RowLoss(z, y, s, tc.tau)
				return tc.scale * ((1-tc.alpha)*nll + tc.alpha*tc.tau*tc.tau*kl)
			}
			g := slices.Clone(z)
			nll, kl := RowGrad(g, y, s, tc.alpha, tc.tau, tc.scale)
			wn, wk := RowLoss(z, y, s, tc.tau)
			if math.Abs(nll-wn) > 1e-12 || math.Abs(kl-wk) > 1e-12 {
				t.Errorf("RowGrad returned nll %v, kl %v; RowLoss says %v, %v", nll, kl, wn, wk)
			}
			if !(kl >= -1e-12) {
				t.Errorf("KL %v is negative", kl)
			}
			for i := range z {
				fd := nn.CentralDiff(&z[i], 1e-6, loss)
				if math.Abs(fd-g[i]) > 1e-8+1e-6*math.Abs(g[i]) {
					t.Errorf("logit %d: analytic %.10g, finite difference %.10g", i, g[i], fd)
				}
			}
			var sum float64
			for _, v := range g {
				sum += v
			}
			if math.Abs(sum) > 1e-12 { // softmax gradients sum to zero
				t.Errorf("gradient sums to %g, want 0", sum)
			}
		})
	}
}

// TestRowGradHardOnlyIsCrossEntropy: with α = 0 the gradient is the plain
// cross-entropy gradient softmax − onehot, in float32 too.
func TestRowGradHardOnlyIsCrossEntropy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	z := make([]float32, 29)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	y := int32(11)
	g := slices.Clone(z)
	nll, _ := RowGrad(g, y, Soft{}, 0, 1, 1)
	want, lse := nn.NLLRow(z, y)
	if math.Abs(nll-want) > 1e-6 {
		t.Fatalf("nll %v, want %v", nll, want)
	}
	for i, v := range z {
		w := math.Exp(float64(v) - lse)
		if i == int(y) {
			w--
		}
		if math.Abs(float64(g[i])-w) > 1e-6 {
			t.Fatalf("grad[%d] = %v, want %v", i, g[i], w)
		}
	}
}

// TestKLZeroAtTeacher: a student whose logits are the teacher's
// log-probabilities has KL 0 at every temperature and no soft gradient.
func TestKLZeroAtTeacher(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	s := randomSoft(r, 13, 0)
	for _, tau := range []float64{0.5, 1, 3} {
		z := make([]float64, 13)
		for i, v := range s.LogP {
			z[i] = float64(v)
		}
		_, kl := RowLoss(z, 0, s, tau)
		g := slices.Clone(z)
		RowGrad(g, 0, s, 1, tau, 1)
		if math.Abs(kl) > 1e-6 || math.Abs(g[0]) > 1e-6 || math.Abs(g[5]) > 1e-6 {
			t.Errorf("τ %g: kl %g, grad %g %g; want 0", tau, kl, g[0], g[5])
		}
	}
}

// TestLogSoftmaxTopK compares the top-k selection with a full sort.
func TestLogSoftmaxTopK(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct{ V, k int }{{10, 1}, {10, 3}, {50, 8}, {7, 7}} {
		lg := make([]float32, tc.V)
		for i := range lg {
			lg[i] = float32(r.IntN(6)) // many ties
		}
		full := make([]float32, tc.V)
		LogSoftmax(lg, full)
		order := make([]int32, tc.V)
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortStableFunc(order, func(a, b int32) int {
			switch {
			case lg[a] > lg[b]:
				return -1
			case lg[a] < lg[b]:
				return 1
			}
			return 0
		})
		idx, lp := make([]int32, tc.k), make([]float32, tc.k)
		LogSoftmaxTopK(lg, idx, lp)
		for j := range idx {
			if idx[j] != order[j] || lp[j] != full[order[j]] {
				t.Errorf("V %d k %d: entry %d is %d (%v), want %d (%v)", tc.V, tc.k, j, idx[j], lp[j], order[j], full[order[j]])
			}
		}
	}
}

// TestAlphaAndConfidence checks the schedule and the per-token weight.
func TestAlphaAndConfidence(t *testing.T) {
	o := Options{Teacher: "x", Temp: 1, Alpha: 0.9, AlphaEnd: 0.1, Weighting: WeightConfidence}
	for _, c := range []struct{ p, want float64 }{{0, 0.9}, {0.5, 0.5}, {1, 0.1}, {2, 0.1}} {
		if got := o.AlphaAt(c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("AlphaAt(%g) = %g, want %g", c.p, got, c.want)
		}
	}
	s := Soft{Idx: []int32{4, 2}, LogP: []float32{float32(math.Log(0.6)), float32(math.Log(0.3))}}
	for _, c := range []struct {
		y    int32
		want float64
	}{{4, 0.6 * 0.5}, {2, 0.3 * 0.5}, {7, 0}} {
		if got := o.tokenAlpha(0.5, s, c.y); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("label %d: α %g, want %g", c.y, got, c.want)
		}
	}
}

// TestOptionsValidate refuses bad options with errors naming the value.
func TestOptionsValidate(t *testing.T) {
	ok := DefaultOptions()
	ok.Teacher = "m"
	for _, c := range []struct {
		name string
		edit func(o *Options)
	}{
		{"no teacher", func(o *Options) { o.Teacher = "" }},
		{"both", func(o *Options) { o.Cache = "c" }},
		{"temp 0", func(o *Options) { o.Temp = 0 }},
		{"alpha 2", func(o *Options) { o.Alpha = 2 }},
		{"alpha-end NaN", func(o *Options) { o.AlphaEnd = math.NaN() }},
		{"top-k −1", func(o *Options) { o.TopK = -1 }},
		{"weighting", func(o *Options) { o.Weighting = "magic" }},
	} {
		o := ok
		c.edit(&o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("defaults with a teacher: %v", err)
	}
}
