package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train"
)

// cmdTrain trains a Llama 4 text model on a text file and writes a Hugging
// Face directory that `herd run -m DIR` loads.
func cmdTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", stderr)
	d := train.DefaultOptions()
	dataFile := fs.String("data", "", "training text (UTF-8); its last --val-frac is held out for validation")
	cfgFile := fs.String("config", "", "model shape: a Hugging Face llama4_text config.json (vocab_size ≥ the tokenizer's)")
	outDir := fs.String("out", "", "run directory: config.json + model.safetensors (Hugging Face), checkpoint.safetensors, log.csv")
	tok := fs.String("tokenizer", "", `tokenizer: "bytes" (byte-level, 259 ids; a stop-gap until herd-trained BPE tokenizers)`)
	resume := fs.Bool("resume", false, "continue the run in --out from its checkpoint (its saved options apply; --steps may extend it)")
	valFrac := fs.Float64("val-frac", 0.1, "fraction of the text (from the end) held out for validation")
	threads := fs.Int("threads", 0, "worker threads; 0 = all CPUs")
	o := &train.Options{}
	fs.IntVar(&o.Steps, "steps", d.Steps, "optimizer steps")
	fs.IntVar(&o.Batch, "batch", d.Batch, "rows per micro-batch")
	fs.IntVar(&o.SeqLen, "seq", d.SeqLen, "tokens per row")
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
	fs.IntVar(&o.EvalBatches, "eval-batches", d.EvalBatches, "max validation batches per pass; 0 = all")
	fs.IntVar(&o.SaveEvery, "save-every", d.SaveEvery, "steps between checkpoints; 0 = at the end only")
	fs.IntVar(&o.LogEvery, "log-every", d.LogEvery, "steps between progress lines")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *dataFile == "" || *outDir == "" || (*cfgFile == "" && !*resume) {
		return usagef("need --data FILE.txt, --out DIR and --config CONFIG.json (or --resume)")
	}
	var tk train.Tokenizer
	switch *tok {
	case "bytes":
		tk = train.ByteTokenizer{}
	case "":
		return usagef(`choose a tokenizer: --tokenizer bytes (herd-trained Llama 4-format BPE tokenizers plug in through train.Tokenizer once package tokenizer can train them)`)
	default:
		return usagef("--tokenizer %q is not supported yet; use --tokenizer bytes", *tok)
	}
	if *threads > 0 {
		runtime.GOMAXPROCS(*threads)
		kernels.SetThreads(*threads)
	}
	text, err := os.ReadFile(*dataFile)
	if err != nil {
		return err
	}
	data, err := train.NewTextDataset(text, tk, *valFrac)
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
			case "data", "out", "tokenizer", "resume", "val-frac", "threads", "steps":
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
		cfg, err := llama4.LoadConfig(*cfgFile)
		if err != nil {
			return err
		}
		if cfg.VocabSize < tk.VocabSize() {
			return fmt.Errorf("config vocab_size %d is smaller than the tokenizer's %d ids", cfg.VocabSize, tk.VocabSize())
		}
		if cfg.MaxPositions < o.SeqLen {
			return usagef("--seq %d exceeds the config's max_position_embeddings %d", o.SeqLen, cfg.MaxPositions)
		}
		cfg.BOS, cfg.EOS, cfg.Pad = int(tk.BOS()), []int{int(tk.EOS())}, int(tk.Pad())
		cfg.TorchDType = "float32"
		if tr, err = train.NewTrainer(cfg, *o, data); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "model: %d parameters, %d layers, vocab %d; data: %d training and %d validation tokens\n",
		tr.Params.NumParams(), tr.Params.Config.Layers, tr.Params.Config.VocabSize, len(data.Train), len(data.Val))
	fmt.Fprintf(stderr, "plan: %s per micro-batch; %d×%d tokens × %d per step\n", tr.Plan(), tr.Opt.Batch, tr.Opt.SeqLen, tr.Opt.Accum)
	if err := tr.Run(train.RunConfig{OutDir: *outDir, Progress: stderr}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", *outDir)
	return nil
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
