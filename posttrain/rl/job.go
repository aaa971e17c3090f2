package rl

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
)

// settingError is an error in a job's settings (the caller's mistake, not
// a failure): its UsageError method says so to a command line.
type settingError struct{ error }

func (settingError) UsageError() bool { return true }

// Rollouts are the generation settings herd rl and herd dpo share.
type Rollouts struct {
	Tasks               []tasks.Task
	MaxTokens, MaxTurns int      // tokens per assistant turn; assistant turns per episode
	Ctx                 int      // longest episode in tokens
	Parallel            int      // sequences the in-process engine decodes together
	Servers             []string // herd serve base URLs to generate with instead of in process; nil = in process
	ServerKey           string   // their API key (for weight updates)
}

// roller starts a generator on policy p (at version, pushed to servers or
// swapped into the local engine when > 0) and returns the roller over it
// and the function that stops it.
func (r *Rollouts) roller(tok *tokenizer.Tokenizer, p *train.Params[float32], version int64) (*Roller, func(), error) {
	if r.Ctx > p.Config.MaxPositions {
		return nil, nil, settingError{fmt.Errorf("--ctx %d exceeds the model's max_position_embeddings %d", r.Ctx, p.Config.MaxPositions)}
	}
	ro := &Roller{Tok: tok, MaxTokens: r.MaxTokens, MaxTurns: r.MaxTurns, Ctx: r.Ctx}
	if len(r.Servers) > 0 {
		g, err := NewRemoteGenerator(context.Background(), r.Servers, r.ServerKey, tok)
		if err != nil {
			return nil, nil, err
		}
		if err := g.UpdateWeights(context.Background(), p, version); err != nil {
			return nil, nil, err
		}
		ro.Gen = g
		return ro, func() {}, nil
	}
	m, err := InferenceModel(p)
	if err != nil {
		return nil, nil, err
	}
	g, err := NewLocalGenerator(m, r.Parallel, r.Ctx, tok.StopTokens())
	if err != nil {
		return nil, nil, err
	}
	if version > 0 {
		if err := g.UpdateWeights(context.Background(), p, version); err != nil {
			g.Close()
			return nil, nil, err
		}
	}
	ro.Gen = g
	return ro, g.Close, nil
}

// generatorName says where rollouts are generated.
func (r *Rollouts) generatorName() string {
	if len(r.Servers) == 0 {
		return "in process"
	}
	return strings.Join(r.Servers, ",")
}

// checkVocab checks that the vocabulary of p, trained from the model
// directory base, holds base's tokenizer tok.
func checkVocab(base string, p *train.Params[float32], tok *tokenizer.Tokenizer) error {
	if p.Config.VocabSize < tok.VocabSize() {
		return fmt.Errorf("%s: config vocab_size %d is smaller than its tokenizer's %d ids", base, p.Config.VocabSize, tok.VocabSize())
	}
	return nil
}

// Job is herd rl: online RL of the policy in Base (or of the run in Out,
// resumed), or with EvalOnly only its held-out evaluation.
type Job struct {
	Cfg      Config // Cfg.Tasks is set from Rollouts.Tasks
	Rollouts Rollouts
	Base     string // the policy: a Hugging Face directory with its tokenizer
	Out      string // run directory
	Resume   bool
	EvalOnly bool
}

// Run runs the job until its steps are done or ctx ends, progress on log;
// EvalOnly prints a table row per task to stdout.
func (j *Job) Run(ctx context.Context, stdout, log io.Writer) error {
	c := j.Cfg
	c.Tasks = j.Rollouts.Tasks
	if j.EvalOnly && c.EvalN <= 0 {
		return settingError{fmt.Errorf("--eval-only needs --eval-n > 0")}
	}
	if !j.Resume && !j.EvalOnly && HasCheckpoint(j.Out) {
		return fmt.Errorf("%s already holds an RL checkpoint: pass --resume to continue it, or choose another --out", j.Out)
	}
	tok, err := tokenizer.Load(j.Base)
	if err != nil {
		return err
	}
	var p *train.Params[float32]
	var saved *Saved
	if j.Resume {
		if saved, err = Load(j.Out); err != nil {
			return err
		}
		p = saved.Params
	} else if p, err = train.LoadHF(j.Base); err != nil {
		return err
	}
	if err := checkVocab(j.Base, p, tok); err != nil {
		return err
	}
	version := int64(0)
	if saved != nil {
		version = int64(saved.Step)
	}
	ro, stopGen, err := j.Rollouts.roller(tok, p, version)
	if err != nil {
		return err
	}
	defer stopGen()
	if j.EvalOnly {
		return evalTable(ctx, stdout, log, ro, c)
	}
	var ref *train.Params[float32]
	if c.Learner.Policy.KLCoef > 0 {
		if ref, err = train.LoadHF(j.Base); err != nil {
			return err
		}
	}
	l, err := NewLearner(p, ref, c.Learner)
	if err != nil {
		return err
	}
	r := &Run{Cfg: c, Roller: ro, Learner: l, Dir: j.Out, Out: log}
	if saved != nil {
		if err := saved.Restore(r); err != nil {
			return err
		}
		fmt.Fprintf(log, "resuming %s at step %d (round %d)\n", j.Out, r.Step, r.Round)
	}
	if err := checkpoint.CopyTokenizer(j.Base, j.Out); err != nil {
		return err
	}
	fmt.Fprintf(log, "rl: %d parameters; %d steps of %d prompts × %d completions; pass@%d filter over %d prompts every %d steps; staleness %d; generator %s\n",
		p.NumParams(), c.Steps, c.GroupsPerStep, c.GroupSize, c.PassK, c.PoolSize, c.StepsPerRound, c.Staleness, j.Rollouts.generatorName())
	t0 := time.Now()
	if err := r.Loop(ctx, 0); err != nil {
		return err
	}
	fmt.Fprintf(log, "rl: %d steps in %v\n", r.Step, time.Since(t0).Round(time.Second))
	return nil
}

// evalTable evaluates the policy of ro on held-out problems and prints one
// row per task: problems, greedy pass@1, pass@k, the mean sampled accuracy
// and the mean length in tokens of the correct greedy answers (NaN when
// none is correct) and of the sampled answers (temperature 1).
func evalTable(ctx context.Context, stdout, log io.Writer, ro *Roller, c Config) error {
	t0 := time.Now()
	res, err := Evaluate(ctx, ro, c.Tasks, c.EvalN, c.EvalK, c.Concurrency, c.Seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "evaluated in %v\n", time.Since(t0).Round(time.Millisecond))
	fmt.Fprintf(stdout, "task\tproblems\tpass@1 (greedy)\tpass@%d\tmean sampled accuracy\tcorrect greedy answer tokens\tsampled answer tokens\n", c.EvalK)
	for _, e := range res {
		fmt.Fprintf(stdout, "%s\t%d\t%.1f%%\t%.1f%%\t%.1f%%\t%.2f\t%.2f\n", e.Task, e.Problems, 100*e.Pass1, 100*e.PassK, 100*e.MeanSampled, e.CorrectLen, e.SampledLen)
	}
	return nil
}
