package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/herd-llm/herd/internal/cli"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/sample"
	"github.com/herd-llm/herd/tensor"
	"github.com/herd-llm/herd/tokenizer"
)

// defaultKVType is the KV cache element type of every command (--kv-type).
const defaultKVType = "f16"

const kvTypeHelp = "KV cache element type: f32, bf16, f16 or q8_0"

// threadsVar defines -t and --threads on the same variable.
func threadsVar(fs *flag.FlagSet, p *int, def int, usage string) {
	fs.IntVar(p, "t", def, usage)
	fs.IntVar(p, "threads", def, usage+" (same as -t)")
}

// parseKVType reads a --kv-type value; a bad one is a usage error.
func parseKVType(s string) (tensor.DType, error) {
	dt, err := kvcache.ParseKVType(s)
	if err != nil {
		return dt, usagef("--kv-type: %v", err)
	}
	return dt, nil
}

// genFlags are the flags of the commands that load a model to generate
// (run, chat, serve, eval): --quant, --kv-type, -t/--threads, --ctx and the
// attention temperature group.
type genFlags struct {
	quant, kvType string
	threads, ctx  int
	temp          attnTempFlags
}

// define defines the group on fs, --ctx with the given default and help.
func (g *genFlags) define(fs *flag.FlagSet, ctxDefault int, ctxHelp string) {
	fs.StringVar(&g.quant, "quant", "", quantHelp)
	fs.StringVar(&g.kvType, "kv-type", defaultKVType, kvTypeHelp)
	threadsVar(fs, &g.threads, 0, "compute threads; 0 = one per CPU")
	fs.IntVar(&g.ctx, "ctx", ctxDefault, ctxHelp)
	g.temp.define(fs)
}

// genModel is a model loaded for generation, with its tokenizer (nil when
// the model has none and the command allows that) and KV cache type.
type genModel struct {
	m   *llama4.Model
	tok *tokenizer.Tokenizer
	kv  tensor.DType
}

// load is the one way run, chat, serve and eval load their model: it
// checks --kv-type and the temperature flags, sets the threads, loads -m
// (the embedded model when empty), quantizes it per --quant, loads its
// tokenizer and applies --attn-temp. needTok makes a model without
// tokenizer files an error. The caller closes g.m.
func (g *genFlags) load(model string, needTok bool, stderr io.Writer, quiet bool) (*genModel, error) {
	kv, err := parseKVType(g.kvType)
	if err != nil {
		return nil, err
	}
	if err := g.temp.check(); err != nil {
		return nil, err
	}
	if g.threads < 0 {
		return nil, usagef("-t %d must be ≥ 0", g.threads)
	}
	kernels.SetThreads(g.threads)
	m, err := loadModel(model)
	if err != nil {
		return nil, err
	}
	gm := &genModel{m: m, kv: kv}
	if err := applyQuant(m, g.quant, stderr, quiet); err != nil {
		m.Close()
		return nil, err
	}
	gm.tok, err = loadTokenizer(model, m)
	if err != nil && (needTok || !errors.Is(err, errNoTokenizer)) {
		m.Close()
		return nil, err
	}
	if gm.m, err = g.temp.apply(m, stderr, quiet); err != nil {
		m.Close()
		return nil, err
	}
	return gm, nil
}

// attnTempFlags switch attention temperature tuning at inference:
// --attn-temp on|off, --attn-temp-floor and --attn-temp-scale override the
// model config's attn_temperature_tuning, floor_scale and attn_scale.
type attnTempFlags struct {
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

// define defines the group on fs.
func (a *attnTempFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&a.mode, "attn-temp", "", "attention temperature tuning of the NoPE layers: on or off (default: as the model's config says)")
	fs.Var(&a.floor, "attn-temp-floor", "temperature tuning `floor_scale`: positions per step of the query scale (default: the model's; Llama 4: 8192)")
	fs.Var(&a.scale, "attn-temp-scale", "temperature tuning `attn_scale`: the weight of the query scale's logarithm (default: the model's; Llama 4: 0.1)")
}

// check reports a bad --attn-temp value, or a floor or scale given with
// tuning off, as usage errors.
func (a *attnTempFlags) check() error {
	switch a.mode {
	case "", "on", "off":
	default:
		return usagef("--attn-temp %q: want on or off", a.mode)
	}
	if a.mode == "off" && (a.floor.set || a.scale.set) {
		return usagef("--attn-temp-floor and --attn-temp-scale have no effect with --attn-temp off")
	}
	return nil
}

