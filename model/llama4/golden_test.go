package llama4_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/internal/testmodel"
	. "github.com/herd-llm/herd/model/llama4"
)

// tinyDir is the tiny golden checkpoint (testmodel.TinyName) in the
// repository's testdata/.
const tinyDir = "../../testdata/llama4-tiny"

// loadTiny loads the tiny checkpoint's weights ("f32" or "bf16"), skipping
// the test when they are absent.
func loadTiny(t testing.TB, weights string) *Model {
	t.Helper()
	return testmodel.LoadTiny(t, weights, checkpoint.LoadHF)
}

// variant is a golden set and the weights it was computed from.
type variant struct{ golden, weights string }

var variants = []variant{
	{"base-f32", "f32"},
	{"base-bf16w-f32", "bf16"},
}

// eachVariant runs check as a subtest for every golden variant, with its
// model loaded and the inputs read.
func eachVariant(t *testing.T, check func(t *testing.T, v variant, m *Model, in testmodel.TinyInputs)) {
	for _, v := range variants {
		t.Run(v.golden, func(t *testing.T) {
			check(t, v, loadTiny(t, v.weights), testmodel.ReadTinyInputs(t))
		})
	}
}

// TestGoldenLogits checks every logit of the four golden sequences, computed
// in one forward pass, against the reference within 1e-4.
func TestGoldenLogits(t *testing.T) {
	eachVariant(t, func(t *testing.T, v variant, m *Model, in testmodel.TinyInputs) {
		for _, name := range []string{"len1", "len7", "len40", "len100"} {
			ids := in.Sequences[name]
			want := testmodel.ReadF32(t, filepath.Join(tinyDir, "golden", v.golden, "logits_"+name+".f32"))
			cache := m.NewCache(len(ids))
			got, err := m.Forward(cache, ids, ForwardOptions{AllLogits: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d logits, want %d", name, len(got), len(want))
			}
			d, at := testmodel.MaxAbsDiff(got, want)
			t.Logf("%s: max |Δlogit| = %.3g", name, d)
			if d > 1e-4 {
				V := m.Config.VocabSize
				t.Errorf("%s: max |Δlogit| = %.3g at position %d token %d (got %v want %v)", name, d, at/V, at%V, got[at], want[at])
			}
		}
	})
}

// TestGoldenHidden compares per-layer hidden states of len40; it pinpoints the
// first wrong layer when the logits test fails.
func TestGoldenHidden(t *testing.T) {
	eachVariant(t, func(t *testing.T, v variant, m *Model, in testmodel.TinyInputs) {
		ids := in.Sequences["len40"]
		want := testmodel.ReadF32(t, filepath.Join(tinyDir, "golden", v.golden, "hidden_states_len40.f32"))
		per := len(ids) * m.Config.Hidden
		stages := 0
		_, err := m.Forward(m.NewCache(len(ids)), ids, ForwardOptions{Hidden: func(stage int, h []float32) {
			stages++
			d, _ := testmodel.MaxAbsDiff(h, want[stage*per:(stage+1)*per])
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

// TestGoldenGreedy decodes 20 tokens step by step through the KV cache and
// checks every step's logits and the chosen tokens.
func TestGoldenGreedy(t *testing.T) {
	eachVariant(t, func(t *testing.T, v variant, m *Model, in testmodel.TinyInputs) {
		man := testmodel.ReadTinyManifest(t, v.golden)
		V := m.Config.VocabSize
		for _, name := range []string{"greedy_a", "greedy_b"} {
			prompt := in.Greedy[name]
			steps := testmodel.ReadF32(t, filepath.Join(tinyDir, "golden", v.golden, name+"_step_logits.f32"))
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
				d, _ := testmodel.MaxAbsDiff(logits, steps[k*V:(k+1)*V])
				worst = math.Max(worst, d)
				if d > 1e-4 {
					t.Errorf("%s step %d (position %d): max |Δlogit| = %.3g", name, k, cache.Len()-1, d)
				}
				next := testmodel.Argmax(logits)
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

// TestIncrementalMatchesFull checks that decoding token by token through the
// KV cache (and in uneven prefill pieces) gives the full pass's logits at every
// position, across several chunk boundaries.
func TestIncrementalMatchesFull(t *testing.T) {
	m := loadTiny(t, "f32")
	in := testmodel.ReadTinyInputs(t)
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
			d, at := testmodel.MaxAbsDiff(got, full[pos*V:(pos+n)*V])
			if d > 1e-5 {
				t.Fatalf("pieces %v: position %d: max |Δlogit| = %.3g vs full pass", pieces, pos+at/V, d)
			}
			pos += n
		}
	}
}

func TestRopeInvFreqMatchesReference(t *testing.T) {
	var man testmodel.TinyManifest
	p := filepath.Join(tinyDir, "golden", "base-f32", "manifest.json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("golden manifest absent: %v", err)
	}
	testmodel.ReadJSON(t, p, &man)
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
