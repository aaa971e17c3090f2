package main

import (
	"flag"

	"github.com/herd-llm/herd/internal/cli"
)

// optimFlags bind the optimizer flags train and sft share (steps, batch,
// accumulation, the learning-rate schedule, AdamW, clipping, checkpoint
// and progress intervals) to the fields of either command's options. Each
// flag's default is its field's value when define is called.
type optimFlags struct {
	steps, batch, accum, warmup, saveEvery, logEvery *int
	lr, minLR, beta1, beta2, eps, wd, clip           *float64
}

// define defines the group on fs.
func (o optimFlags) define(fs *flag.FlagSet) {
	type intFlag struct {
		p           *int
		name, usage string
	}
	type floatFlag struct {
		p           *float64
		name, usage string
	}
	for _, f := range []intFlag{
		{o.steps, "steps", "optimizer steps"}, {o.batch, "batch", "rows per micro-batch"},
		{o.accum, "accum", "micro-batches per step (gradient accumulation)"}, {o.warmup, "warmup", "linear warmup steps"},
		{o.saveEvery, "save-every", "steps between checkpoints; 0 = at the end only"}, {o.logEvery, "log-every", "steps between progress lines"},
	} {
		fs.IntVar(f.p, f.name, *f.p, f.usage)
	}
	for _, f := range []floatFlag{
		{o.lr, "lr", "peak learning rate"}, {o.minLR, "min-lr", "final learning rate of the cosine decay"},
		{o.beta1, "beta1", "AdamW β1"}, {o.beta2, "beta2", "AdamW β2"}, {o.eps, "eps", "AdamW ε"},
		{o.wd, "wd", "decoupled weight decay on parameters of ≥ 2 dimensions"}, {o.clip, "clip", "max global gradient norm; 0 = off"},
	} {
		fs.Float64Var(f.p, f.name, *f.p, f.usage)
	}
}

// resumeSteps is the --steps of a resumed run: the new total when given,
// else 0 (the checkpoint's).
func resumeSteps(cl *cli.Line, steps int) int {
	if cl.Given("steps") {
		return steps
	}
	return 0
}
