package vision

import "math"

// This file is the reference's resize: torchvision's tensor resize of a
// uint8 image with bilinear interpolation and antialias=True, which casts to
// float32, calls torch.nn.functional.interpolate (mode "bilinear",
// align_corners=False, antialias=True; ATen's separable
// _upsample_bilinear2d_aa CPU kernel), rounds half to even and casts back to
// uint8. It is written from that kernel's arithmetic, including where C++
// evaluates in double and where it rounds to float, so that the uint8 result
// is bit-identical to PyTorch's float path.

// aaTaps holds, for one output coordinate along one axis, the first input
// index and the normalised filter weights.
type aaTaps struct {
	min int
	w   []float32
}

// aaWeights computes the antialiased triangle-filter taps for resizing an
// axis of in samples to out samples (ATen HelperInterpLinear with
// _compute_weights_aa, scalar_t = float):
//
//	scale = in/out; support = scale ≥ 1 ? scale : 1
//	center = scale·(i + 0.5); invscale = scale ≥ 1 ? 1/scale : 1
//	xmin = max(trunc(center − support + 0.5), 0)
//	xsize = min(trunc(center + support + 0.5), in) − xmin
//	w_j = tri((j + xmin − center + 0.5)·invscale), normalised to sum 1
func aaWeights(in, out int) []aaTaps {
	scale := float32(in) / float32(out)
	support := float32(1)
	invscale := float32(1)
	if scale >= 1 {
		support = float32(1.0 * float64(scale))
		invscale = float32(1.0 / float64(scale))
	}
	taps := make([]aaTaps, out)
	for i := range taps {
		center := float32(float64(scale) * (float64(i) + 0.5))
		xmin := max(int64(float64(center-support)+0.5), 0)
		xsize := min(int64(float64(center+support)+0.5), int64(in)) - xmin
		w := make([]float32, max(xsize, 0))
		var total float32
		for j := range w {
			x := float32((float64(float32(j+int(xmin))-center) + 0.5) * float64(invscale))
			w[j] = triangle(x)
			total += w[j]
		}
		if total != 0 {
			for j := range w {
				w[j] /= total
			}
		}
		taps[i] = aaTaps{min: int(xmin), w: w}
	}
	return taps
}

// triangle is the bilinear filter, max(0, 1 − |x|), in float32.
func triangle(x float32) float32 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return float32(1.0 - float64(x))
	}
	return 0
}

// interp sums src[off + j·stride]·w[j] in float32, in the kernel's order:
// the first product, then each further product added with a fused
// multiply-add (one rounding). PyTorch's CPU kernels are compiled once per
// instruction set and the AVX2 build lets the compiler contract
// "output += t * w" into an FMA; with separate roundings 3 of the 37,632
// golden canvas values of image_b come out one level off, with FMA all match.
func interp(src []float32, off, stride int, w []float32) float32 {
	if len(w) == 0 {
		return 0
	}
	acc := float32(src[off] * w[0])
	for j := 1; j < len(w); j++ {
		acc = fma32(src[off+j*stride], w[j], acc)
	}
	return acc
}

// resizeChannel resizes channel c of an RGB image to oh×ow: first along the
// width (each row, read straight from the uint8 pixels), then along the
// height, with a float32 intermediate, as ATen's separable kernel does. An
// axis whose size does not change is copied (the kernel's taps are then the
// identity). Only the h×ow intermediate is allocated, never a float copy of
// the whole image.
func resizeChannel(img *Image, c, oh, ow int) []float32 {
	h, w := img.H, img.W
	tmp := make([]float32, h*ow)
	if ow != w {
		taps := aaWeights(w, ow)
		for y := 0; y < h; y++ {
			row := img.Pix[3*y*w:]
			for x, t := range taps {
				tmp[y*ow+x] = interpU8(row, 3*t.min+c, t.w)
			}
		}
	} else {
		for i := range tmp {
			tmp[i] = float32(img.Pix[3*i+c])
		}
	}
	if oh == h {
		return tmp
	}
	out := make([]float32, oh*ow)
	taps := aaWeights(h, oh)
	for y, t := range taps {
		for x := 0; x < ow; x++ {
			out[y*ow+x] = interp(tmp, t.min*ow+x, ow, t.w)
		}
	}
	return out
}

// interpU8 is interp over the uint8 samples src[off + 3j] (one channel of
// an RGB row), converted exactly to float32.
func interpU8(src []uint8, off int, w []float32) float32 {
	if len(w) == 0 {
		return 0
	}
	acc := float32(src[off]) * w[0]
	for j := 1; j < len(w); j++ {
		acc = fma32(float32(src[off+3*j]), w[j], acc)
	}
	return acc
}

// Resize resizes an RGB image to oh×ow with the reference's antialiased
// bilinear filter and returns it channels-first, 3×oh×ow uint8, each value
// rounded half to even as torch.round does.
func Resize(img *Image, oh, ow int) []uint8 {
	out := make([]uint8, 3*oh*ow)
	for c := 0; c < 3; c++ {
		r := resizeChannel(img, c, oh, ow)
		dst := out[c*oh*ow : (c+1)*oh*ow]
		for i, v := range r {
			dst[i] = uint8(min(max(math.RoundToEven(float64(v)), 0), 255))
		}
	}
	return out
}

// fma32 returns a·b + c rounded once to float32 (a float32 fused
// multiply-add). a·b is exact in float64; the sum is split into its float64
// rounding s and the exact remainder e (TwoSum), and the one case where
// rounding s again to float32 could differ from rounding s+e (s exactly
// halfway between two float32 values while e ≠ 0) is resolved by e's sign.
func fma32(a, b, c float32) float32 {
	p, q := float64(a)*float64(b), float64(c)
	s := p + q
	bp := s - q
	e := (p - bp) + (q - (s - bp))
	r := float32(s)
	if e == 0 || float64(r) == s || math.IsInf(s, 0) {
		return r
	}
	toward := float32(math.Inf(1))
	if float64(r) > s {
		toward = float32(math.Inf(-1))
	}
	o := math.Nextafter32(r, toward) // the other float32 neighbour of s
	if (float64(r)+float64(o))/2 != s {
		return r // not a tie: the float64 rounding cannot change the float32 one
	}
	if (e > 0) == (o > r) {
		return o
	}
	return r
}
