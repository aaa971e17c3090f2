package vision

import "testing"

// TestBestCanvas checks the canvas choice and resize target on worked
// examples (spec §5.1 and the golden README).
func TestBestCanvas(t *testing.T) {
	for _, tc := range []struct {
		h, w, tile, maxTiles int
		toMax                bool
		want                 Canvas
		rh, rw               int
	}{
		{30, 40, 56, 4, false, Canvas{1, 1}, 42, 56},       // golden image_a: upscale to one tile
		{70, 130, 56, 4, false, Canvas{2, 2}, 60, 112},     // golden image_b: all scales < 1, 112/130 wins
		{336, 336, 336, 16, false, Canvas{1, 1}, 336, 336}, // exact fit
		{100, 100, 336, 16, false, Canvas{1, 1}, 336, 336}, // small square: upscaled to one tile
		{100, 100, 336, 16, true, Canvas{4, 4}, 1344, 1344},
		{10, 2000, 336, 16, false, Canvas{1, 6}, 10, 2000},  // wide: scale 1.008 on 1×6
		{2000, 10, 336, 16, false, Canvas{6, 1}, 2000, 10},  // tall
		{1, 100000, 336, 16, false, Canvas{1, 16}, 1, 5376}, // extreme: downscale, height floors to 0 → 1
		{4000, 3000, 336, 16, false, Canvas{4, 3}, 1344, 1008},
	} {
		cv := bestCanvas(tc.h, tc.w, tc.tile, tc.maxTiles, tc.toMax)
		if cv != tc.want {
			t.Errorf("%d×%d (tile %d, max %d, toMax %v): canvas %v, want %v", tc.h, tc.w, tc.tile, tc.maxTiles, tc.toMax, cv, tc.want)
			continue
		}
		rh, rw := resizeTarget(tc.h, tc.w, cv.Rows*tc.tile, cv.Cols*tc.tile, tc.tile, tc.toMax)
		if rh != tc.rh || rw != tc.rw {
			t.Errorf("%d×%d: resized to %d×%d, want %d×%d", tc.h, tc.w, rh, rw, tc.rh, tc.rw)
		}
	}
}

// TestCandidateOrder checks the reference's order of candidate canvases for
// max_patches 4 (the golden README lists them).
func TestCandidateOrder(t *testing.T) {
	want := []Canvas{{1, 4}, {2, 2}, {1, 1}, {4, 1}, {1, 3}, {3, 1}, {1, 2}, {2, 1}}
	got := candidateCanvases(4)
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
