package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/distill"
	"github.com/herd-llm/herd/train/pretrain"
)

// cmdTrain trains a Llama 4 text model on a text file and writes a Hugging
// Face directory that `herd run -m DIR` loads: from a config.json and
// options given as flags, or from a named recipe (--preset shakespeare,
// herd's embedded model). With --eval it only measures a saved model's
// validation loss and bits per byte.
func cmdTrain(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("train")
	fs := cl.FlagSet
	var preset *train.Preset
	if name, ok := presetArg(args); ok {
		p, err := train.LookupPreset(name)
		if err != nil {
			return usagef("--preset: %v", err)
		}
		preset = &p
	}
	d := train.DefaultOptions()
	defVal, defTok := 0.1, ""
	if preset != nil {
		d, defVal, defTok = preset.Options, preset.ValFrac, preset.Tokenizer
	}
	fs.String("preset", "", fmt.Sprintf("a named recipe (%s): model, tokenizer, data and options; other flags override it", strings.Join(train.PresetNames(), ", ")))
	dataFile := fs.String("data", "", "training text (UTF-8); its last --val-frac is held out for validation (default with --preset: the preset's, found from the repository root, e.g. testdata/tinyshakespeare.txt)")
	cfgFile := fs.String("config", "", "model shape: a Hugging Face llama4_text config.json (vocab_size ≥ the tokenizer's)")
	outDir := fs.String("out", "", "run directory: config.json + model.safetensors (Hugging Face) + tokenizer.model, checkpoint.safetensors, log.csv, loss.png (default with --preset: runs/NAME)")
	tok := fs.String("tokenizer", defTok, `"bpe:N": train a Llama 4-format BPE of N ranks (+2048 specials) on the training part, written to --out as tokenizer.model; "bytes": byte-level, 259 ids`)
	resume := fs.Bool("resume", false, "continue the run in --out from its checkpoint (its saved options and tokenizer apply; --steps may extend it)")
	initFrom := fs.String("init-from", "", "start a new run from the weights of this model directory (e.g. a finished run's --out) on --data, with its config and tokenizer and a fresh optimizer and schedule: long-context mid-training at new --seq stages, or continued training on other data")
	evalDir := fs.String("eval", "", "only evaluate the model in this directory (any float dtype, its tokenizer.model, or --tokenizer bytes) on the validation part, in --seq windows; all of it unless --eval-batches")
	valFrac := fs.Float64("val-frac", defVal, "fraction of the text (from the end) held out for validation")
	var threads int
	modelflags.ThreadsVar(fs, &threads, 0, "worker threads; 0 = all CPUs")
	o := &train.Options{}
	*o = d
	optimFlags{steps: &o.Steps, batch: &o.Batch, accum: &o.Accum, warmup: &o.Warmup, saveEvery: &o.SaveEvery, logEvery: &o.LogEvery,
		lr: &o.LR, minLR: &o.MinLR, beta1: &o.Beta1, beta2: &o.Beta2, eps: &o.Eps, wd: &o.WeightDecay, clip: &o.GradClip}.define(fs)
	seqSpec := fs.String("seq", strconv.Itoa(d.SeqLen), "tokens per row; or a schedule T0,T1@STEP1,… (long-context mid-training): rows of T1 tokens from step STEP1 on, the batch scaled to keep --batch×T0 tokens per micro-batch")
	docSep := fs.String("doc-sep", "", `split --data into documents at this separator (e.g. "\n\n"); each begins with BOS; the last documents are held out`)
	fs.Float64Var(&o.LongFrac, "long-frac", d.LongFrac, "with --doc-sep: the share of rows drawn from inside one document of at least --seq+1 tokens (the rest are windows of the packed stream of documents)")
	fs.BoolVar(&o.DocMask, "doc-mask", d.DocMask, "mask attention at document boundaries (each BOS starts a document; positions restart), for packed rows of --doc-sep documents")
	fs.Uint64Var(&o.Seed, "seed", d.Seed, "seed of the initialisation and the data sampling")
	fs.Float64Var(&o.InitStd, "init-std", d.InitStd, "std of the initial weights")
	fs.IntVar(&o.EvalEvery, "eval-every", d.EvalEvery, "steps between validation passes; 0 = at the end only")
	fs.IntVar(&o.EvalBatches, "eval-batches", d.EvalBatches, "max validation batches per periodic pass (the final pass covers all); 0 = all")
	fs.BoolVar(&o.MetaP, "metap", d.MetaP, "MetaP parametrisation: µP (width) + CompleteP (depth) init and per-group learning rates relative to --base-width/--base-depth, so --lr, --init-std and --wd tuned on that base model transfer (docs/metap.md)")
	fs.IntVar(&o.BaseWidth, "base-width", orDefaultInt(d.BaseWidth, train.DefaultBaseWidth), "--metap: hidden size of the base model the hyper-parameters were tuned on")
	fs.IntVar(&o.BaseDepth, "base-depth", orDefaultInt(d.BaseDepth, train.DefaultBaseDepth), "--metap: layers of the base model the hyper-parameters were tuned on")
	fs.StringVar(&o.ExportDType, "export-dtype", orDefault(d.ExportDType, "float32"), "weight dtype of the exported model.safetensors: float32, bfloat16 or float16 (the checkpoint stays float32)")
	fs.StringVar(&o.FP8, "fp8", d.FP8, `simulate FP8 training of the decoder layers' linear products: "e4m3" (every input rounded to E4M3) or "hybrid" (output gradients E5M2); fp32 accumulation, fp32 master weights; empty = off`)
	fs.StringVar(&o.FP8Scaling, "fp8-scaling", orDefault(d.FP8Scaling, "tensor"), `FP8 scales from the amax of each "tensor" or of each "row" along the contraction`)
	fs.StringVar(&o.Balance, "balance", orDefault(d.Balance, "none"), `MoE expert balancing: "bias" (auxiliary-loss-free bias on the selection scores), "aux" (Switch auxiliary loss) or "none"`)
	fs.Float64Var(&o.BalanceRate, "balance-rate", orDefaultF(d.BalanceRate, 1e-3), "bias step per optimizer step of --balance bias")
	var df distillFlags
	df.define(fs)
	fs.Float64Var(&o.AuxLossCoef, "aux-loss-coef", orDefaultF(d.AuxLossCoef, 0.01), "coefficient α of the Switch auxiliary loss of --balance aux (Llama 4's config says router_aux_loss_coef 0.001)")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	var err error
	if o.SeqLen, o.Stages, err = pretrain.ParseSeqStages(*seqSpec, o.Batch); err != nil {
		return err
	}
	if preset != nil {
		if !cl.Given("warmup") {
			o.Warmup = min(o.Warmup, o.Steps) // a short trial run of a preset
		}
		if *dataFile == "" {
			if *dataFile, err = pretrain.RepoFile(preset.Data); err != nil {
				return usagef("--preset %s: %v; pass --data FILE", preset.Name, err)
			}
		}
		if *outDir == "" && *evalDir == "" {
			*outDir = filepath.Join("runs", preset.Name)
		}
	}
	if threads > 0 {
		kernels.SetThreads(threads)
	}
	if *evalDir != "" {
		if *dataFile == "" {
			return usagef("--eval needs --data FILE.txt (or --preset)")
		}
		if !cl.Given("eval-batches") {
			o.EvalBatches = 0 // the whole validation part, whatever the preset's periodic passes use
		}
		e := pretrain.Evaluation{Dir: *evalDir, Data: *dataFile, ValFrac: *valFrac, Bytes: *tok == "bytes", Batch: o.Batch, Seq: o.SeqLen, MaxBatches: o.EvalBatches}
		return e.Run(stdout)
	}
	if *dataFile == "" || *outDir == "" || (*cfgFile == "" && preset == nil && !*resume && *initFrom == "") {
		return usagef("need --data FILE.txt, --out DIR and --config CONFIG.json (or --preset NAME, --init-from MODEL, or --resume)")
	}
	if *initFrom != "" {
		for _, name := range []string{"resume", "config", "tokenizer", "init-std"} {
			if cl.Given(name) {
				return usagef("--init-from takes the model's config, tokenizer and weights and starts a new run: drop --%s", name)
			}
		}
	}
	if o.Distill, err = df.options(); err != nil {
		return err
	}
	j := pretrain.Job{Opt: *o, Preset: preset, Data: *dataFile, Config: *cfgFile, Out: *outDir, ValFrac: *valFrac, DocSep: *docSep, Resume: *resume, InitFrom: *initFrom}
	if *initFrom == "" && (!*resume || *tok != "") {
		if j.BPERanks, err = pretrain.ParseTokenizer(*tok); err != nil {
			return err
		}
	}
	if *resume {
		j.ResumeSteps = resumeSteps(cl, o.Steps)
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "data", "out", "tokenizer", "resume", "val-frac", "threads", "steps", "preset", "doc-sep":
			default:
				fmt.Fprintf(stderr, "note: --%s is ignored when resuming: the checkpoint's options apply\n", f.Name)
			}
		})
	}
	if err := j.Run(stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", *outDir)
	return nil
}

// presetArg finds the value of --preset in args before the flags are
// defined, so that the preset can supply their defaults.
func presetArg(args []string) (string, bool) {
	for i, a := range args {
		if a == "--" {
			break
		}
		for _, p := range []string{"-preset", "--preset"} {
			if a == p && i+1 < len(args) {
				return args[i+1], true
			}
			if v, ok := strings.CutPrefix(a, p+"="); ok {
				return v, true
			}
		}
	}
	return "", false
}

func orDefaultF(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func orDefaultInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
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
		r, err := modelflags.Resolve(o.Teacher)
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
	modelflags.ThreadsVar(fs, &threads, 0, "worker threads; 0 = all CPUs")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	if threads > 0 {
		kernels.SetThreads(threads)
	}
	j := pretrain.CacheJob{Teacher: cl.Model, Data: *dataFile, ValFrac: *valFrac, DocSep: *docSep, Tokenizer: *tok, Out: *out,
		Opt: distill.CacheOptions{K: *k, Context: *ctx, Windows: *windows, ShardPositions: *shard}}
	if err := j.Run(stderr); err != nil {
		return err
	}
	fmt.Fprintln(stdout, *out)
	return nil
}
