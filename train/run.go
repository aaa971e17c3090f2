package train

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LogFile is the CSV log of a run directory: one row per step, validation
// columns filled on the steps that ran validation.
const LogFile = "log.csv"

// The columns after val_bpb: aux_loss is the auxiliary-loss term (Balance
// "aux"), balance the Switch statistic E·Σ f_i·P_i (1 = balanced),
// expert_tokens the step's tokens per expert (MoE layers separated by "|",
// experts by spaces), and the fp8_ columns the step's FP8Stats.
const logHeader = "step,lr,train_loss,grad_norm,tokens,tokens_per_s,elapsed_s,val_loss,val_bpb," +
	"aux_loss,balance,expert_tokens,fp8_values,fp8_overflow,fp8_underflow,fp8_overflow_unscaled,fp8_underflow_unscaled\n"

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
	log, err := openRunLog(rc.OutDir, tr.Step())
	if err != nil {
		return err
	}
	defer log.Close()
	end := tr.Opt.Steps
	if rc.StopAfter > 0 {
		end = min(end, rc.StopAfter)
	}
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
		log.write(st, val, tr.Tokens)
		if (tr.Opt.SaveEvery > 0 && st.Step%tr.Opt.SaveEvery == 0) || st.Step == end {
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
	if v.loss, v.bpb, err = evaluate(tr.ws, tr.Params, tr.Data, o.Batch, o.SeqLen, maxBatches); err != nil {
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
	if err := WriteLossPlot(dir); err != nil {
		return err
	}
	if tr.Params.Config.NumMoELayers() > 0 {
		return WriteExpertPlot(dir, "tokens per expert, balance "+orNone(tr.Opt.Balance))
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
	addCounts(p.interval, st.ExpertTokens)
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
		r, dead := loadSpread(p.interval)
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

// runLog appends one CSV row per step to a run's log.csv (columns as
// logHeader).
type runLog struct {
	f  *os.File
	t0 time.Time
}

// openRunLog opens dir/log.csv for appending, creating dir and the file
// (with its header) as needed and dropping rows after step (from an
// interrupted run being resumed).
func openRunLog(dir string, step int) (*runLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	path := filepath.Join(dir, LogFile)
	if err := trimLog(path, step); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if _, err := f.WriteString(logHeader); err != nil {
			f.Close()
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	return &runLog{f: f, t0: time.Now()}, nil
}

// write appends the row of step st; tokens is the run's total so far.
func (l *runLog) write(st StepStats, val validation, tokens int64) {
	tps := float64(st.Tokens) / st.Elapsed.Seconds()
	fmt.Fprintf(l.f, "%d,%.6g,%.6f,%.6f,%d,%.1f,%.3f,%s,%s,%s,%s,%s,%d,%d,%d,%d,%d\n", st.Step, st.LR, st.Loss, st.GradNorm,
		tokens, tps, time.Since(l.t0).Seconds(), csvFloat(val.loss), csvFloat(val.bpb),
		csvFloat(st.AuxLoss), csvFloat(st.BalanceStat), formatCounts(st.ExpertTokens),
		st.FP8.Values, st.FP8.Overflow, st.FP8.Underflow, st.FP8.RawOverflow, st.FP8.RawUnderflow)
}

func (l *runLog) Close() error { return l.f.Close() }

// addCounts adds src[l][e] to dst[l][e].
func addCounts(dst, src [][]int64) {
	for l, c := range src {
		for e, n := range c {
			dst[l][e] += n
		}
	}
}

// loadSpread returns the largest max/min ratio of tokens per expert over
// the MoE layers (+Inf when an expert got none) and the number of experts
// that got no token.
func loadSpread(counts [][]int64) (ratio float64, dead int) {
	ratio = 1
	for _, c := range counts {
		if c == nil {
			continue
		}
		lo, hi := c[0], c[0]
		for _, n := range c {
			lo, hi = min(lo, n), max(hi, n)
			if n == 0 {
				dead++
			}
		}
		if lo == 0 {
			ratio = math.Inf(1)
		} else {
			ratio = math.Max(ratio, float64(hi)/float64(lo))
		}
	}
	return ratio, dead
}

// formatCounts writes tokens per expert as the log's expert_tokens column:
// MoE layers separated by "|", experts by spaces.
func formatCounts(counts [][]int64) string {
	var b strings.Builder
	for _, c := range counts {
		if c == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		for e, n := range c {
			if e > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatInt(n, 10))
		}
	}
	return b.String()
}

// parseCounts reads an expert_tokens column back: [MoE layer][expert].
func parseCounts(s string) ([][]int64, error) {
	if s == "" {
		return nil, nil
	}
	var out [][]int64
	for _, layer := range strings.Split(s, "|") {
		var c []int64
		for _, f := range strings.Fields(layer) {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return nil, err
			}
			c = append(c, n)
		}
		out = append(out, c)
	}
	return out, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func csvFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 6, 64)
}

// trimLog drops the rows of steps after step from a run's log (they belong
// to an interrupted run that is being resumed from step).
func trimLog(path string, step int) error {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			out.WriteString(line + "\n")
			continue
		}
		f, _, _ := strings.Cut(line, ",")
		if n, err := strconv.Atoi(f); err == nil && n <= step {
			out.WriteString(line + "\n")
		}
	}
	if bytes.Equal(out.Bytes(), b) {
		return nil
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(out.Bytes())
		return err
	})
}
