package gatewaytest

import (
	"strings"
	"testing"
)

const exposition = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="tiny"} 2
vllm:num_requests_waiting{model_name="tiny"} 3
vllm:kv_cache_usage_perc{model_name="tiny"} 0.25
vllm:cache_config_info{block_size="16",num_gpu_blocks="64"} 1
vllm:prefix_cache_hits_total{model_name="tiny"} 48
vllm:prefix_cache_queries_total{model_name="tiny"} 100 1700000000000
herd_queue_length 3
`

func TestParseMetrics(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       podMetrics
		wantErr    string
	}{
		{"vllm series", exposition, podMetrics{waiting: 3, running: 2, kvUsage: 0.25, hits: 48, queries: 100, blockSize: 16}, ""},
		{"no running gauge", strings.Replace(exposition, "vllm:num_requests_running{", "vllm:other{", 1), podMetrics{}, "no vllm:num_requests_running"},
		{"bad value", exposition + "vllm:kv_cache_usage_perc{} lots\n", podMetrics{}, "lots"},
		{"unclosed labels", "vllm:num_requests_waiting{a=\"1\" 3\n", podMetrics{}, "unclosed labels"},
		{"no value", exposition + "vllm:num_requests_waiting{}\n", podMetrics{}, "no value"},
		{"bad block size", exposition + "vllm:cache_config_info{block_size=\"x\"} 1\n", podMetrics{}, `block_size "x"`},
	} {
		got, err := parseMetrics(strings.NewReader(tc.text))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v, want %+v", tc.name, got, err, tc.want)
		}
	}
}

func FuzzParseMetrics(f *testing.F) {
	f.Add(exposition)
	f.Add("vllm:num_requests_waiting{a=\"}\"} 1\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := parseMetrics(strings.NewReader(text))
		if err != nil {
			return
		}
		// Comments and blank lines change nothing.
		m2, err := parseMetrics(strings.NewReader("# HELP x y\n\n" + text + "\n# EOF\n"))
		if err != nil || (m2 != m && m.kvUsage == m.kvUsage && m.hits == m.hits && m.queries == m.queries) {
			t.Fatalf("%q: %+v, with comments %+v, %v", text, m, m2, err)
		}
	})
}
