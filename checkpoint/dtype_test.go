package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/herd-llm/herd/format/safetensors"
	"github.com/herd-llm/herd/internal/testmodel"
	. "github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

func f32s(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func logitsOf(t *testing.T, dir string, ids []int32) []float32 {
	t.Helper()
	m, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out, err := m.Forward(m.NewCache(len(ids)), ids, ForwardOptions{AllLogits: true})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var dtypeIDs = []int32{120, 66, 19, 64, 212, 456, 163, 19, 409, 442, 161, 315, 143, 403, 61, 217, 361, 130, 64, 131}

// TestF16Checkpoint: an F16 checkpoint gives the logits of an F32 checkpoint
// holding the same (F16-rounded) values.
func TestF16Checkpoint(t *testing.T) {
	var rounded [][]float32
	half := writeVariant(t, "", func(ts []safetensors.WriteTensor) []safetensors.WriteTensor {
		for i := range ts {
			v := f32s(ts[i].Data)
			b := make([]byte, 2*len(v))
			r := make([]float32, len(v))
			for j, f := range v {
				h := tensor.F32ToF16(f)
				binary.LittleEndian.PutUint16(b[2*j:], h)
				r[j] = tensor.F16ToF32(h)
			}
			ts[i].DType, ts[i].Data = "F16", b
			rounded = append(rounded, r)
		}
		return ts
	})
	k := 0
	ref := writeVariant(t, "", func(ts []safetensors.WriteTensor) []safetensors.WriteTensor {
		for i := range ts {
			ts[i].Data = f32bytes(rounded[k])
			k++
		}
		return ts
	})
	a, b := logitsOf(t, half, dtypeIDs), logitsOf(t, ref, dtypeIDs)
	if d, _ := testmodel.MaxAbsDiff(a, b); d > 1e-5 {
		t.Fatalf("F16 checkpoint vs F32 of the same values: max |Δ| = %g", d)
	}
}

// TestFP8Checkpoint quantizes every Linear weight to F8_E4M3 with per-row
// weight_scale [rows, 1] and stores the experts per expert, as the Maverick
// FP8 checkpoint does; it must give the logits of an F32 checkpoint holding the
// dequantized values in the fused layout.
func TestFP8Checkpoint(t *testing.T) {
	deq := map[string][]float32{}
	quantRows := func(v []float32, rows, cols int) (q []byte, scales []float32, d []float32) {
		q, scales, d = make([]byte, len(v)), make([]float32, rows), make([]float32, len(v))
		for r := 0; r < rows; r++ {
			var amax float32
			for _, f := range v[r*cols : (r+1)*cols] {
				amax = max(amax, float32(math.Abs(float64(f))))
			}
			s := amax / 448
			if s == 0 {
				s = 1
			}
			scales[r] = s
			for c := 0; c < cols; c++ {
				b := tensor.F32ToF8E4M3(v[r*cols+c] / s)
				q[r*cols+c] = b
				d[r*cols+c] = tensor.F8E4M3ToF32(b) * s
			}
		}
		return
	}
	isLinear := func(n string) bool {
		return strings.Contains(n, "_proj.weight") && !strings.Contains(n, "experts.")
	}
	fp8 := writeVariant(t, "", func(ts []safetensors.WriteTensor) []safetensors.WriteTensor {
		var out []safetensors.WriteTensor
		for _, x := range ts {
			v := f32s(x.Data)
			switch {
			case isLinear(x.Name):
				q, s, d := quantRows(v, x.Shape[0], x.Shape[1])
				deq[x.Name] = d
				out = append(out,
					safetensors.WriteTensor{Name: x.Name, DType: "F8_E4M3", Shape: x.Shape, Data: q},
					safetensors.WriteTensor{Name: strings.TrimSuffix(x.Name, ".weight") + ".weight_scale", DType: "F32", Shape: []int{x.Shape[0], 1}, Data: f32bytes(s)})
			case strings.HasSuffix(x.Name, "experts.gate_up_proj") || strings.HasSuffix(x.Name, "experts.down_proj"):
				// [E, in, out] input-major → per-expert [out, in] FP8 Linear weights.
				E, in, outW := x.Shape[0], x.Shape[1], x.Shape[2]
				p := strings.TrimSuffix(strings.TrimSuffix(x.Name, "gate_up_proj"), "down_proj")
				full := make([]float32, len(v))
				for e := 0; e < E; e++ {
					tr := make([]float32, in*outW) // [out, in]
					for i := 0; i < in; i++ {
						for o := 0; o < outW; o++ {
							tr[o*in+i] = v[(e*in+i)*outW+o]
						}
					}
					parts := []struct {
						name   string
						o0, on int
					}{{"down_proj", 0, outW}}
					if strings.HasSuffix(x.Name, "gate_up_proj") {
						parts = []struct {
							name   string
							o0, on int
						}{{"gate_proj", 0, outW / 2}, {"up_proj", outW / 2, outW / 2}}
					}
					for _, pt := range parts {
						q, s, d := quantRows(tr[pt.o0*in:(pt.o0+pt.on)*in], pt.on, in)
						n := fmt.Sprintf("%s%d.%s.weight", p, e, pt.name)
						out = append(out,
							safetensors.WriteTensor{Name: n, DType: "F8_E4M3", Shape: []int{pt.on, in}, Data: q},
							safetensors.WriteTensor{Name: strings.TrimSuffix(n, ".weight") + ".weight_scale", DType: "F32", Shape: []int{pt.on, 1}, Data: f32bytes(s)})
						for o := 0; o < pt.on; o++ {
							for i := 0; i < in; i++ {
								full[(e*in+i)*outW+pt.o0+o] = d[o*in+i]
							}
						}
					}
				}
				deq[x.Name] = full
			default:
				out = append(out, x)
			}
		}
		return out
	})
	ref := writeVariant(t, "", func(ts []safetensors.WriteTensor) []safetensors.WriteTensor {
		for i := range ts {
			if d, ok := deq[ts[i].Name]; ok {
				ts[i].Data = f32bytes(d)
			}
		}
		return ts
	})
	if len(deq) == 0 {
		t.Fatal("nothing was quantized")
	}
	a, b := logitsOf(t, fp8, dtypeIDs), logitsOf(t, ref, dtypeIDs)
	if d, _ := testmodel.MaxAbsDiff(a, b); d > 1e-5 {
		t.Fatalf("FP8 checkpoint vs F32 of the dequantized values: max |Δ| = %g", d)
	}
	// FP8 is lossy: the quantized model should still pick mostly the same
	// next tokens as the original.
	orig := logitsOf(t, tinyDir+"/f32", dtypeIDs)
	d, _ := testmodel.MaxAbsDiff(a, orig)
	V, agree := 512, 0
	for p := range dtypeIDs {
		if testmodel.Argmax(a[p*V:(p+1)*V]) == testmodel.Argmax(orig[p*V:(p+1)*V]) {
			agree++
		}
	}
	t.Logf("FP8 per-row vs original f32: max |Δlogit| = %.3g, top-1 agreement %d/%d", d, agree, len(dtypeIDs))
	if agree < len(dtypeIDs)*3/4 {
		t.Errorf("FP8 model agrees with the original on only %d of %d positions", agree, len(dtypeIDs))
	}
}
