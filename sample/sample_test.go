package sample

import (
	"math"
	"testing"
)

func TestGreedy(t *testing.T) {
	s := New(Params{})
	if got := s.Sample([]float32{0.1, 3, -1, 2.9}, nil, 0); got != 1 {
		t.Fatalf("greedy picked %d", got)
	}
	if got := Argmax([]float32{float32(math.NaN()), 1, 1}); got != 1 {
		t.Fatalf("Argmax with NaN and tie = %d, want 1", got)
	}
}

func TestRepeatPenalty(t *testing.T) {
	s := New(Params{RepeatPenalty: 2})
	// token 1 (3.0) is penalised to 1.5 and token 3 (2.9) wins.
	if got := s.Sample([]float32{0.1, 3, -1, 2.9}, []int32{1}, 1); got != 3 {
		t.Fatalf("penalised greedy picked %d, want 3", got)
	}
	// Negative logits are multiplied, so a penalised negative token drops further.
	s = New(Params{RepeatPenalty: 2})
	if got := s.Sample([]float32{-1, -1.5}, []int32{0}, 1); got != 1 {
		t.Fatalf("picked %d, want 1", got)
	}
}

// counts draws n samples and returns the frequency of each id.
func counts(p Params, logits []float32, n int) []int {
	s := New(p)
	c := make([]int, len(logits))
	for i := 0; i < n; i++ {
		c[s.Sample(logits, nil, 0)]++
	}
	return c
}

func TestFilters(t *testing.T) {
	logits := []float32{3, 2, 1, 0, -1}
	for _, tc := range []struct {
		name    string
		p       Params
		allowed []bool
	}{
		{"top-k 2", Params{Temperature: 1, TopK: 2, Seed: 1}, []bool{true, true, false, false, false}},
		{"top-p 0.7", Params{Temperature: 1, TopP: 0.7, Seed: 2}, []bool{true, true, false, false, false}},
		{"min-p 0.3", Params{Temperature: 1, MinP: 0.3, Seed: 3}, []bool{true, true, false, false, false}},
		{"min-p 0.1", Params{Temperature: 1, MinP: 0.1, Seed: 3}, []bool{true, true, true, false, false}},
		{"no filter", Params{Temperature: 1, Seed: 4}, []bool{true, true, true, true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := counts(tc.p, logits, 4000)
			for i, ok := range tc.allowed {
				if !ok && c[i] > 0 {
					t.Errorf("token %d drawn %d times, should be filtered", i, c[i])
				}
				if ok && c[i] == 0 {
					t.Errorf("token %d never drawn", i)
				}
			}
		})
	}
}

func TestTemperatureDistribution(t *testing.T) {
	// At temperature 1, p ∝ e^logit: check frequencies within 3%.
	logits := []float32{0, float32(math.Log(3))}
	c := counts(Params{Temperature: 1, Seed: 7}, logits, 20000)
	if f := float64(c[1]) / 20000; math.Abs(f-0.75) > 0.03 {
		t.Fatalf("P(token 1) = %.3f, want 0.75", f)
	}
	// A low temperature sharpens towards the argmax.
	c = counts(Params{Temperature: 0.1, Seed: 7}, logits, 2000)
	if c[0] > 2 {
		t.Fatalf("temperature 0.1 drew the weaker token %d times", c[0])
	}
}

func TestSeedReproducible(t *testing.T) {
	logits := []float32{1, 1, 1, 1, 1, 1, 1, 1}
	a, b := New(Params{Temperature: 1, Seed: 42}), New(Params{Temperature: 1, Seed: 42})
	diff := New(Params{Temperature: 1, Seed: 43})
	same := true
	for i := 0; i < 50; i++ {
		x, y, z := a.Sample(logits, nil, 0), b.Sample(logits, nil, 0), diff.Sample(logits, nil, 0)
		if x != y {
			t.Fatalf("same seed diverged at draw %d", i)
		}
		if x != z {
			same = false
		}
	}
	if same {
		t.Fatal("different seeds gave identical 50 draws")
	}
}

func TestValidate(t *testing.T) {
	for _, p := range []Params{{Temperature: -1}, {TopP: 1.5}, {MinP: -0.1}, {TopK: -1}, {RepeatPenalty: -2}, {Temperature: float32(math.NaN())}} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if err := (Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestPresenceFrequency(t *testing.T) {
	logits := []float32{2, 1.5, 0}
	// Token 0 was generated twice: 2 - 0.2 - 2·0.3 = 1.2 < 1.5.
	s := New(Params{PresencePenalty: 0.2, FrequencyPenalty: 0.3})
	if got := s.Sample(logits, []int32{7, 0, 0}, 1); got != 1 {
		t.Fatalf("picked %d, want 1", got)
	}
	// The same tokens in the prompt are not penalised.
	if got := s.Sample(logits, []int32{0, 0}, 2); got != 0 {
		t.Fatalf("prompt tokens penalised: picked %d", got)
	}
	adj := s.Adjust(logits, []int32{0}, 0)
	if adj[0] != 1.5 || logits[0] != 2 {
		t.Fatalf("Adjust = %v, input now %v", adj, logits)
	}
	if (Params{PresencePenalty: 3}).Validate() == nil {
		t.Fatal("presence penalty 3 accepted")
	}
}
