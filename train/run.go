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
	if err := os.MkdirAll(rc.OutDir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	logPath := filepath.Join(rc.OutDir, LogFile)
	if err := trimLog(logPath, tr.Step()); err != nil {
		return err
	}
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer lf.Close()
	if st, err := lf.Stat(); err == nil && st.Size() == 0 {
		if _, err := lf.WriteString(logHeader); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	progress := rc.Progress
	if progress == nil {
		progress = io.Discard
	}
	o := tr.Opt
	logEvery := max(o.LogEvery, 1)
	end := o.Steps
	if rc.StopAfter > 0 {
		end = min(end, rc.StopAfter)
	}
	start := tr.Step()
	t0 := time.Now()
	var stepTime float64                          // seconds per step, running mean
	interval := newExpertCounts(tr.Params.Config) // tokens per expert since the last progress line
	var f8 FP8Stats                               // FP8 casts since the last progress line
	for tr.Step() < end {
		st, err := tr.TrainStep()
		if err != nil {
			return err
		}
		if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
			return fmt.Errorf("train: loss is %v at step %d", st.Loss, st.Step)
		}
		done := st.Step - start
		stepTime = time.Since(t0).Seconds() / float64(done)
		tps := float64(st.Tokens) / st.Elapsed.Seconds()
		vl, vb := math.NaN(), math.NaN()
		final := st.Step == o.Steps
		if (o.EvalEvery > 0 && st.Step%o.EvalEvery == 0) || final {
			maxBatches := o.EvalBatches
			if final {
				maxBatches = 0 // the final pass covers the whole validation part
			}
			if vl, vb, err = evaluate(tr.ws, tr.Params, tr.Data, o.Batch, o.SeqLen, maxBatches); err != nil {
				vl, vb = math.NaN(), math.NaN()
			}
			tr.ws.FP8Stats() // validation casts are not the step's
		}
		addCounts(interval, st.ExpertTokens)
		f8.Add(st.FP8)
		if st.Step%logEvery == 0 || final || !math.IsNaN(vl) {
			eta := time.Duration(float64(o.Steps-st.Step) * stepTime * float64(time.Second)).Round(time.Second)
			extra := ""
			if st.AuxLoss != 0 {
				extra += fmt.Sprintf(" | aux %.4f", st.AuxLoss)
			}
			if interval != nil {
				r, dead := loadSpread(interval)
				extra += fmt.Sprintf(" | experts max/min %.2f, %d dead", r, dead)
				interval = newExpertCounts(tr.Params.Config)
			}
			if o.FP8 != "" {
				extra += fmt.Sprintf(" | fp8 underflow %.3f%%, overflow %d", 100*float64(f8.Underflow)/float64(max(f8.Values, 1)), f8.Overflow)
				f8 = FP8Stats{}
			}
			fmt.Fprintf(progress, "step %*d/%d | loss %.4f | lr %.2e | norm %.3f | %.0f tok/s | ETA %v%s\n",
				len(strconv.Itoa(o.Steps)), st.Step, o.Steps, st.Loss, st.LR, st.GradNorm, tps, eta, extra)
			if !math.IsNaN(vl) {
				fmt.Fprintf(progress, "step %d: validation loss %.4f, %.4f bits per byte\n", st.Step, vl, vb)
			}
		}
		fmt.Fprintf(lf, "%d,%.6g,%.6f,%.6f,%d,%.1f,%.3f,%s,%s,%s,%s,%s,%d,%d,%d,%d,%d\n", st.Step, st.LR, st.Loss, st.GradNorm,
			tr.Tokens, tps, time.Since(t0).Seconds(), csvFloat(vl), csvFloat(vb),
			csvFloat(st.AuxLoss), csvFloat(st.BalanceStat), formatCounts(st.ExpertTokens),
			st.FP8.Values, st.FP8.Overflow, st.FP8.Underflow, st.FP8.RawOverflow, st.FP8.RawUnderflow)
		if (o.SaveEvery > 0 && st.Step%o.SaveEvery == 0) || st.Step == end {
			if err := tr.SaveCheckpoint(rc.OutDir); err != nil {
				return err
			}
			if err := WriteLossPlot(rc.OutDir); err != nil {
				return err
			}
			if interval != nil {
				if err := WriteExpertPlot(rc.OutDir, "tokens per expert, balance "+orNone(o.Balance)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

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
