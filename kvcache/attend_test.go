package kvcache

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"

	"github.com/herd-llm/herd/quant"
)

// naiveAttend is an independent reference: materialise all scores of one
// query head over the visible range, softmax in float64, weighted sum.
func naiveAttend(q []float32, keys, vals [][]float32, lo, pos, h, group, d int, scale float64) []float64 {
	kvh := h / group
	n := pos - lo + 1
	sc := make([]float64, n)
	m := math.Inf(-1)
	for j := 0; j < n; j++ {
		var s float64
		for i := 0; i < d; i++ {
			s += float64(q[h*d+i]) * float64(keys[lo+j][kvh*d+i])
		}
		sc[j] = s * scale
		m = math.Max(m, sc[j])
	}
	var sum float64
	for j := range sc {
		sc[j] = math.Exp(sc[j] - m)
		sum += sc[j]
	}
	out := make([]float64, d)
	for j := range sc {
		for i := 0; i < d; i++ {
			out[i] += sc[j] / sum * float64(vals[lo+j][kvh*d+i])
		}
	}
	return out
}

func randVec(r *rand.Rand, n int, s float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64()) * s
	}
	return v
}

// roundTrip returns the values as the cache will return them after encoding.
func roundTrip(dt tensor.DType, v []float32) []float32 {
	b := make([]byte, rowBytes(dt, len(v)))
	quant.Quantize(dt, b, v)
	out := make([]float32, len(v))
	quant.Dequantize(dt, out, b)
	return out
}

func TestAttendMatchesNaive(t *testing.T) {
	const hkv, d, heads = 2, 32, 4
	for _, dt := range []tensor.DType{tensor.F32, tensor.BF16, tensor.F16, tensor.Q8_0} {
		for _, tc := range []struct {
			name    string
			chunked bool
			chunk   int
			n       int   // positions stored
			queries []int // positions queried (decode style, one at a time)
			prefill bool  // also query all positions of the last chunk at once
		}{
			{"global short", false, 16, 40, []int{0, 1, 17, 39}, true},
			{"chunked", true, 16, 40, []int{0, 15, 16, 31, 32, 39}, true},
			{"global long split-K", false, 8192, 5000, []int{4999}, false},
			{"chunked long ring", true, 1000, 5000, []int{4999}, false},
		} {
			t.Run(dt.String()+"/"+tc.name, func(t *testing.T) {
				r := rand.New(rand.NewPCG(1, uint64(dt)))
				c, err := New(Options{KVHeads: hkv, HeadDim: d, Chunked: []bool{tc.chunked}, Chunk: tc.chunk, MaxLen: tc.n, DType: dt})
				if err != nil {
					t.Fatal(err)
				}
				keys := make([][]float32, tc.n)
				vals := make([][]float32, tc.n)
				qs := make([][]float32, tc.n)
				check := map[int]bool{}
				for _, p := range tc.queries {
					check[p] = true
				}
				scale := 1 / math.Sqrt(d)
				for p := 0; p < tc.n; p++ {
					k, v := randVec(r, hkv*d, 1), randVec(r, hkv*d, 1)
					c.Store(0, p, k, v)
					c.Commit([]int32{1})
					keys[p], vals[p] = roundTrip(dt, k), roundTrip(dt, v)
					qs[p] = randVec(r, heads*d, 1)
					if !check[p] {
						continue
					}
					out := make([]float32, heads*d)
					c.Attend(0, qs[p], out, p, 1, heads, float32(scale))
					lo := 0
					if tc.chunked {
						lo = p / tc.chunk * tc.chunk
					}
					for h := 0; h < heads; h++ {
						want := naiveAttend(qs[p], keys, vals, lo, p, h, heads/hkv, d, scale)
						for i, w := range want {
							if g := out[h*d+i]; math.Abs(float64(g)-w) > 2e-5 {
								t.Fatalf("pos %d head %d dim %d: %v, naive %v", p, h, i, g, w)
							}
						}
					}
				}
				if tc.prefill {
					// Several queries at once over the last chunk (all already stored).
					last := tc.n - 1
					start := last / tc.chunk * tc.chunk
					T := last - start + 1
					q := make([]float32, 0, T*heads*d)
					for p := start; p <= last; p++ {
						q = append(q, qs[p]...)
					}
					out := make([]float32, T*heads*d)
					c.Attend(0, q, out, start, T, heads, float32(scale))
					for tt := 0; tt < T; tt++ {
						p := start + tt
						lo := 0
						if tc.chunked {
							lo = start
						}
						for h := 0; h < heads; h++ {
							want := naiveAttend(qs[p], keys, vals, lo, p, h, heads/hkv, d, scale)
							for i, w := range want {
								if g := out[tt*heads*d+h*d+i]; math.Abs(float64(g)-w) > 2e-5 {
									t.Fatalf("prefill pos %d head %d: %v, naive %v", p, h, g, w)
								}
							}
						}
					}
				}
			})
		}
	}
}

