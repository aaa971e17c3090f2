package ckpt

import (
	"fmt"

	"github.com/herd-llm/herd/checkpoint"
)

// CheckRunShape checks the settings every trainer (pre-training and
// fine-tuning) shares: positive steps, batch, sequence length and
// accumulation, 0 ≤ minLR ≤ lr with lr > 0, warmup within the run, betas
// in [0, 1) and eps > 0. The error names the bad values.
func CheckRunShape(steps, batch, seqLen, accum, warmup int, lr, minLR, beta1, beta2, eps float64) error {
	switch {
	case steps <= 0:
		return fmt.Errorf("steps %d must be positive", steps)
	case batch <= 0 || seqLen <= 0 || accum <= 0:
		return fmt.Errorf("batch %d, sequence length %d and accumulation %d must be positive", batch, seqLen, accum)
	case !(lr > 0) || minLR < 0 || minLR > lr:
		return fmt.Errorf("need 0 ≤ min-lr %g ≤ lr %g, lr > 0", minLR, lr)
	case warmup < 0 || warmup > steps:
		return fmt.Errorf("warmup %d must be in [0, steps %d]", warmup, steps)
	case !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0):
		return fmt.Errorf("need betas in [0, 1) and eps > 0")
	}
	return nil
}

// CheckExportDType checks a Hugging Face export dtype: empty (float32) or
// one of ExportDTypes.
func CheckExportDType(dt string) error {
	if _, ok := checkpoint.TorchDTypes[dt]; !ok && dt != "" {
		return fmt.Errorf("export dtype %q is not one of float32, bfloat16, float16", dt)
	}
	return nil
}
