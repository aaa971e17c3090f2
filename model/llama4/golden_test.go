package llama4_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	. "github.com/herd-llm/herd/model/llama4"
)

// The tiny checkpoint and golden logits come from ../shared/testdata/llama4-tiny
// (produced by the upstream transformers implementation) and are copied into
// the repository's testdata/.
const tinyDir = "../../testdata/llama4-tiny"

type tinyInputs struct {
	Sequences map[string][]int32 `json:"sequences"`
	Greedy    map[string][]int32 `json:"greedy_prompts"`
	NewTokens int                `json:"greedy_new_tokens"`
}

type tinyManifest struct {
	Greedy map[string]struct {
		Generated []int32 `json:"generated"`
	} `json:"greedy"`
	RopeInvFreq []float64 `json:"rope_inv_freq"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%4 != 0 {
		t.Fatalf("%s: %d bytes is not a float32 array", path, len(b))
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func loadTiny(t *testing.T, weights string) *Model {
	t.Helper()
	dir := filepath.Join(tinyDir, weights)
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		t.Skipf("tiny testdata model absent (%v); copy ../shared/testdata/llama4-tiny into testdata/", err)
	}
	m, err := checkpoint.LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func maxAbsDiff(a, b []float32) (float64, int) {
	worst, at := 0.0, -1
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
			if math.IsNaN(d) {
				return math.Inf(1), i
			}
		}
	}
	return worst, at
}

func argmax(v []float32) int32 {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return int32(best)
}

var variants = []struct{ golden, weights string }{
	{"base-f32", "f32"},
	{"base-bf16w-f32", "bf16"},
}

// TestGoldenLogits checks every logit of the four golden sequences, computed
// in one forward pass, against the reference within 1e-4.
func TestGoldenLogits(t *testing.T) {
	for _, v := range variants {
		t.Run(v.golden, func(t *testing.T) {
			m := loadTiny(t, v.weights)
			var in tinyInputs
			readJSON(t, filepath.Join(tinyDir, "inputs.json"), &in)
			for _, name := range []string{"len1", "len7", "len40", "len100"} {
				ids := in.Sequences[name]
				want := readF32(t, filepath.Join(tinyDir, "golden", v.golden, "logits_"+name+".f32"))
				cache := m.NewCache(len(ids))
				got, err := m.Forward(cache, ids, ForwardOptions{AllLogits: true})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("%s: %d logits, want %d", name, len(got), len(want))
				}
				d, at := maxAbsDiff(got, want)
				t.Logf("%s: max |Δlogit| = %.3g", name, d)
				if d > 1e-4 {
					V := m.Config.VocabSize
					t.Errorf("%s: max |Δlogit| = %.3g at position %d token %d (got %v want %v)", name, d, at/V, at%V, got[at], want[at])
				}
			}
		})
	}
}

// TestGoldenHidden compares per-layer hidden states of len40; it pinpoints the
// first wrong layer when the logits test fails.
func TestGoldenHidden(t *testing.T) {
	for _, v := range variants {
		t.Run(v.golden, func(t *testing.T) {
			m := loadTiny(t, v.weights)
			var in tinyInputs
			readJSON(t, filepath.Join(tinyDir, "inputs.json"), &in)
			ids := in.Sequences["len40"]
			want := readF32(t, filepath.Join(tinyDir, "golden", v.golden, "hidden_states_len40.f32"))
			per := len(ids) * m.Config.Hidden
			stages := 0
			_, err := m.Forward(m.NewCache(len(ids)), ids, ForwardOptions{Hidden: func(stage int, h []float32) {
				stages++
				d, _ := maxAbsDiff(h, want[stage*per:(stage+1)*per])
				if d > 1e-4 {
					t.Errorf("stage %d: max |Δh| = %.3g", stage, d)
				}
			}})
			if err != nil {
				t.Fatal(err)
			}
			if stages*per != len(want) {
				t.Fatalf("saw %d stages, golden has %d", stages, len(want)/per)
			}
		})
	}
}

// TestGoldenGreedy decodes 20 tokens step by step through the KV cache and
// checks every step's logits and the chosen tokens.
func TestGoldenGreedy(t *testing.T) {
	for _, v := range variants {
		t.Run(v.golden, func(t *testing.T) {
			m := loadTiny(t, v.weights)
			var in tinyInputs
			var man tinyManifest
			readJSON(t, filepath.Join(tinyDir, "inputs.json"), &in)
			readJSON(t, filepath.Join(tinyDir, "golden", v.golden, "manifest.json"), &man)
			V := m.Config.VocabSize
			for _, name := range []string{"greedy_a", "greedy_b"} {
				prompt := in.Greedy[name]
				steps := readF32(t, filepath.Join(tinyDir, "golden", v.golden, name+"_step_logits.f32"))
				wantIDs := man.Greedy[name].Generated
				if len(wantIDs) != in.NewTokens || len(steps) != in.NewTokens*V {
					t.Fatalf("%s: golden has %d tokens and %d step logits", name, len(wantIDs), len(steps)/V)
				}
				cache := m.NewCache(len(prompt) + in.NewTokens)
				logits, err := m.Forward(cache, prompt, ForwardOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var got []int32
				worst := 0.0
				for k := 0; k < in.NewTokens; k++ {
					d, _ := maxAbsDiff(logits, steps[k*V:(k+1)*V])
					worst = math.Max(worst, d)
					if d > 1e-4 {
						t.Errorf("%s step %d (position %d): max |Δlogit| = %.3g", name, k, cache.Len()-1, d)
					}
					next := argmax(logits)
					got = append(got, next)
					if k+1 < in.NewTokens {
						if logits, err = m.Forward(cache, []int32{next}, ForwardOptions{}); err != nil {
							t.Fatal(err)
						}
					}
				}
				t.Logf("%s: max step |Δlogit| = %.3g", name, worst)
				for i := range wantIDs {
					if got[i] != wantIDs[i] {
						t.Fatalf("%s: generated %v, want %v", name, got, wantIDs)
					}
				}
			}
		})
	}
}

// TestIncrementalMatchesFull checks that decoding token by token through the
// KV cache (and in uneven prefill pieces) gives the full pass's logits at every
// position, across several chunk boundaries.
func TestIncrementalMatchesFull(t *testing.T) {
	m := loadTiny(t, "f32")
	var in tinyInputs
	readJSON(t, filepath.Join(tinyDir, "inputs.json"), &in)
	ids := in.Sequences["len100"]
	V := m.Config.VocabSize
	full, err := m.Forward(m.NewCache(len(ids)), ids, ForwardOptions{AllLogits: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, pieces := range [][]int{{1}, {5, 3, 17, 1, 30}, {16}, {15, 2}} {
		cache := m.NewCache(len(ids))
		pos, i := 0, 0
		for pos < len(ids) {
			n := min(pieces[i%len(pieces)], len(ids)-pos)
			i++
			got, err := m.Forward(cache, ids[pos:pos+n], ForwardOptions{AllLogits: true})
			if err != nil {
				t.Fatal(err)
			}
			d, at := maxAbsDiff(got, full[pos*V:(pos+n)*V])
			if d > 1e-5 {
				t.Fatalf("pieces %v: position %d: max |Δlogit| = %.3g vs full pass", pieces, pos+at/V, d)
			}
			pos += n
		}
	}
}

func TestRopeInvFreqMatchesReference(t *testing.T) {
	var man tinyManifest
	p := filepath.Join(tinyDir, "golden", "base-f32", "manifest.json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("golden manifest absent: %v", err)
	}
	readJSON(t, p, &man)
	got := InvFreq(32, 500000, nil)
	if len(got) != len(man.RopeInvFreq) {
		t.Fatalf("%d frequencies, want %d", len(got), len(man.RopeInvFreq))
	}
	for i, w := range man.RopeInvFreq {
		if math.Abs(float64(got[i])-w) > 1e-7*w {
			t.Errorf("inv_freq[%d] = %.9g, reference %.9g", i, got[i], w)
		}
	}
}
