package vision

// pixelShuffle regroups a G×G grid of d-wide patch features, x [G·G, d], into
// (G/k)² tokens of k²·d channels (spec §5.4, the reference's pixel_shuffle):
// output token r2·(G/k) + c2 holds, at channel dy·k·d + dx·d + ch, channel ch
// of grid cell (k·r2 + dy, k·c2 + dx).
func pixelShuffle(x []float32, grid, d, k int) []float32 {
	g2 := grid / k
	out := make([]float32, len(x))
	for r2 := 0; r2 < g2; r2++ {
		for c2 := 0; c2 < g2; c2++ {
			dst := out[(r2*g2+c2)*k*k*d:]
			for dy := 0; dy < k; dy++ {
				for dx := 0; dx < k; dx++ {
					src := x[((k*r2+dy)*grid+k*c2+dx)*d:][:d]
					copy(dst[(dy*k+dx)*d:], src)
				}
			}
		}
	}
	return out
}
