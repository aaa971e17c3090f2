package modelflags

import (
	"flag"
	"math/rand/v2"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/sample"
)

// Sampling are the sampling flags of run and chat.
type Sampling struct {
	temp, topP, minP, repeat float64
	topK, repeatN            int
	seed                     int64
}

// Define defines the sampling flags on fs.
func (s *Sampling) Define(fs *flag.FlagSet) {
	fs.Float64Var(&s.temp, "temp", 0.8, "sampling temperature; 0 = greedy")
	fs.IntVar(&s.topK, "top-k", 40, "top-k sampling; 0 = off")
	fs.Float64Var(&s.topP, "top-p", 0.95, "top-p (nucleus) sampling; 1 = off")
	fs.Float64Var(&s.minP, "min-p", 0.05, "min-p sampling; 0 = off")
	fs.Float64Var(&s.repeat, "repeat-penalty", 1.0, "repetition penalty; 1 = off")
	fs.IntVar(&s.repeatN, "repeat-last-n", 64, "tokens of history the repetition penalty looks at; 0 = all")
	fs.Int64Var(&s.seed, "seed", -1, "random seed; -1 = random")
}

// Params checks the flags and returns them as sample.Params, with a random
// seed for --seed -1.
func (s *Sampling) Params() (sample.Params, error) {
	seed := uint64(s.seed)
	if s.seed < 0 {
		seed = rand.Uint64()
	}
	sp := sample.Params{Temperature: float32(s.temp), TopK: s.topK, TopP: float32(s.topP), MinP: float32(s.minP),
		RepeatPenalty: float32(s.repeat), RepeatLastN: s.repeatN, Seed: seed}
	if err := sp.Validate(); err != nil {
		return sp, cli.Usagef("%v", err)
	}
	return sp, nil
}
