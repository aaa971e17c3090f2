// Package sample turns a row of next-token logits into a token id: greedy,
// temperature, top-k, top-p (nucleus), min-p and a repetition penalty, with a
// seeded random source so runs are reproducible.
package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Params configure a Sampler. The zero value is greedy decoding.
type Params struct {
	Temperature   float32 // ≤ 0: greedy (argmax)
	TopK          int     // keep the K most likely tokens; ≤ 0: off
	TopP          float32 // keep the smallest set whose probability ≥ TopP; 0 or ≥ 1: off
	MinP          float32 // drop tokens with p < MinP·p_max; ≤ 0: off
	RepeatPenalty float32 // CTRL-style penalty on tokens in the recent history; 0 or 1: off
	RepeatLastN   int     // history window for the penalty; ≤ 0: the whole history
	// OpenAI-style penalties over the generated tokens only:
	// logit -= PresencePenalty·[count > 0] + FrequencyPenalty·count.
	PresencePenalty  float32
	FrequencyPenalty float32
	Seed             uint64
}

// Validate reports parameters out of range.
func (p Params) Validate() error {
	switch {
	case math.IsNaN(float64(p.Temperature)) || p.Temperature < 0:
		return fmt.Errorf("sample: temperature %g must be ≥ 0", p.Temperature)
	case math.IsNaN(float64(p.TopP)) || p.TopP < 0 || p.TopP > 1:
		return fmt.Errorf("sample: top-p %g must be in [0, 1]", p.TopP)
	case math.IsNaN(float64(p.MinP)) || p.MinP < 0 || p.MinP > 1:
		return fmt.Errorf("sample: min-p %g must be in [0, 1]", p.MinP)
	case math.IsNaN(float64(p.RepeatPenalty)) || p.RepeatPenalty < 0:
		return fmt.Errorf("sample: repetition penalty %g must be ≥ 0", p.RepeatPenalty)
	case p.TopK < 0:
		return fmt.Errorf("sample: top-k %d must be ≥ 0", p.TopK)
	case math.IsNaN(float64(p.PresencePenalty)) || p.PresencePenalty < -2 || p.PresencePenalty > 2:
		return fmt.Errorf("sample: presence penalty %g must be in [-2, 2]", p.PresencePenalty)
	case math.IsNaN(float64(p.FrequencyPenalty)) || p.FrequencyPenalty < -2 || p.FrequencyPenalty > 2:
		return fmt.Errorf("sample: frequency penalty %g must be in [-2, 2]", p.FrequencyPenalty)
	}
	return nil
}

// Sampler draws tokens. It is not safe for concurrent use.
type Sampler struct {
	p    Params
	rng  *rand.Rand
	cand []cand
	work []float32
}

type cand struct {
	id int32
	p  float32
}

// New makes a Sampler; p should have passed Validate.
func New(p Params) *Sampler {
	return &Sampler{p: p, rng: rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))}
}

// Sample picks the next token from logits [vocab]. history is the sequence so
// far, of which the first promptLen tokens are the prompt and the rest were
// generated; the repetition penalty looks at all of it, the presence and
// frequency penalties at the generated part. logits is not modified.
func (s *Sampler) Sample(logits []float32, history []int32, promptLen int) int32 {
	return s.pick(s.Adjust(logits, history, promptLen))
}

// Adjust returns logits with the penalties applied (a copy when any applies;
// logits itself otherwise). Callers that need the final distribution, e.g.
// for log-probabilities or constraints, use Adjust and then Pick.
func (s *Sampler) Adjust(logits []float32, history []int32, promptLen int) []float32 {
	x := logits
	copied := false
	own := func() {
		if !copied {
			s.work = append(s.work[:0], logits...)
			x, copied = s.work, true
		}
	}
	if gen := history[min(max(promptLen, 0), len(history)):]; len(gen) > 0 && (s.p.PresencePenalty != 0 || s.p.FrequencyPenalty != 0) {
		own()
		counts := map[int32]int{}
		for _, id := range gen {
			counts[id]++
		}
		for id, n := range counts {
			if id >= 0 && int(id) < len(x) {
				x[id] -= s.p.PresencePenalty + s.p.FrequencyPenalty*float32(n)
			}
		}
	}
	if s.p.RepeatPenalty > 0 && s.p.RepeatPenalty != 1 && len(history) > 0 {
		own()
		h := history
		if s.p.RepeatLastN > 0 && len(h) > s.p.RepeatLastN {
			h = h[len(h)-s.p.RepeatLastN:]
		}
		seen := make(map[int32]bool, len(h))
		for _, id := range h {
			if id < 0 || int(id) >= len(x) || seen[id] {
				continue
			}
			seen[id] = true
			if x[id] > 0 {
				x[id] /= s.p.RepeatPenalty
			} else {
				x[id] *= s.p.RepeatPenalty
			}
		}
	}
	return x
}

// Pick draws from already-adjusted logits (greedy at temperature 0).
func (s *Sampler) Pick(x []float32) int32 { return s.pick(x) }

func (s *Sampler) pick(x []float32) int32 {
	if s.p.Temperature <= 0 {
		return Argmax(x)
	}
	return s.draw(x)
}

// Argmax returns the index of the largest logit (lowest index on ties; NaN never wins).
func Argmax(x []float32) int32 {
	best := -1
	for i, v := range x {
		if v != v {
			continue
		}
		if best < 0 || v > x[best] {
			best = i
		}
	}
	if best < 0 {
		return 0
	}
	return int32(best)
}

func (s *Sampler) draw(x []float32) int32 {
	inv := 1 / s.p.Temperature
	// Softmax over temperature-scaled logits.
	maxv := float32(math.Inf(-1))
	for _, v := range x {
		if v > maxv {
			maxv = v
		}
	}
	c := s.cand[:0]
	var sum float64
	for i, v := range x {
		if v != v || math.IsInf(float64(v), -1) {
			continue
		}
		e := math.Exp(float64((v - maxv) * inv))
		c = append(c, cand{int32(i), float32(e)})
		sum += e
	}
	s.cand = c
	if len(c) == 0 {
		return Argmax(x)
	}
	for i := range c {
		c[i].p = float32(float64(c[i].p) / sum)
	}
	sort.Slice(c, func(i, j int) bool {
		if c[i].p != c[j].p {
			return c[i].p > c[j].p
		}
		return c[i].id < c[j].id
	})
	if k := s.p.TopK; k > 0 && k < len(c) {
		c = c[:k]
	}
	if tp := s.p.TopP; tp > 0 && tp < 1 {
		var cum float32
		for i := range c {
			cum += c[i].p
			if cum >= tp {
				c = c[:i+1]
				break
			}
		}
	}
	if mp := s.p.MinP; mp > 0 {
		thr := c[0].p * mp
		n := 1
		for n < len(c) && c[n].p >= thr {
			n++
		}
		c = c[:n]
	}
	var total float64
	for _, e := range c {
		total += float64(e.p)
	}
	r := s.rng.Float64() * total
	for _, e := range c {
		r -= float64(e.p)
		if r < 0 {
			return e.id
		}
	}
	return c[len(c)-1].id
}
