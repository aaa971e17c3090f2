package quant

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/tensor"
)

// The golden files in testdata/ were written by testdata/gen/gen.c, which
// calls llama.cpp's own reference routines (see testdata/README.md). Their
// input is the deterministic LCG below, which gen.c implements identically;
// the header carries a hash of it so a drift in either twin is caught.

const (
	goldenRows = 16
	goldenCols = 512
)

// lcg is the generator shared with gen.c (PCG's 64-bit LCG constants).
type lcg uint64

func (s *lcg) next32() uint32 {
	*s = *s*6364136223846793005 + 1442695040888963407
	return uint32(*s >> 32)
}

// uOf maps the top 24 bits of r to [-1, 1) exactly.
func uOf(r uint32) float32 { return float32(int32(r>>8)-(1<<23)) * (1.0 / 8388608.0) }

var pow2tab = [8]float32{1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1, 2, 4, 8}

// genRow is gen.c's gen_row: row kind k of the golden input (zeros, tiny
// values whose f16 scale is subnormal or zero, outliers, one-signed rows,
// constant blocks, ties on a coarse grid, sparse spikes, offsets, mixed
// magnitudes).
func genRow(s *lcg, k int, x []float32) {
	for j := range x {
		r := s.next32()
		u := uOf(r)
		var v float32
		switch k {
		case 0:
			v = u
		case 1:
			v = u * u * u * 4
		case 2:
			if r&0x3f == 7 {
				v = u * 2
			} else {
				v = u * 0.05
			}
		case 3:
			v = 0
		case 4:
			v = u * 1e-7
		case 5:
			v = u * 1e-20
		case 6:
			v = u * 30000
		case 7:
			v = abs32(u) * 2
		case 8:
			v = -abs32(u) * 3
		case 9:
			v = float32((j>>5)-7) * 0.125
		case 10:
			if (j>>4)&1 != 0 {
				v = 0
			} else {
				v = u
			}
		case 11:
			v = float32(int32(u*8)) * 0.25
		case 12:
			if r&0xff < 6 {
				v = u * 10
			} else {
				v = 0
			}
		case 13:
			v = (u + 0.25) * 0.01
		case 14:
			v = (u - 0.5) * 100
		default:
			v = u * pow2tab[(j>>4)&7]
		}
		x[j] = v
	}
}

func goldenInput() [][]float32 {
	s := lcg(0x4845524451)
	in := make([][]float32, goldenRows)
	for r := range in {
		in[r] = make([]float32, goldenCols)
		genRow(&s, r, in[r])
	}
	return in
}

type golden struct {
	rows, cols, rowBytes, nrand int
	hash                        uint64
	q                           []byte    // [rows*rowBytes] quantize_row_*_ref
	dq                          []float32 // [rows*cols] dequantize_row_*(q)
	rb                          []byte    // [nrand*rowBytes] random blocks
	drb                         []float32 // [nrand*cols] dequantize_row_*(rb)
	dotQ, dotRB                 []float32 // [rows*rows], [nrand*rows] vec_dot generic, or nil
}

func readGolden(t testing.TB, f tensor.DType) *golden {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", f.FlagName()+".golden.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 36 || string(b[:8]) != "HERDQG01" {
		t.Fatalf("%s: bad golden header", f)
	}
	u32 := func(o int) int { return int(binary.LittleEndian.Uint32(b[o:])) }
	g := &golden{rows: u32(8), cols: u32(12), rowBytes: u32(16), nrand: u32(20)}
	hasDot := u32(24) != 0
	g.hash = binary.LittleEndian.Uint64(b[28:])
	p := b[36:]
	take := func(n int) []byte {
		if len(p) < n {
			t.Fatalf("%s: golden file truncated", f)
		}
		v := p[:n]
		p = p[n:]
		return v
	}
	floats := func(n int) []float32 {
		v := take(4 * n)
		out := make([]float32, n)
		for i := range out {
			out[i] = getF32(v[4*i:])
		}
		return out
	}
	g.q = take(g.rows * g.rowBytes)
	g.dq = floats(g.rows * g.cols)
	g.rb = take(g.nrand * g.rowBytes)
	g.drb = floats(g.nrand * g.cols)
	if hasDot {
		g.dotQ = floats(g.rows * g.rows)
		g.dotRB = floats(g.nrand * g.rows)
	}
	if len(p) != 0 {
		t.Fatalf("%s: %d trailing bytes in golden file", f, len(p))
	}
	if rb, _ := f.RowBytes(g.cols); g.rows != goldenRows || g.cols != goldenCols || g.rowBytes != rb {
		t.Fatalf("%s: golden shape %dx%d (%d bytes/row), want %dx%d (%d)", f, g.rows, g.cols, g.rowBytes, goldenRows, goldenCols, rb)
	}
	return g
}

