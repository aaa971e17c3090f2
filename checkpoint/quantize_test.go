package checkpoint

import (
	"math"
	"testing"

	"github.com/herd-llm/herd/internal/testmodel"
	. "github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train/nn"
)

// TestQuantizedAgreement measures, for every quantization scheme, the top-1
// agreement and the mean KL divergence KL(p_f32 ‖ p_quant) of the next-token
// distribution against the F32 model over all golden sequence positions.
func TestQuantizedAgreement(t *testing.T) {
	ref := loadTiny(t, "f32")
	V := ref.Config.VocabSize
	golden := testmodel.ReadTinyInputs(t).Sequences
	var seqs [][]int32
	for _, n := range []string{"len1", "len7", "len40", "len100"} {
		seqs = append(seqs, golden[n])
	}
	want := make([][]float32, len(seqs))
	for i, ids := range seqs {
		var err error
		if want[i], err = ref.Forward(ref.NewCache(len(ids)), ids, ForwardOptions{AllLogits: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Regression floors at the levels measured with the integer kernels,
	// which quantize activations to Q8_0/Q8_K per row as llama.cpp does
	// (q8_0 142/148, q6_k 144, q4_k 130, q4_0 96, int4 122, fp8 146). The
	// kernel issue asks for ≥ 99% with Q8_0; this tiny random model has
	// top-2 margins of 0.002–0.03 at the positions that flip, where Q8_0
	// rounding moves logits by ~0.05, so that target is not met here (see
	// the README's quantization section).
	minAgree := map[string]float64{"q8_0": 0.95, "q6_k": 0.96, "q4_k": 0.87, "q4_0": 0.64, "int4": 0.82, "fp8": 0.98}
	for _, scheme := range QuantSchemes {
		m := loadTiny(t, "f32")
		if _, err := Quantize(m, mustScheme(t, scheme)); err != nil {
			t.Fatal(err)
		}
		agree, total := 0, 0
		var kl float64
		for i, ids := range seqs {
			got, err := m.Forward(m.NewCache(len(ids)), ids, ForwardOptions{AllLogits: true})
			if err != nil {
				t.Fatal(err)
			}
			for p := range ids {
				a, b := want[i][p*V:(p+1)*V], got[p*V:(p+1)*V]
				if testmodel.Argmax(a) == testmodel.Argmax(b) {
					agree++
				}
				kl += klDiv(a, b)
				total++
			}
		}
		frac := float64(agree) / float64(total)
		t.Logf("%-5s top-1 agreement %d/%d = %.1f%%, mean KL %.2e nats", scheme, agree, total, 100*frac, kl/float64(total))
		if frac < minAgree[scheme] {
			t.Errorf("%s: top-1 agreement %.3f below %.2f", scheme, frac, minAgree[scheme])
		}
	}
}

// klDiv is KL(softmax(a) ‖ softmax(b)) in nats, in float64.
func klDiv(a, b []float32) float64 {
	lse := func(x []float32) float64 {
		_, l := nn.NLLRow(x, 0)
		return l
	}
	la, lb := lse(a), lse(b)
	kl := 0.0
	for i := range a {
		pa := float64(a[i]) - la
		kl += math.Exp(pa) * (pa - (float64(b[i]) - lb))
	}
	return kl
}
