package llama4

import (
	"fmt"
	"math"
)

// TempTuning is the attention temperature tuning of the NoPE layers (spec
// §2.2): when On, each query at position p is scaled by
// TempScale(p, FloorScale, AttnScale) before attention.
type TempTuning struct {
	On         bool
	FloorScale float64 // floor_scale: positions per step of the logarithm; > 0
	AttnScale  float64 // attn_scale: the logarithm's weight; finite
}

// TempTuningSetting is the config's temperature tuning setting.
func (c *Config) TempTuningSetting() TempTuning {
	return TempTuning{On: c.TempTuning, FloorScale: c.FloorScale, AttnScale: c.AttnScale}
}

// Validate checks a setting: a positive, finite floor and a finite scale.
func (t TempTuning) Validate() error {
	if !(t.FloorScale > 0) || math.IsInf(t.FloorScale, 0) {
		return fmt.Errorf("attention temperature floor %g must be a positive finite number", t.FloorScale)
	}
	if math.IsNaN(t.AttnScale) || math.IsInf(t.AttnScale, 0) {
		return fmt.Errorf("attention temperature scale %g must be a finite number", t.AttnScale)
	}
	return nil
}

// WithTempTuning returns a model that shares m's weights (and source: close
// only one of the two) and whose config is a copy of m's with temperature
// tuning set to t, so that switching it at inference leaves m, which may
// be shared, unchanged.
func (m *Model) WithTempTuning(t TempTuning) (*Model, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	cfg := *m.Config
	cfg.TempTuning, cfg.FloorScale, cfg.AttnScale = t.On, t.FloorScale, t.AttnScale
	out := *m
	out.Config = &cfg
	return &out, nil
}