// apply returns m with the flags' temperature tuning (m itself when no
// flag is given; otherwise a copy sharing its weights, so a shared model
// is left unchanged), saying what is in use on stderr unless quiet.
func (a *attnTempFlags) apply(m *llama4.Model, stderr io.Writer, quiet bool) (*llama4.Model, error) {
	if err := a.check(); err != nil {
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
		return nil, usagef("the model's config has attention temperature tuning off: add --attn-temp on to use --attn-temp-floor or --attn-temp-scale")
	}
	if a.floor.set {
		t.FloorScale = a.floor.v
	}
	if a.scale.set {
		t.AttnScale = a.scale.v
	}
	out, err := m.WithTempTuning(t)
	if err != nil {
		return nil, usagef("--attn-temp: %v", err)
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

// ctxLimit is the context length to use: want, where a default (not given
// on the command line) is capped at the model's max_position_embeddings
// and a given value above it is an error naming both.
func ctxLimit(want int, given bool, maxPos int) (int, error) {
	if !given {
		return min(want, maxPos), nil
	}
	if want > maxPos {
		return 0, fmt.Errorf("--ctx %d exceeds the model's max_position_embeddings %d", want, maxPos)
	}
	return want, nil
}

// samplingFlags are the sampling flags of run and chat.
type samplingFlags struct {
	temp, topP, minP, repeat float64
	topK, repeatN            int
	seed                     int64
}

// define defines the sampling flags on fs.
func (s *samplingFlags) define(fs *flag.FlagSet) {
	fs.Float64Var(&s.temp, "temp", 0.8, "sampling temperature; 0 = greedy")
	fs.IntVar(&s.topK, "top-k", 40, "top-k sampling; 0 = off")
	fs.Float64Var(&s.topP, "top-p", 0.95, "top-p (nucleus) sampling; 1 = off")
	fs.Float64Var(&s.minP, "min-p", 0.05, "min-p sampling; 0 = off")
	fs.Float64Var(&s.repeat, "repeat-penalty", 1.0, "repetition penalty; 1 = off")
	fs.IntVar(&s.repeatN, "repeat-last-n", 64, "tokens of history the repetition penalty looks at; 0 = all")
	fs.Int64Var(&s.seed, "seed", -1, "random seed; -1 = random")
}

// params checks the flags and returns them as sample.Params, with a random
// seed for --seed -1.
func (s *samplingFlags) params() (sample.Params, error) {
	seed := uint64(s.seed)
	if s.seed < 0 {
		seed = rand.Uint64()
	}
	sp := sample.Params{Temperature: float32(s.temp), TopK: s.topK, TopP: float32(s.topP), MinP: float32(s.minP),
		RepeatPenalty: float32(s.repeat), RepeatLastN: s.repeatN, Seed: seed}
	if err := sp.Validate(); err != nil {
		return sp, usagef("%v", err)
	}
	return sp, nil
}

// optimFlags bind the optimizer flags train and sft share (steps, batch,
// accumulation, the learning-rate schedule, AdamW, clipping, checkpoint
// and progress intervals) to the fields of either command's options. Each
// flag's default is its field's value when define is called.
type optimFlags struct {
	steps, batch, accum, warmup, saveEvery, logEvery *int
	lr, minLR, beta1, beta2, eps, wd, clip           *float64
}

// define defines the group on fs.
func (o optimFlags) define(fs *flag.FlagSet) {
	type intFlag struct {
		p           *int
		name, usage string
	}
	type floatFlag struct {
		p           *float64
		name, usage string
	}
	for _, f := range []intFlag{
		{o.steps, "steps", "optimizer steps"}, {o.batch, "batch", "rows per micro-batch"},
		{o.accum, "accum", "micro-batches per step (gradient accumulation)"}, {o.warmup, "warmup", "linear warmup steps"},
		{o.saveEvery, "save-every", "steps between checkpoints; 0 = at the end only"}, {o.logEvery, "log-every", "steps between progress lines"},
	} {
		fs.IntVar(f.p, f.name, *f.p, f.usage)
	}
	for _, f := range []floatFlag{
		{o.lr, "lr", "peak learning rate"}, {o.minLR, "min-lr", "final learning rate of the cosine decay"},
		{o.beta1, "beta1", "AdamW β1"}, {o.beta2, "beta2", "AdamW β2"}, {o.eps, "eps", "AdamW ε"},
		{o.wd, "wd", "decoupled weight decay on parameters of ≥ 2 dimensions"}, {o.clip, "clip", "max global gradient norm; 0 = off"},
	} {
		fs.Float64Var(f.p, f.name, *f.p, f.usage)
	}
}

// resumeSteps is the --steps of a resumed run: the new total when given,
// else 0 (the checkpoint's).
func resumeSteps(cl *cli.Line, steps int) int {
	if cl.Given("steps") {
		return steps
	}
	return 0
}
