package main

import (
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
