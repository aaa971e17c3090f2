package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// benchShape is a weight shape the benchmarks run: cols inputs → rws outputs.
type benchShape struct {
	name      string
	cols, rws int
}

// Llama 4 (Scout/Maverick) projection shapes, [in → out].
var benchShapes = []benchShape{
	{"q_o_5120x5120", 5120, 5120},
	{"kv_5120x1024", 5120, 1024},
	{"expert_up_5120x8192", 5120, 8192},
	{"expert_down_8192x5120", 8192, 5120},
	{"dense_5120x16384", 5120, 16384},
}

// BenchmarkMatMulDecode measures matrix-vector products (n = 1); the MB/s
// column counts weight bytes, and GB/s is reported separately.
func BenchmarkMatMulDecode(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sh := range benchShapes {
		for _, dt := range []tensor.DType{tensor.F32, tensor.BF16} {
			w := randMat(rng, dt, sh.rws, sh.cols)
			x := randVec(rng, sh.cols)
			dst := make([]float32, sh.rws)
			for _, ic := range impls() {
				for _, nt := range []int{1, 2} {
					if ic.portable && sh.name != "q_o_5120x5120" {
						continue
					}
					b.Run(fmt.Sprintf("%s/%s/%s/threads=%d", sh.name, dt, ic.name, nt), func(b *testing.B) {
						useImpl(b, ic)
						useThreads(b, nt, 1<<18)
						b.SetBytes(int64(len(w.Data)))
						for b.Loop() {
							MatMul(dst, x, 1, w)
						}
						b.ReportMetric(float64(len(w.Data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
					})
				}
			}
		}
	}
}

// BenchmarkMatMulPrefill measures a 64-token batch on the 5120×5120 projection.
func BenchmarkMatMulPrefill(b *testing.B) {
	const n, rows, cols = 64, 5120, 5120
	rng := rand.New(rand.NewPCG(2, 2))
	x := randVec(rng, n*cols)
	dst := make([]float32, n*rows)
	for _, dt := range []tensor.DType{tensor.F32, tensor.BF16} {
		w := randMat(rng, dt, rows, cols)
		for _, ic := range impls() {
			for _, nt := range []int{1, 2} {
				b.Run(fmt.Sprintf("n=%d/%dx%d/%s/%s/threads=%d", n, cols, rows, dt, ic.name, nt), func(b *testing.B) {
					useImpl(b, ic)
					useThreads(b, nt, 1<<18)
					for b.Loop() {
						MatMul(dst, x, n, w)
					}
					b.ReportMetric(2*n*rows*cols*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkMatMulPrefillF32 times the F32 products of a 512-token prompt
// through bench-566m on one thread: the dense MLP's up projection and an
// expert's (about 32 tokens each of 16 experts), GFLOP/s per wall and per CPU
// second (the latter is steadier on a shared machine).
func BenchmarkMatMulPrefillF32(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 3))
	for _, sh := range []struct{ n, rows, cols int }{{512, 4096, 1024}, {32, 2048, 1024}, {32, 1024, 2048}} {
		x := randVec(rng, sh.n*sh.cols)
		dst := make([]float32, sh.n*sh.rows)
		w := randMat(rng, tensor.F32, sh.rows, sh.cols)
		for _, ic := range impls() {
			b.Run(fmt.Sprintf("n=%d/%dx%d/%s", sh.n, sh.cols, sh.rows, ic.name), func(b *testing.B) {
				useImpl(b, ic)
				useThreads(b, 1, 1<<18)
				c0 := cpuSeconds()
				for b.Loop() {
					MatMul(dst, x, sh.n, w)
				}
				f := 2 * float64(sh.n*sh.rows*sh.cols*b.N) / 1e9
				b.ReportMetric(f/b.Elapsed().Seconds(), "GFLOP/s")
				b.ReportMetric(f/(cpuSeconds()-c0), "cpu-GFLOP/s")
			})
		}
	}
}

func BenchmarkDot(b *testing.B) {
	benchVec(b, 3, 8, func(x, y []float32) { Dot(x, y) })
}

func BenchmarkAxpy(b *testing.B) {
	benchVec(b, 4, 12, func(x, y []float32) { Axpy(y, 1e-3, x) })
}

// benchVec runs op on random vectors x and y of 128 and 5120 values under
// every implementation, seeding the generator with seed and counting
// bytesPerElem bytes moved per element.
func benchVec(b *testing.B, seed uint64, bytesPerElem int, op func(x, y []float32)) {
	rng := rand.New(rand.NewPCG(seed, seed))
	for _, n := range []int{128, 5120} {
		x, y := randVec(rng, n), randVec(rng, n)
		for _, ic := range impls() {
			b.Run(fmt.Sprintf("n=%d/%s", n, ic.name), func(b *testing.B) {
				useImpl(b, ic)
				b.SetBytes(int64(bytesPerElem * n))
				for b.Loop() {
					op(x, y)
				}
			})
		}
	}
}

// BenchmarkMatMulSmallBatch measures the few-row products of batched decode
// (continuous batching: one row per stream) on a bench-566m-sized projection
// and a Scout-sized one, on the small-batch path and on the batched (gemm)
// one; GB/s counts weight bytes, each read once per call, and cpu-ms/op the
// CPU time of the process (steadier than wall time on a shared machine).
func BenchmarkMatMulSmallBatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, sh := range []struct {
		name      string
		cols, rws int
	}{{"1024x4096", 1024, 4096}, {"5120x5120", 5120, 5120}} {
		for _, dt := range []tensor.DType{tensor.F32, tensor.BF16} {
			w := randMat(rng, dt, sh.rws, sh.cols)
			for _, n := range []int{1, 2, 3, 4, 8, 16} {
				x := randVec(rng, n*sh.cols)
				dst := make([]float32, n*sh.rws)
				for _, path := range []string{"small", "gemm"} {
					if path == "gemm" && n == 1 {
						continue
					}
					b.Run(fmt.Sprintf("%s/%s/n=%d/%s/threads=2", sh.name, dt, n, path), func(b *testing.B) {
						useThreads(b, 2, 1<<18)
						if path == "gemm" {
							old := smallMaxN
							smallMaxN = 0
							b.Cleanup(func() { smallMaxN = old })
						}
						c0 := cpuSeconds()
						for b.Loop() {
							MatMul(dst, x, n, w)
						}
						b.ReportMetric(float64(len(w.Data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
						b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/op")
					})
				}
			}
		}
	}
}
