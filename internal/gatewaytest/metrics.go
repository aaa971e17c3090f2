package gatewaytest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// podMetrics are the figures the router reads from a replica's /metrics:
// vLLM's series, as llm-d's scheduler scrapes them.
type podMetrics struct {
	waiting, running int
	kvUsage          float64
	hits, queries    float64
	blockSize        int // from vllm:cache_config_info{block_size}
}

// parseMetrics reads the series it needs from Prometheus text exposition;
// a missing gauge is an error (the replica does not speak the protocol).
func parseMetrics(r io.Reader) (podMetrics, error) {
	var m podMetrics
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		if i := strings.IndexAny(line, "{ \t"); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		labels := ""
		if strings.HasPrefix(rest, "{") {
			j := strings.LastIndexByte(rest, '}')
			if j < 0 {
				return m, fmt.Errorf("metrics line %q: unclosed labels", line)
			}
			labels, rest = rest[1:j], rest[j+1:]
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return m, fmt.Errorf("metrics line %q: no value", line)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return m, fmt.Errorf("metrics line %q: %w", line, err)
		}
		seen[name] = true
		switch name {
		case "vllm:num_requests_waiting":
			m.waiting = int(v)
		case "vllm:num_requests_running":
			m.running = int(v)
		case "vllm:kv_cache_usage_perc":
			m.kvUsage = v
		case "vllm:prefix_cache_hits_total":
			m.hits = v
		case "vllm:prefix_cache_queries_total":
			m.queries = v
		case "vllm:cache_config_info":
			if bs, ok := label(labels, "block_size"); ok {
				if m.blockSize, err = strconv.Atoi(bs); err != nil {
					return m, fmt.Errorf("metrics: block_size %q: %w", bs, err)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("metrics: %w", err)
	}
	for _, n := range []string{"vllm:num_requests_waiting", "vllm:num_requests_running", "vllm:kv_cache_usage_perc"} {
		if !seen[n] {
			return m, fmt.Errorf("metrics: no %s", n)
		}
	}
	return m, nil
}

// label finds key="value" in a label list (values without escapes).
func label(labels, key string) (string, bool) {
	for _, kv := range strings.Split(labels, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && k == key {
			return strings.Trim(v, `"`), true
		}
	}
	return "", false
}
