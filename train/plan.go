package train

import (
	"fmt"

	"github.com/herd-llm/herd/model/llama4"
)

// Plan is the activation memory of one training step over B rows of T
// tokens, computed from the configuration before anything is allocated.
// NewWorkspace allocates exactly these buffers (one arena per element type),
// so the plan is the allocation, not an estimate.
type Plan struct {
	B, T int
	// Saved counts the elements kept from the forward pass for the backward
	// pass: residual streams, normalised inputs, q/k/v, attention outputs and
	// log-sum-exps, FFN pre-activations, router logits and scores.
	Saved int64
	// Logits counts the [B·T, V] logits, overwritten by their gradient.
	Logits int64
	// Scratch counts the temporaries reused by every layer (gradient
	// buffers, gathered expert rows, matmul transposes, attention rows).
	Scratch int64
	// OtherBytes counts the int32 routing records (expert choices and
	// order), the token ids and the float64 per-row losses, in bytes.
	OtherBytes int64

	ints int64 // int32 elements of OtherBytes
}

// Bytes is the total size for elements of elemSize bytes (4 for float32).
func (p Plan) Bytes(elemSize int) int64 {
	return (p.Saved+p.Logits+p.Scratch)*int64(elemSize) + p.OtherBytes
}

// String describes the plan for float32.
func (p Plan) String() string {
	return fmt.Sprintf("activations for %d×%d tokens: saved %s + logits %s + scratch %s + routing %s = %s",
		p.B, p.T, human(4*p.Saved), human(4*p.Logits), human(4*p.Scratch), human(p.OtherBytes), human(p.Bytes(4)))
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// PlanFor computes the activation plan of a B×T step for cfg.
func PlanFor(cfg *llama4.Config, B, T int) (Plan, error) {
	if B <= 0 || T <= 0 {
		return Plan{}, fmt.Errorf("train: batch %d×%d must be positive", B, T)
	}
	if err := checkTrainable(cfg); err != nil {
		return Plan{}, err
	}
	var a arena[float32]
	a.counting = true
	var ints intArena
	ints.counting = true
	layoutWorkspace(&Workspace[float32]{}, cfg, B, T, &a, &ints)
	p := Plan{B: B, T: T, Saved: a.saved, Logits: a.logits, Scratch: a.scratch, OtherBytes: 4*ints.n + 8*int64(B*T), ints: ints.n}
	return p, nil
}

// bump hands out consecutive slices of one allocation, buf; in counting
// mode it only adds up their total length n.
type bump[T any] struct {
	buf      []T
	off      int
	counting bool
	n        int64
}

func (a *bump[T]) take(n int) []T {
	a.n += int64(n)
	if a.counting {
		return nil
	}
	s := a.buf[a.off : a.off+n : a.off+n]
	a.off += n
	return s
}

// arena is the bump allocator of a workspace's floats, counting them by
// kind.
type arena[F Float] struct {
	bump[F]
	saved, logits, scratch int64
}

// intArena is the bump allocator of a workspace's int32 routing records.
type intArena = bump[int32]

type kind int

const (
	savedKind kind = iota
	logitsKind
	scratchKind
)

func (a *arena[F]) take(n int, k kind) []F {
	switch k {
	case savedKind:
		a.saved += int64(n)
	case logitsKind:
		a.logits += int64(n)
	default:
		a.scratch += int64(n)
	}
	return a.bump.take(n)
}
