package train

import "math"

// Schedule is linear warmup then cosine decay of the learning rate
// (nanoGPT/llm.c form), indexed by the 0-based optimizer step:
//
//	step < Warmup:            LR·(step+1)/Warmup
//	Warmup ≤ step < Total:    MinLR + ½(1 + cos(π·(step−Warmup)/(Total−Warmup)))·(LR − MinLR)
//	step ≥ Total:             MinLR
type Schedule struct {
	LR, MinLR float64
	Warmup    int // steps of linear warmup
	Total     int // steps until the decay reaches MinLR
}

// At returns the learning rate of step (0-based).
func (s Schedule) At(step int) float64 {
	switch {
	case step < s.Warmup:
		return s.LR * float64(step+1) / float64(s.Warmup)
	case step >= s.Total:
		return s.MinLR
	}
	ratio := float64(step-s.Warmup) / float64(s.Total-s.Warmup)
	return s.MinLR + 0.5*(1+math.Cos(math.Pi*ratio))*(s.LR-s.MinLR)
}
