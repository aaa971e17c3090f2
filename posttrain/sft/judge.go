package sft

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/rl"
)

// Verdict is the judge's view of one example.
type Verdict struct {
	// LogProb is the log-probability the model gives all the example's
	// assistant tokens, each turn given the conversation before it
	// (teacher forcing): log Π p(token).
	LogProb float64
	// Greedy is whether every assistant token is the model's most likely
	// next token: greedy decoding would write each assistant turn exactly.
	Greedy bool
}

// Prob is exp(LogProb): the probability that sampling at temperature 1
// writes every assistant turn exactly.
func (v Verdict) Prob() float64 { return math.Exp(v.LogProb) }

// Judge scores every sequence with the model p, each alone in a row
// (positions from 0, as at inference), B rows per forward pass.
func Judge(p *train.Params[float32], seqs []Seq, B int) ([]Verdict, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	T := 0
	for _, s := range seqs {
		T = max(T, len(s.Inputs))
	}
	B = max(1, min(B, len(seqs)))
	sc, err := rl.NewScorer(p, B, T)
	if err != nil {
		return nil, err
	}
	pad := int32(p.Config.Pad)
	if pad < 0 || int(pad) >= p.Config.VocabSize {
		return nil, fmt.Errorf("sft: the model's pad_token_id %d is not in its vocabulary", pad)
	}
	out := make([]Verdict, len(seqs))
	in, tg := make([]int32, B*T), make([]int32, B*T)
	for lo := 0; lo < len(seqs); lo += B {
		hi := min(lo+B, len(seqs))
		for b := range B {
			row, trow := in[b*T:(b+1)*T], tg[b*T:(b+1)*T]
			n := 0
			if lo+b < hi {
				n = copy(row, seqs[lo+b].Inputs)
				copy(trow, seqs[lo+b].Targets)
			}
			for j := n; j < T; j++ {
				row[j], trow[j] = pad, dataset.IgnoreIndex
			}
		}
		logp, err := sc.Forward(p, in, tg)
		if err != nil {
			return nil, err
		}
		greedy := sc.Greedy()
		for b := range hi - lo {
			v := Verdict{Greedy: true}
			for j := b * T; j < (b+1)*T; j++ {
				if tg[j] != dataset.IgnoreIndex {
					v.LogProb += logp[j]
					v.Greedy = v.Greedy && greedy[j]
				}
			}
			out[lo+b] = v
		}
	}
	return out, nil
}

// PruneReport counts what PruneEasy did.
type PruneReport struct {
	Examples, Dropped, Greedy int     // examples judged, dropped, greedily solved
	MeanProb                  float64 // mean Verdict.Prob over the examples
}

// PruneEasy drops the examples the model already solves: those whose
// Verdict.Prob exceeds threshold (in (0, 1]; an example is "easy" when the
// model samples its exact assistant answer with probability above it).
// It returns the kept sequences, in order.
func PruneEasy(seqs []Seq, verdicts []Verdict, threshold float64) ([]Seq, PruneReport, error) {
	if !(threshold > 0 && threshold <= 1) {
		return nil, PruneReport{}, fmt.Errorf("sft: easy-example threshold %g is not a probability in (0, 1]", threshold)
	}
	if len(verdicts) != len(seqs) {
		return nil, PruneReport{}, fmt.Errorf("sft: %d verdicts for %d examples", len(verdicts), len(seqs))
	}
	rep := PruneReport{Examples: len(seqs)}
	var kept []Seq
	for i, v := range verdicts {
		rep.MeanProb += v.Prob() / float64(len(seqs))
		if v.Greedy {
			rep.Greedy++
		}
		if v.Prob() > threshold {
			rep.Dropped++
			continue
		}
		kept = append(kept, seqs[i])
	}
	return kept, rep, nil
}
