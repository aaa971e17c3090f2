package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/distill"
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
	text, err := os.ReadFile(*dataFile)
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	m, err := loadModel(cl.model)
	if err != nil {
		return err
	}
	defer m.Close()
	tk, err := teacherTokenizer(cl.model, m, *tok)
	if err != nil {
		return err
	}
	data, err := newDataset(text, tk, *valFrac, *docSep)
	if err != nil {
		return usagef("%v", err)
	}
	t0 := time.Now()
	ix, err := distill.WriteCache(*out, m, data.Train, distill.CacheOptions{K: *k, Context: *ctx, Windows: *windows,
		ShardPositions: *shard, Teacher: modelName(cl.model), Data: data.Fingerprint(), Progress: stderr})
	if err != nil {
		return err
	}
	size := int64(0)
	for _, s := range ix.Shards {
		size += int64(64 + 8*ix.K*s.Count)
	}
	fmt.Fprintf(stderr, "distill-cache: %d positions × top %d of %d in %d shards, %.1f MB, in %v\n",
		ix.Positions, ix.K, ix.VocabSize, len(ix.Shards), float64(size)/1e6, time.Since(t0).Round(time.Millisecond))
	fmt.Fprintln(stdout, *out)
	return nil
}

// teacherTokenizer is the tokenizer the teacher at path reads text with:
// the byte tokenizer for spec "bytes", else the model's own.
func teacherTokenizer(path string, m *llama4.Model, spec string) (dataset.Tokenizer, error) {
	switch spec {
	case "bytes":
		return dataset.ByteTokenizer{}, nil
	case "":
	default:
		return nil, usagef("--tokenizer %q: want bytes, or none for the teacher's own", spec)
	}
	t, err := loadTokenizer(path, m)
	if errors.Is(err, errNoTokenizer) {
		return nil, fmt.Errorf("teacher %s has no tokenizer: pass --tokenizer bytes for a byte-level model", modelName(path))
	}
	if err != nil {
		return nil, err
	}
	return dataset.TextTokenizer{T: t}, nil
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

// attachDistiller gives a distillation run (tr.Opt.Distill set) its
// teacher: the cache, checked against data, or the teacher model, checked
// to read text as the student does (same vocabulary size and, when it has
// a tokenizer, the same tokens for text). It returns a function that
// releases the teacher.
func attachDistiller(tr *train.Trainer, data *dataset.Dataset, text []byte, valFrac float64, docSep string, stderr io.Writer) (func(), error) {
	o := tr.Opt.Distill
	if o == nil {
		return func() {}, nil
	}
	V := tr.Params.Config.VocabSize
	if o.Cache != "" {
		c, err := distill.OpenCache(o.Cache)
		if err != nil {
			return nil, err
		}
		if err := c.CheckData(data); err != nil {
			c.Close()
			return nil, err
		}
		d, err := distill.New(*o, c, V)
		if err != nil {
			c.Close()
			return nil, err
		}
		tr.Distiller = d
		fmt.Fprintf(stderr, "distill: teacher cache %s (%s, top %d), τ %g, α %g → %g, %s weighting\n", o.Cache, c.Teacher, c.K, o.Temp, o.Alpha, o.AlphaEnd, o.Weighting)
		return func() { c.Close() }, nil
	}
	m, err := loadModel(o.Teacher)
	if err != nil {
		return nil, fmt.Errorf("--teacher: %w", err)
	}
	if t, err := loadTokenizer(o.Teacher, m); err == nil {
		td, err := newDataset(text, dataset.TextTokenizer{T: t}, valFrac, docSep)
		if err != nil {
			m.Close()
			return nil, err
		}
		if td.Fingerprint() != data.Fingerprint() {
			m.Close()
			return nil, fmt.Errorf("--teacher %s: its tokenizer splits the text differently from the student's: the vocabularies differ", o.Teacher)
		}
	} else if !errors.Is(err, errNoTokenizer) {
		m.Close()
		return nil, err
	}
	src, err := distill.NewTeacher(m, o.TopK)
	if err == nil {
		tr.Distiller, err = distill.New(*o, src, V)
	}
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("--teacher %s: %w", o.Teacher, err)
	}
	k := "all"
	if src.K > 0 {
		k = fmt.Sprint(src.K)
	}
	fmt.Fprintf(stderr, "distill: teacher %s online (%s layers, hidden %d; top %s of %d), τ %g, α %g → %g, %s weighting\n",
		o.Teacher, fmt.Sprint(m.Config.Layers), m.Config.Hidden, k, m.Config.VocabSize, o.Temp, o.Alpha, o.AlphaEnd, o.Weighting)
	return func() { m.Close() }, nil
}
