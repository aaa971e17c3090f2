package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	prl "github.com/herd-llm/herd/posttrain/rl"
)

// cmdDPO trains a policy with DPO on preference pairs of its own samples:
// verifier-preferred over rejected, and shorter correct over longer.
func cmdDPO(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("dpo")
	var rf rolloutFlags
	rf.define(cl)
	c := prl.DefaultDPOConfig()
	po := prl.PairOptions{Prompts: 200, Samples: 8, Temperature: 1, Shorter: true, Concurrency: 8}
	var out string
	var resume bool
	var evalN, evalK, saveEvery, logEvery int
	cl.StringVar(&out, "out", "", "output directory: the policy as a Hugging Face model, "+prl.DPOCheckpointFile+", "+prl.DPOPairsFile+" and "+prl.DPOHeldOutPairsFile)
	cl.IntVar(&po.Prompts, "prompts", po.Prompts, "training problems per task to sample the pairs from")
	cl.IntVar(&po.Offset, "offset", 0, "index of the first training problem (to use other problems than an RL run's)")
	cl.IntVar(&po.Samples, "samples", po.Samples, "completions per prompt")
	cl.BoolVar(&po.Shorter, "shorter", po.Shorter, "also prefer the shortest correct completion over the longest")
	cl.BoolVar(&po.ShorterOnly, "shorter-only", false, "make only the shorter-correct-over-longer-correct pairs (no correct-over-wrong pairs): DPO then teaches that preference alone")
	cl.Float64Var(&po.Temperature, "temp", po.Temperature, "temperature of the samples the pairs come from (above 1: more varied answers, e.g. of different lengths, when the policy has become nearly deterministic)")
	cl.IntVar(&po.Concurrency, "concurrency", po.Concurrency, "prompts sampled at once")
	cl.Float64Var(&c.Beta, "beta", c.Beta, "DPO β")
	cl.Float64Var(&c.LR, "lr", c.LR, "AdamW learning rate (constant after warmup)")
	cl.IntVar(&c.Warmup, "warmup", c.Warmup, "learning-rate warmup steps")
	cl.Float64Var(&c.GradClip, "clip", c.GradClip, "max global gradient norm; 0 = off")
	cl.IntVar(&c.Batch, "batch", c.Batch, "pairs per step")
	cl.IntVar(&c.Steps, "steps", c.Steps, "optimizer steps")
	cl.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the prompts, the samples and the pair order")
	cl.IntVar(&evalN, "eval-n", 100, "held-out problems per task to evaluate before and after (greedy pass@1, pass@k, length of the correct answers) and to make held-out preference pairs from; 0 = none")
	cl.IntVar(&evalK, "eval-k", 8, "samples per held-out problem for pass@k")
	cl.IntVar(&saveEvery, "save-every", 0, "steps between checkpoints; 0 = at the end only")
	cl.IntVar(&logEvery, "log-every", 1, "steps between progress lines")
	cl.BoolVar(&resume, "resume", false, "continue the run in --out from its checkpoint and saved pairs; --steps may extend it")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	ro, err := rf.rollouts(c.Seed)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	j := prl.DPOJob{Cfg: c, Pairs: po, Rollouts: ro, Base: cl.Model, Out: out, Resume: resume, ResumeSteps: resumeSteps(cl, c.Steps),
		EvalN: evalN, EvalK: evalK, SaveEvery: saveEvery, LogEvery: logEvery}
	if err := j.Run(ctx, stderr); err != nil {
		return err
	}
	fmt.Fprintln(stdout, out)
	return nil
}
