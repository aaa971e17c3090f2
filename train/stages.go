package train

import "fmt"

// Stage is one step of a run's sequence-length schedule: from optimizer
// step Step on, micro-batches are Batch rows of SeqLen tokens.
type Stage struct{ Step, SeqLen, Batch int }

// shape is the micro-batch shape (rows, tokens per row) of step.
func (o *Options) shape(step int) (B, T int) {
	B, T = o.Batch, o.SeqLen
	for _, s := range o.Stages {
		if step >= s.Step {
			B, T = s.Batch, s.SeqLen
		}
	}
	return B, T
}

// longest is the shape of the stage with the longest rows.
func (o *Options) longest() (B, T int) {
	B, T = o.Batch, o.SeqLen
	for _, s := range o.Stages {
		if s.SeqLen > T {
			B, T = s.Batch, s.SeqLen
		}
	}
	return B, T
}

func (o *Options) validateStages() error {
	last := 0
	for i, s := range o.Stages {
		if s.Step <= last || s.Step >= o.Steps || s.SeqLen <= 0 || s.Batch <= 0 {
			return fmt.Errorf("train: stage %d (from step %d, %d×%d tokens) must start after step %d and before step %d, with positive sizes", i, s.Step, s.Batch, s.SeqLen, last, o.Steps)
		}
		last = s.Step
	}
	return nil
}
