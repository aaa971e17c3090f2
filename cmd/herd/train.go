package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/distill"
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
	resume := fs.Bool("resume", false, "continue the run in --out from its checkpoint (its saved options apply; --steps may extend it)")
	evalDir := fs.String("eval", "", "only evaluate the model in this directory (any float dtype, its tokenizer.model, or --tokenizer bytes) on the validation part, in --seq windows; all of it unless --eval-batches")
	valFrac := fs.Float64("val-frac", defVal, "fraction of the text (from the end) held out for validation")
	var threads int
	threadsVar(fs, &threads, 0, "worker threads; 0 = all CPUs")
	o := &train.Options{}
	fs.IntVar(&o.Steps, "steps", d.Steps, "optimizer steps")
	fs.IntVar(&o.Batch, "batch", d.Batch, "rows per micro-batch")
	seqSpec := fs.String("seq", strconv.Itoa(d.SeqLen), "tokens per row; or a schedule T0,T1@STEP1,… (long-context mid-training): rows of T1 tokens from step STEP1 on, the batch scaled to keep --batch×T0 tokens per micro-batch")
	docSep := fs.String("doc-sep", "", `split --data into documents at this separator (e.g. "\n\n"); each begins with BOS; the last documents are held out`)
	fs.Float64Var(&o.LongFrac, "long-frac", d.LongFrac, "with --doc-sep: the share of rows drawn from inside one document of at least --seq+1 tokens (the rest are windows of the packed stream of documents)")
	fs.BoolVar(&o.DocMask, "doc-mask", d.DocMask, "mask attention at document boundaries (each BOS starts a document; positions restart), for packed rows of --doc-sep documents")
	fs.IntVar(&o.Accum, "accum", d.Accum, "micro-batches per step (gradient accumulation)")
	fs.Float64Var(&o.LR, "lr", d.LR, "peak learning rate")
	fs.Float64Var(&o.MinLR, "min-lr", d.MinLR, "final learning rate of the cosine decay")
	fs.IntVar(&o.Warmup, "warmup", d.Warmup, "linear warmup steps")
	fs.Float64Var(&o.Beta1, "beta1", d.Beta1, "AdamW β1")
	fs.Float64Var(&o.Beta2, "beta2", d.Beta2, "AdamW β2")
	fs.Float64Var(&o.Eps, "eps", d.Eps, "AdamW ε")
	fs.Float64Var(&o.WeightDecay, "wd", d.WeightDecay, "decoupled weight decay on parameters of ≥ 2 dimensions")
	fs.Float64Var(&o.GradClip, "clip", d.GradClip, "max global gradient norm; 0 = off")
	fs.Uint64Var(&o.Seed, "seed", d.Seed, "seed of the initialisation and the data sampling")
	fs.Float64Var(&o.InitStd, "init-std", d.InitStd, "std of the initial weights")
	fs.IntVar(&o.EvalEvery, "eval-every", d.EvalEvery, "steps between validation passes; 0 = at the end only")
	fs.IntVar(&o.EvalBatches, "eval-batches", d.EvalBatches, "max validation batches per periodic pass (the final pass covers all); 0 = all")
	fs.IntVar(&o.SaveEvery, "save-every", d.SaveEvery, "steps between checkpoints; 0 = at the end only")
	fs.IntVar(&o.LogEvery, "log-every", d.LogEvery, "steps between progress lines")
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
	if _, err := cl.parse(args, stdout); err != nil {
		return err
	}
	var err error
	if o.SeqLen, o.Stages, err = parseSeqStages(*seqSpec, o.Batch); err != nil {
		return err
	}
	if preset != nil {
		if !flagSet(fs, "warmup") {
			o.Warmup = min(o.Warmup, o.Steps) // a short trial run of a preset
		}
		if *dataFile == "" {
			if *dataFile, err = repoRelative(preset.Data); err != nil {
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
		if !flagSet(fs, "eval-batches") {
			o.EvalBatches = 0 // the whole validation part, whatever the preset's periodic passes use
		}
		return evalModel(*evalDir, *dataFile, *valFrac, *tok == "bytes", o, stdout)
	}
	if *dataFile == "" || *outDir == "" || (*cfgFile == "" && preset == nil && !*resume) {
		return usagef("need --data FILE.txt, --out DIR and --config CONFIG.json (or --preset NAME, or --resume)")
	}
	if o.Distill, err = df.options(); err != nil {
		return err
	}
	ranks, err := parseTokenizerSpec(*tok)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(*dataFile)
	if err != nil {
		return err
	}
	tk, err := trainTokenizer(ranks, text, *valFrac, *outDir, *resume, stderr)
	if err != nil {
		return err
	}
	data, err := newDataset(text, tk, *valFrac, *docSep)
	if err != nil {
		return usagef("%v", err)
	}
	var tr *train.Trainer
	if *resume {
		steps := 0
		if flagSet(fs, "steps") {
			steps = o.Steps
		}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "data", "out", "tokenizer", "resume", "val-frac", "threads", "steps", "preset", "doc-sep":
			default:
				fmt.Fprintf(stderr, "note: --%s is ignored when resuming: the checkpoint's options apply\n", f.Name)
			}
		})
		if tr, err = train.ResumeTrainer(*outDir, data, steps); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "resuming %s at step %d of %d\n", *outDir, tr.Step(), tr.Opt.Steps)
	} else {
		if train.HasCheckpoint(*outDir) {
			return fmt.Errorf("%s already holds a training checkpoint: pass --resume to continue it, or choose another --out", *outDir)
		}
		var cfg *llama4.Config
		if *cfgFile != "" {
			cfg, err = checkpoint.LoadConfig(*cfgFile)
		} else {
			cfg, err = preset.ParseConfig()
		}
		if err != nil {
			return err
		}
		if cfg.VocabSize < tk.VocabSize() {
			return fmt.Errorf("config vocab_size %d is smaller than the tokenizer's %d ids", cfg.VocabSize, tk.VocabSize())
		}
		if _, T := longestStage(o); cfg.MaxPositions < T {
			return usagef("--seq %d exceeds the config's max_position_embeddings %d", T, cfg.MaxPositions)
		}
		cfg.BOS, cfg.EOS, cfg.Pad = int(tk.BOS()), []int{int(tk.EOS())}, int(tk.Pad())
		cfg.TorchDType = "float32"
		if tr, err = train.NewTrainer(cfg, *o, data); err != nil {
			return err
		}
	}
	if tr.Opt.MetaP {
		m := tr.Opt.MetaPBase()
		mw, md := m.Widths(tr.Params.Config)
		fmt.Fprintf(stderr, "metap: base width %d, depth %d (width ×%.3g, depth ×%.3g): hidden lr ×%.3g, branch-output lr ×%.3g, lm_head lr ×%.3g, embeddings and norms ×1\n",
			m.BaseWidth, m.BaseDepth, mw, md, 1/mw, 1/(mw*md), 1/mw)
	}
	fmt.Fprintf(stderr, "model: %d parameters, %d layers, vocab %d; data: %d training and %d validation tokens (%.3f bytes per token)\n",
		tr.Params.NumParams(), tr.Params.Config.Layers, tr.Params.Config.VocabSize, len(data.Train), len(data.Val),
		float64(data.TrainBytes)/float64(max(len(data.Train)-1, 1)))
	release, err := attachDistiller(tr, data, text, *valFrac, *docSep, stderr)
	if err != nil {
		return err
	}
	defer release()
	fmt.Fprintf(stderr, "plan: %s per micro-batch; %d×%d tokens × %d per step\n", tr.Plan(), tr.Opt.Batch, tr.Opt.SeqLen, tr.Opt.Accum)
	if len(tr.Opt.Stages) > 0 {
		B, T := longestStage(&tr.Opt)
		p, err := train.PlanFor(tr.Params.Config, B, T)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "plan of the longest stage: %s per micro-batch; stages %s\n", p, stagesString(&tr.Opt))
	}
	t0 := time.Now()
	if err := tr.Run(train.RunConfig{OutDir: *outDir, Progress: stderr}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "trained in %v\n", time.Since(t0).Round(time.Second))
	if d, ok := tr.Distiller.(*distill.Distiller); ok {
		kl, n := d.Stats()
		fmt.Fprintf(stderr, "distill: mean KL(teacher ‖ student) at τ %g over the run's %d positions: %.4f nats\n", d.Opt.Temp, n, kl)
	}
	if f := tr.FP8Total; tr.Opt.FP8 != "" {
		fmt.Fprintf(stderr, "fp8 %s (%s scaling): %d values cast; overflow %d, underflow %d (%.4f%%); a cast without scaling would overflow %d and underflow %d (%.4f%%)\n",
			tr.Opt.FP8, orDefault(tr.Opt.FP8Scaling, "tensor"), f.Values, f.Overflow, f.Underflow, 100*float64(f.Underflow)/float64(max(f.Values, 1)),
			f.RawOverflow, f.RawUnderflow, 100*float64(f.RawUnderflow)/float64(max(f.Values, 1)))
	}
	if tr.ExpertBias != nil {
		fmt.Fprintln(stderr, "expert selection bias (training only, not exported):")
		for l, b := range tr.ExpertBias {
			if b != nil {
				fmt.Fprintf(stderr, "  layer %d: %s\n", l, floatList(b))
			}
		}
	}
	fmt.Fprintf(stdout, "%s\n", *outDir)
	return nil
}

