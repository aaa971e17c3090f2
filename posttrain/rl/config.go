package rl

import (
	"fmt"
	"math/rand/v2"

	"github.com/herd-llm/herd/posttrain/tasks"
)

// Config configures a run of the loop.
type Config struct {
	Tasks         []tasks.Task `json:"-"` // mixed round-robin in every round's prompt pool
	Steps         int          // learner steps of the whole run
	GroupSize     int          // G: completions per prompt
	GroupsPerStep int          // prompts (groups) per learner step
	StepsPerRound int          // learner steps between re-filterings
	PoolSize      int          // candidate training prompts per round
	PassK         int          // k of the pass@k filter (keep 0 < passes < k); 0: keep every candidate
	DropZero      bool         // drop groups whose advantages are all 0
	ScaleStd      bool         // divide advantages by the group's standard deviation
	Temperature   float64      // sampling temperature of the rollouts (1: the policy itself)
	Staleness     int          // the largest policy lag of a consumed group (0: synchronous)
	Concurrency   int          // groups generated at once
	Seed          uint64
	EvalEvery     int // rounds between held-out evaluations; 0: at the start and the end only
	EvalN         int // held-out problems per task; 0: no evaluation
	EvalK         int // samples per held-out problem for pass@k
	SaveEvery     int // rounds between checkpoints; 0: at the end only
	Learner       LearnerConfig
}

// DefaultConfig are settings for the small built-in model.
func DefaultConfig() Config {
	return Config{Steps: 60, GroupSize: 8, GroupsPerStep: 4, StepsPerRound: 5, PoolSize: 32, PassK: 8,
		DropZero: true, ScaleStd: true, Temperature: 1, Staleness: 1, Concurrency: 8, Seed: 1,
		EvalEvery: 2, EvalN: 50, EvalK: 8, Learner: DefaultLearnerConfig()}
}

func (c *Config) validate() error {
	switch {
	case len(c.Tasks) == 0:
		return fmt.Errorf("rl: no task")
	case c.Steps <= 0 || c.StepsPerRound <= 0:
		return fmt.Errorf("rl: steps %d and steps per round %d must be positive", c.Steps, c.StepsPerRound)
	case c.GroupSize < 2:
		return fmt.Errorf("rl: group size %d: need at least 2 completions per prompt", c.GroupSize)
	case c.GroupsPerStep <= 0 || c.PoolSize <= 0 || c.Concurrency <= 0:
		return fmt.Errorf("rl: groups per step %d, pool %d and concurrency %d must be positive", c.GroupsPerStep, c.PoolSize, c.Concurrency)
	case c.PassK == 1 || c.PassK < 0:
		return fmt.Errorf("rl: pass@k filter with k = %d: need k ≥ 2 (or 0 for none)", c.PassK)
	case !(c.Temperature > 0):
		return fmt.Errorf("rl: rollout temperature %g must be positive", c.Temperature)
	case c.Staleness < 0:
		return fmt.Errorf("rl: staleness %d must be ≥ 0", c.Staleness)
	case c.EvalN < 0 || c.EvalEvery < 0 || c.SaveEvery < 0 || (c.EvalN > 0 && c.EvalK < 1):
		return fmt.Errorf("rl: eval %d problems × %d samples every %d rounds, save every %d: need counts ≥ 0 and k ≥ 1", c.EvalN, c.EvalK, c.EvalEvery, c.SaveEvery)
	}
	return nil
}

// splitmix mixes x into a well-spread 64-bit seed.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// seedOf derives the seed of one rollout from the run's seed and its place.
func seedOf(seed uint64, parts ...uint64) uint64 {
	s := splitmix(seed)
	for _, p := range parts {
		s = splitmix(s ^ p)
	}
	return s
}

// permutation is a permutation of n drawn from (seed, epoch).
func permutation(n int, seed, epoch uint64) []int {
	return rand.New(rand.NewPCG(seed, epoch)).Perm(n)
}
