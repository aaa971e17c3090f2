package kvcache

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// BenchmarkAttendDecode measures one decode query (4 heads over 2 KV heads of
// 64, the long-1m shape) against a global layer holding depth positions, for
// each cache type. MB/s counts the K and V bytes read.
func BenchmarkAttendDecode(b *testing.B) {
	const hkv, d, heads = 2, 64, 4
	for _, depth := range []int{65536} {
		for _, dt := range []tensor.DType{tensor.F16, tensor.BF16, tensor.F32, tensor.Q8_0} {
			c, err := New(Options{KVHeads: hkv, HeadDim: d, Chunked: []bool{false}, Chunk: 8192, MaxLen: depth, DType: dt})
			if err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			k, v := make([]float32, hkv*d), make([]float32, hkv*d)
			for p := 0; p < depth; p++ {
				for i := range k {
					k[i], v[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
				}
				c.Store(0, p, k, v)
			}
			q := randVec(r, heads*d, 1)
			out := make([]float32, heads*d)
			for _, procs := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/depth=%d/procs=%d", dt, depth, procs), func(b *testing.B) {
					old := runtime.GOMAXPROCS(procs)
					defer runtime.GOMAXPROCS(old)
					b.SetBytes(int64(2 * depth * c.row))
					for b.Loop() {
						c.Attend(0, q, out, depth-1, 1, heads, float32(1/math.Sqrt(d)))
					}
				})
			}
		}
	}
}
