package fp8

import (
	"math"

	"github.com/herd-llm/herd/tensor"
)

// format describes an OCP FP8 format: mantissa bits, the exponent of the
// smallest normal value, and the largest finite value (saturation bound).
type format struct {
	name  string
	mbits int
	emin  int
	max   float32
}

var (
	fmtE4M3 = format{"e4m3", 3, -6, 448}
	fmtE5M2 = format{"e5m2", 2, -14, 57344}
)

// minSub is the smallest positive (subnormal) value of the format.
func (f format) minSub() float32 { return float32(math.Ldexp(1, f.emin-f.mbits)) }

// round rounds x to the nearest value of the format, ties to even,
// saturating at ±max; sat reports that the correctly rounded magnitude
// exceeded max and was clamped. NaN stays NaN; ±Inf saturates.
func (f format) round(x float32) (r float32, sat bool) {
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
func (f format) encode(x float32) uint8 {
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
func (f format) decode(b uint8) float32 {
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
