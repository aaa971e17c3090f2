package rl

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/posttrain/tasks"
	"github.com/herd-llm/herd/train"
)

// CheckpointFile is the resumable state of an RL run inside its directory,
// beside the Hugging Face export of the same step.
const CheckpointFile = "rl-checkpoint.safetensors"

// state is the checkpoint's kind: file, format and name in errors.
var state = train.StateFile{Name: CheckpointFile, Format: "herd-rl-checkpoint-v1", What: "a herd RL checkpoint"}

// HasCheckpoint reports whether dir holds an RL checkpoint.
func HasCheckpoint(dir string) bool { return state.Has(dir) }

// specs lists the tasks' specs.
func specs(ts []tasks.Task) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.Spec()
	}
	return strings.Join(s, ";")
}

// Save writes the run's state at a round boundary (parameters, AdamW
// moments, step, round, prompt cursors, elapsed time, configuration) to
// Dir/CheckpointFile, then the policy as a Hugging Face model; each file
// atomically.
func (r *Run) Save() error {
	cursor, _ := json.Marshal(r.Cursor)
	meta := map[string]string{
		"step":    strconv.Itoa(r.Step),
		"round":   strconv.Itoa(r.Round),
		"optim":   strconv.Itoa(r.Learner.Optim.Step),
		"empty":   strconv.Itoa(r.Empty),
		"elapsed": strconv.FormatFloat(r.elapsed(), 'g', -1, 64),
		"cursor":  string(cursor),
		"tasks":   specs(r.Cfg.Tasks),
	}
	if err := state.Save(r.Dir, &r.Learner.Optimized, r.Cfg, meta, nil); err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	if err := r.Learner.Params.SaveHF(r.Dir); err != nil {
		return err
	}
	return WritePlot(r.Dir)
}

// Saved is the state a checkpoint holds.
type Saved struct {
	Params, M, V *train.Params[float32]
	OptimStep    int
	Step, Round  int
	Empty        int
	Elapsed      float64
	Cursor       []int
	Tasks        string // the tasks' specs, ";"-separated
	Options      Config // without Tasks
}

// Load reads the checkpoint in dir.
func Load(dir string) (*Saved, error) {
	path := state.Path(dir)
	s := &Saved{}
	f, cfg, err := state.Open(path, &s.Options)
	if err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	defer f.Close()
	meta := f.Header.Metadata
	s.Tasks = meta["tasks"]
	if err := json.Unmarshal([]byte(meta["cursor"]), &s.Cursor); err != nil {
		return nil, fmt.Errorf("rl: %s: cursor %q: %w", path, meta["cursor"], err)
	}
	ints := map[string]*int{"step": &s.Step, "round": &s.Round, "optim": &s.OptimStep, "empty": &s.Empty}
	for k, p := range ints {
		if *p, err = strconv.Atoi(meta[k]); err != nil || *p < 0 {
			return nil, fmt.Errorf("rl: %s: bad %s %q", path, k, meta[k])
		}
	}
	if s.Elapsed, err = strconv.ParseFloat(meta["elapsed"], 64); err != nil {
		return nil, fmt.Errorf("rl: %s: bad elapsed %q", path, meta["elapsed"])
	}
	var sets [3]*train.Params[float32]
	for i := range sets {
		if sets[i], err = train.NewParams[float32](cfg); err != nil {
			return nil, err
		}
	}
	if err := train.ReadState(f, path, sets); err != nil {
		return nil, fmt.Errorf("rl: %w", err)
	}
	s.Params, s.M, s.V = sets[0], sets[1], sets[2]
	return s, nil
}

// Restore puts the saved state into a run whose Learner was made on
// s.Params (its optimizer gets the moments) and whose Cfg.Tasks must be
// the saved ones.
func (s *Saved) Restore(r *Run) error {
	if got := specs(r.Cfg.Tasks); got != s.Tasks {
		return fmt.Errorf("rl: the checkpoint was trained on tasks %q, not %q", s.Tasks, got)
	}
	if len(s.Cursor) != len(r.Cfg.Tasks) {
		return fmt.Errorf("rl: the checkpoint has %d prompt cursors for %d tasks", len(s.Cursor), len(r.Cfg.Tasks))
	}
	l := r.Learner
	if l.Params != s.Params {
		l.Params.CopyFrom(s.Params)
	}
	l.Optim.M.CopyFrom(s.M)
	l.Optim.V.CopyFrom(s.V)
	l.Optim.Step = s.OptimStep
	r.Step, r.Round, r.Empty, r.Elapsed = s.Step, s.Round, s.Empty, s.Elapsed
	r.Cursor = slices.Clone(s.Cursor)
	return nil
}
