package rl

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The files a run writes beside its checkpoint.
const (
	LogFile   = "log.csv"    // one row per learner step
	EvalFile  = "eval.csv"   // one row per held-out evaluation and task
	CurveFile = "curves.png" // reward vs step and vs wall time, held-out accuracy
)

var logHeader = []string{"step", "round", "elapsed_s", "reward", "pass_rate", "kept_frac", "dropped_groups", "groups", "episodes",
	"staleness_mean", "staleness_max", "loss", "clip_frac", "behav_iw", "kl", "grad_norm", "lr", "tokens", "samples_per_s"}

var evalHeader = []string{"step", "elapsed_s", "task", "problems", "pass1_greedy", "k", "pass_at_k", "mean_sampled"}

// logRow is one learner step.
type logRow struct {
	Step, Round                 int
	Elapsed                     float64
	Reward, PassRate, KeptFrac  float64
	Dropped, Groups, Episodes   int
	Staleness                   float64
	MaxStale                    int
	Loss, ClipFrac, BehavIW, KL float64
	GradNorm, LR                float64
	Tokens                      int
	SamplesPerSec               float64
}

func (r *logRow) record() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	i := strconv.Itoa
	return []string{i(r.Step), i(r.Round), f(r.Elapsed), f(r.Reward), f(r.PassRate), f(r.KeptFrac), i(r.Dropped), i(r.Groups), i(r.Episodes),
		f(r.Staleness), i(r.MaxStale), f(r.Loss), f(r.ClipFrac), f(r.BehavIW), f(r.KL), f(r.GradNorm), f(r.LR), i(r.Tokens), f(r.SamplesPerSec)}
}

// runLog appends to a run's log.csv and eval.csv.
type runLog struct {
	dir        string
	steps, evs *os.File
	sw, ew     *csv.Writer
}

// openRunLog opens dir's logs for appending, dropping the rows after step
// (those of an interrupted run being resumed).
func openRunLog(dir string, step int) (*runLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	l := &runLog{dir: dir}
	var err error
	if l.steps, err = openCSV(filepath.Join(dir, LogFile), logHeader, step); err != nil {
		return nil, err
	}
	if l.evs, err = openCSV(filepath.Join(dir, EvalFile), evalHeader, step); err != nil {
		l.steps.Close()
		return nil, err
	}
	l.sw, l.ew = csv.NewWriter(l.steps), csv.NewWriter(l.evs)
	return l, nil
}

// openCSV opens path for appending, writing header to a new file and
// keeping only the rows of an existing one whose first column (the step)
// is ≤ step (and, for step 0, none).
func openCSV(path string, header []string, step int) (*os.File, error) {
	var keep []string
	if b, err := os.ReadFile(path); err == nil {
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) == 0 || lines[0] != strings.Join(header, ",") {
			return nil, fmt.Errorf("rl: %s has another header than %q", path, strings.Join(header, ","))
		}
		for _, ln := range lines[1:] {
			s, _, _ := strings.Cut(ln, ",")
			if n, err := strconv.Atoi(s); err == nil && n <= step && step > 0 {
				keep = append(keep, ln)
			}
		}
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("rl: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, strings.Join(header, ","))
	for _, ln := range keep {
		fmt.Fprintln(w, ln)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, fmt.Errorf("rl: %w", err)
	}
	return f, nil
}

func (l *runLog) write(r logRow) {
	l.sw.Write(r.record())
	l.sw.Flush()
}

func (l *runLog) writeEval(rows [][]string) {
	for _, r := range rows {
		l.ew.Write(r)
	}
	l.ew.Flush()
}

func (l *runLog) close() error {
	l.sw.Flush()
	l.ew.Flush()
	e1, e2 := l.steps.Close(), l.evs.Close()
	if e1 != nil {
		return e1
	}
	return e2
}

// readCSV reads a CSV file into its header and rows.
func readCSV(path string) ([]string, [][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return readCSVFrom(f)
}

func readCSVFrom(r io.Reader) ([]string, [][]string, error) {
	all, err := csv.NewReader(r).ReadAll()
	if err != nil || len(all) == 0 {
		return nil, nil, fmt.Errorf("rl: reading a CSV log: %v", err)
	}
	return all[0], all[1:], nil
}
