package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	prl "github.com/herd-llm/herd/posttrain/rl"
	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
)

// cmdDPO trains a policy with DPO on preference pairs of its own samples:
// verifier-preferred over rejected, and shorter correct over longer.
func cmdDPO(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("dpo")
	fs := cl.FlagSet
	var rf rolloutFlags
	rf.define(cl)
	c := prl.DefaultDPOConfig()
	po := prl.PairOptions{Prompts: 200, Samples: 8, Temperature: 1, Shorter: true, Concurrency: 8}
	var out string
	var resume bool
	var evalN, evalK, saveEvery, logEvery int
	fs.StringVar(&out, "out", "", "output directory: the policy as a Hugging Face model, "+prl.DPOCheckpointFile+" and "+prl.DPOPairsFile)
	fs.IntVar(&po.Prompts, "prompts", po.Prompts, "training problems per task to sample the pairs from")
	fs.IntVar(&po.Offset, "offset", 0, "index of the first training problem (to use other problems than an RL run's)")
	fs.IntVar(&po.Samples, "samples", po.Samples, "completions per prompt")
	fs.BoolVar(&po.Shorter, "shorter", po.Shorter, "also prefer the shortest correct completion over the longest")
	fs.IntVar(&po.Concurrency, "concurrency", po.Concurrency, "prompts sampled at once")
	fs.Float64Var(&c.Beta, "beta", c.Beta, "DPO β")
	fs.Float64Var(&c.LR, "lr", c.LR, "AdamW learning rate (constant after warmup)")
	fs.IntVar(&c.Warmup, "warmup", c.Warmup, "learning-rate warmup steps")
	fs.Float64Var(&c.GradClip, "clip", c.GradClip, "max global gradient norm; 0 = off")
	fs.IntVar(&c.Batch, "batch", c.Batch, "pairs per step")
	fs.IntVar(&c.Steps, "steps", c.Steps, "optimizer steps")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the prompts, the samples and the pair order")
	fs.IntVar(&evalN, "eval-n", 100, "held-out problems per task to evaluate before and after (greedy pass@1, pass@k, length of the correct answers); 0 = none")
	fs.IntVar(&evalK, "eval-k", 8, "samples per held-out problem for pass@k")
	fs.IntVar(&saveEvery, "save-every", 0, "steps between checkpoints; 0 = at the end only")
	fs.IntVar(&logEvery, "log-every", 1, "steps between progress lines")
	fs.BoolVar(&resume, "resume", false, "continue the run in --out from its checkpoint and saved pairs; --steps may extend it")
	if _, err := cl.parse(args, stdout); err != nil {
		return err
	}
	ts, err := rf.tasks(c.Seed)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return usagef("%v", err)
	}
	if po.Samples < 2 || po.Prompts <= 0 {
		return usagef("--prompts %d and --samples %d: need prompts > 0 and samples ≥ 2", po.Prompts, po.Samples)
	}
	po.Seed = c.Seed
	if !resume && prl.HasDPOCheckpoint(out) {
		return fmt.Errorf("%s already holds a DPO checkpoint: pass --resume to continue it, or choose another --out", out)
	}
	tok, err := tokenizer.Load(cl.model)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var d *prl.DPOTrainer
	if resume {
		steps := 0
		if flagSet(fs, "steps") {
			steps = c.Steps
		}
		if d, err = prl.ResumeDPO(out, steps); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "resuming %s at step %d of %d (%d pairs)\n", out, d.Step(), d.Cfg.Steps, len(d.Pairs))
	} else {
		p, err := train.LoadHF(cl.model)
		if err != nil {
			return err
		}
		gen, closeGen, err := rf.generatorFor(tok, p, 0)
		if err != nil {
			return err
		}
		ro := &prl.Roller{Tok: tok, Gen: gen, MaxTokens: rf.maxTokens, MaxTurns: rf.maxTurns, Ctx: rf.ctx}
		if evalN > 0 {
			if err := dpoEval(ctx, stderr, "before DPO", ro, ts, evalN, evalK, po.Concurrency, c.Seed); err != nil {
				closeGen()
				return err
			}
		}
		t0 := time.Now()
		pairs, err := prl.BuildPairs(ctx, ro, ts, po)
		closeGen()
		if err != nil {
			return err
		}
		kinds := map[string]int{}
		for _, pr := range pairs {
			kinds[pr.Kind]++
		}
		fmt.Fprintf(stderr, "pairs: %d verifier (correct over wrong) and %d shorter (shorter correct over longer) from %d prompts × %d samples in %v\n",
			kinds["verifier"], kinds["shorter"], po.Prompts*len(ts), po.Samples, time.Since(t0).Round(time.Millisecond))
		if err := prl.Reference(p, pairs, c.Batch); err != nil {
			return err
		}
		if err := prl.SavePairs(out, pairs); err != nil {
			return err
		}
		if d, err = prl.NewDPOTrainer(p, pairs, c); err != nil {
			return err
		}
	}
	if err := copyTokenizer(cl.model, out); err != nil {
		return err
	}
	t0, start := time.Now(), d.Step()
	for d.Step() < d.Cfg.Steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		st, err := d.TrainStep()
		if err != nil {
			return err
		}
		s := d.Step()
		if s%max(logEvery, 1) == 0 || s == d.Cfg.Steps {
			per := time.Since(t0) / time.Duration(s-start)
			fmt.Fprintf(stderr, "step %d/%d | loss %.4f | pair accuracy %.2f | margin %.3f | grad norm %.3f | lr %.3g | ETA %v\n",
				s, d.Cfg.Steps, st.Loss, st.DPO.Accuracy, st.DPO.Margin, st.GradNorm, st.LR, (per * time.Duration(d.Cfg.Steps-s)).Round(time.Second))
		}
		if (saveEvery > 0 && s%saveEvery == 0) || s == d.Cfg.Steps {
			if err := d.Save(out); err != nil {
				return err
			}
		}
	}
	if evalN > 0 {
		gen, closeGen, err := rf.generatorFor(tok, d.Params, 0)
		if err != nil {
			return err
		}
		defer closeGen()
		ro := &prl.Roller{Tok: tok, Gen: gen, MaxTokens: rf.maxTokens, MaxTurns: rf.maxTurns, Ctx: rf.ctx}
		if err := dpoEval(ctx, stderr, "after DPO", ro, ts, evalN, evalK, po.Concurrency, c.Seed); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, out)
	return nil
}

// dpoEval prints the policy's held-out pass@1, pass@k and the mean length
// of its correct greedy answers.
func dpoEval(ctx context.Context, w io.Writer, who string, ro *prl.Roller, ts []tasks.Task, n, k, conc int, seed uint64) error {
	res, err := prl.Evaluate(ctx, ro, ts, n, k, conc, seed)
	if err != nil {
		return err
	}
	for _, e := range res {
		fmt.Fprintf(w, "held-out (%s): %s: pass@1 (greedy) %.1f%%, pass@%d %.1f%% of %d problems; correct greedy answers %.2f tokens on average\n",
			who, e.Task, 100*e.Pass1, e.K, 100*e.PassK, e.Problems, e.CorrectLen)
	}
	return nil
}
