package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/kernels"
	prl "github.com/herd-llm/herd/posttrain/rl"
	"github.com/herd-llm/herd/posttrain/tasks"
	trl "github.com/herd-llm/herd/train/rl"
)

// rolloutFlags are the generation settings herd rl and herd dpo share.
type rolloutFlags struct {
	specs                      []string
	maxTokens, maxTurns, ctx   int
	parallel, threads          int
	generator, generatorAPIKey string
}

func (f *rolloutFlags) define(cl *cli.Line) {
	fs := cl.FlagSet
	cl.Func("task", "verifiable `task` spec (arithmetic, calculator, countdown, with parameters as in arithmetic:digits=2,ops=1); repeat for a mixed-task run", func(v string) error {
		f.specs = append(f.specs, v)
		return nil
	})
	fs.IntVar(&f.maxTokens, "max-tokens", 24, "tokens per assistant turn")
	fs.IntVar(&f.maxTurns, "max-turns", 3, "assistant turns per episode (tool tasks)")
	fs.IntVar(&f.ctx, "ctx", 256, "longest episode in tokens (prompt, turns and tool results)")
	fs.IntVar(&f.parallel, "parallel", 16, "sequences the in-process engine decodes together")
	modelflags.ThreadsVar(fs, &f.threads, 0, "worker threads; 0 = all CPUs")
	fs.StringVar(&f.generator, "generator", "", "generate with `herd serve` processes at these base URLs (comma-separated, e.g. http://127.0.0.1:8080) instead of in process; the learner pushes each policy version to them")
	fs.StringVar(&f.generatorAPIKey, "generator-key", "", "API key of the --generator servers (their --api-key; needed for weight updates)")
}

// rollouts makes the settings, with the tasks of the specs and seed.
func (f *rolloutFlags) rollouts(seed uint64) (prl.Rollouts, error) {
	r := prl.Rollouts{MaxTokens: f.maxTokens, MaxTurns: f.maxTurns, Ctx: f.ctx, Parallel: f.parallel, ServerKey: f.generatorAPIKey}
	if len(f.specs) == 0 {
		return r, usagef("give at least one --task")
	}
	for _, s := range f.specs {
		t, err := tasks.New(s, seed)
		if err != nil {
			return r, usagef("--task: %v", err)
		}
		r.Tasks = append(r.Tasks, t)
	}
	if f.generator != "" {
		r.Servers = strings.Split(f.generator, ",")
	}
	if f.threads > 0 {
		kernels.SetThreads(f.threads)
	}
	return r, nil
}

