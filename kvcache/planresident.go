package kvcache

import (
	"fmt"
	"strings"
)

// Resident is a model held for the whole run beside the one whose KV
// cache a plan sizes (a vision tower, a safeguard model): counted in the
// plan before anything is allocated, so that everything a process holds
// fits together. Sizes are in bytes.
type Resident struct {
	Name         string `json:"name"`               // what it is, as the printout and errors name it ("vision tower")
	WeightBytes  int64  `json:"weights_bytes"`      // its weights as held (after quantization)
	KVBytes      int64  `json:"kv_bytes,omitempty"` // its own KV cache slots, when it has any
	ScratchBytes int64  `json:"scratch_bytes"`      // its activations at their largest
	Hint         string `json:"hint,omitempty"`     // what lowers it ("--quant lowers it"), for a plan that does not fit
}

// Bytes is everything r holds.
func (r Resident) Bytes() int64 { return r.WeightBytes + r.KVBytes + r.ScratchBytes }

// String is r's name and size: "vision tower 1.20 GiB".
func (r Resident) String() string { return r.Name + " " + Human(r.Bytes()) }

// residentBytes sums rs.
func residentBytes(rs []Resident) int64 {
	var n int64
	for _, r := range rs {
		n += r.Bytes()
	}
	return n
}

// ResidentList names rs and their sizes, comma-separated ("" for none), as
// herd serve's startup log shows them; with hints, each is followed by
// what lowers it, and they are separated by semicolons, as Fit's errors
// show them: "vision tower 1.20 GiB: --quant lowers it; Prompt Guard …".
func ResidentList(rs []Resident, hints bool) string {
	parts := make([]string, len(rs))
	sep := ", "
	for i, r := range rs {
		parts[i] = r.String()
		if hints {
			sep = "; "
			if r.Hint != "" {
				parts[i] += ": " + r.Hint
			}
		}
	}
	return strings.Join(parts, sep)
}

// fitError is Fit's refusal of in's plan p in avail bytes, lo the largest
// context that fits (0: none): it names the parts of the plan, the
// residents with what lowers each.
func fitError(in PlanInput, p *Plan, avail int64, lo int) error {
	fixed := in.WeightBytes + in.ScratchBytes + in.PrefixBytes
	if lo == 0 {
		if len(in.Residents) == 0 {
			return fmt.Errorf("not enough memory: the weights, buffers and prefix cache alone need %s, %s is available", Human(fixed), Human(avail))
		}
		return fmt.Errorf("not enough memory: the weights, buffers and prefix cache (%s) and the models beside them (%s) alone need %s, %s is available",
			Human(fixed), ResidentList(in.Residents, true), Human(fixed+p.ResidentBytes), Human(avail))
	}
	beside := ""
	if len(in.Residents) > 0 {
		beside = fmt.Sprintf(", of which %s beside the model (%s)", Human(p.ResidentBytes), ResidentList(in.Residents, true))
	}
	return fmt.Errorf("not enough memory for a %d-token context: the plan needs %s%s, %s is available; the largest context that fits is %d tokens",
		in.Ctx, Human(p.TotalBytes), beside, Human(avail), lo)
}
