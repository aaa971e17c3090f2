package main

import (
	"fmt"
	"io"

	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/posttrain/sft"
	"github.com/herd-llm/herd/posttrain/tasks"
)

// sftFlags are herd sft's own settings besides the optimizer's.
type sftFlags struct {
	out, data, task, writeData string
	examples, heldout          int
	pack, resume               bool
	pruneEasy                  float64
}

// cmdSFT fine-tunes a model on chat data (a JSONL file, or examples a
// verifiable task generates) with the loss on assistant tokens only, and
// writes a Hugging Face directory that `herd run -m DIR` loads.
func cmdSFT(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("sft")
	fs := cl.FlagSet
	var f sftFlags
	d := sft.DefaultOptions()
	o := &sft.Options{}
	fs.StringVar(&f.out, "out", "", "output directory: config.json + model.safetensors + tokenizer, and the resumable "+sft.CheckpointFile)
	fs.StringVar(&f.data, "data", "", `chat data: JSONL, one {"messages": [{"role": …, "content": …}, …], "tools": [...]} per line (docs/post-training.md)`)
	fs.StringVar(&f.task, "task", "", "generate the data from a verifiable task instead: arithmetic, calculator or countdown, with parameters as in arithmetic:digits=2,ops=1 (package posttrain/tasks)")
	fs.IntVar(&f.examples, "examples", 2000, "--task: training examples to generate (problems 0…N−1 of the train split)")
	fs.IntVar(&f.heldout, "heldout", 200, "--task: held-out problems to evaluate before and after training (greedy exact match); 0 = none")
	fs.StringVar(&f.writeData, "write-data", "", "--task: also write the generated training examples to this JSONL file")
	fs.BoolVar(&f.pack, "pack", true, "pack several examples into each row (otherwise one example per row)")
	fs.Float64Var(&f.pruneEasy, "prune-easy", 0, "drop the examples the base model already solves: those whose whole assistant answer it samples with probability > P (0 = keep all)")
	fs.BoolVar(&f.resume, "resume", false, "continue the run in --out from its checkpoint: the data flags (--data/--task, --examples, --seed, --prune-easy, --seq, --pack) must be the same; the saved optimizer options apply; --steps may extend it")
	var threads int
	modelflags.ThreadsVar(fs, &threads, 0, "worker threads; 0 = all CPUs")
	*o = d
	optimFlags{steps: &o.Steps, batch: &o.Batch, accum: &o.Accum, warmup: &o.Warmup, saveEvery: &o.SaveEvery, logEvery: &o.LogEvery,
		lr: &o.LR, minLR: &o.MinLR, beta1: &o.Beta1, beta2: &o.Beta2, eps: &o.Eps, wd: &o.WeightDecay, clip: &o.GradClip}.define(fs)
	fs.IntVar(&o.SeqLen, "seq", d.SeqLen, "tokens per row")
	fs.Uint64Var(&o.Seed, "seed", d.Seed, "seed of the row order and of --task's problems")
	fs.StringVar(&o.ExportDType, "export-dtype", "float32", "weight dtype of the exported model.safetensors: float32, bfloat16 or float16")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	if (f.data == "") == (f.task == "") {
		return usagef("give the data: --data FILE.jsonl or --task SPEC (not both)")
	}
	if f.pruneEasy != 0 && !(f.pruneEasy > 0 && f.pruneEasy <= 1) {
		return usagef("--prune-easy %g: want a probability in (0, 1], or 0 for none", f.pruneEasy)
	}
	if threads > 0 {
		kernels.SetThreads(threads)
	}
	j := sft.Job{Opt: *o, Base: cl.Model, Out: f.out, Data: f.data, Examples: f.examples, HeldOut: f.heldout, WriteData: f.writeData,
		Pack: f.pack, PruneEasy: f.pruneEasy, Resume: f.resume}
	if f.resume {
		j.ResumeSteps = resumeSteps(cl, o.Steps)
	}
	if f.task != "" {
		var err error
		if j.Task, err = tasks.New(f.task, o.Seed); err != nil {
			return usagef("--task: %v", err)
		}
	}
	if err := j.Run(stderr); err != nil {
		return err
	}
	fmt.Fprintln(stdout, f.out)
	return nil
}
