package pretrain

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
	"github.com/herd-llm/herd/train/distill"
)

// Job is one herd train run: the settings of the command line.
type Job struct {
	Opt         train.Options // the run's options (Opt.Distill set for a teacher); ignored on Resume but for ResumeSteps
	Preset      *train.Preset // the model shape when Config is "" (may be nil)
	Data        string        // training text (UTF-8); its last ValFrac is held out
	Config      string        // a Hugging Face llama4_text config.json, or "" for the preset's
	Out         string        // run directory
	BPERanks    int           // a BPE vocabulary of this many ranks trained first; 0 = the byte tokenizer (ParseTokenizer); ignored with InitFrom
	ValFrac     float64       // share of the text held out for validation
	DocSep      string        // document separator (escapes \n, \t, \\); "" = one stream
	Resume      bool          // continue the run in Out from its checkpoint
	ResumeSteps int           // with Resume: the run's new total of steps; 0 = the checkpoint's
	// InitFrom starts a new run from the weights of this Hugging Face
	// directory (a model herd trained, or any llama4_text checkpoint herd
	// reads) instead of an initialisation: its config and its tokenizer
	// (tokenizer.model, copied to Out; the byte tokenizer when it has none)
	// replace Config and BPERanks; the optimizer and schedule start afresh.
	InitFrom string
}

// Run trains: it reads the text, makes or reads the tokenizer, builds a new
// trainer (or resumes the one in Out), attaches the teacher, runs, and
// reports to log (the plan, progress lines, the summary).
func (j *Job) Run(log io.Writer) error {
	text, err := os.ReadFile(j.Data)
	if err != nil {
		return err
	}
	if !j.Resume {
		if err := fresh(j.Out); err != nil {
			return err
		}
	}
	var tk dataset.Tokenizer
	if j.InitFrom != "" {
		tk, err = copyTokenizer(j.InitFrom, j.Out, log)
	} else {
		tk, err = trainTokenizer(j.BPERanks, text, j.ValFrac, j.Out, j.Resume, log)
	}
	if err != nil {
		return err
	}
	data, err := newDataset(text, tk, j.ValFrac, j.DocSep)
	if err != nil {
		return badf("%v", err)
	}
	var tr *train.Trainer
	if j.Resume {
		if tr, err = train.ResumeTrainer(j.Out, data, j.ResumeSteps); err != nil {
			return err
		}
		fmt.Fprintf(log, "resuming %s at step %d of %d\n", j.Out, tr.Step(), tr.Opt.Steps)
	} else if j.InitFrom != "" {
		if tr, err = j.fromModel(tk, data, log); err != nil {
			return err
		}
	} else {
		cfg, err := j.config()
		if err != nil {
			return err
		}
		if cfg.VocabSize < tk.VocabSize() {
			return fmt.Errorf("config vocab_size %d is smaller than the tokenizer's %d ids", cfg.VocabSize, tk.VocabSize())
		}
		if _, T := longestStage(&j.Opt); cfg.MaxPositions < T {
			return badf("--seq %d exceeds the config's max_position_embeddings %d", T, cfg.MaxPositions)
		}
		cfg.BOS, cfg.EOS, cfg.Pad = int(tk.BOS()), []int{int(tk.EOS())}, int(tk.Pad())
		cfg.TorchDType = "float32"
		if tr, err = train.NewTrainer(cfg, j.Opt, data); err != nil {
			return err
		}
	}
	if tr.Opt.MetaP {
		m := tr.Opt.MetaPBase()
		mw, md := m.Widths(tr.Params.Config)
		fmt.Fprintf(log, "metap: base width %d, depth %d (width ×%.3g, depth ×%.3g): hidden lr ×%.3g, branch-output lr ×%.3g, lm_head lr ×%.3g, embeddings and norms ×1\n",
			m.BaseWidth, m.BaseDepth, mw, md, 1/mw, 1/(mw*md), 1/mw)
	}
	fmt.Fprintf(log, "model: %d parameters, %d layers, vocab %d; data: %d training and %d validation tokens (%.3f bytes per token)\n",
		tr.Params.NumParams(), tr.Params.Config.Layers, tr.Params.Config.VocabSize, len(data.Train), len(data.Val),
		float64(data.TrainBytes)/float64(max(len(data.Train)-1, 1)))
	release, err := attachDistiller(tr, data, text, j.ValFrac, j.DocSep, log)
	if err != nil {
		return err
	}
	defer release()
	fmt.Fprintf(log, "plan: %s per micro-batch; %d×%d tokens × %d per step\n", tr.Plan(), tr.Opt.Batch, tr.Opt.SeqLen, tr.Opt.Accum)
	if len(tr.Opt.Stages) > 0 {
		B, T := longestStage(&tr.Opt)
		p, err := train.PlanFor(tr.Params.Config, B, T)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "plan of the longest stage: %s per micro-batch; stages %s\n", p, stagesString(&tr.Opt))
	}
	t0 := time.Now()
	if err := tr.Run(train.RunConfig{OutDir: j.Out, Progress: log}); err != nil {
		return err
	}
	fmt.Fprintf(log, "trained in %v\n", time.Since(t0).Round(time.Second))
	summary(tr, log)
	return nil
}

// config is the model shape of a new run.
func (j *Job) config() (*llama4.Config, error) {
	if j.Config != "" {
		return checkpoint.LoadConfig(j.Config)
	}
	if j.Preset == nil {
		return nil, badf("need --config CONFIG.json (or --preset NAME)")
	}
	return j.Preset.ParseConfig()
}

// summary reports what a finished run measured beside its loss: the
// distillation KL, the FP8 casts, the expert biases.
func summary(tr *train.Trainer, log io.Writer) {
	if d, ok := tr.Distiller.(*distill.Distiller); ok {
		kl, n := d.Stats()
		fmt.Fprintf(log, "distill: mean KL(teacher ‖ student) at τ %g over the run's %d positions: %.4f nats\n", d.Opt.Temp, n, kl)
	}
	if f := tr.FP8Total; tr.Opt.FP8 != "" {
		scaling := tr.Opt.FP8Scaling
		if scaling == "" {
			scaling = "tensor"
		}
		fmt.Fprintf(log, "fp8 %s (%s scaling): %d values cast; overflow %d, underflow %d (%.4f%%); a cast without scaling would overflow %d and underflow %d (%.4f%%)\n",
			tr.Opt.FP8, scaling, f.Values, f.Overflow, f.Underflow, 100*float64(f.Underflow)/float64(max(f.Values, 1)),
			f.RawOverflow, f.RawUnderflow, 100*float64(f.RawUnderflow)/float64(max(f.Values, 1)))
	}
	if tr.ExpertBias != nil {
		fmt.Fprintln(log, "expert selection bias (training only, not exported):")
		for l, b := range tr.ExpertBias {
			if b != nil {
				fmt.Fprintf(log, "  layer %d: %s\n", l, floatList(b))
			}
		}
	}
}

// floatList formats values as "0.0123, -0.5", "none" when empty.
func floatList(v []float32) string {
	if len(v) == 0 {
		return "none"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.4g", x)
	}
	return strings.Join(parts, ", ")
}

// fresh refuses a new run (not --resume) in a directory that holds a
// training checkpoint, before any work.
func fresh(dir string) error {
	if train.HasCheckpoint(dir) {
		return fmt.Errorf("%s already holds a training checkpoint: pass --resume to continue it, or choose another --out", dir)
	}
	return nil
}
