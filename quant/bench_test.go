package quant

import (
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// Benchmarks on one 4096-wide row (the Llama 4 hidden size is 5120; 4096 is
// a multiple of every block size). Throughput is reported in weights/s via
// b.SetBytes(n) (so "MB/s" reads as millions of values per second).
const benchN = 4096

func benchRow(f tensor.DType) ([]float32, []byte) {
	rng := rand.New(rand.NewPCG(8, 9))
	x := make([]float32, benchN)
	gaussianRow(rng, x, 1)
	rb, _ := f.RowBytes(benchN)
	q := make([]byte, rb)
	Quantize(f, q, x)
	return x, q
}

func BenchmarkDequantize(b *testing.B) {
	for _, f := range []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K, tensor.Q8K, tensor.Int4} {
		b.Run(f.FlagName(), func(b *testing.B) {
			_, q := benchRow(f)
			y := make([]float32, benchN)
			b.SetBytes(benchN)
			for b.Loop() {
				Dequantize(f, y, q)
			}
		})
	}
}

var sinkF32 float32

func BenchmarkDot(b *testing.B) {
	for _, f := range []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K} {
		b.Run(f.FlagName(), func(b *testing.B) {
			_, q := benchRow(f)
			act, _ := ActivationType(f)
			x, _ := benchRow(act)
			rb, _ := act.RowBytes(benchN)
			a := make([]byte, rb)
			Quantize(act, a, x)
			b.SetBytes(benchN)
			for b.Loop() {
				sinkF32 = Dot(f, q, a, benchN)
			}
		})
	}
	b.Run("int4", func(b *testing.B) {
		x, q := benchRow(tensor.Int4)
		b.SetBytes(benchN)
		for b.Loop() {
			sinkF32 = DotInt4(q, x, benchN)
		}
	})
}

func BenchmarkQuantize(b *testing.B) {
	for _, f := range []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K, tensor.Q8K, tensor.Int4} {
		b.Run(f.FlagName(), func(b *testing.B) {
			x, q := benchRow(f)
			b.SetBytes(benchN)
			for b.Loop() {
				Quantize(f, q, x)
			}
		})
	}
}
