package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/posttrain/sft"
	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
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
	threadsVar(fs, &threads, 0, "worker threads; 0 = all CPUs")
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
	fs.Uint64Var(&o.Seed, "seed", d.Seed, "seed of the row order and of --task's problems")
	fs.IntVar(&o.SaveEvery, "save-every", d.SaveEvery, "steps between checkpoints; 0 = at the end only")
	fs.IntVar(&o.LogEvery, "log-every", d.LogEvery, "steps between progress lines")
	fs.StringVar(&o.ExportDType, "export-dtype", "float32", "weight dtype of the exported model.safetensors: float32, bfloat16 or float16")
	if _, err := cl.parse(args, stdout); err != nil {
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
	if !f.resume && sft.HasCheckpoint(f.out) {
		return fmt.Errorf("%s already holds a fine-tuning checkpoint: pass --resume to continue it, or choose another --out", f.out)
	}
	tok, err := tokenizer.Load(cl.model)
	if err != nil {
		return err
	}
	base, err := train.LoadHF(cl.model)
	if err != nil {
		return err
	}
	if base.Config.VocabSize < tok.VocabSize() {
		return fmt.Errorf("%s: config vocab_size %d is smaller than its tokenizer's %d ids", cl.model, base.Config.VocabSize, tok.VocabSize())
	}
	var task tasks.Task
	var examples []sft.Example
	if f.task != "" {
		if task, err = tasks.New(f.task, o.Seed); err != nil {
			return usagef("--task: %v", err)
		}
		if examples, err = sft.TaskExamples(task, tasks.Train, f.examples); err != nil {
			return err
		}
		if f.writeData != "" {
			if err := writeExamples(f.writeData, examples); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "task %s: %d training examples generated (seed %d)\n", task.Spec(), len(examples), o.Seed)
	} else if examples, err = sft.ReadJSONLFile(f.data); err != nil {
		return err
	}
	seqs, err := encodeAll(tok, examples)
	if err != nil {
		return err
	}
	if f.pruneEasy > 0 {
		t0 := time.Now()
		verdicts, err := sft.Judge(base, seqs, o.Batch)
		if err != nil {
			return err
		}
		kept, rep, err := sft.PruneEasy(seqs, verdicts, f.pruneEasy)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "prune-easy %g: the base model judged %d examples in %v: dropped %d easy ones (whole answer sampled with probability > %g), kept %d; it answers %d of them exactly by greedy decoding; mean answer probability %.4f\n",
			f.pruneEasy, rep.Examples, time.Since(t0).Round(time.Millisecond), rep.Dropped, f.pruneEasy, len(kept), rep.Greedy, rep.MeanProb)
		if len(kept) == 0 {
			return fmt.Errorf("--prune-easy %g dropped every example: nothing left to train on", f.pruneEasy)
		}
		seqs = kept
	}
	rows, err := sft.Pack(seqs, o.SeqLen, tok.Pad(), f.pack)
	if err != nil {
		return err
	}
	trained := 0
	for _, s := range seqs {
		trained += s.Trained()
	}
	fmt.Fprintf(stderr, "data: %d examples in %d rows of %d tokens (packing %v); %d assistant tokens carry loss (%.1f%% of the rows)\n",
		len(seqs), len(rows), o.SeqLen, f.pack, trained, 100*float64(trained)/float64(len(rows)*o.SeqLen))
	var held []sft.Seq
	if task != nil && f.heldout > 0 {
		hx, err := sft.TaskExamples(task, tasks.HeldOut, f.heldout)
		if err != nil {
			return err
		}
		if held, err = encodeAll(tok, hx); err != nil {
			return err
		}
		if err := reportHeldout(stderr, "base model", base, held, o.Batch); err != nil {
			return err
		}
	}
	var tr *sft.Trainer
	if f.resume {
		steps := 0
		if flagSet(fs, "steps") {
			steps = o.Steps
		}
		if tr, err = sft.Resume(f.out, rows, steps); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "resuming %s at step %d of %d\n", f.out, tr.Step(), tr.Opt.Steps)
	} else {
		if tr, err = sft.NewTrainer(base, rows, *o); err != nil {
			return err
		}
	}
	if err := copyTokenizer(cl.model, f.out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "model: %d parameters; %d×%d tokens × %d per step, %d steps\n",
		tr.Params.NumParams(), tr.Opt.Batch, tr.Opt.SeqLen, tr.Opt.Accum, tr.Opt.Steps)
	t0 := time.Now()
	if err := tr.Run(f.out, stderr, 0); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "fine-tuned in %v on %d assistant tokens\n", time.Since(t0).Round(time.Second), tr.Tokens)
	if held != nil {
		if err := reportHeldout(stderr, "fine-tuned", tr.Params, held, o.Batch); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, f.out)
	return nil
}

// encodeAll encodes examples for training.
func encodeAll(tok *tokenizer.Tokenizer, examples []sft.Example) ([]sft.Seq, error) {
	seqs := make([]sft.Seq, len(examples))
	for i := range examples {
		s, err := sft.Encode(tok, &examples[i])
		if err != nil {
			return nil, err
		}
		seqs[i] = s
	}
	return seqs, nil
}

// reportHeldout prints how many held-out problems the model answers
// exactly by greedy decoding (every reference token its top choice), and
// its mean probability of the reference answers.
func reportHeldout(w io.Writer, who string, p *train.Params[float32], held []sft.Seq, B int) error {
	v, err := sft.Judge(p, held, B)
	if err != nil {
		return err
	}
	greedy, prob := 0, 0.0
	for _, x := range v {
		if x.Greedy {
			greedy++
		}
		prob += x.Prob() / float64(len(v))
	}
	fmt.Fprintf(w, "held-out (%s): %d/%d problems answered exactly by greedy decoding (%.1f%%); mean probability of the reference answer %.4f\n",
		who, greedy, len(v), 100*float64(greedy)/float64(len(v)), prob)
	return nil
}

// writeExamples writes examples as JSONL to path.
func writeExamples(path string, examples []sft.Example) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := sft.WriteJSONL(fh, examples); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// copyTokenizer copies the tokenizer files of the model directory base into
// out, so that `herd run -m out` finds them.
func copyTokenizer(base, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	n := 0
	for _, name := range []string{tokenizer.TiktokenFile, tokenizer.HFFile, "tokenizer_config.json", "special_tokens_map.json"} {
		b, err := os.ReadFile(filepath.Join(base, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s has no %s or %s to copy beside the fine-tuned model", base, tokenizer.TiktokenFile, tokenizer.HFFile)
	}
	return nil
}
