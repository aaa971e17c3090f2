package train

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/tensor"

	"github.com/herd-llm/herd/train/nn"
)

// FP8 training simulation (Options.FP8): the inputs of the decoder layers'
// linear-layer products — activations, weights and, in the backward pass,
// output gradients — are scaled so that their largest magnitude (amax) maps
// to the format's largest finite value, rounded to FP8 (round to nearest,
// ties to even, saturating), multiplied with float32 accumulation, and the
// product is unscaled: out = (Σ q_a·q_b)·(1/s_a)·(1/s_b), as
// torch._scaled_mm computes it. Scales are computed from the tensor being
// cast ("dynamic" or just-in-time scaling, as torchao's Float8Linear
// default), one per tensor ("tensor") or one per row along the contraction
// dimension ("row"). The master weights, the optimizer, the attention
// products, norms and the loss stay float32; so do the router and the LM
// head (DeepSeek-V3 and torchtitan's float8 recipes keep the MoE gate and
// the output head in higher precision too).
//
// "e4m3" rounds every input to E4M3 (OCP fn variant: max 448); "hybrid"
// rounds the output gradients of backward products to E5M2 (max 57344,
// more range, one fewer mantissa bit) and the rest to E4M3.

// fp8Format describes an OCP FP8 format: mantissa bits, the exponent of the
// smallest normal value, and the largest finite value (saturation bound).
type fp8Format struct {
	name  string
	mbits int
	emin  int
	max   float32
}

var (
	fmtE4M3 = fp8Format{"e4m3", 3, -6, 448}
	fmtE5M2 = fp8Format{"e5m2", 2, -14, 57344}
)

// minSub is the smallest positive (subnormal) value of the format.
func (f fp8Format) minSub() float32 { return float32(math.Ldexp(1, f.emin-f.mbits)) }

// round rounds x to the nearest value of the format, ties to even,
// saturating at ±max; sat reports that the correctly rounded magnitude
// exceeded max and was clamped. NaN stays NaN; ±Inf saturates.
func (f fp8Format) round(x float32) (r float32, sat bool) {
	if x != x {
		return x, false
	}
	a := math.Abs(float64(x))
	if a >= math.Ldexp(1, f.emin) {
		// Normal in the target: round the float32 mantissa to mbits bits,
		// ties to even; a carry moves into the exponent as it should.
		shift := uint(23 - f.mbits)
		u := math.Float32bits(x)
		u += (1 << (shift - 1)) - 1 + (u>>shift)&1
		u &^= 1<<shift - 1
		r = math.Float32frombits(u)
	} else {
		// Subnormal in the target: a multiple of the smallest subnormal.
		q := math.Ldexp(1, f.emin-f.mbits)
		r = float32(math.RoundToEven(float64(x)/q) * q)
	}
	if r > f.max || r < -f.max {
		return float32(math.Copysign(float64(f.max), float64(x))), true
	}
	return r, false
}

// encode returns the FP8 byte of x (rounded as round does).
func (f fp8Format) encode(x float32) uint8 {
	r, _ := f.round(x)
	if r != r {
		if f.mbits == 3 {
			return 0x7f
		}
		return 0x7e
	}
	var b uint8
	if math.Signbit(float64(r)) {
		b, r = 0x80, -r
	}
	if r == 0 {
		return b
	}
	if r < float32(math.Ldexp(1, f.emin)) {
		return b | uint8(r/f.minSub())
	}
	u := math.Float32bits(r)
	e := int(u>>23&0xff) - 127
	return b | uint8(e-f.emin+1)<<f.mbits | uint8(u>>(23-f.mbits))&(1<<f.mbits-1)
}

// decode returns the value of an FP8 byte; E4M3 uses tensor.F8E4M3ToF32 (the
// table the F8 inference kernels use).
func (f fp8Format) decode(b uint8) float32 {
	if f.mbits == 3 {
		return tensor.F8E4M3ToF32(b)
	}
	return f8E5M2ToF32(b)
}

// f8E5M2ToF32 decodes an OCP E5M2 byte (the upper half of an IEEE binary16:
// bias 15, infinities, NaNs).
func f8E5M2ToF32(b uint8) float32 {
	exp, man := int(b>>2)&0x1f, int(b)&3
	var v float64
	switch {
	case exp == 0x1f && man == 0:
		v = math.Inf(1)
	case exp == 0x1f:
		return float32(math.NaN())
	case exp == 0:
		v = math.Ldexp(float64(man), -16)
	default:
		v = math.Ldexp(1+float64(man)/4, exp-15)
	}
	if b&0x80 != 0 {
		v = -v
	}
	return float32(v)
}

