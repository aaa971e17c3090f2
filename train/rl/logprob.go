package rl

import (
	"fmt"
	"math"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/nn"
)

// Scorer computes per-token log-probabilities of B×T sequences with the
// training forward pass, and the parameter gradient of any loss of those
// log-probabilities. It is not safe for concurrent use.
type Scorer[F train.Float] struct {
	ws      *train.Workspace[F]
	V       int
	logits  []F       // the workspace's logits from the last Forward
	lse     []float64 // [N] log-sum-exp of each row
	targets []int32
	greedy  []bool // [N] whether the target is the row's argmax
	ready   bool   // Forward ran and Backward has not consumed its logits
}

// NewScorer makes a Scorer over a new workspace for B rows of T tokens of
// the model p.
func NewScorer[F train.Float](p *train.Params[F], B, T int) (*Scorer[F], error) {
	ws, err := train.NewWorkspace[F](p.Config, B, T)
	if err != nil {
		return nil, err
	}
	return &Scorer[F]{ws: ws, V: p.Config.VocabSize, lse: make([]float64, B*T), greedy: make([]bool, B*T)}, nil
}

// Workspace returns the scorer's workspace.
func (s *Scorer[F]) Workspace() *train.Workspace[F] { return s.ws }

// Forward runs the model on inputs [B·T] and returns log π(targets[n] |
// inputs[…n]) for every position n: the log-softmax of the logits at the
// target, accumulated in float64; positions whose target is
// dataset.IgnoreIndex get 0. The returned slice is new.
func (s *Scorer[F]) Forward(p *train.Params[F], inputs, targets []int32) ([]float64, error) {
	s.ready = false
	ws := s.ws
	N := ws.B * ws.T
	if len(targets) != N {
		return nil, fmt.Errorf("rl: %d targets, workspace is for %d×%d", len(targets), ws.B, ws.T)
	}
	for i, y := range targets {
		if y != dataset.IgnoreIndex && (y < 0 || int(y) >= s.V) {
			return nil, fmt.Errorf("rl: target %d at index %d is neither %d nor in [0, %d)", y, i, dataset.IgnoreIndex, s.V)
		}
	}
	logits, err := ws.Forward(p, inputs)
	if err != nil {
		return nil, err
	}
	s.logits, s.targets = logits, append(s.targets[:0], targets...)
	logp := make([]float64, N)
	V := s.V
	kernels.ParallelFor(N, nn.RowGrain(2*V), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			if y := targets[n]; y != dataset.IgnoreIndex {
				row := logits[n*V : (n+1)*V]
				nll, lse := nn.NLLRow(row, y)
				s.lse[n], logp[n] = lse, -nll
				s.greedy[n] = isArgmax(row, y)
			} else {
				s.greedy[n] = false
			}
		}
	})
	s.ready = true
	return logp, nil
}

// Greedy reports, for each position of the last Forward, whether its
// target is the most likely token (the first of equal maxima): what greedy
// decoding would write there. Ignored positions report false. The slice
// belongs to the scorer and is overwritten by the next Forward.
func (s *Scorer[F]) Greedy() []bool { return s.greedy }

// isArgmax reports whether row[y] is the row's first maximum.
func isArgmax[F train.Float](row []F, y int32) bool {
	v := row[y]
	for i, w := range row {
		if w > v || (w == v && i < int(y)) {
			return false
		}
	}
	return true
}

// Backward adds to g the gradient of a loss L(logp) whose derivative with
// respect to the log-probabilities of the last Forward is dlogp (0 on
// ignored positions): the logit gradient of row n is
// dlogp[n]·(onehot(target) − softmax), which it writes over the logits
// before running the workspace's backward pass (the gradient buffer that
// train.Workspace.LossGrad writes and Backward reads). Call it at most
// once per Forward; zero g first unless accumulating.
func (s *Scorer[F]) Backward(p, g *train.Params[F], dlogp []float64) error {
	if !s.ready {
		return fmt.Errorf("rl: Backward without a Forward (or twice after one)")
	}
	N, V := s.ws.B*s.ws.T, s.V
	if len(dlogp) != N {
		return fmt.Errorf("rl: %d log-prob gradients, workspace is for %d tokens", len(dlogp), N)
	}
	for n, d := range dlogp {
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return fmt.Errorf("rl: log-prob gradient %v at index %d", d, n)
		}
		if d != 0 && s.targets[n] == dataset.IgnoreIndex {
			return fmt.Errorf("rl: log-prob gradient %v at index %d, whose target is ignored", d, n)
		}
	}
	s.ready = false
	kernels.ParallelFor(N, nn.RowGrain(3*V), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			row := s.logits[n*V : (n+1)*V]
			d := dlogp[n]
			if d == 0 {
				clear(row)
				continue
			}
			// d logp / d logit_v = onehot(y)_v − softmax_v
			lse := s.lse[n]
			for i, v := range row {
				row[i] = F(-d * math.Exp(float64(v)-lse))
			}
			row[s.targets[n]] += F(d)
		}
	})
	return s.ws.Backward(p, g)
}

// SequenceSums returns, for each of nseq sequences, the sum of v over its
// tokens: seq[n] is the sequence of token n, or −1 for none.
func SequenceSums(v []float64, seq []int32, nseq int) ([]float64, error) {
	if len(v) != len(seq) {
		return nil, fmt.Errorf("rl: %d values for %d sequence ids", len(v), len(seq))
	}
	out := make([]float64, nseq)
	for n, s := range seq {
		if s < -1 || int(s) >= nseq {
			return nil, fmt.Errorf("rl: sequence id %d at index %d is not in [-1, %d)", s, n, nseq)
		}
		if s >= 0 {
			out[s] += v[n]
		}
	}
	return out, nil
}

// SpreadSequences is the adjoint of SequenceSums: token n gets d[seq[n]]
// (0 where seq[n] is −1). It is how a gradient with respect to sequence
// log-probabilities becomes one with respect to token log-probabilities.
func SpreadSequences(d []float64, seq []int32) []float64 {
	out := make([]float64, len(seq))
	for n, s := range seq {
		if s >= 0 {
			out[n] = d[s]
		}
	}
	return out
}
