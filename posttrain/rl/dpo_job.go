package rl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
)

// DPOJob is herd dpo: preference pairs sampled from the policy in Base,
// the frozen reference's log-probs, then DPO steps (or the run in Out,
// resumed with its saved pairs), with held-out evaluations before and
// after.
type DPOJob struct {
	Cfg                 DPOConfig
	Pairs               PairOptions // Seed is set from Cfg.Seed
	Rollouts            Rollouts
	Base, Out           string
	Resume              bool
	ResumeSteps         int // with Resume: the run's new total of steps; 0 = the checkpoint's
	EvalN, EvalK        int // held-out problems per task and samples per problem (0 problems: no evaluation)
	SaveEvery, LogEvery int // steps between checkpoints (0: at the end only) and progress lines
}

// Run runs the job until its steps are done or ctx ends, progress on log.
func (j *DPOJob) Run(ctx context.Context, log io.Writer) error {
	if err := j.Cfg.Validate(); err != nil {
		return settingError{err}
	}
	po := j.Pairs
	if po.Samples < 2 || po.Prompts <= 0 {
		return settingError{fmt.Errorf("--prompts %d and --samples %d: need prompts > 0 and samples ≥ 2", po.Prompts, po.Samples)}
	}
	po.Seed = j.Cfg.Seed
	if !j.Resume && HasDPOCheckpoint(j.Out) {
		return fmt.Errorf("%s already holds a DPO checkpoint: pass --resume to continue it, or choose another --out", j.Out)
	}
	tok, err := tokenizer.Load(j.Base)
	if err != nil {
		return err
	}
	var d *DPOTrainer
	if j.Resume {
		if d, err = ResumeDPO(j.Out, j.ResumeSteps); err != nil {
			return err
		}
		fmt.Fprintf(log, "resuming %s at step %d of %d (%d pairs)\n", j.Out, d.Step(), d.Cfg.Steps, len(d.Pairs))
	} else if d, err = j.start(ctx, tok, po, log); err != nil {
		return err
	}
	if err := checkpoint.CopyTokenizer(j.Base, j.Out); err != nil {
		return err
	}
	if err := j.train(ctx, d, log); err != nil {
		return err
	}
	if j.EvalN > 0 {
		ro, stopGen, err := j.Rollouts.roller(tok, d.Params, 0)
		if err != nil {
			return err
		}
		defer stopGen()
		if err := j.eval(ctx, log, "after DPO", ro); err != nil {
			return err
		}
		return j.heldOutPreference(d, log)
	}
	return nil
}

// heldOutPreference prints the trained policy's implicit reward on the
// held-out pairs saved at the start (the reference's margins are all 0).
func (j *DPOJob) heldOutPreference(d *DPOTrainer, log io.Writer) error {
	held, err := loadPairs(j.Out, DPOHeldOutPairsFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(log, "held-out preference: %s has no %s (a run started before herd wrote one)\n", j.Out, DPOHeldOutPairsFile)
		return nil
	case err != nil:
		return err
	case len(held) == 0:
		fmt.Fprintln(log, "held-out preference: the held-out samples gave no pair")
		return nil
	}
	loss, st, err := Preference(d.Params, held, d.Cfg.Beta, d.Cfg.Batch)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "held-out preference (after DPO): %d pairs, accuracy %.1f%%, mean margin %.3f, DPO loss %.4f (the reference: margin 0, loss %.4f)\n",
		st.Pairs, 100*st.Accuracy, st.Margin, loss, math.Ln2)
	return nil
}