// cmdRL runs online RL (GRPO with pass@k filtering, zero-advantage
// dropping and an asynchronous actor/learner) on verifiable tasks.
func cmdRL(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("rl")
	fs := cl.FlagSet
	var rf rolloutFlags
	rf.define(cl)
	c := prl.DefaultConfig()
	lc := &c.Learner
	var out, norm string
	var resume, evalOnly bool
	fs.StringVar(&out, "out", "", "output directory: the policy as a Hugging Face model, "+prl.CheckpointFile+", "+prl.LogFile+", "+prl.EvalFile+" and "+prl.CurveFile)
	fs.IntVar(&c.Steps, "steps", c.Steps, "learner steps")
	fs.IntVar(&c.GroupSize, "group", c.GroupSize, "completions per prompt (G)")
	fs.IntVar(&c.GroupsPerStep, "prompts", c.GroupsPerStep, "prompts (groups of G) per learner step")
	fs.IntVar(&c.StepsPerRound, "round-steps", c.StepsPerRound, "learner steps per round; each round re-filters a fresh prompt pool with the current policy")
	fs.IntVar(&c.PoolSize, "pool", c.PoolSize, "candidate training prompts per round (the tasks in turn)")
	fs.IntVar(&c.PassK, "pass-k", c.PassK, "pass@k filter: keep the prompts the policy solves in 0 < passes < k of k samples, easiest first; 0 = keep all")
	fs.BoolVar(&c.DropZero, "drop-zero", c.DropZero, "drop groups whose rewards are all equal (zero advantage)")
	fs.BoolVar(&c.ScaleStd, "scale-std", c.ScaleStd, "divide advantages by the group's standard deviation (false: Dr. GRPO)")
	fs.Float64Var(&c.Temperature, "temp", c.Temperature, "rollout temperature (1 samples the policy itself; the behaviour log-probs are the tempered distribution's)")
	fs.IntVar(&c.Staleness, "staleness", c.Staleness, "largest policy lag of a consumed group; 0 = synchronous (generate, then learn)")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "prompts rolled out at once")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the prompts and the sampling")
	fs.IntVar(&c.EvalN, "eval-n", c.EvalN, "held-out problems per task to evaluate (greedy pass@1, pass@k); 0 = none")
	fs.IntVar(&c.EvalK, "eval-k", c.EvalK, "samples per held-out problem for pass@k")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "rounds between held-out evaluations (also at the start and the end)")
	fs.IntVar(&c.SaveEvery, "save-every", c.SaveEvery, "rounds between checkpoints; 0 = at the end only")
	fs.Float64Var(&lc.LR, "lr", lc.LR, "AdamW learning rate (constant after warmup)")
	fs.IntVar(&lc.Warmup, "warmup", lc.Warmup, "learning-rate warmup steps")
	fs.Float64Var(&lc.WeightDecay, "wd", lc.WeightDecay, "decoupled weight decay")
	fs.Float64Var(&lc.GradClip, "clip", lc.GradClip, "max global gradient norm; 0 = off")
	fs.IntVar(&lc.MicroBatch, "micro-batch", lc.MicroBatch, "episodes per forward pass of the learner")
	fs.IntVar(&lc.Epochs, "epochs", lc.Epochs, "optimizer steps per batch (PPO's μ)")
	fs.Float64Var(&lc.Policy.EpsLow, "eps-low", lc.Policy.EpsLow, "ratio clip: 1 − ε_low")
	fs.Float64Var(&lc.Policy.EpsHigh, "eps-high", lc.Policy.EpsHigh, "ratio clip: 1 + ε_high (clip-higher)")
	fs.Float64Var(&lc.Policy.KLCoef, "kl", lc.Policy.KLCoef, "β of the KL penalty to the initial policy; 0 = none")
	fs.StringVar(&norm, "norm", "token", "loss normalisation: token (DAPO), sequence (GRPO) or constant (Dr. GRPO)")
	fs.Float64Var(&lc.Policy.BehaviourCap, "behav-cap", lc.Policy.BehaviourCap, "cap of the off-policy weight π_prox/π_behav; 0 = none")
	fs.BoolVar(&lc.Policy.BehaviourMask, "behav-mask", false, "mask tokens whose off-policy weight exceeds the cap (instead of truncating)")
	fs.BoolVar(&resume, "resume", false, "continue the run in --out from its last checkpoint (a round boundary); the same --task flags are needed")
	fs.BoolVar(&evalOnly, "eval-only", false, "only evaluate the model on the held-out problems (greedy pass@1, pass@k) and print a table row")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	var err error
	if lc.Policy.Norm, err = trl.ParseNorm(norm); err != nil {
		return usagef("--norm: %v", err)
	}
	lc.Policy.MaxTokens = rf.maxTokens * rf.maxTurns
	ro, err := rf.rollouts(c.Seed)
	if err != nil {
		return err
	}
	if out == "" && !evalOnly {
		return usagef("missing --out")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	j := prl.Job{Cfg: c, Rollouts: ro, Base: cl.Model, Out: out, Resume: resume, EvalOnly: evalOnly}
	if err := j.Run(ctx, stdout, stderr); err != nil {
		return err
	}
	if !evalOnly {
		fmt.Fprintln(stdout, out)
	}
	return nil
}