var ggmlFormats = []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K, tensor.Q8K}

func TestGoldenInputMatchesGenerator(t *testing.T) {
	h := uint64(1469598103934665603)
	for _, row := range goldenInput() {
		for _, v := range row {
			bits := math.Float32bits(v)
			for b := 0; b < 4; b++ {
				h ^= uint64(bits>>(8*b)) & 0xff
				h *= 1099511628211
			}
		}
	}
	for _, f := range ggmlFormats {
		if g := readGolden(t, f); g.hash != h {
			t.Errorf("%s: golden input hash %#x, Go generator gives %#x", f, g.hash, h)
		}
	}
}

// TestGoldenQuantize: Quantize reproduces ggml's quantize_row_*_ref byte for byte.
func TestGoldenQuantize(t *testing.T) {
	in := goldenInput()
	for _, f := range ggmlFormats {
		t.Run(f.FlagName(), func(t *testing.T) {
			g := readGolden(t, f)
			got := make([]byte, g.rowBytes)
			for r, x := range in {
				for i := range got {
					got[i] = 0xAA // Quantize must write every byte
				}
				Quantize(f, got, x)
				want := g.q[r*g.rowBytes : (r+1)*g.rowBytes]
				if i := firstByteDiff(got, want); i >= 0 {
					t.Errorf("row %d (kind %d): byte %d (block %d, offset %d) = %#02x, ggml %#02x",
						r, r, i, i/f.BlockBytes(), i%f.BlockBytes(), got[i], want[i])
				}
			}
		})
	}
}

// TestGoldenDequantize: Dequantize is bit-equal to ggml's dequantize_row_*,
// both on quantizer output and on random blocks.
func TestGoldenDequantize(t *testing.T) {
	for _, f := range ggmlFormats {
		t.Run(f.FlagName(), func(t *testing.T) {
			g := readGolden(t, f)
			got := make([]float32, g.cols)
			check := func(what string, src []byte, want []float32, n int) {
				for r := 0; r < n; r++ {
					Dequantize(f, got, src[r*g.rowBytes:(r+1)*g.rowBytes])
					for j, v := range got {
						if w := want[r*g.cols+j]; !sameBits(v, w) {
							t.Errorf("%s row %d value %d: %v (%#08x), ggml %v (%#08x)", what, r, j, v, math.Float32bits(v), w, math.Float32bits(w))
							return
						}
					}
				}
			}
			check("quantized", g.q, g.dq, g.rows)
			check("random", g.rb, g.drb, g.nrand)
		})
	}
}

// TestGoldenDot: the Dot functions are bit-equal to ggml's
// ggml_vec_dot_*_generic, with activation rows taken from the q8_0 and q8_k
// golden files (ggml's own activation quantization).
func TestGoldenDot(t *testing.T) {
	acts := map[tensor.DType]*golden{tensor.Q8_0: readGolden(t, tensor.Q8_0), tensor.Q8K: readGolden(t, tensor.Q8K)}
	for _, f := range []tensor.DType{tensor.Q8_0, tensor.Q4_0, tensor.Q4K, tensor.Q6K} {
		t.Run(f.FlagName(), func(t *testing.T) {
			g := readGolden(t, f)
			af, _ := ActivationType(f)
			ag := acts[af]
			check := func(what string, w []byte, want []float32, nw int) {
				for r := 0; r < nw; r++ {
					for s := 0; s < g.rows; s++ {
						got := Dot(f, w[r*g.rowBytes:(r+1)*g.rowBytes], ag.q[s*ag.rowBytes:(s+1)*ag.rowBytes], g.cols)
						if wv := want[r*g.rows+s]; !sameBits(got, wv) {
							t.Errorf("%s weights row %d · activations row %d = %v (%#08x), ggml %v (%#08x)", what, r, s, got, math.Float32bits(got), wv, math.Float32bits(wv))
						}
					}
				}
			}
			check("quantized", g.q, g.dotQ, g.rows)
			check("random", g.rb, g.dotRB, g.nrand)
		})
	}
}

func sameBits(a, b float32) bool {
	if a != a && b != b {
		return true // NaN payloads may differ; a NaN is a NaN
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

func firstByteDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