// TestAttendBeyond100k stores 120,000 positions in a global and a chunked
// layer and checks attention at selected positions past 100,000 against the
// naive reference, including the first token of a chunk and a chunk's end.
func TestAttendBeyond100k(t *testing.T) {
	if testing.Short() {
		t.Skip("long-context check skipped in -short mode")
	}
	const hkv, d, heads, n, chunk = 1, 32, 2, 120_000, 8192
	c, err := New(Options{KVHeads: hkv, HeadDim: d, Chunked: []bool{false, true}, Chunk: chunk, MaxLen: n, DType: tensor.F32})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	keys := make([][]float32, n)
	vals := make([][]float32, n)
	check := map[int]bool{100_000: true, 106_495: true, 106_496: true, 114_687: true, 119_999: true}
	scale := 1 / math.Sqrt(d)
	for p := 0; p < n; p++ {
		// Keys with a larger scale make the softmax peaked, so an error in the
		// visible range shows up.
		keys[p], vals[p] = randVec(r, hkv*d, 3), randVec(r, hkv*d, 1)
		c.Store(0, p, keys[p], vals[p])
		c.Store(1, p, keys[p], vals[p])
		c.Commit([]int32{0})
		if !check[p] {
			continue
		}
		q := randVec(r, heads*d, 1)
		for l, lo := range []int{0, p / chunk * chunk} {
			out := make([]float32, heads*d)
			c.Attend(l, q, out, p, 1, heads, float32(scale))
			for h := 0; h < heads; h++ {
				want := naiveAttend(q, keys, vals, lo, p, h, heads/hkv, d, scale)
				for i, w := range want {
					if g := out[h*d+i]; math.Abs(float64(g)-w) > 1e-4 {
						t.Fatalf("layer %d pos %d head %d dim %d: %v, naive %v", l, p, h, i, g, w)
					}
				}
			}
		}
	}
	// The chunked layer's memory is one chunk; the global layer's is every position.
	want := int64(2 * chunk * hkv * d * 4)
	var ring int64
	for _, p := range c.layers[1].k {
		ring += int64(len(p))
	}
	for _, p := range c.layers[1].v {
		ring += int64(len(p))
	}
	if ring != want {
		t.Fatalf("chunked layer holds %d bytes, want one chunk = %d", ring, want)
	}
}

func TestRewind(t *testing.T) {
	c, _ := New(Options{KVHeads: 1, HeadDim: 32, Chunked: []bool{true, false}, Chunk: 16, MaxLen: 100, DType: tensor.F32})
	ids := make([]int32, 40)
	for i := range ids {
		ids[i] = int32(i)
		c.Commit(ids[i : i+1])
	}
	if got := c.CommonPrefix([]int32{0, 1, 2, 9}); got != 3 {
		t.Fatalf("CommonPrefix = %d", got)
	}
	// Rewinding inside the newest chunk keeps everything before n.
	if got := c.Rewind(35); got != 35 || c.Len() != 35 {
		t.Fatalf("Rewind(35) = %d, len %d", got, c.Len())
	}
	// Rewinding into an older chunk must recompute from that chunk's start.
	if got := c.Rewind(20); got != 16 || c.Len() != 16 {
		t.Fatalf("Rewind(20) = %d, len %d; want 16", got, c.Len())
	}
	// Exactly at a chunk boundary nothing is lost.
	if got := c.Rewind(16); got != 16 {
		t.Fatalf("Rewind(16) = %d", got)
	}
	if got := c.Rewind(0); got != 0 || c.Len() != 0 {
		t.Fatalf("Rewind(0) = %d", got)
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{
		{KVHeads: 0, HeadDim: 32, Chunk: 16, MaxLen: 10},
		{KVHeads: 1, HeadDim: 32, Chunk: 0, MaxLen: 10},
		{KVHeads: 1, HeadDim: 24, Chunk: 16, MaxLen: 10, DType: tensor.Q8_0},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := ParseKVType("q4"); err == nil {
		t.Error("q4 accepted as a cache type")
	}
}
