// Command serverbench measures the aggregate decode throughput of an
// OpenAI-compatible server (herd serve, llama.cpp's llama-server, vLLM) under
// P concurrent streams: stream i sends a greedy completion request whose
// prompt starts with its own number (so the streams decode different tokens
// and, in a mixture-of-experts model, route to different experts), and the
// tokens counted are the servers' own usage.completion_tokens.
//
//	go run ./tools/serverbench -url http://127.0.0.1:8080 -p 8 -n 32 -r 3
//
// It prints one line per round (P requests started together) and the median
// of the aggregate tokens/s: completion tokens of the round ÷ wall time from
// the first request sent to the last answer received.
//
// With -turns T it runs a multi-turn chat benchmark instead (multiturn.go):
// -convs conversations, each turn extending the last, printing per turn the
// prompt and cached tokens, the prefix-cache hit rate and the median time to
// first token.
//
//	go run ./tools/serverbench -url http://127.0.0.1:8080 -turns 6 -convs 4 -words 60 -n 16
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "server base URL")
	p := flag.Int("p", 8, "concurrent streams")
	n := flag.Int("n", 32, "max_tokens per request")
	r := flag.Int("r", 3, "rounds (the median is printed)")
	model := flag.String("model", "", "model field of the request")
	prompt := flag.String("prompt", "Once upon a time", "prompt")
	ignoreEOS := flag.Bool("ignore-eos", false, "send llama.cpp's ignore_eos (servers that know it decode exactly -n tokens)")
	native := flag.Bool("llamacpp-native", false, "use llama-server's own /completion endpoint (n_predict, tokens_predicted), which does not run its chat-output parser on the random text of a dummy model")
	ban := flag.String("llamacpp-ban", "", "with -llamacpp-native: token ids LO-HI that llama-server may not sample (logit_bias false); its output parser rejects invalid UTF-8, which a random-weight model's lone byte tokens produce")
	turns := flag.Int("turns", 0, "multi-turn chat benchmark: turns per conversation (0: the throughput benchmark)")
	convs := flag.Int("convs", 4, "with -turns: conversations, run round-robin")
	words := flag.Int("words", 60, "with -turns: words per user message")
	flag.Parse()
	if *turns > 0 {
		if err := multiTurn(*url, *model, *convs, *turns, *words, *n); err != nil {
			log.Fatal(err)
		}
		return
	}
	var bias [][2]any
	if *ban != "" {
		var lo, hi int
		if _, err := fmt.Sscanf(*ban, "%d-%d", &lo, &hi); err != nil || lo > hi {
			log.Fatalf("-llamacpp-ban %q: want LO-HI", *ban)
		}
		for id := lo; id <= hi; id++ {
			bias = append(bias, [2]any{id, false})
		}
	}

	reqs := make([][]byte, *p)
	for i := range reqs {
		body := map[string]any{"prompt": fmt.Sprintf("%d. %s", i+1, *prompt), "max_tokens": *n, "temperature": 0}
		if *native {
			body = map[string]any{"prompt": fmt.Sprintf("%d. %s", i+1, *prompt), "n_predict": *n, "temperature": 0, "cache_prompt": true}
			if bias != nil {
				body["logit_bias"] = bias
			}
		}
		if *model != "" {
			body["model"] = *model
		}
		if *ignoreEOS {
			body["ignore_eos"] = true
		}
		var err error
		if reqs[i], err = json.Marshal(body); err != nil {
			log.Fatal(err)
		}
	}
	var rates []float64
	for round := 0; round < *r; round++ {
		var wg sync.WaitGroup
		toks := make([]int, *p)
		errs := make([]error, *p)
		start := time.Now()
		for i := range *p {
			wg.Add(1)
			go func() {
				defer wg.Done()
				path := "/v1/completions"
				if *native {
					path = "/completion"
				}
				toks[i], errs[i] = complete(*url+path, reqs[i])
			}()
		}
		wg.Wait()
		el := time.Since(start).Seconds()
		total := 0
		for i := range *p {
			if errs[i] != nil {
				log.Fatalf("stream %d: %v", i, errs[i])
			}
			total += toks[i]
		}
		rate := float64(total) / el
		rates = append(rates, rate)
		fmt.Printf("round %d: %d streams, %d tokens in %.2f s: %.1f tokens/s\n", round, *p, total, el, rate)
	}
	slices.Sort(rates)
	fmt.Printf("median aggregate: %.1f tokens/s (%d streams, max_tokens %d)\n", rates[len(rates)/2], *p, *n)
}

// complete sends one completion request and returns its completion tokens.
func complete(url string, req []byte) (int, error) {
	resp, err := http.Post(url, "application/json", bytes.NewReader(req))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	var out struct {
		Usage struct {
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
		TokensPredicted int `json:"tokens_predicted"` // llama-server's /completion
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, fmt.Errorf("decoding answer: %w", err)
	}
	return out.Usage.CompletionTokens + out.TokensPredicted, nil
}
