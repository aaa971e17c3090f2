package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/train/distill"
	"github.com/herd-llm/herd/train/pretrain"
)

// cmdDistillCache writes a teacher's top-k log-probabilities at every
// position of a text's training part for `herd train --teacher-cache`.
func cmdDistillCache(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("distill-cache")
	fs := cl.FlagSet
	dataFile := fs.String("data", "", "training text (UTF-8): the same file and --val-frac the student trains on")
	valFrac := fs.Float64("val-frac", 0.1, "fraction of the text (from the end) held out for validation, as in herd train")
	docSep := fs.String("doc-sep", "", "document separator, as in herd train")
	tok := fs.String("tokenizer", "", `"bytes" for a byte-level teacher; default: the teacher's own tokenizer`)
	out := fs.String("o", "", "cache directory to create: shard-NNNNN.kd files and index.json")
	k := fs.Int("topk", 32, "teacher tokens kept per position")
	ctx := fs.Int("ctx", 256, "teacher window in tokens; windows step by half of it, so positions after the first window see ≥ ctx/2 tokens of context")
	windows := fs.Int("windows", 4, "windows per batched teacher forward pass")
	shard := fs.Int("shard-positions", 1<<18, "positions per shard file")
	var threads int
	threadsVar(fs, &threads, 0, "worker threads; 0 = all CPUs")
	if _, err := cl.parse(args, stdout); err != nil {
		return err
	}
	if threads > 0 {
		kernels.SetThreads(threads)
	}
	j := pretrain.CacheJob{Teacher: cl.model, Data: *dataFile, ValFrac: *valFrac, DocSep: *docSep, Tokenizer: *tok, Out: *out,
		Opt: distill.CacheOptions{K: *k, Context: *ctx, Windows: *windows, ShardPositions: *shard}}
	if err := j.Run(stderr); err != nil {
		return err
	}
	fmt.Fprintln(stdout, *out)
	return nil
}

// distillFlags are herd train's distillation flags.
type distillFlags struct {
	teacher, cache string
	o              distill.Options
}

func (f *distillFlags) define(fs *flag.FlagSet) {
	d := distill.DefaultOptions()
	fs.StringVar(&f.teacher, "teacher", "", "distil from this model, run online on each batch (any model herd loads: a directory or .gguf; same vocabulary as the student; docs/distillation.md)")
	fs.StringVar(&f.cache, "teacher-cache", "", "distil from the teacher top-k log-probs that `herd distill-cache` wrote to this directory (same text, --val-frac and tokenizer)")
	fs.IntVar(&f.o.TopK, "teacher-topk", 0, "--teacher: teacher tokens kept per position; 0 = the whole vocabulary")
	fs.Float64Var(&f.o.Temp, "distill-temp", d.Temp, "distillation temperature τ of teacher and student softmax (the soft term is scaled by τ²)")
	fs.Float64Var(&f.o.Alpha, "distill-alpha", d.Alpha, "weight α of the soft (teacher) term at the first step; the hard-label term gets 1−α")
	fs.Float64Var(&f.o.AlphaEnd, "distill-alpha-end", d.AlphaEnd, "weight α of the soft term at the last step (linear in between)")
	fs.StringVar(&f.o.Weighting, "distill-weighting", d.Weighting, `"schedule": α as scheduled; "confidence": per token, α × the teacher's probability of the data's label`)
}

// options returns the run's distillation options, nil without a teacher.
func (f *distillFlags) options() (*distill.Options, error) {
	if f.teacher == "" && f.cache == "" {
		return nil, nil
	}
	o := f.o
	o.Teacher, o.Cache = f.teacher, f.cache
	if o.Teacher != "" {
		r, err := resolveModelArg(o.Teacher)
		if err != nil {
			return nil, fmt.Errorf("--teacher: %w", err)
		}
		o.Teacher = r
	}
	if err := o.Validate(); err != nil {
		return nil, usagef("%v", err)
	}
	return &o, nil
}
