package train

import (
	"fmt"

	"github.com/herd-llm/herd/train/ckpt"
)

// BaseOptions are the settings every trainer shares (pre-training's
// Options, fine-tuning's sft.Options): the run length and batch shape, the
// learning-rate schedule, AdamW and gradient clipping, the seed, the
// checkpoint and progress cadence and the dtype of the Hugging Face export.
// The options types embed it, so its fields read as theirs and serialise
// flat in JSON (checkpoint metadata).
type BaseOptions struct {
	Steps       int     // optimizer steps of the whole run
	Batch       int     // rows per micro-batch (B)
	SeqLen      int     // tokens per row (T)
	Accum       int     // micro-batches per optimizer step (gradient accumulation); the loss is the mean over all their valid targets
	LR          float64 // peak learning rate
	MinLR       float64 // learning rate at the end of the cosine decay
	Warmup      int     // linear-warmup steps
	AdamWConfig         // betas, eps and the decoupled weight decay (on tensors of ≥ 2 dimensions only)
	GradClip    float64 // max global gradient L2 norm; 0 = no clipping
	Seed        uint64  // the run's random choices: initialisation (pre-training) and data order
	SaveEvery   int     // steps between checkpoints; 0 = only at the end
	LogEvery    int     // steps between progress lines; 0 = 1
	// ExportDType is the weight dtype of the Hugging Face export written with
	// each checkpoint: "float32" (also when empty), "bfloat16" or "float16".
	// The checkpoint itself is always float32.
	ExportDType string `json:",omitempty"`
}

// ValidateBase checks the shared settings: ckpt.CheckRunShape's, weight decay
// and clip ≥ 0, and the export dtype. The error names the bad values and
// has no package prefix (the trainer adds its own).
func (o *BaseOptions) ValidateBase() error {
	if err := ckpt.CheckRunShape(o.Steps, o.Batch, o.SeqLen, o.Accum, o.Warmup, o.LR, o.MinLR, o.Beta1, o.Beta2, o.Eps); err != nil {
		return err
	}
	if o.WeightDecay < 0 || o.GradClip < 0 {
		return fmt.Errorf("weight decay %g and clip %g must be ≥ 0", o.WeightDecay, o.GradClip)
	}
	return ckpt.CheckExportDType(o.ExportDType)
}

// Schedule is the run's learning-rate schedule.
func (o *BaseOptions) Schedule() Schedule {
	return Schedule{LR: o.LR, MinLR: o.MinLR, Warmup: o.Warmup, Total: o.Steps}
}

// LastStep is the step a run ends at: Steps, or stopAfter when it is > 0
// and earlier (an interrupted run).
func (o *BaseOptions) LastStep(stopAfter int) int {
	if stopAfter > 0 {
		return min(o.Steps, stopAfter)
	}
	return o.Steps
}

// SaveDue reports whether a run that ends at step end checkpoints after
// step: every SaveEvery steps (when > 0) and at the end.
func (o *BaseOptions) SaveDue(step, end int) bool {
	return (o.SaveEvery > 0 && step%o.SaveEvery == 0) || step == end
}