// start evaluates the policy, samples and saves the preference pairs with
// their reference log-probs, and returns a new trainer on them.
func (j *DPOJob) start(ctx context.Context, tok *tokenizer.Tokenizer, po PairOptions, log io.Writer) (*DPOTrainer, error) {
	p, err := train.LoadHF(j.Base)
	if err != nil {
		return nil, err
	}
	ro, stopGen, err := j.Rollouts.roller(tok, p, 0)
	if err != nil {
		return nil, err
	}
	if j.EvalN > 0 {
		if err := j.eval(ctx, log, "before DPO", ro); err != nil {
			stopGen()
			return nil, err
		}
	}
	t0 := time.Now()
	pairs, err := BuildPairs(ctx, ro, j.Rollouts.Tasks, po)
	var held []Pair
	if err == nil && j.EvalN > 0 {
		hp := po
		hp.Split, hp.Offset, hp.Prompts = tasks.HeldOut, 0, j.EvalN
		held, err = BuildPairs(ctx, ro, j.Rollouts.Tasks, hp)
	}
	stopGen()
	if err != nil {
		return nil, err
	}
	if j.EvalN > 0 {
		if err := Reference(p, held, j.Cfg.Batch); err != nil {
			return nil, err
		}
		if err := savePairs(j.Out, DPOHeldOutPairsFile, held); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "held-out pairs: %d from %d held-out problems × %d samples (never trained on; they measure the learnt preference)\n",
			len(held), j.EvalN*len(j.Rollouts.Tasks), po.Samples)
	}
	kinds := map[string]int{}
	for _, pr := range pairs {
		kinds[pr.Kind]++
	}
	fmt.Fprintf(log, "pairs: %d verifier (correct over wrong) and %d shorter (shorter correct over longer) from %d prompts × %d samples in %v\n",
		kinds["verifier"], kinds["shorter"], po.Prompts*len(j.Rollouts.Tasks), po.Samples, time.Since(t0).Round(time.Millisecond))
	if err := Reference(p, pairs, j.Cfg.Batch); err != nil {
		return nil, err
	}
	if err := SavePairs(j.Out, pairs); err != nil {
		return nil, err
	}
	return NewDPOTrainer(p, pairs, j.Cfg)
}

// train takes d's remaining steps, printing progress lines and saving
// checkpoints.
func (j *DPOJob) train(ctx context.Context, d *DPOTrainer, log io.Writer) error {
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
		if s%max(j.LogEvery, 1) == 0 || s == d.Cfg.Steps {
			per := time.Since(t0) / time.Duration(s-start)
			fmt.Fprintf(log, "step %d/%d | loss %.4f | pair accuracy %.2f | margin %.3f | grad norm %.3f | lr %.3g | ETA %v\n",
				s, d.Cfg.Steps, st.Loss, st.DPO.Accuracy, st.DPO.Margin, st.GradNorm, st.LR, (per * time.Duration(d.Cfg.Steps-s)).Round(time.Second))
		}
		if (j.SaveEvery > 0 && s%j.SaveEvery == 0) || s == d.Cfg.Steps {
			if err := d.Save(j.Out); err != nil {
				return err
			}
		}
	}
	return nil
}

// eval prints the policy's held-out pass@1, pass@k and the mean length of
// its correct greedy answers, and, when the pairs were sampled at another
// temperature than 1, the accuracy and lengths of samples at that one.
func (j *DPOJob) eval(ctx context.Context, w io.Writer, who string, ro *Roller) error {
	res, err := Evaluate(ctx, ro, j.Rollouts.Tasks, j.EvalN, j.EvalK, j.Pairs.Concurrency, j.Cfg.Seed)
	if err != nil {
		return err
	}
	for _, e := range res {
		fmt.Fprintf(w, "held-out (%s): %s: pass@1 (greedy) %.1f%%, pass@%d %.1f%% of %d problems; correct greedy answers %.2f tokens, sampled answers %.2f tokens on average\n",
			who, e.Task, 100*e.Pass1, e.K, 100*e.PassK, e.Problems, e.CorrectLen, e.SampledLen)
	}
	if j.EvalK == 0 || j.Pairs.Temperature == 1 {
		return nil
	}
	// The pairs' own temperature: where the preference between correct
	// answers shows even when the greedy answer is always the same.
	st, err := EvaluateSamples(ctx, ro, j.Rollouts.Tasks, j.EvalN, j.EvalK, j.Pairs.Concurrency, j.Pairs.Temperature, j.Cfg.Seed)
	if err != nil {
		return err
	}
	for _, s := range st {
		fmt.Fprintf(w, "held-out samples at temperature %g (%s): %s: %.1f%% correct of %d × %d; correct samples %.2f tokens, all samples %.2f tokens on average\n",
			s.Temperature, who, s.Task, 100*s.Correct, s.Problems, s.K, s.CorrectLen, s.Len)
	}
	return nil
}
