package llama4

import "math"

// InvFreq returns the RoPE inverse frequencies θ_i, i = 0..headDim/2-1, for
// theta and an optional llama3 scaling (spec §1.3), rounded to float32 as the
// reference computes them. Scout's factor-16 / low == high case, where the
// smoothing band is empty, is handled without dividing by zero.
func InvFreq(headDim int, theta float64, s *RopeScaling) []float32 {
	half := headDim / 2
	out := make([]float32, half)
	for i := range out {
		// HF: 1 / base ** (arange(0, dim, 2).float() / dim), in float32.
		e := float32(2*i) / float32(headDim)
		inv := float32(1 / math.Pow(theta, float64(e)))
		out[i] = inv
	}
	if s == nil {
		return out
	}
	lowWl := s.OriginalMaxPos / s.LowFreqFactor
	highWl := s.OriginalMaxPos / s.HighFreqFactor
	for i, inv32 := range out {
		inv := float64(inv32)
		wl := 2 * math.Pi / inv
		switch {
		case wl < highWl:
			// high frequency: unchanged
		case wl > lowWl:
			out[i] = float32(inv / s.Factor)
		default:
			// medium band; only reachable when high_wl < low_wl, so the
			// denominator is non-zero.
			den := s.HighFreqFactor - s.LowFreqFactor
			if den == 0 {
				continue
			}
			sm := (s.OriginalMaxPos/wl - s.LowFreqFactor) / den
			out[i] = float32((1-sm)*inv/s.Factor + sm*inv)
		}
	}
	return out
}

// RopeDivisors returns llama.cpp's rope_freqs form of the same scaling: the
// per-frequency divisor base_inv_freq / scaled_inv_freq (1 where unchanged).
func RopeDivisors(headDim int, theta float64, s *RopeScaling) []float32 {
	base := InvFreq(headDim, theta, nil)
	scaled := InvFreq(headDim, theta, s)
	d := make([]float32, len(base))
	for i := range d {
		d[i] = float32(float64(base[i]) / float64(scaled[i]))
	}
	return d
}

// ropeAngles fills cs (len 2·len(inv)) with the cosine and sine of every
// pair's angle at position pos, cs[2i] = cos, cs[2i+1] = sin: the angle is
// the float32 product pos·θ_i, as in the reference, its sine and cosine
// taken in float64 and rounded to float32. One table serves every head of
// a token.
func ropeAngles(cs []float32, pos int, inv []float32) {
	p := float32(pos)
	for i, f := range inv {
		ang := p * f
		sn, c := math.Sincos(float64(ang))
		cs[2*i], cs[2*i+1] = float32(c), float32(sn)
	}
}

// rotate rotates one head vector x in place by the angles of cs
// (ropeAngles) with the adjacent-pair (complex) convention: pairs
// (2i, 2i+1) are multiplied by e^{i·pos·θ_i}.
func rotate(x, cs []float32) {
	for i := 0; i+1 < len(x); i += 2 {
		c, s := cs[i], cs[i+1]
		a, b := x[i], x[i+1]
		x[i] = a*c - b*s
		x[i+1] = a*s + b*c
	}
}

// TempScale is the NoPE-layer query scale 1 + attnScale·ln(1 + ⌊(pos+1)/floorScale⌋)
// (spec §2.2), computed in float32 like the reference.
func TempScale(pos int, floorScale, attnScale float64) float32 {
	fl := math.Floor(float64(float32(pos)+1) / floorScale)
	return float32(math.Log1p(fl))*float32(attnScale) + 1
}

// RopeFreqsGGUF computes rope_freqs.weight as llama.cpp's converter does
// (LlamaModel.generate_extra_tensors): for each base frequency (float32
// θ^(-2i/d)), 1 when its wavelength is below original/high_freq_factor,
// factor when above original/low_freq_factor, and 1/((1-s)/factor + s) in
// between. Effective inverse frequency = base / divisor.
func RopeFreqsGGUF(headDim int, theta float64, s *RopeScaling) []float32 {
	base := InvFreq(headDim, theta, nil)
	out := make([]float32, len(base))
	for i := range out {
		out[i] = 1
	}
	if s == nil {
		return out
	}
	lowWl := s.OriginalMaxPos / s.LowFreqFactor
	highWl := s.OriginalMaxPos / s.HighFreqFactor
	for i, f := range base {
		wl := float64(float32(2 * math.Pi / float64(f))) // torch: 2π / float32 tensor
		switch {
		case wl < highWl:
			out[i] = 1
		case wl > lowWl:
			out[i] = float32(s.Factor)
		default:
			sm := (s.OriginalMaxPos/wl - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor)
			out[i] = float32(1 / ((1-sm)/s.Factor + sm))
		}
	}
	return out
}
