package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/herd-llm/herd/kernels"

	"github.com/herd-llm/herd/kvcache"
	"github.com/herd-llm/herd/model/llama4"
	"github.com/herd-llm/herd/tensor"
)

// Suite is herd bench's set of tests on one model, as llama-bench runs
// them: prompt processing of Prompt tokens, decoding of Decode tokens after
// Depth tokens of context, and with Parallel > 0 the aggregate decode of 1
// and Parallel concurrent streams through the batching engine.
type Suite struct {
	Model     string // the model's name in the report
	Quant     string // its weights' type in the report
	Threads   int    // compute threads (set by the caller), in the report
	Prompt    int    // prompt tokens of the pp test; 0 = skip
	Decode    int    // tokens of the tg test; 0 = skip
	Depth     int    // context tokens in the cache before the tg test
	Synthetic bool   // fill Depth with random keys/values instead of a prefill
	Reps      int    // repetitions; the median is reported
	Batch     int    // prefill batch
	KV        tensor.DType
	Parallel  int  // concurrent streams of the parallel test; 0 = skip
	NoWarmup  bool // skip the untimed warm-up run before each test
	BWBytes   int  // buffer of the bandwidth measurement; 0 = skip it
	// Pipeline, when set, runs the tests across its stages (the model
	// given to Run holds every layer, for the report) and gives each row
	// per-stage columns (stages.go). Synthetic contexts are refused with it.
	Pipeline StagedModel
}

// Row is one test's result with the suite's settings (a JSON line of
// herd bench --json).
type Row struct {
	Model    string  `json:"model"`
	Quant    string  `json:"quant"`
	Threads  int     `json:"threads"`
	Kernels  string  `json:"kernels"` // the kernel family (kernels.Impl)
	KVType   string  `json:"kv_type"`
	BWGBs    float64 `json:"bandwidth_gb_s"`
	ReadMB   float64 `json:"weights_mb_per_token,omitempty"`
	EffPct   float64 `json:"decode_efficiency_pct,omitempty"`
	AchGBs   float64 `json:"achieved_gb_s,omitempty"`
	WeightMB float64 `json:"weights_mb"`
	// Stages are the pipeline stages' shares (Suite.Pipeline).
	Stages []StageRow `json:"stages,omitempty"`
	Result
}

// Run measures the machine's read bandwidth (unless BWBytes is 0), then
// runs the suite's tests on m. start is called once the set-up is done,
// before the first timed test (to start a profile; nil for none).
func (s *Suite) Run(m *llama4.Model, start func() error) ([]Row, float64, error) {
	if s.Prompt+s.Depth+s.Decode >= m.Config.MaxPositions {
		return nil, 0, fmt.Errorf("-p/--depth/-n exceed the model's max_position_embeddings %d", m.Config.MaxPositions)
	}
	bw := 0.0
	if s.BWBytes > 0 {
		bw = Bandwidth(s.Threads, s.BWBytes)
		debug.FreeOSMemory()
	}
	per := DecodeBytes(m)
	if start != nil {
		if err := start(); err != nil {
			return nil, 0, err
		}
	}
	run := s.runner(m)
	var rows []Row
	measured := func(f func() error) error { return s.measured(&rows, f) }
	if s.Prompt > 0 {
		if !s.NoWarmup {
			if err := Warmup(run, s.Prompt, s.Batch, s.KV); err != nil {
				return nil, 0, err
			}
		}
		if err := measured(func() error {
			r, err := Prompt(run, s.Prompt, s.Batch, s.Reps, s.KV)
			rows = append(rows, Row{Result: r})
			return err
		}); err != nil {
			return nil, 0, err
		}
	}
	if s.Decode > 0 {
		if !s.NoWarmup {
			if err := Warmup(run, 0, s.Batch, s.KV); err != nil {
				return nil, 0, err
			}
		}
		if err := measured(func() error {
			r, err := Decode(run, s.Decode, s.Depth, s.Reps, s.KV, s.Synthetic)
			ach := float64(per) * r.TokensPerS
			rw := Row{Result: r, ReadMB: float64(per) / 1e6, AchGBs: ach / 1e9}
			if bw > 0 {
				rw.EffPct = 100 * ach / bw
			}
			rows = append(rows, rw)
			return err
		}); err != nil {
			return nil, 0, err
		}
	}
	if s.Parallel > 0 && s.Decode > 0 {
		for _, pp := range []int{1, s.Parallel} {
			if err := measured(func() error {
				dec, e2e, err := Parallel(run, pp, s.Decode, s.Reps, s.KV)
				rows = append(rows, Row{Result: dec}, Row{Result: e2e})
				return err
			}); err != nil {
				return nil, 0, err
			}
		}
	}
	for i := range rows {
		rows[i].Model, rows[i].Quant, rows[i].Threads, rows[i].KVType = s.Model, s.Quant, s.Threads, s.KV.FlagName()
		rows[i].Kernels = kernels.Impl()
		rows[i].BWGBs = bw / 1e9
		rows[i].WeightMB = float64(m.WeightBytes()) / 1e6
	}
	return rows, bw, nil
}

// WriteJSON writes one JSON object per row (JSON lines).
func WriteJSON(w io.Writer, rows []Row) error {
	enc := json.NewEncoder(w)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// WriteTable writes the suite's results for people: the model line, the
// KV cache held after a test against the planner's formula, and a row per
// test with its decode efficiency.
func (s *Suite) WriteTable(w io.Writer, m *llama4.Model, rows []Row, bw float64) {
	fmt.Fprintf(w, "model %s (%s, %.1f MB of weights), %d threads, kernels %s, KV %s; measured read bandwidth %.1f GB/s\n",
		s.Model, s.Quant, float64(m.WeightBytes())/1e6, s.Threads, kernels.Impl(), s.KV.FlagName(), bw/1e9)
	fmt.Fprintf(w, "%-12s %12s %12s %12s  %s\n", "test", "t/s", "min", "max", "decode efficiency")
	for _, r := range rows {
		if r.KVBytes > 0 {
			plan := kvcache.MakePlan(m.PlanInput(s.Depth+s.Decode+1, 1, s.KV))
			fmt.Fprintf(w, "KV cache after %s: %d bytes held; planner formula for %d tokens: %d bytes (all layers at full length would be %d)\n",
				r.Test, r.KVBytes, s.Depth+s.Decode+1, plan.KVBytes, plan.KVAllFullBytes)
		}
	}
	for _, r := range rows {
		eff := ""
		if r.EffPct > 0 {
			eff = fmt.Sprintf("%.1f MB/token → %.1f GB/s = %.0f%% of measured bandwidth", r.ReadMB, r.AchGBs, r.EffPct)
		} else if r.ReadMB > 0 {
			eff = fmt.Sprintf("%.1f MB/token → %.2f GB/s of weights", r.ReadMB, r.AchGBs)
		}
		fmt.Fprintf(w, "%-12s %12.2f %12.2f %12.2f  %s\n", r.Test, r.TokensPerS, r.Min, r.Max, eff)
	}
	writeStages(w, rows)
}
