package fp8

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/train/nn"
)

// Stats count the values cast to FP8.
//
// Overflow counts values whose scaled magnitude the format cannot hold, so
// that they were clamped to ±max; with scales taken from the tensor's own
// amax this stays 0 (it is a check, not a tuning signal). Underflow counts
// nonzero values that became 0 after scaling and rounding (flushed
// below half the smallest subnormal). RawOverflow and RawUnderflow count
// what a cast without scaling would have done to the same values
// (|x| > max, and 0 < |x| ≤ smallest subnormal / 2): they show what the
// scaling is for.
type Stats struct {
	Values                    int64 // values cast
	Overflow, Underflow       int64
	RawOverflow, RawUnderflow int64
}

// Add adds o's counts to s.
func (s *Stats) Add(o Stats) {
	s.Values += o.Values
	s.Overflow += o.Overflow
	s.Underflow += o.Underflow
	s.RawOverflow += o.RawOverflow
	s.RawUnderflow += o.RawUnderflow
}

// Op says what a product's operand is: activations and weights use the
// forward format, output gradients the gradient format.
type Op bool

const (
	Act  Op = false // activation or weight
	Grad Op = true  // output gradient of a backward product
)

// Sim is the FP8 simulation state of one workspace; a nil *Sim computes
// the products in F.
type Sim[F nn.Float] struct {
	fwd, grad format
	rowwise   bool
	q         [2][]F // the rounded (scaled) operands
	inv       [2][]F // their inverse scales: one, or one per row/column
	out       []F    // product before it is added to an accumulating output
	Stats     Stats
}

// Parse checks the FP8 options: mode "" (off), "e4m3" or "hybrid";
// scaling "" or "tensor" (one scale per tensor) or "row" (one per row along
// the contraction).
func Parse(mode, scaling string) error {
	switch mode {
	case "", "e4m3", "hybrid":
	default:
		return fmt.Errorf("train: fp8 mode %q is not one of e4m3, hybrid", mode)
	}
	switch scaling {
	case "", "tensor", "row":
	default:
		return fmt.Errorf("train: fp8 scaling %q is not one of tensor, row", scaling)
	}
	return nil
}

// New returns the simulation for mode "e4m3" or "hybrid" with tensorwise
// ("tensor" or "") or rowwise ("row") scaling, nil for mode "" (products
// in F); errors as Parse.
func New[F nn.Float](mode, scaling string) (*Sim[F], error) {
	if err := Parse(mode, scaling); err != nil || mode == "" {
		return nil, err
	}
	s := &Sim[F]{fwd: fmtE4M3, grad: fmtE4M3, rowwise: scaling == "row"}
	if mode == "hybrid" {
		s.grad = fmtE5M2
	}
	return s, nil
}

func growF[F nn.Float](p *[]F, n int) []F {
	if cap(*p) < n {
		*p = make([]F, n)
	}
	return (*p)[:n]
}

// quant rounds v [rows, cols] into operand slot i, scaled per tensor or (when
// rowwise) per row, or per column when perCol, and returns the rounded
// values and the inverse scales.
func (s *Sim[F]) quant(i int, v []F, rows, cols int, perCol bool, op Op) (q, inv []F) {
	f := s.fwd
	if op == Grad {
		f = s.grad
	}
	v = v[:rows*cols]
	q = growF(&s.q[i], rows*cols)
	groups, per := 1, 0 // per: 0 tensor, 1 row, 2 column
	if s.rowwise {
		groups, per = rows, 1
		if perCol {
			groups, per = cols, 2
		}
	}
	inv = growF(&s.inv[i], groups)
	amax := inv // amax per group first, then turned into inverse scales
	clear(amax)
	for j, x := range v {
		g := fp8Group(j, cols, per)
		if a := F(math.Abs(float64(x))); a > amax[g] {
			amax[g] = a
		}
	}
	scale := make([]float32, groups) // small: ≤ max(rows, cols)
	for g, a := range amax {
		sc := float32(1)
		if a32 := float32(a); a32 > 0 && !math.IsInf(float64(a32), 0) {
			sc = f.max / a32
		}
		scale[g] = sc
		inv[g] = F(1 / sc)
	}
	st := &s.Stats
	st.Values += int64(len(v))
	half := f.minSub() / 2
	for j, x := range v {
		g := fp8Group(j, cols, per)
		x32 := float32(x)
		r, sat := f.round(x32 * scale[g])
		if sat {
			st.Overflow++
		}
		if r == 0 && x32 != 0 {
			st.Underflow++
		}
		if ax := float32(math.Abs(float64(x32))); ax > f.max {
			st.RawOverflow++
		} else if ax != 0 && ax <= half {
			st.RawUnderflow++
		}
		q[j] = F(r)
	}
	return q, inv
}