// FP8Stats count the values cast to FP8.
//
// Overflow counts values whose scaled magnitude the format cannot hold, so
// that they were clamped to ±max; with scales taken from the tensor's own
// amax this stays 0 (it is a check, not a tuning signal). Underflow counts
// nonzero values that became 0 after scaling and rounding (flushed
// below half the smallest subnormal). RawOverflow and RawUnderflow count
// what a cast without scaling would have done to the same values
// (|x| > max, and 0 < |x| ≤ smallest subnormal / 2): they show what the
// scaling is for.
type FP8Stats struct {
	Values                    int64 // values cast
	Overflow, Underflow       int64
	RawOverflow, RawUnderflow int64
}

// Add adds o's counts to s.
func (s *FP8Stats) Add(o FP8Stats) {
	s.Values += o.Values
	s.Overflow += o.Overflow
	s.Underflow += o.Underflow
	s.RawOverflow += o.RawOverflow
	s.RawUnderflow += o.RawUnderflow
}

// fp8Op says what a product's operand is: activations and weights use the
// forward format, output gradients the gradient format.
type fp8Op bool

const (
	fAct  fp8Op = false // activation or weight
	fGrad fp8Op = true  // output gradient of a backward product
)

// fp8Sim is a workspace's FP8 simulation state.
type fp8Sim[F Float] struct {
	fwd, grad fp8Format
	rowwise   bool
	q         [2][]F // the rounded (scaled) operands
	inv       [2][]F // their inverse scales: one, or one per row/column
	out       []F    // product before it is added to an accumulating output
	Stats     FP8Stats
}

// ParseFP8 checks the FP8 options: mode "" (off), "e4m3" or "hybrid";
// scaling "" or "tensor" (one scale per tensor) or "row" (one per row along
// the contraction).
func ParseFP8(mode, scaling string) error {
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

// SetFP8 turns the FP8 simulation of the workspace's linear-layer products
// on (mode "e4m3" or "hybrid") or off (mode ""), with tensorwise or rowwise
// scaling.
func (ws *Workspace[F]) SetFP8(mode, scaling string) error {
	if err := ParseFP8(mode, scaling); err != nil {
		return err
	}
	if mode == "" {
		ws.fp8 = nil
		return nil
	}
	s := &fp8Sim[F]{fwd: fmtE4M3, grad: fmtE4M3, rowwise: scaling == "row"}
	if mode == "hybrid" {
		s.grad = fmtE5M2
	}
	ws.fp8 = s
	return nil
}

// FP8Stats returns the counts of the casts since the last call, and resets
// them; zero without FP8 simulation.
func (ws *Workspace[F]) FP8Stats() FP8Stats {
	if ws.fp8 == nil {
		return FP8Stats{}
	}
	s := ws.fp8.Stats
	ws.fp8.Stats = FP8Stats{}
	return s
}

func growF[F Float](p *[]F, n int) []F {
	if cap(*p) < n {
		*p = make([]F, n)
	}
	return (*p)[:n]
}

// quant rounds v [rows, cols] into operand slot i, scaled per tensor or (when
// rowwise) per row, or per column when perCol, and returns the rounded
// values and the inverse scales.
func (s *fp8Sim[F]) quant(i int, v []F, rows, cols int, perCol bool, op fp8Op) (q, inv []F) {
	f := s.fwd
	if op == fGrad {
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
func unscale[F Float](out, invR, invC []F, rows, cols int) {
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

// linNT is nn.MatMulNT (dst[n, m] = x[n, k]·w[m, k]ᵀ) for a linear layer: under FP8
// simulation its inputs are rounded (x per row, w per row: both along k).
func (ws *Workspace[F]) linNT(dst, x, w []F, n, k, m int, ox, ow fp8Op) {
	s := ws.fp8
	if s == nil || n == 0 || m == 0 {
		nn.MatMulNT(dst, x, w, n, k, m)
		return
	}
	qx, ix := s.quant(0, x, n, k, false, ox)
	qw, iw := s.quant(1, w, m, k, false, ow)
	nn.MatMulNT(dst, qx, qw, n, k, m)
	unscale(dst[:n*m], ix, iw, n, m)
}

// linNN is nn.MatMulNN (dst[n, m] (+)= x[n, k]·w[k, m]) for a linear layer: under
// FP8 simulation x is scaled per row and w per column (along k).
func (ws *Workspace[F]) linNN(dst, x, w []F, n, k, m int, acc bool, ox, ow fp8Op) {
	s := ws.fp8
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

// linTN is nn.MatMulTN (dst[m, k] += a[n, m]ᵀ·b[n, k], a weight gradient) for a
// linear layer: under FP8 simulation a and b are scaled per column (along
// the contraction over n).
func (ws *Workspace[F]) linTN(dst, a, b []F, n, m, k int, oa, ob fp8Op) {
	s := ws.fp8
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
