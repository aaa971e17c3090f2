package train

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/herd-llm/herd/train/runlog"
)

// RunConfig says where a run writes and when it stops early.
type RunConfig struct {
	OutDir   string    // checkpoint, Hugging Face export and log.csv
	Progress io.Writer // progress lines (loss, tokens/s, ETA) and validation results; nil = none
	// StopAfter, when > 0, ends the run (after checkpointing) once Step()
	// reaches it, before Opt.Steps: an interrupted run, for tests.
	StopAfter int
}

// Run trains until Opt.Steps (or rc.StopAfter), validating every EvalEvery
// steps (on at most EvalBatches batches) and at the end (on the whole
// validation part), checkpointing every SaveEvery steps and at the end,
// logging every step to OutDir/log.csv and plotting the log to
// OutDir/loss.png (and, for MoE models, the tokens per expert to
// OutDir/experts.png) with each checkpoint. A resumed trainer continues its
// log: rows after the checkpoint's step (from an interrupted run) are
// dropped first.
func (tr *Trainer) Run(rc RunConfig) error {
	log, err := runlog.Open(rc.OutDir, tr.Step())
	if err != nil {
		return err
	}
	defer log.Close()
	end := tr.Opt.LastStep(rc.StopAfter)
	prog := newProgress(tr, rc.Progress)
	for tr.Step() < end {
		st, err := tr.TrainStep()
		if err != nil {
			return err
		}
		if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
			return fmt.Errorf("train: loss is %v at step %d", st.Loss, st.Step)
		}
		val := tr.validate(st.Step)
		prog.report(st, val)
		log.Write(runlog.Row{
			Step: st.Step, LR: st.LR, Loss: st.Loss, GradNorm: st.GradNorm,
			Tokens: tr.Tokens, TokensPerS: float64(st.Tokens) / st.Elapsed.Seconds(),
			ValLoss: val.loss, ValBPB: val.bpb, AuxLoss: st.AuxLoss, Balance: st.BalanceStat,
			ExpertTokens: st.ExpertTokens, FP8: st.FP8,
		})
		if tr.Opt.SaveDue(st.Step, end) {
			if err := tr.checkpoint(rc.OutDir); err != nil {
				return err
			}
		}
	}
	return nil
}

// validation is one validation pass's result; NaN on steps without one.
type validation struct{ loss, bpb float64 }

// validate runs validation when step is due for it (every EvalEvery steps,
// on at most EvalBatches batches, and the last step, on the whole
// validation part). A failed pass reads as none.
func (tr *Trainer) validate(step int) validation {
	o := tr.Opt
	v := validation{math.NaN(), math.NaN()}
	final := step == o.Steps
	if !(o.EvalEvery > 0 && step%o.EvalEvery == 0) && !final {
		return v
	}
	maxBatches := o.EvalBatches
	if final {
		maxBatches = 0 // the final pass covers the whole validation part
	}
	var err error
	if v.loss, v.bpb, err = evaluate(tr.ws, tr.Params, tr.Data, tr.ws.B, tr.ws.T, maxBatches); err != nil {
		v = validation{math.NaN(), math.NaN()}
	}
	tr.ws.FP8Stats() // validation casts are not the step's
	return v
}

// checkpoint saves the trainer to dir and redraws the run's plots from its
// log.
func (tr *Trainer) checkpoint(dir string) error {
	if err := tr.SaveCheckpoint(dir); err != nil {
		return err
	}
	if err := runlog.WriteLossPlot(dir); err != nil {
		return err
	}
	if tr.Params.Config.NumMoELayers() > 0 {
		return runlog.WriteExpertPlot(dir, "tokens per expert, balance "+orNone(tr.Opt.Balance))
	}
	return nil
}

// progress writes the progress lines of a run: every LogEvery steps (and
// on the last and validated ones) the loss, learning rate, gradient norm,
// throughput and ETA, with the expert load and FP8 casts since the last
// line.
type progress struct {
	w        io.Writer
	opt      Options
	start    int
	t0       time.Time
	interval [][]int64        // tokens per expert since the last line; nil for dense models
	f8       FP8Stats         // FP8 casts since the last line
	fresh    func() [][]int64 // zero counts per expert for the model (nil when dense)
}

func newProgress(tr *Trainer, w io.Writer) *progress {
	if w == nil {
		w = io.Discard
	}
	cfg := tr.Params.Config
	fresh := func() [][]int64 { return newExpertCounts(cfg) }
	return &progress{w: w, opt: tr.Opt, start: tr.Step(), t0: time.Now(), interval: fresh(), fresh: fresh}
}

func (p *progress) report(st StepStats, val validation) {
	o := p.opt
	stepTime := time.Since(p.t0).Seconds() / float64(st.Step-p.start) // seconds per step, running mean
	runlog.AddCounts(p.interval, st.ExpertTokens)
	p.f8.Add(st.FP8)
	if st.Step%max(o.LogEvery, 1) != 0 && st.Step != o.Steps && math.IsNaN(val.loss) {
		return
	}
	eta := time.Duration(float64(o.Steps-st.Step) * stepTime * float64(time.Second)).Round(time.Second)
	extra := ""
	if st.AuxLoss != 0 {
		extra += fmt.Sprintf(" | aux %.4f", st.AuxLoss)
	}
	if p.interval != nil {
		r, dead := runlog.LoadSpread(p.interval)
		extra += fmt.Sprintf(" | experts max/min %.2f, %d dead", r, dead)
		p.interval = p.fresh()
	}
	if o.FP8 != "" {
		extra += fmt.Sprintf(" | fp8 underflow %.3f%%, overflow %d", 100*float64(p.f8.Underflow)/float64(max(p.f8.Values, 1)), p.f8.Overflow)
		p.f8 = FP8Stats{}
	}
	tps := float64(st.Tokens) / st.Elapsed.Seconds()
	fmt.Fprintf(p.w, "step %*d/%d | loss %.4f | lr %.2e | norm %.3f | %.0f tok/s | ETA %v%s\n",
		len(strconv.Itoa(o.Steps)), st.Step, o.Steps, st.Loss, st.LR, st.GradNorm, tps, eta, extra)
	if !math.IsNaN(val.loss) {
		fmt.Fprintf(p.w, "step %d: validation loss %.4f, %.4f bits per byte\n", st.Step, val.loss, val.bpb)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
