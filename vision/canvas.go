package vision

import "math"

// Canvas is a tiling of an image: Rows×Cols tiles of TileSize pixels.
type Canvas struct{ Rows, Cols int }

// candidateCanvases lists every tiling of 1..maxTiles tiles in the order of
// the reference's find_supported_resolutions: tile counts from maxTiles down
// to 1, factor pairs (rows, cols) ascending by rows, grouped by aspect ratio
// in order of first appearance. The order decides ties in getBestFit.
func candidateCanvases(maxTiles int) []Canvas {
	var ratios []float64
	groups := map[float64][]Canvas{}
	for n := maxTiles; n >= 1; n-- {
		for a := 1; a <= n; a++ {
			if n%a != 0 {
				continue
			}
			c := Canvas{a, n / a}
			r := float64(c.Rows) / float64(c.Cols)
			if _, ok := groups[r]; !ok {
				ratios = append(ratios, r)
			}
			groups[r] = append(groups[r], c)
		}
	}
	var out []Canvas
	for _, r := range ratios {
		out = append(out, groups[r]...)
	}
	return out
}

// bestCanvas chooses the canvas for an h×w image (spec §5.1 step 2, the
// reference's get_best_fit): the smallest scale ≥ 1 that fits the image
// without distortion (the largest with resizeToMax), otherwise the largest
// scale < 1; among canvases with exactly that scale, the smallest area, the
// first in candidate order on ties.
func bestCanvas(h, w, tile, maxTiles int, resizeToMax bool) Canvas {
	cands := candidateCanvases(maxTiles)
	scales := make([]float64, len(cands))
	for i, c := range cands {
		sw := float64(c.Cols*tile) / float64(w)
		sh := float64(c.Rows*tile) / float64(h)
		scales[i] = sh
		if sh > sw {
			scales[i] = sw
		}
	}
	sel, found := 0.0, false
	for _, s := range scales {
		if s >= 1 && (!found || (resizeToMax && s > sel) || (!resizeToMax && s < sel)) {
			sel, found = s, true
		}
	}
	if !found {
		sel = math.Inf(-1)
		for _, s := range scales {
			sel = max(sel, s)
		}
	}
	best, bestArea := -1, 0
	for i, c := range cands {
		if scales[i] != sel {
			continue
		}
		if a := c.Rows * c.Cols; best < 0 || a < bestArea {
			best, bestArea = i, a
		}
	}
	return cands[best]
}

// resizeTarget is the size an h×w image is resized to before padding onto
// a canvas of canvasH×canvasW pixels (spec §5.1 step 3): without
// resizeToMax, upscaling stops once a side reaches one tile; the aspect ratio
// is kept, the computed side rounded down (in float64, as the reference's
// get_max_res_without_distortion), and no side is less than 1.
func resizeTarget(h, w, canvasH, canvasW, tile int, resizeToMax bool) (nh, nw int) {
	th, tw := canvasH, canvasW
	if !resizeToMax {
		th = min(max(h, tile), canvasH)
		tw = min(max(w, tile), canvasW)
	}
	sw := float64(tw) / float64(w)
	sh := float64(th) / float64(h)
	if sw < sh {
		nw = tw
		nh = min(int(math.Floor(float64(h)*sw)), th)
	} else {
		nh = th
		nw = min(int(math.Floor(float64(w)*sh)), tw)
	}
	return max(nh, 1), max(nw, 1)
}
