package rl

import (
	"context"
	"fmt"

	"github.com/herd-llm/herd/train"
)

// GenRequest asks for N completions of one prompt.
type GenRequest struct {
	Prompt      []int32
	N           int
	MaxTokens   int
	Temperature float64 // 0: greedy
	Seed        uint64  // completion j samples with seed Seed+j
}

// Completion is one sampled continuation of a prompt.
type Completion struct {
	// Tokens are the generated tokens, the stop token (when one ended it)
	// included.
	Tokens []int32
	// Logprobs are the behaviour log-probabilities: log π(token) under the
	// distribution the generator sampled each token from.
	Logprobs []float32
	// Finish is "stop" (a stop token ended it) or "length".
	Finish string
	// Version is the policy version the generator held when the request
	// was made: the oldest weights that may have written the tokens.
	Version int64
}

// Generator samples completions with per-token log-probabilities.
type Generator interface {
	Generate(ctx context.Context, r GenRequest) ([]Completion, error)
	// UpdateWeights installs the policy p as version (greater than every
	// version before), between decode steps: requests in flight continue
	// on the new weights.
	UpdateWeights(ctx context.Context, p *train.Params[float32], version int64) error
}

func (r *GenRequest) validate() error {
	switch {
	case len(r.Prompt) == 0:
		return fmt.Errorf("rl: empty prompt")
	case r.N <= 0:
		return fmt.Errorf("rl: %d completions requested", r.N)
	case r.MaxTokens <= 0:
		return fmt.Errorf("rl: max tokens %d must be positive", r.MaxTokens)
	case !(r.Temperature >= 0):
		return fmt.Errorf("rl: temperature %g must be ≥ 0", r.Temperature)
	}
	return nil
}
