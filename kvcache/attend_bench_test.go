package kvcache

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/tensor"
)

// benchCache returns a cache of type dt with one global layer of hkv KV
// heads of d holding n positions of random keys and values.
func benchCache(b *testing.B, r *rand.Rand, hkv, d, n int, dt tensor.DType) *Cache {
	c, err := New(Options{KVHeads: hkv, HeadDim: d, Chunked: []bool{false}, Chunk: 8192, MaxLen: n, DType: dt})
	if err != nil {
		b.Fatal(err)
	}
	k, v := make([]float32, hkv*d), make([]float32, hkv*d)
	for p := 0; p < n; p++ {
		for i := range k {
			k[i], v[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		c.Store(0, p, k, v)
	}
	return c
}

// useProcs runs the rest of b on procs threads (GOMAXPROCS and the kernels'
// thread count).
func useProcs(b *testing.B, procs int) {
	old := runtime.GOMAXPROCS(procs)
	kernels.SetThreads(procs)
	b.Cleanup(func() { runtime.GOMAXPROCS(old); kernels.SetThreads(0) })
}

// BenchmarkAttendDecode measures one decode query (4 heads over 2 KV heads of
// 64, the long-1m shape) against a global layer holding depth positions, for
// each cache type. MB/s counts the K and V bytes read; cpu-ns/op is CPU
// time per query (summed over threads).
func BenchmarkAttendDecode(b *testing.B) {
	const hkv, d, heads = 2, 64, 4
	for _, depth := range []int{65536} {
		for _, dt := range []tensor.DType{tensor.F16, tensor.BF16, tensor.F32, tensor.Q8_0} {
			r := rand.New(rand.NewPCG(1, 2))
			c := benchCache(b, r, hkv, d, depth, dt)
			q := randVec(r, heads*d, 1)
			out := make([]float32, heads*d)
			for _, procs := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/depth=%d/procs=%d", dt, depth, procs), func(b *testing.B) {
					useProcs(b, procs)
					b.SetBytes(int64(2 * depth * c.row))
					c0 := cpuSeconds()
					for b.Loop() {
						c.Attend(0, q, out, depth-1, 1, heads, float32(1/math.Sqrt(d)))
					}
					b.ReportMetric((cpuSeconds()-c0)*1e9/float64(b.N), "cpu-ns/op")
				})
			}
		}
	}
}

// BenchmarkAttendPrefill measures a prefill step: T = 512 queries at the
// last 512 positions of a context of ctx positions (16 heads over 4 KV heads
// of 64, the bench-566m shape, one global layer), for each cache type, on 1
// and 2 threads. cpu-Mpairs/s counts query-head·key pairs per CPU second.
func BenchmarkAttendPrefill(b *testing.B) {
	const hkv, d, heads, T = 4, 64, 16, 512
	for _, ctx := range []int{512, 4096} {
		for _, dt := range []tensor.DType{tensor.F16, tensor.BF16, tensor.F32, tensor.Q8_0} {
			r := rand.New(rand.NewPCG(3, 4))
			c := benchCache(b, r, hkv, d, ctx, dt)
			q := randVec(r, T*heads*d, 1)
			out := make([]float32, T*heads*d)
			pairs := float64(heads) * float64(T) * float64(2*ctx-T+1) / 2
			for _, procs := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/ctx=%d/procs=%d", dt, ctx, procs), func(b *testing.B) {
					useProcs(b, procs)
					c0 := cpuSeconds()
					for b.Loop() {
						c.Attend(0, q, out, ctx-T, T, heads, float32(1/math.Sqrt(d)))
					}
					b.ReportMetric(pairs*float64(b.N)/(cpuSeconds()-c0)/1e6, "cpu-Mpairs/s")
				})
			}
		}
	}
}
