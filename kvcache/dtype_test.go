package kvcache

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/herd-llm/herd/quant"
	"github.com/herd-llm/herd/tensor"
)

func TestParseKVType(t *testing.T) {
	good := map[string]tensor.DType{"f32": tensor.F32, "bf16": tensor.BF16, "f16": tensor.F16, "q8_0": tensor.Q8_0, "Q8_0": tensor.Q8_0}
	for s, want := range good {
		if got, err := ParseKVType(s); err != nil || got != want {
			t.Errorf("ParseKVType(%q) = %s, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "q4", "q4_0", "q4_k", "int4", "f8_e4m3", "q8_k"} {
		if _, err := ParseKVType(s); err == nil {
			t.Errorf("ParseKVType(%q) accepted", s)
		}
	}
	for _, d := range []tensor.DType{tensor.Q4_0, tensor.F8E4M3, tensor.Q8K, tensor.DType(200)} {
		if _, err := New(Options{KVHeads: 1, HeadDim: 256, Chunk: 16, MaxLen: 10, DType: d}); err == nil {
			t.Errorf("New accepted cache type %s", d)
		}
	}
}

// q8_0Encoder is the Q8_0 encoder kvcache had before it used package quant's;
// the stored bytes must not change.
func q8_0Encoder(dst []byte, src []float32) {
	for b := 0; b < len(src)/32; b++ {
		blk, out := src[32*b:32*b+32], dst[34*b:34*b+34]
		var amax float32
		for _, f := range blk {
			amax = max(amax, float32(math.Abs(float64(f))))
		}
		dd := amax / 127
		id := float32(0)
		if dd != 0 {
			id = 1 / dd
		}
		binary.LittleEndian.PutUint16(out, tensor.F32ToF16(dd))
		for i, f := range blk {
			out[2+i] = byte(int8(math.Round(float64(f * id))))
		}
	}
}

func TestQ8_0SameBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 32*64)
	for i := range x {
		x[i] = float32(rng.NormFloat64()) * float32(math.Exp(rng.NormFloat64()*4))
		if i%97 == 0 {
			x[i] = 0
		}
	}
	clear(x[64:96]) // an all-zero block
	want, got := make([]byte, 34*64), make([]byte, 34*64)
	q8_0Encoder(want, x)
	quant.Quantize(tensor.Q8_0, got, x)
	if !bytes.Equal(got, want) {
		t.Error("quant's Q8_0 encoding differs from kvcache's former one")
	}
}
