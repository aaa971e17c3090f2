package kvcache

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/kernels"

	"github.com/herd-llm/herd/tensor"
)

// TestAttendLlama4Shape checks attention at the Llama 4 head shape (head dim
// 128, 5 query heads per KV head) for every cache type, on both kernel
// implementations, against the naive reference: decode over ranges that
// cross pages and split-K boundaries, and a prefill batch in a chunk.
func TestAttendLlama4Shape(t *testing.T) {
	const hkv, d, heads, n, chunk = 2, 128, 10, 1300, 1024
	for _, portable := range []bool{false, true} {
		kernels.ForcePortable(portable)
		for _, dt := range []tensor.DType{tensor.F32, tensor.BF16, tensor.F16, tensor.Q8_0} {
			for _, chunked := range []bool{false, true} {
				r := rand.New(rand.NewPCG(11, uint64(dt)))
				c, err := New(Options{KVHeads: hkv, HeadDim: d, Chunked: []bool{chunked}, Chunk: chunk, MaxLen: n, DType: dt})
				if err != nil {
					t.Fatal(err)
				}
				keys := make([][]float32, n)
				vals := make([][]float32, n)
				for p := range n {
					k, v := randVec(r, hkv*d, 1), randVec(r, hkv*d, 1)
					c.Store(0, p, k, v)
					keys[p], vals[p] = roundTrip(dt, k), roundTrip(dt, v)
				}
				scale := 1 / math.Sqrt(d)
				check := func(q, out []float32, p, lo int, what string) {
					t.Helper()
					for h := range heads {
						want := naiveAttend(q, keys, vals, lo, p, h, heads/hkv, d, scale)
						for i, w := range want {
							if g := out[h*d+i]; math.Abs(float64(g)-w) > 2e-5 {
								t.Fatalf("portable=%v %s chunked=%v %s pos %d head %d dim %d: %v, naive %v", portable, dt, chunked, what, p, h, i, g, w)
							}
						}
					}
				}
				for _, p := range []int{0, 255, 256, 700, 1023, 1024, 1100, 1299} {
					if chunked && p < (n-1)/chunk*chunk {
						continue // the ring holds only the last chunk
					}
					q := randVec(r, heads*d, 1)
					out := make([]float32, heads*d)
					c.Attend(0, q, out, p, 1, heads, float32(scale))
					lo := 0
					if chunked {
						lo = p / chunk * chunk
					}
					check(q, out, p, lo, "decode")
				}
				// Prefill: the last 9 positions at once (one chunk).
				const T = 9
				q := randVec(r, T*heads*d, 1)
				out := make([]float32, T*heads*d)
				c.Attend(0, q, out, n-T, T, heads, float32(scale))
				for tt := range T {
					lo := 0
					if chunked {
						lo = (n - 1) / chunk * chunk
					}
					check(q[tt*heads*d:(tt+1)*heads*d], out[tt*heads*d:(tt+1)*heads*d], n-T+tt, lo, "prefill")
				}
			}
		}
	}
	kernels.ForcePortable(false)
}