// parseTokenizerSpec reads --tokenizer: "bytes" gives 0, "bpe:N" gives N.
func parseTokenizerSpec(spec string) (int, error) {
	switch {
	case spec == "bytes":
		return 0, nil
	case spec == "":
		return 0, usagef(`choose a tokenizer: --tokenizer bpe:N (a Llama 4-format BPE of N ranks, e.g. bpe:4096) or --tokenizer bytes`)
	case !strings.HasPrefix(spec, "bpe:"):
		return 0, usagef("--tokenizer %q: want bpe:N or bytes", spec)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(spec, "bpe:"))
	if err != nil || n < 256 {
		return 0, usagef("--tokenizer %q: N must be a number of ranks ≥ 256", spec)
	}
	return n, nil
}

// trainTokenizer returns the run's tokenizer: the byte tokenizer when ranks
// is 0, else a BPE vocabulary of that many ranks trained on the training
// part of text and written to outDir/tokenizer.model, where
// `herd run -m outDir` finds it. A resumed run reads that file back instead.
func trainTokenizer(n int, text []byte, valFrac float64, outDir string, resume bool, stderr io.Writer) (dataset.Tokenizer, error) {
	if n == 0 {
		return dataset.ByteTokenizer{}, nil
	}
	path := filepath.Join(outDir, tokenizer.TiktokenFile)
	if resume {
		t, err := tokenizer.Load(path)
		if err != nil {
			return nil, err
		}
		return dataset.TextTokenizer{T: t}, nil
	}
	tp, _, err := dataset.SplitText(text, valFrac)
	if err != nil {
		return nil, usagef("%v", err)
	}
	t0 := time.Now()
	v, err := tokenizer.TrainBPE(string(tp), n)
	if err != nil {
		return nil, err
	}
	if len(v.Ranks) < n {
		fmt.Fprintf(stderr, "note: the training text supports only %d ranks\n", len(v.Ranks))
	}
	t, err := v.Tokenizer()
	if err != nil {
		return nil, err
	}
	if train.HasCheckpoint(outDir) {
		return nil, fmt.Errorf("%s already holds a training checkpoint: pass --resume to continue it, or choose another --out", outDir)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, v.Tiktoken(), 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "tokenizer: %d BPE ranks + %d specials trained on %d bytes in %v, written to %s\n",
		len(v.Ranks), t.VocabSize()-len(v.Ranks), len(tp), time.Since(t0).Round(time.Millisecond), path)
	return dataset.TextTokenizer{T: t}, nil
}

