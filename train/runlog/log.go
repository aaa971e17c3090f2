package runlog

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/herd-llm/herd/train/fp8"
)

// File is the CSV log of a run directory: one row per step, validation
// columns filled on the steps that ran validation.
const File = "log.csv"

// The columns after val_bpb: aux_loss is the auxiliary-loss term (Balance
// "aux"), balance the Switch statistic E·Σ f_i·P_i (1 = balanced),
// expert_tokens the step's tokens per expert (MoE layers separated by "|",
// experts by spaces), and the fp8_ columns the step's fp8.Stats.
const logHeader = "step,lr,train_loss,grad_norm,tokens,tokens_per_s,elapsed_s,val_loss,val_bpb," +
	"aux_loss,balance,expert_tokens,fp8_values,fp8_overflow,fp8_underflow,fp8_overflow_unscaled,fp8_underflow_unscaled\n"

// Row is one step of a run: its log.csv row.
type Row struct {
	Step             int
	LR               float64
	Loss             float64 // training loss of the step, nats per token
	GradNorm         float64
	Tokens           int64   // the run's tokens so far
	TokensPerS       float64 // the step's throughput
	ValLoss, ValBPB  float64 // NaN on steps without validation
	AuxLoss, Balance float64
	ExpertTokens     [][]int64 // [MoE layer][expert]; nil for dense models
	FP8              fp8.Stats
}

// Writer appends one CSV row per step to a run's log.csv (columns as
// logHeader).
type Writer struct {
	f  *os.File
	t0 time.Time
}

// Open opens dir/log.csv for appending, creating dir and the file
// (with its header) as needed and dropping rows after step (from an
// interrupted run being resumed).
func Open(dir string, step int) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	path := filepath.Join(dir, File)
	if err := trimLog(path, step); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if _, err := f.WriteString(logHeader); err != nil {
			f.Close()
			return nil, fmt.Errorf("runlog: %w", err)
		}
	}
	return &Writer{f: f, t0: time.Now()}, nil
}

// Write appends r; the elapsed_s column is the time since Open.
func (l *Writer) Write(r Row) {
	fmt.Fprintf(l.f, "%d,%.6g,%.6f,%.6f,%d,%.1f,%.3f,%s,%s,%s,%s,%s,%d,%d,%d,%d,%d\n", r.Step, r.LR, r.Loss, r.GradNorm,
		r.Tokens, r.TokensPerS, time.Since(l.t0).Seconds(), csvFloat(r.ValLoss), csvFloat(r.ValBPB),
		csvFloat(r.AuxLoss), csvFloat(r.Balance), formatCounts(r.ExpertTokens),
		r.FP8.Values, r.FP8.Overflow, r.FP8.Underflow, r.FP8.RawOverflow, r.FP8.RawUnderflow)
}

// Close closes the log file.
func (l *Writer) Close() error { return l.f.Close() }

func csvFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 6, 64)
}
