package promptguard

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/kernels"
)

// apply computes y = x·Wᵀ + b for n rows of x.
func (l *linear) apply(x []float32, n int) []float32 {
	y := make([]float32, n*l.Out)
	kernels.Gemm(n, l.Out, l.In, x, l.In, 1, l.W, 1, l.In, y, l.Out, false)
	for r := 0; r < n; r++ {
		row := y[r*l.Out : (r+1)*l.Out]
		for j := range row {
			row[j] += l.B[j]
		}
	}
	return y
}

// layerNorm normalises each row of x (width len(n.W)) in place.
func (n norm) apply(x []float32, eps float64) {
	H := len(n.W)
	for r := 0; r+H <= len(x); r += H {
		row := x[r : r+H]
		var mean float64
		for _, v := range row {
			mean += float64(v)
		}
		mean /= float64(H)
		var vr float64
		for _, v := range row {
			d := float64(v) - mean
			vr += d * d
		}
		inv := 1 / math.Sqrt(vr/float64(H)+eps)
		for i, v := range row {
			row[i] = float32((float64(v)-mean)*inv)*n.W[i] + n.B[i]
		}
	}
}

// gelu is the exact (erf) GELU.
func gelu(x float32) float32 {
	return float32(0.5 * float64(x) * (1 + math.Erf(float64(x)/math.Sqrt2)))
}

// bucket maps a relative position to its log bucket (make_log_bucket_position,
// computed in float32 as the reference does).
func (c *Config) bucket(rel int) int {
	if c.PositionBuckets <= 0 {
		return rel
	}
	mid := c.PositionBuckets / 2
	abs := rel
	if rel < 0 {
		abs = -rel
	}
	if rel < mid && rel > -mid {
		abs = mid - 1
	}
	if abs <= mid {
		return rel
	}
	l := float32(math.Log(float64(float32(abs)/float32(mid)))) / float32(math.Log(float64(float32(c.MaxRelative-1)/float32(mid))))
	v := int(math.Ceil(float64(l*float32(mid-1)))) + mid
	if rel < 0 {
		return -v
	}
	return v
}

// Logits runs the classifier on one sequence of token ids ([CLS] … [SEP]
// included) and returns one logit per label.
func (m *Model) Logits(ids []int32) ([]float32, error) {
	c := m.Config
	T, H := len(ids), c.Hidden
	if T == 0 {
		return nil, fmt.Errorf("promptguard: empty input")
	}
	if c.PositionBiased && T > c.MaxPositions {
		return nil, fmt.Errorf("promptguard: %d tokens exceed max_position_embeddings %d", T, c.MaxPositions)
	}
	h := make([]float32, T*H)
	for t, id := range ids {
		if id < 0 || int(id) >= c.VocabSize {
			return nil, fmt.Errorf("promptguard: token %d (at %d) is outside the vocabulary [0, %d)", id, t, c.VocabSize)
		}
		row := h[t*H : (t+1)*H]
		copy(row, m.word[int(id)*H:])
		if m.pos != nil {
			kernels.Add(row, m.pos[t*H:(t+1)*H])
		}
		if m.typ != nil {
			kernels.Add(row, m.typ[:H])
		}
	}
	m.embNorm.apply(h, c.LayerNormEps)
	rel := append([]float32(nil), m.rel...)
	if c.NormRelEmbed {
		m.relNorm.apply(rel, c.LayerNormEps)
	}
	span := c.span()
	rp := make([]int, T*T) // bucketed i−j
	for i := 0; i < T; i++ {
		for j := 0; j < T; j++ {
			rp[i*T+j] = c.bucket(i - j)
		}
	}
	for l := range m.layers {
		h = m.layer(&m.layers[l], h, T, rel, rp, span)
	}
	pooled := m.pooler.apply(h[:H], 1)
	for i := range pooled {
		pooled[i] = gelu(pooled[i])
	}
	return m.cls.apply(pooled, 1), nil
}

// layer runs one encoder layer over h [T][H].
func (m *Model) layer(ly *layer, h []float32, T int, rel []float32, rp []int, span int) []float32 {
	c := m.Config
	H, nh := c.Hidden, c.Heads
	d := H / nh
	q, k, v := ly.q.apply(h, T), ly.k.apply(h, T), ly.v.apply(h, T)
	R := 2 * span
	var posK, posQ []float32
	if c.ShareAttKey {
		posK, posQ = ly.k.apply(rel, R), ly.q.apply(rel, R)
	} else {
		if c.C2P {
			posK = ly.posK.apply(rel, R)
		}
		if c.P2C {
			posQ = ly.posQ.apply(rel, R)
		}
	}
	sf := 1
	if c.C2P {
		sf++
	}
	if c.P2C {
		sf++
	}
	scale := float32(math.Sqrt(float64(float32(d) * float32(sf))))
	clamp := func(x int) int { return min(max(x, 0), R-1) }
	ctx := make([]float32, T*H)
	qk := make([]float32, T*T)
	probs := make([]float32, T*T)
	var c2p, p2c []float32
	if c.C2P {
		c2p = make([]float32, T*R)
	}
	if c.P2C {
		p2c = make([]float32, T*R)
	}
	for hd := 0; hd < nh; hd++ {
		off := hd * d
		// Content to content, content to position (q·posK) and position to
		// content (k·posQ), each one product over the head's columns.
		kernels.Gemm(T, T, d, q[off:], H, 1, k[off:], 1, H, qk, T, false)
		if c.C2P {
			kernels.Gemm(T, R, d, q[off:], H, 1, posK[off:], 1, H, c2p, R, false)
		}
		if c.P2C {
			kernels.Gemm(T, R, d, k[off:], H, 1, posQ[off:], 1, H, p2c, R, false)
		}
		for i := 0; i < T; i++ {
			row := probs[i*T : (i+1)*T]
			for j := 0; j < T; j++ {
				var rel float32
				if c.C2P {
					rel += c2p[i*R+clamp(rp[i*T+j]+span)] / scale
				}
				if c.P2C {
					rel += p2c[j*R+clamp(-rp[j*T+i]+span)] / scale
				}
				row[j] = qk[i*T+j]/scale + rel
			}
			kernels.Softmax(row)
		}
		kernels.Gemm(T, d, T, probs, T, 1, v[off:], H, 1, ctx[off:], H, false)
	}
	a := ly.o.apply(ctx, T)
	kernels.Add(a, h)
	ly.attnNorm.apply(a, c.LayerNormEps)
	in := ly.inter.apply(a, T)
	for i := range in {
		in[i] = gelu(in[i])
	}
	out := ly.out.apply(in, T)
	kernels.Add(out, a)
	ly.outNorm.apply(out, c.LayerNormEps)
	return out
}
