package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"github.com/herd-llm/herd/bench"
	"github.com/herd-llm/herd/checkpoint"
	"github.com/herd-llm/herd/kernels"
	"github.com/herd-llm/herd/kvcache"
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
	threadsVar(cl.FlagSet, &threads, runtime.NumCPU(), "compute threads")
	reps := cl.Int("r", 5, "repetitions (the median is reported)")
	batch := cl.Int("batch", 512, "prefill batch")
	kvType := cl.String("kv-type", defaultKVType, kvTypeHelp)
	quantFlag := cl.String("quant", "", quantHelp)
	asJSON := cl.Bool("json", false, "print one JSON object per test (JSON lines)")
	par := cl.Int("parallel", 0, "also measure aggregate decode tokens/s of this many concurrent streams through the continuous-batching engine (tgN×P: after every stream has its first token; e2eN×P: including the prompts)")
	cpuProf := cl.String("cpuprofile", "", "write a CPU profile of the timed tests (not model set-up) to this file, for go tool pprof")
	noWarmup := cl.Bool("no-warmup", false, "skip the untimed warm-up run before each test (the whole prompt before pp, one token before tg, as llama-bench does)")
	family := cl.String("kernels", "", "kernel family: auto (the best this CPU has), avx512, avx2 or portable (default: auto, or the environment variable HERD_KERNELS)")
	bwMB := cl.Int("bw-mb", 512, "buffer size in MiB for the bandwidth measurement (0: skip it, e.g. when measuring peak RSS)")
	if _, err := cl.parse(args, stdout); err != nil {
		return err
	}
	model := cl.model
	if model != "" && *dummy != "" {
		return usagef("give -m MODEL or --dummy PRESET, not both (neither: the embedded model)")
	}
	if threads <= 0 || *reps <= 0 || *p < 0 || *n < 0 || *depth < 0 || *batch <= 0 {
		return usagef("-t, -r and --batch must be positive; -p, -n and --depth non-negative")
	}
	kvdt, err := parseKVType(*kvType)
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
		if m, err = loadModel(model); err != nil {
			return err
		}
		defer m.Close()
		name = modelName(model)
		quant = m.Weights.Layers[0].Q.DType.String()
	}
	if *quantFlag != "" {
		if err := applyQuant(m, *quantFlag, stderr, false); err != nil {
			return err
		}
		quant = *quantFlag
	}
	if *p+*depth+*n >= m.Config.MaxPositions {
		return fmt.Errorf("-p/--depth/-n exceed the model's max_position_embeddings %d", m.Config.MaxPositions)
	}
	bw := 0.0
	if *bwMB > 0 {
		bw = bench.Bandwidth(threads, *bwMB<<20)
		debug.FreeOSMemory()
	}
	per := bench.DecodeBytes(m)
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	type row struct {
		Model    string  `json:"model"`
		Quant    string  `json:"quant"`
		Threads  int     `json:"threads"`
		Kernels  string  `json:"kernels"`
		KVType   string  `json:"kv_type"`
		BWGBs    float64 `json:"bandwidth_gb_s"`
		ReadMB   float64 `json:"weights_mb_per_token,omitempty"`
		EffPct   float64 `json:"decode_efficiency_pct,omitempty"`
		AchGBs   float64 `json:"achieved_gb_s,omitempty"`
		WeightMB float64 `json:"weights_mb"`
		bench.Result
	}
	var rows []row
	if *p > 0 {
		if !*noWarmup {
			if err := bench.Warmup(m, *p, *batch, kvdt); err != nil {
				return err
			}
		}
		r, err := bench.Prompt(m, *p, *batch, *reps, kvdt)
		if err != nil {
			return err
		}
		rows = append(rows, row{Result: r})
	}
	if *n > 0 {
		if !*noWarmup {
			if err := bench.Warmup(m, 0, *batch, kvdt); err != nil {
				return err
			}
		}
		r, err := bench.Decode(m, *n, *depth, *reps, kvdt, *fill == "synthetic")
		if err != nil {
			return err
		}
		ach := float64(per) * r.TokensPerS
		rw := row{Result: r, ReadMB: float64(per) / 1e6, AchGBs: ach / 1e9}
		if bw > 0 {
			rw.EffPct = 100 * ach / bw
		}
		rows = append(rows, rw)
	}
	if *par > 0 && *n > 0 {
		for _, pp := range []int{1, *par} {
			dec, e2e, err := bench.Parallel(m, pp, *n, *reps, kvdt)
			if err != nil {
				return err
			}
			rows = append(rows, row{Result: dec}, row{Result: e2e})
		}
	}
	for i := range rows {
		rows[i].Model, rows[i].Quant, rows[i].Threads, rows[i].KVType = name, quant, threads, kvdt.FlagName()
		rows[i].Kernels = kernels.Impl()
		rows[i].BWGBs = bw / 1e9
		rows[i].WeightMB = float64(m.WeightBytes()) / 1e6
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(stdout, "model %s (%s, %.1f MB of weights), %d threads, kernels %s, KV %s; measured read bandwidth %.1f GB/s\n",
		name, quant, float64(m.WeightBytes())/1e6, threads, kernels.Impl(), kvdt.FlagName(), bw/1e9)
	fmt.Fprintf(stdout, "%-12s %12s %12s %12s  %s\n", "test", "t/s", "min", "max", "decode efficiency")
	for _, r := range rows {
		if r.KVBytes > 0 {
			plan := kvcache.MakePlan(m.PlanInput(*depth+*n+1, 1, kvdt))
			fmt.Fprintf(stdout, "KV cache after %s: %d bytes held; planner formula for %d tokens: %d bytes (all layers at full length would be %d)\n",
				r.Test, r.KVBytes, *depth+*n+1, plan.KVBytes, plan.KVAllFullBytes)
		}
	}
	for _, r := range rows {
		eff := ""
		if r.EffPct > 0 {
			eff = fmt.Sprintf("%.1f MB/token → %.1f GB/s = %.0f%% of measured bandwidth", r.ReadMB, r.AchGBs, r.EffPct)
		} else if r.ReadMB > 0 {
			eff = fmt.Sprintf("%.1f MB/token → %.2f GB/s of weights", r.ReadMB, r.AchGBs)
		}
		fmt.Fprintf(stdout, "%-12s %12.2f %12.2f %12.2f  %s\n", r.Test, r.TokensPerS, r.Min, r.Max, eff)
	}
	return nil
}
