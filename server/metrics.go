package server

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/herd-llm/herd/engine"
	"github.com/herd-llm/herd/internal/version"
)

// metrics holds the server's Prometheus metrics, written in the text
// exposition format without a client library.
type metrics struct {
	mu        sync.Mutex
	requests  map[string]int64 // by "endpoint,status"
	latency   *histogram       // request seconds
	ttft      *histogram       // time to first token, seconds
	promptTok int64
	genTok    int64
	images    int64 // images decoded and preprocessed
	start     time.Time
	vllm      *vllmMetrics
}

// newMetrics makes the metrics of a server whose sequences hold ctx tokens.
func newMetrics(ctx int) *metrics {
	b := []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}
	return &metrics{requests: map[string]int64{}, latency: newHistogram(b), ttft: newHistogram(b), start: time.Now(), vllm: newVLLMMetrics(ctx)}
}

func (m *metrics) request(endpoint string, status int, d time.Duration) {
	m.mu.Lock()
	m.requests[fmt.Sprintf("%s,%d", endpoint, status)]++
	m.latency.observe(d.Seconds())
	m.mu.Unlock()
}

// done records a finished engine request: its usage and finish reason.
func (m *metrics) done(u engine.Usage, finish string) {
	m.mu.Lock()
	m.promptTok += int64(u.PromptTokens - u.CachedTokens)
	m.genTok += int64(u.CompletionTokens)
	if u.CompletionTokens > 0 {
		m.ttft.observe(u.TimeToFirstToken.Seconds())
	}
	m.vllm.done(u, finish)
	m.mu.Unlock()
}

// image counts one image decoded and preprocessed.
func (m *metrics) image() {
	m.mu.Lock()
	m.images++
	m.mu.Unlock()
}

type histogram struct {
	bounds []float64
	counts []int64 // cumulative per bound is computed on write
	sum    float64
	n      int64
}

func newHistogram(b []float64) *histogram {
	return &histogram{bounds: b, counts: make([]int64, len(b))}
}

func (h *histogram) observe(v float64) {
	for i, b := range h.bounds {
		if v <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += v
	h.n++
}

func (h *histogram) write(w io.Writer, name, help string) { h.writeLabeled(w, name, help, "") }

// writeLabeled writes the histogram with labels (`k="v",…`, or "") on every series.
func (h *histogram) writeLabeled(w io.Writer, name, help, labels string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	lb, l := "{", ""
	if labels != "" {
		lb, l = "{"+labels+",", "{"+labels+"}"
	}
	var cum int64
	for i, b := range h.bounds {
		cum += h.counts[i]
		fmt.Fprintf(w, "%s_bucket%sle=\"%g\"} %d\n", name, lb, b, cum)
	}
	fmt.Fprintf(w, "%s_bucket%sle=\"+Inf\"} %d\n%s_sum%s %g\n%s_count%s %d\n", name, lb, h.n, name, l, h.sum, name, l, h.n)
}

// gauges are the scheduler figures written with each scrape.
type gauges struct {
	waiting, running int
	kvUsage          float64
	kvBytes          int64
	generated        int64
	cache            engine.CacheConfig
	poolBlocks       int
	poolBytes        int64
}

// write renders every metric: herd's own, then the vLLM-named ones
// (vllm_metrics.go) that inference gateways route on.
func (m *metrics) write(w io.Writer, model string, g gauges) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintf(w, "# HELP herd_build_info The herd build serving, in its labels; always 1.\n# TYPE herd_build_info gauge\nherd_build_info{version=%q} 1\n", version.Version())
	fmt.Fprintf(w, "# HELP herd_requests_total HTTP requests by endpoint and status.\n# TYPE herd_requests_total counter\n")
	keys := make([]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ep, st, _ := strings.Cut(k, ",")
		fmt.Fprintf(w, "herd_requests_total{endpoint=%q,status=%q} %d\n", ep, st, m.requests[k])
	}
	m.latency.write(w, "herd_request_duration_seconds", "Request latency.")
	m.ttft.write(w, "herd_time_to_first_token_seconds", "Time from request to first generated token.")
	up := time.Since(m.start).Seconds()
	fmt.Fprintf(w, "# HELP herd_prompt_tokens_total Prompt tokens processed.\n# TYPE herd_prompt_tokens_total counter\nherd_prompt_tokens_total %d\n", m.promptTok)
	fmt.Fprintf(w, "# HELP herd_generation_tokens_total Tokens generated.\n# TYPE herd_generation_tokens_total counter\nherd_generation_tokens_total %d\n", m.genTok)
	fmt.Fprintf(w, "# HELP herd_images_prepared_total Request images decoded and preprocessed.\n# TYPE herd_images_prepared_total counter\nherd_images_prepared_total %d\n", m.images)
	fmt.Fprintf(w, "# HELP herd_generation_tokens_per_second Mean generated tokens per second since start.\n# TYPE herd_generation_tokens_per_second gauge\nherd_generation_tokens_per_second %g\n", float64(g.generated)/math.Max(up, 1e-9))
	fmt.Fprintf(w, "# HELP herd_queue_length Requests waiting for a slot.\n# TYPE herd_queue_length gauge\nherd_queue_length %d\n", g.waiting)
	fmt.Fprintf(w, "# HELP herd_running_requests Requests being decoded.\n# TYPE herd_running_requests gauge\nherd_running_requests %d\n", g.running)
	fmt.Fprintf(w, "# HELP herd_kv_cache_usage_ratio Fraction of KV cache positions in use.\n# TYPE herd_kv_cache_usage_ratio gauge\nherd_kv_cache_usage_ratio %g\n", g.kvUsage)
	fmt.Fprintf(w, "# HELP herd_kv_cache_bytes Bytes held by KV caches.\n# TYPE herd_kv_cache_bytes gauge\nherd_kv_cache_bytes %d\n", g.kvBytes)
	fmt.Fprintf(w, "# HELP herd_prefix_cache_blocks Blocks held by the prefix-cache pool.\n# TYPE herd_prefix_cache_blocks gauge\nherd_prefix_cache_blocks %d\n", g.poolBlocks)
	fmt.Fprintf(w, "# HELP herd_prefix_cache_bytes Bytes held by the prefix-cache pool.\n# TYPE herd_prefix_cache_bytes gauge\nherd_prefix_cache_bytes %d\n", g.poolBytes)
	m.vllm.write(w, model, g)
}
