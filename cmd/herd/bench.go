package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/herd-llm/herd/bench"
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/cluster"
	"github.com/herd-llm/herd/internal/modelflags"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

func cmdBench(args []string, stdout, stderr io.Writer) error {
	cl := newCmdLine("bench")
	dummy := cl.String("dummy", "", "benchmark random weights of a named shape instead of -m: "+strings.Join(checkpoint.Presets(), ", "))
	dtype := cl.String("dtype", "f32", "element type of --dummy weights: f32, bf16 or f16")
	seed := cl.Uint64("seed", 1, "seed of --dummy weights")
	save := cl.String("save", "", "with --dummy: write the model as a Hugging Face checkpoint to this directory, then benchmark")
	p := cl.Int("p", 512, "prompt tokens for the prompt-processing test (0: skip)")
	n := cl.Int("n", 128, "tokens for the decode test (0: skip)")
	depth := cl.Int("depth", 0, "context tokens already in the cache before the decode test")
	fill := cl.String("fill", "prefill", "how --depth is filled: prefill (run the model) or synthetic (random keys/values: same memory and attention cost, for contexts too long to prefill)")
	var threads int
	modelflags.ThreadsVar(cl.FlagSet, &threads, runtime.NumCPU(), "compute threads")
	reps := cl.Int("r", 5, "repetitions (the median is reported)")
	batch := cl.Int("batch", 512, "prefill batch")
	kvType := cl.String("kv-type", modelflags.DefaultKVType, modelflags.KVTypeHelp)
	quantFlag := cl.String("quant", "", modelflags.QuantHelp)
	var cf clusterFlags
	cf.define(cl.FlagSet)
	asJSON := cl.Bool("json", false, "print one JSON object per test (JSON lines)")
	par := cl.Int("parallel", 0, "also measure aggregate decode tokens/s of this many concurrent streams through the continuous-batching engine (tgN×P: after every stream has its first token; e2eN×P: including the prompts)")
	cpuProf := cl.String("cpuprofile", "", "write a CPU profile of the timed tests (not model set-up) to this file, for go tool pprof")
	noWarmup := cl.Bool("no-warmup", false, "skip the untimed warm-up run before each test (the whole prompt before pp, one token before tg, as llama-bench does)")
	family := cl.String("kernels", "", "kernel family: auto (the best this CPU has), avx512, avx2 or portable (default: auto, or the environment variable HERD_KERNELS)")
	bwMB := cl.Int("bw-mb", 512, "buffer size in MiB for the bandwidth measurement (0: skip it, e.g. when measuring peak RSS)")
	if _, err := cl.Parse(args, stdout); err != nil {
		return err
	}
	model := cl.Model
	if model != "" && *dummy != "" {
		return usagef("give -m MODEL or --dummy PRESET, not both (neither: the embedded model)")
	}
	if err := cf.check(*quantFlag); err != nil {
		return err
	}
	if cf.on() && *fill == "synthetic" {
		return usagef("--fill synthetic with --workers: the workers' caches can only be filled by running the model")
	}
	if threads <= 0 || *reps <= 0 || *p < 0 || *n < 0 || *depth < 0 || *batch <= 0 {
		return usagef("-t, -r and --batch must be positive; -p, -n and --depth non-negative")
	}
	kvdt, err := modelflags.ParseKVType(*kvType)
	if err != nil {
		return err
	}
	if *fill != "prefill" && *fill != "synthetic" {
		return usagef("--fill %q: want prefill or synthetic", *fill)
	}
	if *family != "" {
		if err := kernels.LimitFamily(*family); err != nil {
			return usagef("--kernels: %v", err)
		}
	}
	kernels.SetThreads(threads)
	var m *llama4.Model
	name := model
	quant := ""
	if *dummy != "" {
		cfg, err := checkpoint.PresetConfig(*dummy)
		if err != nil {
			return usagef("%v", err)
		}
		dt := map[string]tensor.DType{"f32": tensor.F32, "bf16": tensor.BF16, "f16": tensor.F16}
		d, ok := dt[*dtype]
		if !ok {
			return usagef("--dtype %q: want f32, bf16 or f16", *dtype)
		}
		if m, err = checkpoint.RandomModel(cfg, d, *seed); err != nil {
			return err
		}
		name, quant = *dummy, *dtype
		if *save != "" {
			if err := checkpoint.SaveHF(m, *save); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "saved %s (%s) to %s\n", *dummy, *dtype, *save)
		}
	} else {
		if m, err = modelflags.LoadModel(model); err != nil {
			return err
		}
		defer m.Close()
		name = modelflags.Name(model)
		quant = m.Weights.Layers[0].Q.DType.String()
	}
	if *quantFlag != "" {
		if err := modelflags.Quantize(m, *quantFlag, stderr, false); err != nil {
			return err
		}
		quant = *quantFlag
	}
	suite := bench.Suite{Model: name, Quant: quant, Threads: threads, Prompt: *p, Decode: *n, Depth: *depth, Synthetic: *fill == "synthetic",
		Reps: *reps, Batch: *batch, KV: kvdt, Parallel: *par, NoWarmup: *noWarmup, BWBytes: *bwMB << 20}
	em, done, err := cf.model(m, *p+*depth+*n+64, *batch, kvdt, max(1, *par), stderr, *asJSON)
	if err != nil {
		return err
	}
	defer done()
	if pl, ok := em.(*cluster.Pipeline); ok {
		suite.Pipeline = pl
	}
	var startProfile func() error
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		startProfile = func() error { return pprof.StartCPUProfile(f) }
		defer pprof.StopCPUProfile()
	}
	rows, bw, err := suite.Run(m, startProfile)
	if err != nil {
		return err
	}
	if *asJSON {
		return bench.WriteJSON(stdout, rows)
	}
	suite.WriteTable(stdout, m, rows, bw)
	return nil
}