// evalModel prints the validation loss and bits per byte of the model in dir
// (with its own tokenizer.model, or the byte tokenizer when bytes) on the
// held-out part of the text in dataFile.
func evalModel(dir, dataFile string, valFrac float64, bytes bool, o *train.Options, stdout io.Writer) error {
	text, err := os.ReadFile(dataFile)
	if err != nil {
		return err
	}
	var tk dataset.Tokenizer = dataset.ByteTokenizer{}
	if !bytes {
		t, err := tokenizer.Load(dir)
		if err != nil {
			return err
		}
		tk = dataset.TextTokenizer{T: t}
	}
	p, err := train.LoadHF(dir)
	if err != nil {
		return err
	}
	data, err := dataset.New(text, tk, valFrac)
	if err != nil {
		return usagef("%v", err)
	}
	t0 := time.Now()
	loss, bpb, err := train.EvaluateParams(p, data, o.Batch, o.SeqLen, o.EvalBatches)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: validation loss %.4f nats/token, %.4f bits/byte (%d tokens, %d bytes of %s; windows of %d tokens; %v)\n",
		dir, loss, bpb, len(data.Val)-1, data.ValBytes, dataFile, o.SeqLen, time.Since(t0).Round(time.Millisecond))
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

// repoRelative resolves a path relative to the repository root: the nearest
// directory at or above the working directory that holds go.mod.
func repoRelative(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%s not found", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above the working directory to find %s from", rel)
		}
		dir = parent
	}
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
