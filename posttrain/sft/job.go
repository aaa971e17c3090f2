package sft

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/tokenizer"
	"github.com/herd-llm/herd/train"
)

// Job is herd sft: fine-tuning the model in Base on chat examples (a JSONL
// file, or problems a task generates), written to Out with Base's
// tokenizer.
type Job struct {
	Opt         Options
	Base, Out   string
	Data        string     // JSONL chat examples; or
	Task        tasks.Task // a task whose training problems 0…Examples−1 are the examples
	Examples    int        // with Task: training examples to generate
	HeldOut     int        // with Task: held-out problems evaluated before and after; 0 = none
	WriteData   string     // with Task: also write the examples here as JSONL
	Pack        bool       // several examples per row
	PruneEasy   float64    // drop the examples the base model samples with probability > PruneEasy; 0 = keep all
	Resume      bool
	ResumeSteps int // with Resume: the run's new total of steps; 0 = the checkpoint's
}

// Run fine-tunes, reporting the data, the held-out scores and progress on
// log.
func (j *Job) Run(log io.Writer) error {
	if !j.Resume && HasCheckpoint(j.Out) {
		return fmt.Errorf("%s already holds a fine-tuning checkpoint: pass --resume to continue it, or choose another --out", j.Out)
	}
	tok, err := tokenizer.Load(j.Base)
	if err != nil {
		return err
	}
	base, err := train.LoadHF(j.Base)
	if err != nil {
		return err
	}
	if base.Config.VocabSize < tok.VocabSize() {
		return fmt.Errorf("%s: config vocab_size %d is smaller than its tokenizer's %d ids", j.Base, base.Config.VocabSize, tok.VocabSize())
	}
	seqs, err := j.examples(tok, log)
	if err != nil {
		return err
	}
	o := &j.Opt
	if j.PruneEasy > 0 {
		if seqs, err = j.prune(base, seqs, log); err != nil {
			return err
		}
	}
	rows, err := Pack(seqs, o.SeqLen, tok.Pad(), j.Pack)
	if err != nil {
		return err
	}
	trained := 0
	for _, s := range seqs {
		trained += s.Trained()
	}
	fmt.Fprintf(log, "data: %d examples in %d rows of %d tokens (packing %v); %d assistant tokens carry loss (%.1f%% of the rows)\n",
		len(seqs), len(rows), o.SeqLen, j.Pack, trained, 100*float64(trained)/float64(len(rows)*o.SeqLen))
	var held []Seq
	if j.Task != nil && j.HeldOut > 0 {
		hx, err := TaskExamples(j.Task, tasks.HeldOut, j.HeldOut)
		if err != nil {
			return err
		}
		if held, err = encodeAll(tok, hx); err != nil {
			return err
		}
		if err := reportHeldOut(log, "base model", base, held, o.Batch); err != nil {
			return err
		}
	}
	var tr *Trainer
	if j.Resume {
		if tr, err = Resume(j.Out, rows, j.ResumeSteps); err != nil {
			return err
		}
		fmt.Fprintf(log, "resuming %s at step %d of %d\n", j.Out, tr.Step(), tr.Opt.Steps)
	} else if tr, err = NewTrainer(base, rows, *o); err != nil {
		return err
	}
	if err := checkpoint.CopyTokenizer(j.Base, j.Out); err != nil {
		return err
	}
	fmt.Fprintf(log, "model: %d parameters; %d×%d tokens × %d per step, %d steps\n",
		tr.Params.NumParams(), tr.Opt.Batch, tr.Opt.SeqLen, tr.Opt.Accum, tr.Opt.Steps)
	t0 := time.Now()
	if err := tr.Run(j.Out, log, 0); err != nil {
		return err
	}
	fmt.Fprintf(log, "fine-tuned in %v on %d assistant tokens\n", time.Since(t0).Round(time.Second), tr.Tokens)
	if held != nil {
		return reportHeldOut(log, "fine-tuned", tr.Params, held, o.Batch)
	}
	return nil
}

// examples reads or generates the training examples and encodes them.
func (j *Job) examples(tok *tokenizer.Tokenizer, log io.Writer) ([]Seq, error) {
	if j.Task == nil {
		ex, err := ReadJSONLFile(j.Data)
		if err != nil {
			return nil, err
		}
		return encodeAll(tok, ex)
	}
	ex, err := TaskExamples(j.Task, tasks.Train, j.Examples)
	if err != nil {
		return nil, err
	}
	if j.WriteData != "" {
		if err := writeExamples(j.WriteData, ex); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(log, "task %s: %d training examples generated (seed %d)\n", j.Task.Spec(), len(ex), j.Opt.Seed)
	return encodeAll(tok, ex)
}

// prune drops the examples the base model already answers with
// probability > j.PruneEasy.
func (j *Job) prune(base *train.Params[float32], seqs []Seq, log io.Writer) ([]Seq, error) {
	t0 := time.Now()
	verdicts, err := Judge(base, seqs, j.Opt.Batch)
	if err != nil {
		return nil, err
	}
	kept, rep, err := PruneEasy(seqs, verdicts, j.PruneEasy)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "prune-easy %g: the base model judged %d examples in %v: dropped %d easy ones (whole answer sampled with probability > %g), kept %d; it answers %d of them exactly by greedy decoding; mean answer probability %.4f\n",
		j.PruneEasy, rep.Examples, time.Since(t0).Round(time.Millisecond), rep.Dropped, j.PruneEasy, len(kept), rep.Greedy, rep.MeanProb)
	if len(kept) == 0 {
		return nil, fmt.Errorf("--prune-easy %g dropped every example: nothing left to train on", j.PruneEasy)
	}
	return kept, nil
}

// encodeAll encodes examples for training.
func encodeAll(tok *tokenizer.Tokenizer, examples []Example) ([]Seq, error) {
	seqs := make([]Seq, len(examples))
	for i := range examples {
		s, err := Encode(tok, &examples[i])
		if err != nil {
			return nil, err
		}
		seqs[i] = s
	}
	return seqs, nil
}

// reportHeldOut prints how many held-out problems the model answers
// exactly by greedy decoding (every reference token its top choice), and
// its mean probability of the reference answers.
func reportHeldOut(w io.Writer, who string, p *train.Params[float32], held []Seq, B int) error {
	v, err := Judge(p, held, B)
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
func writeExamples(path string, examples []Example) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteJSONL(fh, examples); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
