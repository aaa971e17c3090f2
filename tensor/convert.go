package tensor

import "math"

// BF16ToF32 widens a bfloat16 bit pattern exactly.
func BF16ToF32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// F32ToBF16 rounds to nearest even (NaN stays NaN).
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}

// F16ToF32 widens an IEEE half bit pattern exactly (subnormals, inf and NaN included).
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0 && man == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: value = man * 2^-24
		f := float32(man) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}

// F32ToF16 rounds to nearest even, with overflow to infinity.
func F32ToF16(f float32) uint16 {
	u := math.Float32bits(f)
	sign := uint16(u>>16) & 0x8000
	exp := int32(u>>23) & 0xff
	man := u & 0x7fffff
	if exp == 0xff {
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		man |= 0x800000
		shift := uint32(14 - e)
		half := uint32(1) << (shift - 1)
		rem := man & (1<<shift - 1)
		v := man >> shift
		if rem > half || (rem == half && v&1 == 1) {
			v++
		}
		return sign | uint16(v)
	}
	v := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && v&1 == 1) {
		v++
	}
	return sign | uint16(v)
}

// F8E4M3ToF32 decodes an OCP E4M3 (fn) byte: bias 7, no infinities, S.1111.111 is NaN.
func F8E4M3ToF32(b uint8) float32 {
	sign := b >> 7
	exp := int(b>>3) & 0xf
	man := int(b) & 7
	var f float32
	switch {
	case exp == 0xf && man == 7:
		return float32(math.NaN())
	case exp == 0:
		f = float32(man) / 8 * (1.0 / 64) // 2^(1-7) * man/8
	default:
		f = float32(math.Ldexp(1+float64(man)/8, exp-7))
	}
	if sign != 0 {
		f = -f
	}
	return f
}

// F32ToF8E4M3 rounds to the nearest E4M3 (fn) value, ties to even, saturating
// at ±448 (values beyond the range clamp instead of becoming NaN). NaN maps to NaN.
func F32ToF8E4M3(f float32) uint8 {
	if f != f {
		return 0x7f
	}
	var sign uint8
	if math.Signbit(float64(f)) {
		sign, f = 0x80, -f
	}
	if f >= 448 {
		return sign | 0x7e
	}
	// Binary search the 127 non-negative finite codes 0x00..0x7e (monotonic).
	lo, hi := 0, 0x7e
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if F8E4M3ToF32(uint8(mid)) <= f {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0x7e {
		return sign | uint8(lo)
	}
	a, b := F8E4M3ToF32(uint8(lo)), F8E4M3ToF32(uint8(lo+1))
	switch da, db := f-a, b-f; {
	case da < db:
		return sign | uint8(lo)
	case db < da:
		return sign | uint8(lo+1)
	case lo&1 == 0:
		return sign | uint8(lo)
	}
	return sign | uint8(lo+1)
}
