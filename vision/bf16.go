package vision

import "math"

// bf16 rounds a float32 to the nearest bfloat16 (ties to even), returned as
// the float32 of equal value, as PyTorch's float→bfloat16 conversion does.
func bf16(f float32) float32 {
	b := math.Float32bits(f)
	if f != f { // NaN stays NaN
		return f
	}
	b += 0x7fff + (b>>16)&1
	return math.Float32frombits(b &^ 0xffff)
}

// normalizer is the reference's bf16 rescale-and-normalise step (spec §5.1
// step 5, README of testdata/llama4-tiny-vision): the uint8 value converted to
// bfloat16, multiplied by float32(rescale) and rounded once to bfloat16 (the
// PyTorch ≥ 2.1 kernel), then (v − mean) and / std, each computed in float32
// and rounded to bfloat16, with mean and std themselves bfloat16.
type normalizer struct {
	lut [3][256]float32 // per channel, per uint8 value
}

func newNormalizer(rescale float32, mean, std [3]float32) *normalizer {
	n := &normalizer{}
	for c := 0; c < 3; c++ {
		m, s := bf16(mean[c]), bf16(std[c])
		for v := 0; v < 256; v++ {
			x := bf16(float32(v) * rescale)
			x = bf16(x - m)
			n.lut[c][v] = bf16(x / s)
		}
	}
	return n
}
