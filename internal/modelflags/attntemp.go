package modelflags

import (
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/model/llama4"
)

// AttnTemp switches attention temperature tuning at inference:
// --attn-temp on|off, --attn-temp-floor and --attn-temp-scale override the
// model config's attn_temperature_tuning, floor_scale and attn_scale.
type AttnTemp struct {
	mode         string
	floor, scale optFloat
}

// optFloat is a float flag that records whether it was given.
type optFloat struct {
	v   float64
	set bool
}

func (o *optFloat) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatFloat(o.v, 'g', -1, 64)
}

func (o *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	o.v, o.set = v, true
	return nil
}

// Define defines the group on fs.
func (a *AttnTemp) Define(fs *flag.FlagSet) {
	fs.StringVar(&a.mode, "attn-temp", "", "attention temperature tuning of the NoPE layers: on or off (default: as the model's config says)")
	fs.Var(&a.floor, "attn-temp-floor", "temperature tuning `floor_scale`: positions per step of the query scale (default: the model's; Llama 4: 8192)")
	fs.Var(&a.scale, "attn-temp-scale", "temperature tuning `attn_scale`: the weight of the query scale's logarithm (default: the model's; Llama 4: 0.1)")
}

// Check reports a bad --attn-temp value, or a floor or scale given with
// tuning off, as usage errors.
func (a *AttnTemp) Check() error {
	switch a.mode {
	case "", "on", "off":
	default:
		return cli.Usagef("--attn-temp %q: want on or off", a.mode)
	}
	if a.mode == "off" && (a.floor.set || a.scale.set) {
		return cli.Usagef("--attn-temp-floor and --attn-temp-scale have no effect with --attn-temp off")
	}
	return nil
}

// Apply returns m with the flags' temperature tuning (m itself when no
// flag is given; otherwise a copy sharing its weights, so a shared model
// is left unchanged), saying what is in use on stderr unless quiet.
func (a *AttnTemp) Apply(m *llama4.Model, stderr io.Writer, quiet bool) (*llama4.Model, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	if a.mode == "" && !a.floor.set && !a.scale.set {
		return m, nil
	}
	t := m.Config.TempTuningSetting()
	if a.mode != "" {
		t.On = a.mode == "on"
	}
	if !t.On && (a.floor.set || a.scale.set) {
		return nil, cli.Usagef("the model's config has attention temperature tuning off: add --attn-temp on to use --attn-temp-floor or --attn-temp-scale")
	}
	if a.floor.set {
		t.FloorScale = a.floor.v
	}
	if a.scale.set {
		t.AttnScale = a.scale.v
	}
	out, err := m.WithTempTuning(t)
	if err != nil {
		return nil, cli.Usagef("--attn-temp: %v", err)
	}
	if !quiet {
		if t.On {
			fmt.Fprintf(stderr, "attention temperature tuning: on, floor %g, scale %g\n", t.FloorScale, t.AttnScale)
		} else {
			fmt.Fprintf(stderr, "attention temperature tuning: off\n")
		}
	}
	return out, nil
}
