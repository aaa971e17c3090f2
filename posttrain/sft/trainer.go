package sft

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/herd-llm/herd/train"
	"github.com/herd-llm/herd/train/dataset"
)

// Options configure a fine-tuning run: the settings every trainer shares.
// Seed orders the rows; the loss of a step is the mean over the assistant
// tokens of its Batch×Accum rows.
type Options struct {
	train.BaseOptions
}

// DefaultOptions are settings for small models.
func DefaultOptions() Options {
	return Options{train.BaseOptions{Steps: 100, Batch: 8, SeqLen: 256, Accum: 1, LR: 1e-4, MinLR: 1e-5, Warmup: 10,
		AdamWConfig: train.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8}, GradClip: 1, Seed: 1, LogEvery: 1}}
}

func (o *Options) validate() error {
	if err := o.ValidateBase(); err != nil {
		return fmt.Errorf("sft: %w", err)
	}
	return nil
}

// Trainer is a fine-tuning run: parameters, AdamW state and step. The rows
// are visited in a fresh seeded permutation each epoch, a function of the
// step alone, so a resumed run continues bit for bit.
type Trainer struct {
	Opt Options
	train.Optimized
	Rows   []Row
	Tokens int64 // assistant tokens trained on

	ws     *train.Workspace[float32]
	in, tg []int32
	perm   []int // row order of epoch epoch
	epoch  int
}

// NewTrainer starts fine-tuning p (which it updates in place) on rows.
func NewTrainer(p *train.Params[float32], rows []Row, opt Options) (*Trainer, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("sft: no training rows")
	}
	for i, r := range rows {
		if len(r.Inputs) != opt.SeqLen || len(r.Targets) != opt.SeqLen {
			return nil, fmt.Errorf("sft: row %d has %d tokens, the run %d", i, len(r.Inputs), opt.SeqLen)
		}
	}
	if p.Config.MaxPositions < opt.SeqLen {
		return nil, fmt.Errorf("sft: sequence length %d exceeds the model's max_position_embeddings %d", opt.SeqLen, p.Config.MaxPositions)
	}
	ws, err := train.NewWorkspace[float32](p.Config, opt.Batch, opt.SeqLen)
	if err != nil {
		return nil, err
	}
	N := opt.Batch * opt.SeqLen
	return &Trainer{Opt: opt, Optimized: train.NewOptimized(p, opt.AdamWConfig), Rows: rows, ws: ws, epoch: -1,
		in: make([]int32, N), tg: make([]int32, N)}, nil
}

// Step is the number of optimizer steps taken.
func (tr *Trainer) Step() int { return tr.Optim.Step }

// row returns the q-th row of the run: row perm_e[q mod n] of epoch
// e = q div n, perm_e a permutation drawn from (Seed, e).
func (tr *Trainer) row(q int) *Row {
	n := len(tr.Rows)
	if e := q / n; e != tr.epoch {
		tr.perm = rand.New(rand.NewPCG(tr.Opt.Seed, uint64(e))).Perm(n)
		tr.epoch = e
	}
	return &tr.Rows[tr.perm[q%n]]
}

// StepStats describe one optimizer step.
type StepStats struct {
	Step     int     // steps taken, this one included
	Loss     float64 // mean loss over the step's assistant tokens (before the update)
	LR       float64
	GradNorm float64 // before clipping
	Tokens   int     // assistant tokens in the step
	Elapsed  time.Duration
}

// TrainStep takes one AdamW step on the mean assistant-token loss of the
// next Batch×Accum rows.
func (tr *Trainer) TrainStep() (StepStats, error) {
	t0 := time.Now()
	o := tr.Opt
	base := tr.Step() * o.Accum * o.Batch
	valid := 0
	for k := range o.Batch * o.Accum {
		valid += dataset.CountValid(tr.row(base + k).Targets)
	}
	if valid == 0 {
		return StepStats{}, fmt.Errorf("sft: step %d has no assistant tokens", tr.Step()+1)
	}
	tr.Grads.Zero()
	var sum float64
	T := o.SeqLen
	for a := range o.Accum {
		for b := range o.Batch {
			r := tr.row(base + a*o.Batch + b)
			copy(tr.in[b*T:], r.Inputs)
			copy(tr.tg[b*T:], r.Targets)
		}
		if _, err := tr.ws.Forward(tr.Params, tr.in); err != nil {
			return StepStats{}, err
		}
		s, _, err := tr.ws.LossGrad(tr.tg, 1/float64(valid))
		if err != nil {
			return StepStats{}, err
		}
		sum += s
		if err := tr.ws.Backward(tr.Params, tr.Grads); err != nil {
			return StepStats{}, err
		}
	}
	lr := o.Schedule().At(tr.Optim.Step)
	norm, err := tr.ClipAndUpdate(o.GradClip, lr)
	if err != nil {
		return StepStats{}, err
	}
	tr.Tokens += int64(valid)
	return StepStats{Step: tr.Step(), Loss: sum / float64(valid), LR: lr, GradNorm: norm, Tokens: valid, Elapsed: time.Since(t0)}, nil
}

// Run trains until Opt.Steps (or stopAfter, when > 0: an interrupted run),
// writing a progress line every LogEvery steps to progress (may be nil) and
// a checkpoint with the Hugging Face export to dir every SaveEvery steps and
// at the end.
func (tr *Trainer) Run(dir string, progress io.Writer, stopAfter int) error {
	if progress == nil {
		progress = io.Discard
	}
	end := tr.Opt.LastStep(stopAfter)
	t0, start := time.Now(), tr.Step()
	for tr.Step() < end {
		st, err := tr.TrainStep()
		if err != nil {
			return err
		}
		if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
			return fmt.Errorf("sft: loss is %v at step %d", st.Loss, st.Step)
		}
		if st.Step%max(tr.Opt.LogEvery, 1) == 0 || st.Step == end {
			per := time.Since(t0) / time.Duration(st.Step-start)
			fmt.Fprintf(progress, "step %d/%d | loss %.4f | lr %.3g | grad norm %.3f | %.0f tokens/s | ETA %v\n",
				st.Step, tr.Opt.Steps, st.Loss, st.LR, st.GradNorm,
				float64(tr.Opt.Batch*tr.Opt.Accum*tr.Opt.SeqLen)/per.Seconds(), (per * time.Duration(tr.Opt.Steps-st.Step)).Round(time.Second))
		}
		if tr.Opt.SaveDue(st.Step, end) {
			if err := tr.SaveCheckpoint(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// Fingerprint identifies the rows (their tokens and targets, in order).
func Fingerprint(rows []Row) string {
	h := sha256.New()
	var b [4]byte
	for _, r := range rows {
		for _, v := range [2][]int32{r.Inputs, r.Targets} {
			for _, x := range v {
				binary.LittleEndian.PutUint32(b[:], uint32(x))
				h.Write(b[:])
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
