package distill

import "fmt"

// Options configure distillation in a training run. They are saved with
// the run's options, so a resumed run distils from the same teacher the
// same way.
type Options struct {
	// Teacher is the model run online (any model herd loads: a Hugging
	// Face directory, a .gguf file); Cache is a directory written by
	// `herd distill-cache` instead. Exactly one is set.
	Teacher string `json:",omitempty"`
	Cache   string `json:",omitempty"`
	// TopK is the number of teacher tokens per position the online
	// teacher keeps; 0 keeps the whole vocabulary (exact KD). The cache's
	// k is fixed when it is written.
	TopK int `json:",omitempty"`
	// Temp is the softmax temperature τ of teacher and student in the
	// soft term (> 0).
	Temp float64
	// Alpha and AlphaEnd are the soft weight α at the first and last step
	// (linear in between), each in [0, 1].
	Alpha, AlphaEnd float64
	// Weighting is WeightSchedule or WeightConfidence (weight.go).
	Weighting string
}

// DefaultOptions are soft-heavy early, hard-heavy late: α from 0.9 to
// 0.1, τ = 1, teacher confidence scaling off.
func DefaultOptions() Options {
	return Options{Temp: 1, Alpha: 0.9, AlphaEnd: 0.1, Weighting: WeightSchedule}
}

// Validate checks the options.
func (o *Options) Validate() error {
	switch {
	case (o.Teacher == "") == (o.Cache == ""):
		return fmt.Errorf("distill: want exactly one of a teacher model (%q) or a teacher cache (%q)", o.Teacher, o.Cache)
	case !(o.Temp > 0) || o.Temp > 100:
		return fmt.Errorf("distill: temperature %g must be in (0, 100]", o.Temp)
	case !(o.Alpha >= 0 && o.Alpha <= 1) || !(o.AlphaEnd >= 0 && o.AlphaEnd <= 1):
		return fmt.Errorf("distill: soft weights %g → %g must be in [0, 1]", o.Alpha, o.AlphaEnd)
	case o.TopK < 0:
		return fmt.Errorf("distill: top-k %d must be ≥ 0 (0: the whole vocabulary)", o.TopK)
	}
	return checkWeighting(o.Weighting)
}
