// Package llamaguard hosts a Llama Guard 4 model for herd guard and herd
// serve --guard: the model loaded and checked to be a guard, its memory
// planned before anything is allocated (beside a main model's, on a
// server), its vision tower attached when it has one, and the guard running
// on a batching engine of its own, whose steps share the main model's
// engine.Scheduler on a server. It also holds what those commands read
// and print around a guard: the policy (categories kept or left out), the
// conversation to check (text, a file, or OpenAI-style JSON messages) and
// the verdict line.
package llamaguard

import (
	"context"
	"fmt"

	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/guard"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// settingError is an error in what the caller asked for (a usage error on
// a command line): its UsageError method says so.
type settingError struct{ error }

func (settingError) UsageError() bool { return true }

// Model is a Llama Guard model: loaded (Load), planned (Plan), then
// running on its own engine (Start, or StartShared beside a main model),
// when its embedded *guard.LlamaGuard classifies. Stop releases it at
// every stage.
type Model struct {
	*guard.LlamaGuard
	M    *llama4.Model
	Tok  *tokenizer.Tokenizer
	Path string

	opts     guard.Options
	in       kvcache.PlanInput
	plan     kvcache.Plan
	parallel int
	vis      *llama4.Vision // the vision tower, when attached
	stop     func()         // stops the engine (once started) and closes the model
}

// Load loads the guard model at path (a Hugging Face directory or GGUF
// file) with its tokenizer and refuses one that is not a Llama Guard
// (guard.CheckModel). Nothing beyond the mapped weights is allocated yet.
func Load(path string) (*Model, error) {
	m, err := checkpoint.Load(path)
	if err != nil {
		return nil, fmt.Errorf("guard model %s: %w", path, err)
	}
	tok, err := checkpoint.LoadTokenizer(path, m)
	if err == nil {
		err = guard.CheckModel(m.Config, tok)
	}
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("guard model %s: %w", path, err)
	}
	gm := &Model{M: m, Tok: tok, Path: path}
	gm.stop = gm.close
	return gm, nil
}

// Plan plans the guard's memory for parallel slots of ctx tokens (within
// the model's max_position_embeddings) with a KV cache of type kv, to run
// with the policy o; the vision tower, once attached, is counted in it too.
// Call it before AttachVision, which keeps o's vision settings.
func (gm *Model) Plan(ctx, parallel int, kv tensor.DType, o guard.Options) {
	gm.in = gm.M.PlanInput(ctx, 512, kv)
	gm.in.Sequences = parallel
	gm.parallel = parallel
	gm.opts = o
	gm.replan()
}

// replan makes the guard's plan from its input and its vision tower, when
// attached.
func (gm *Model) replan() {
	gm.in.Residents = nil
	if gm.vis != nil {
		gm.in.Residents = []kvcache.Resident{gm.vis.Resident(VisionResident, "")}
	}
	gm.plan = kvcache.MakePlan(gm.in)
}

// VisionResident is the name of the guard's vision tower in its plan.
const VisionResident = "vision tower"

// AttachVision gives the guard its vision tower, so that images are
// checked too, and counts it in the guard's plan (its weights and one
// image's scratch: llama4.Vision.Resident); the guard closes it.
func (gm *Model) AttachVision(vis *llama4.Vision) error {
	tk, err := gm.M.Config.ImageTokens(gm.Tok.TokenID)
	if err != nil {
		vis.Close()
		return err
	}
	gm.vis = vis
	gm.opts.Vision, gm.opts.ImageTokens = vis, tk
	gm.replan()
	return nil
}

// Fit checks the guard's plan against the memory available, when that is
// known, recording the
// largest context that fits; it stops gm and fails when the plan does not
// fit, with hint naming the flags to lower.
func (gm *Model) Fit(hint string) error {
	if avail, err := kvcache.Available(); err == nil {
		if err := kvcache.Fit(gm.in, &gm.plan, avail); err != nil {
			gm.Stop()
			return fmt.Errorf("guard model: %w (%s)", err, hint)
		}
	}
	return nil
}

// Bytes is the guard's planned memory, its vision tower's included (0
// for a nil guard).
func (gm *Model) Bytes() int64 {
	if gm == nil {
		return 0
	}
	return gm.plan.TotalBytes
}

// Resident is the guard as a model held beside a main model, for the
// main model's plan: named "Llama Guard" ("… with its vision tower" when
// one is attached), its weights, KV slots and scratch each with its
// vision tower's, hint saying what lowers it.
func (gm *Model) Resident(hint string) kvcache.Resident {
	p := gm.plan
	r := kvcache.Resident{Name: "Llama Guard", WeightBytes: p.WeightBytes, KVBytes: p.KVBytes + p.PrefixCacheBytes, ScratchBytes: p.ScratchBytes, Hint: hint}
	for _, v := range p.Residents {
		r.WeightBytes += v.WeightBytes
		r.KVBytes += v.KVBytes
		r.ScratchBytes += v.ScratchBytes
		r.Name += " with its " + v.Name
	}
	return r
}

// GuardEngine is the name of the guard's engine on a shared
// engine.Scheduler (StartShared).
const GuardEngine = "guard"

// Start allocates the guard's caches and runs its engine, whose steps run
// whenever they are ready (herd guard: the guard alone).
func (gm *Model) Start() error { return gm.StartShared(nil) }

// StartShared is Start with the guard's engine taking its steps in turns
// of s (nil: its own), the scheduler of the main model's engine on a
// server: as an urgent engine named GuardEngine, since a request, or an
// answer held back from its stream, waits on every check.
func (gm *Model) StartShared(s *engine.Scheduler) error {
	var em engine.Model = gm.M
	if gm.vis != nil {
		em = engine.VisionModel{Model: gm.M, Vision: gm.vis, Tokens: gm.opts.ImageTokens}
	}
	eng, err := engine.New(em, engine.Options{Parallel: gm.parallel, Ctx: gm.in.Ctx, KVType: gm.in.DType, PrefillChunk: 512, QueueSize: 4 * gm.parallel,
		Scheduler: s, Name: GuardEngine, Urgent: true})
	if err != nil {
		return err
	}
	g, err := guard.NewLlamaGuard(eng, gm.M.Config, gm.Tok, gm.opts)
	if err != nil {
		return err
	}
	ectx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ectx); close(done) }()
	gm.LlamaGuard = g
	gm.stop = func() {
		cancel()
		<-done
		gm.close()
	}
	return nil
}

// Stop stops the engine, once started, and releases the model.
func (gm *Model) Stop() { gm.stop() }

func (gm *Model) close() {
	if gm.vis != nil {
		gm.vis.Close()
	}
	gm.M.Close()
}