// unscale multiplies out[r, c] by invR[r]·invC[c] (one entry each when
// tensorwise).
func unscale[F nn.Float](out, invR, invC []F, rows, cols int) {
	for r := 0; r < rows; r++ {
		ir := invR[0]
		if len(invR) > 1 {
			ir = invR[r]
		}
		o := out[r*cols : (r+1)*cols]
		for c := range o {
			ic := invC[0]
			if len(invC) > 1 {
				ic = invC[c]
			}
			o[c] *= ir * ic
		}
	}
}

// NT is nn.MatMulNT (dst[n, m] = x[n, k]·w[m, k]ᵀ) for a linear layer: under FP8
// simulation its inputs are rounded (x per row, w per row: both along k).
func (s *Sim[F]) NT(dst, x, w []F, n, k, m int, ox, ow Op) {
	if s == nil || n == 0 || m == 0 {
		nn.MatMulNT(dst, x, w, n, k, m)
		return
	}
	qx, ix := s.quant(0, x, n, k, false, ox)
	qw, iw := s.quant(1, w, m, k, false, ow)
	nn.MatMulNT(dst, qx, qw, n, k, m)
	unscale(dst[:n*m], ix, iw, n, m)
}

// NN is nn.MatMulNN (dst[n, m] (+)= x[n, k]·w[k, m]) for a linear layer: under
// FP8 simulation x is scaled per row and w per column (along k).
func (s *Sim[F]) NN(dst, x, w []F, n, k, m int, acc bool, ox, ow Op) {
	if s == nil || n == 0 || m == 0 {
		nn.MatMulNN(dst, x, w, n, k, m, acc)
		return
	}
	qx, ix := s.quant(0, x, n, k, false, ox)
	qw, iw := s.quant(1, w, k, m, true, ow)
	out := dst[:n*m]
	if acc {
		out = growF(&s.out, n*m)
	}
	nn.MatMulNN(out, qx, qw, n, k, m, false)
	unscale(out, ix, iw, n, m)
	if acc {
		nn.AddTo(dst[:n*m], out)
	}
}

// TN is nn.MatMulTN (dst[m, k] += a[n, m]ᵀ·b[n, k], a weight gradient) for a
// linear layer: under FP8 simulation a and b are scaled per column (along
// the contraction over n).
func (s *Sim[F]) TN(dst, a, b []F, n, m, k int, oa, ob Op) {
	if s == nil || n == 0 || m == 0 || k == 0 {
		nn.MatMulTN(dst, a, b, n, m, k)
		return
	}
	qa, ia := s.quant(0, a, n, m, true, oa)
	qb, ib := s.quant(1, b, n, k, true, ob)
	out := growF(&s.out, m*k)
	clear(out)
	nn.MatMulTN(out, qa, qb, n, m, k)
	unscale(out, ia, ib, m, k)
	nn.AddTo(dst[:m*k], out)
}

// fp8Group is the scale group of element j of a row-major matrix with cols
// columns: 0 for one scale per tensor (per 0), the row (per 1) or the column
// (per 2).
func fp8Group(j, cols, per int) int {
	switch per {
	case 1:
		return j / cols
	case 2:
		return j % cols
	}
	return 0
}
