package server

import (
	"bufio"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/herd-llm/herd/engine"
)

// vllmContract is every vLLM-named series herd writes: its Prometheus type
// and label names (histograms' le aside), as vLLM and llm-d-inference-sim
// write them (README "Metric parity").
var vllmContract = map[string]struct {
	typ    string
	labels []string
}{
	"vllm:num_requests_running":                  {"gauge", []string{"model_name"}},
	"vllm:num_requests_waiting":                  {"gauge", []string{"model_name"}},
	"vllm:kv_cache_usage_perc":                   {"gauge", []string{"model_name"}},
	"vllm:gpu_cache_usage_perc":                  {"gauge", []string{"model_name"}},
	"vllm:cache_config_info":                     {"gauge", []string{"block_size", "num_gpu_blocks"}},
	"vllm:prefix_cache_queries_total":            {"counter", []string{"model_name"}},
	"vllm:prefix_cache_hits_total":               {"counter", []string{"model_name"}},
	"vllm:num_preemptions_total":                 {"counter", []string{"model_name"}},
	"vllm:prompt_tokens_total":                   {"counter", []string{"model_name"}},
	"vllm:generation_tokens_total":               {"counter", []string{"model_name"}},
	"vllm:request_success_total":                 {"counter", []string{"finish_reason", "model_name"}},
	"vllm:time_to_first_token_seconds":           {"histogram", []string{"model_name"}},
	"vllm:inter_token_latency_seconds":           {"histogram", []string{"model_name"}},
	"vllm:time_per_output_token_seconds":         {"histogram", []string{"model_name"}},
	"vllm:request_time_per_output_token_seconds": {"histogram", []string{"model_name"}},
	"vllm:e2e_request_latency_seconds":           {"histogram", []string{"model_name"}},
	"vllm:request_queue_time_seconds":            {"histogram", []string{"model_name"}},
	"vllm:request_inference_time_seconds":        {"histogram", []string{"model_name"}},
	"vllm:request_prefill_time_seconds":          {"histogram", []string{"model_name"}},
	"vllm:request_decode_time_seconds":           {"histogram", []string{"model_name"}},
	"vllm:request_prompt_tokens":                 {"histogram", []string{"model_name"}},
	"vllm:request_generation_tokens":             {"histogram", []string{"model_name"}},
}

// series is one exposition line: metric name, labels, value.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition reads Prometheus text: TYPE lines and samples.
func parseExposition(t *testing.T, text string) (types map[string]string, out []series) {
	t.Helper()
	types = map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) == 4 && f[1] == "TYPE" {
			types[f[2]] = f[3]
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			t.Fatalf("bad sample %q: %v", line, err)
		}
		s := series{labels: map[string]string{}, value: v}
		head := line[:sp]
		name, rest, ok := strings.Cut(head, "{")
		s.name = name
		if ok {
			for _, kv := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
				k, val, _ := strings.Cut(kv, "=")
				s.labels[k] = strings.Trim(val, `"`)
			}
		}
		out = append(out, s)
	}
	return types, out
}

// TestVLLMMetricContract: every vLLM series has vLLM's name, type and label
// set, and the values follow the requests recorded.
func TestVLLMMetricContract(t *testing.T) {
	m := newMetrics(4096)
	m.done(engine.Usage{PromptTokens: 100, CachedTokens: 64, CompletionTokens: 3, TimeToFirstToken: 30 * time.Millisecond,
		Latency: 90 * time.Millisecond, Queued: 5 * time.Millisecond, TokenGaps: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}}, "stop")
	m.done(engine.Usage{PromptTokens: 10, CompletionTokens: 1, TimeToFirstToken: time.Second, Latency: time.Second}, "length")
	var b strings.Builder
	m.write(&b, "tiny", gauges{waiting: 2, running: 1, kvUsage: 0.25, cache: engine.CacheConfig{BlockSize: 64, SlotBlocks: 128}})
	types, all := parseExposition(t, b.String())
	seen := map[string]bool{}
	for _, s := range all {
		base := s.name
		if types[base] == "" {
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(s.name, suf); ok && types[b] == "histogram" {
					base = b
				}
			}
		}
		if !strings.HasPrefix(base, "vllm:") {
			continue
		}
		want, ok := vllmContract[base]
		if !ok {
			t.Errorf("%s is not in the contract", base)
			continue
		}
		seen[base] = true
		if types[base] != want.typ {
			t.Errorf("%s: type %q, want %q", base, types[base], want.typ)
		}
		var keys []string
		for k := range s.labels {
			if k != "le" || !strings.HasSuffix(s.name, "_bucket") {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want.labels) {
			t.Errorf("%s: labels %v, want %v", s.name, keys, want.labels)
		}
		if l := s.labels["model_name"]; slices.Contains(want.labels, "model_name") && l != "tiny" {
			t.Errorf("%s: model_name %q", s.name, l)
		}
	}
	for name := range vllmContract {
		if !seen[name] {
			t.Errorf("%s is not written", name)
		}
	}
	value := func(name string, labels ...string) float64 {
		for _, s := range all {
			if s.name != name {
				continue
			}
			match := true
			for i := 0; i+1 < len(labels); i += 2 {
				match = match && s.labels[labels[i]] == labels[i+1]
			}
			if match {
				return s.value
			}
		}
		t.Errorf("no %s%v", name, labels)
		return -1
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vllm:num_requests_waiting", nil, 2},
		{"vllm:kv_cache_usage_perc", nil, 0.25},
		{"vllm:cache_config_info", []string{"block_size", "64", "num_gpu_blocks", "128"}, 1},
		{"vllm:prefix_cache_queries_total", nil, 110},
		{"vllm:prefix_cache_hits_total", nil, 64},
		{"vllm:prompt_tokens_total", nil, 110},
		{"vllm:generation_tokens_total", nil, 4},
		{"vllm:request_success_total", []string{"finish_reason", "stop"}, 1},
		{"vllm:request_success_total", []string{"finish_reason", "length"}, 1},
		{"vllm:time_to_first_token_seconds_count", nil, 2},
		{"vllm:time_to_first_token_seconds_bucket", []string{"le", "0.04"}, 1},
		{"vllm:time_to_first_token_seconds_bucket", []string{"le", "+Inf"}, 2},
		{"vllm:inter_token_latency_seconds_count", nil, 2},
		{"vllm:inter_token_latency_seconds_bucket", []string{"le", "0.025"}, 1},
		{"vllm:request_time_per_output_token_seconds_sum", nil, 0.03},
		{"vllm:e2e_request_latency_seconds_sum", nil, 1.09},
		{"vllm:request_queue_time_seconds_sum", nil, 0.005},
		{"vllm:request_prompt_tokens_bucket", []string{"le", "100"}, 2},
		{"vllm:request_prompt_tokens_bucket", []string{"le", "5"}, 0},
		{"vllm:num_preemptions_total", nil, 0},
	} {
		if got := value(tc.name, tc.labels...); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("%s%v = %g, want %g", tc.name, tc.labels, got, tc.want)
		}
	}
}

func TestBuckets125(t *testing.T) {
	for _, tc := range []struct {
		max  int
		want []float64
	}{
		{1, []float64{1}},
		{4, []float64{1, 2}},
		{100, []float64{1, 2, 5, 10, 20, 50, 100}},
		{4096, []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000}},
	} {
		if got := buckets125(tc.max); !slices.Equal(got, tc.want) {
			t.Errorf("buckets125(%d) = %v, want %v", tc.max, got, tc.want)
		}
	}
}
