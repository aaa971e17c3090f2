package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// Llama 4 projection shapes for the quantized kernels, [in → out].
var qBenchShapes = []benchShape{
	{"5120x5120", 5120, 5120},
	{"5120to8192", 5120, 8192},
	{"8192to5120", 8192, 5120},
}

// reportQuant reports GB/s of weights and GMAC/s per wall-clock second, and
// GMAC per CPU-second ("cpu-GMAC/s", robust to other processes on the machine).
func reportQuant(b *testing.B, bytes, macs int64, cpu float64) {
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(bytes)*float64(b.N)/s/1e9, "GB/s")
	b.ReportMetric(float64(macs)*float64(b.N)/s/1e9, "GMAC/s")
	if cpu > 0 {
		b.ReportMetric(float64(macs)*float64(b.N)/cpu/1e9, "cpu-GMAC/s")
	}
}

// BenchmarkMatMulQuant measures the integer (Q8_0, Q4_0, Q4_K, Q6_K) and Int4
// paths at n = 1 (decode: GB/s of weights read) and n = 64 (prefill:
// GMAC/s), next to BF16 as the float baseline. The weights are random bytes with finite scales; speed does not
// depend on the values.
func BenchmarkMatMulQuant(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, sh := range qBenchShapes {
		for _, dt := range []tensor.DType{tensor.BF16, tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K, tensor.Int4} {
			var w *tensor.Mat
			if dt == tensor.BF16 { // the float baseline
				w = randMat(rng, dt, sh.rws, sh.cols)
			} else {
				w = randQuantMat(rng, dt, sh.rws, sh.cols, true)
			}
			for _, n := range []int{1, 64} {
				x := randVec(rng, n*sh.cols)
				dst := make([]float32, n*sh.rws)
				for _, ic := range impls() {
					if ic.portable && (n > 1 || sh.name != "5120x5120") {
						continue
					}
					for _, nt := range []int{1, 2} {
						b.Run(fmt.Sprintf("%s/%s/n=%d/%s/threads=%d", sh.name, dt, n, ic.name, nt), func(b *testing.B) {
							useImpl(b, ic)
							useThreads(b, nt, 1<<18)
							b.SetBytes(int64(len(w.Data)))
							c0 := cpuSeconds()
							for b.Loop() {
								MatMul(dst, x, n, w)
							}
							reportQuant(b, int64(len(w.Data)), int64(n)*int64(sh.rws)*int64(sh.cols), cpuSeconds()-c0)
						})
					}
				}
			}
		}
	}
}

// BenchmarkMatMulDecodeCold measures decode (n = 1) with the weights coming
// from memory rather than cache, as in a real decode step: it cycles over
// copies of bench-566m-sized projections (1024 → 4096 and 4096 → 1024)
// totalling over 128 MiB, four times the last-level cache of the machine
// this was tuned on. GB/s is weight bytes per wall-clock second.
func BenchmarkMatMulDecodeCold(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 11))
	for _, sh := range []struct{ cols, rws int }{{1024, 4096}, {4096, 1024}} {
		for _, dt := range []tensor.DType{tensor.F32, tensor.Q8_0, tensor.Q4K, tensor.Q6K} {
			var ws []*tensor.Mat
			total := 0
			for total < 128<<20 {
				var w *tensor.Mat
				if dt == tensor.F32 {
					w = randMat(rng, dt, sh.rws, sh.cols)
				} else {
					w = randQuantMat(rng, dt, sh.rws, sh.cols, true)
				}
				ws = append(ws, w)
				total += len(w.Data)
			}
			x := randVec(rng, sh.cols)
			dst := make([]float32, sh.rws)
			for _, nt := range []int{1, 2} {
				b.Run(fmt.Sprintf("%dto%d/%s/threads=%d", sh.cols, sh.rws, dt, nt), func(b *testing.B) {
					useThreads(b, nt, 1<<18)
					var bytes int64
					i := 0
					for b.Loop() {
						w := ws[i%len(ws)]
						i++
						MatMul(dst, x, 1, w)
						bytes += int64(len(w.Data))
					}
					b.ReportMetric(float64(bytes)/b.Elapsed().Seconds()/1e9, "GB/s")
				})
			}
		}
	}
}
