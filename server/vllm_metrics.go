package server

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/herd-llm/herd/engine"
)

// Bucket bounds of vLLM's histograms (vllm/v1/metrics/loggers.py), which
// llm-d-inference-sim copies: seconds to the first token; seconds per
// output token; seconds of a request's phases.
var (
	ttftBuckets = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0}
	tpotBuckets = []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0}
	reqBuckets  = []float64{0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}
)

// buckets125 is vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, … up to max.
func buckets125(max int) []float64 {
	var b []float64
	for e := 1; ; e *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*e > max {
				return b
			}
			b = append(b, float64(m*e))
		}
	}
}

// vllmMetrics are the series named, typed and labelled as vLLM's (and
// llm-d-inference-sim's), which inference gateways and llm-d's scheduler
// scrape; README's "Metric parity" table lists them. Guarded by metrics.mu.
type vllmMetrics struct {
	ttft, itl, tpot, reqTpot        *histogram
	e2e, queue, infer, prefill, dec *histogram
	promptHist, genHist             *histogram
	prompt, gen, queries, hits      int64
	success                         map[string]int64 // by finish reason
}

func newVLLMMetrics(ctx int) *vllmMetrics {
	tokens := buckets125(max(ctx, 1))
	return &vllmMetrics{
		ttft: newHistogram(ttftBuckets), itl: newHistogram(tpotBuckets), tpot: newHistogram(tpotBuckets), reqTpot: newHistogram(tpotBuckets),
		e2e: newHistogram(reqBuckets), queue: newHistogram(reqBuckets), infer: newHistogram(reqBuckets), prefill: newHistogram(reqBuckets), dec: newHistogram(reqBuckets),
		promptHist: newHistogram(tokens), genHist: newHistogram(tokens), success: map[string]int64{},
	}
}

// done records a finished engine request (finish is its reason: stop,
// length, …). Prefix queries and hits count prompt tokens, as vLLM's do.
func (v *vllmMetrics) done(u engine.Usage, finish string) {
	v.prompt += int64(u.PromptTokens)
	v.gen += int64(u.CompletionTokens)
	v.queries += int64(u.PromptTokens)
	v.hits += int64(u.CachedTokens)
	v.promptHist.observe(float64(u.PromptTokens))
	v.genHist.observe(float64(u.CompletionTokens))
	if finish != "" {
		v.success[finish]++
	}
	if u.Latency <= 0 { // not an engine request (a test double): no timings
		return
	}
	sec := func(d time.Duration) float64 { return max(d, 0).Seconds() }
	v.e2e.observe(sec(u.Latency))
	v.queue.observe(sec(u.Queued))
	v.infer.observe(sec(u.Latency - u.Queued))
	if u.CompletionTokens > 0 {
		v.ttft.observe(sec(u.TimeToFirstToken))
		v.prefill.observe(sec(u.TimeToFirstToken - u.Queued))
		v.dec.observe(sec(u.Latency - u.TimeToFirstToken))
	}
	for _, g := range u.TokenGaps {
		v.itl.observe(sec(g))
		v.tpot.observe(sec(g))
	}
	if u.CompletionTokens > 1 {
		v.reqTpot.observe(sec(u.Latency-u.TimeToFirstToken) / float64(u.CompletionTokens-1))
	}
}

// write renders the series for model with the scheduler figures g.
func (v *vllmMetrics) write(w io.Writer, model string, g gauges) {
	lbl := fmt.Sprintf("model_name=%q", model)
	gauge := func(name, help string, x float64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s{%s} %g\n", name, help, name, name, lbl, x)
	}
	counter := func(name, help string, x int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s{%s} %d\n", name, help, name, name, lbl, x)
	}
	gauge("vllm:num_requests_running", "Number of requests in model execution batches.", float64(g.running))
	gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", float64(g.waiting))
	gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", g.kvUsage)
	gauge("vllm:gpu_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage (the name before vLLM 0.10).", g.kvUsage)
	fmt.Fprintf(w, "# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig.\n# TYPE vllm:cache_config_info gauge\nvllm:cache_config_info{block_size=\"%d\",num_gpu_blocks=\"%d\"} 1\n",
		g.cache.BlockSize, g.cache.SlotBlocks)
	counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", v.queries)
	counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", v.hits)
	counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine (herd never preempts).", 0)
	counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", v.prompt)
	counter("vllm:generation_tokens_total", "Number of generation tokens processed.", v.gen)
	fmt.Fprintf(w, "# HELP vllm:request_success_total Count of successfully processed requests.\n# TYPE vllm:request_success_total counter\n")
	for _, r := range slices.Sorted(maps.Keys(v.success)) {
		fmt.Fprintf(w, "vllm:request_success_total{finish_reason=%q,%s} %d\n", r, lbl, v.success[r])
	}
	for _, h := range []struct {
		h          *histogram
		name, help string
	}{
		{v.ttft, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds."},
		{v.itl, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds."},
		{v.tpot, "vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds (the name before vLLM 0.11)."},
		{v.reqTpot, "vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request."},
		{v.e2e, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds."},
		{v.queue, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request."},
		{v.infer, "vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request."},
		{v.prefill, "vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request."},
		{v.dec, "vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request."},
		{v.promptHist, "vllm:request_prompt_tokens", "Number of prefill tokens processed."},
		{v.genHist, "vllm:request_generation_tokens", "Number of generation tokens processed."},
	} {
		h.h.writeLabeled(w, h.name, h.help, lbl)
	}
}
